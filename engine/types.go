package engine

import (
	"context"
	"errors"
)

// Access types of docs/contract.md ("Decision input").
const (
	AccessB2BCollaboration = "b2b_collaboration"
	AccessB2BDirectConnect = "b2b_direct_connect"
	AccessIdentitySync     = "identity_sync"
	AccessInvitation       = "invitation"
)

// Decision verdicts.
const (
	VerdictAllow  = "allow"
	VerdictDeny   = "deny"
	VerdictStepUp = "step_up"
)

// Request is one decision input, in docs/contract.md's snake_case shape. Optional
// objects are pointers so that "absent" and "present but empty" stay distinct
// until Canonicalize fills in the defaults.
type Request struct {
	AccessType         string              `json:"access_type"`
	HomeTenant         string              `json:"home_tenant"`
	ResourceTenant     string              `json:"resource_tenant"`
	HomeCloud          string              `json:"home_cloud,omitempty"`
	ResourceCloud      string              `json:"resource_cloud,omitempty"`
	IdentityKind       string              `json:"identity_kind,omitempty"`
	User               *User               `json:"user,omitempty"`
	Application        *Application        `json:"application,omitempty"`
	Claims             *Claims             `json:"claims,omitempty"`
	TenantRestrictions *TenantRestrictions `json:"tenant_restrictions,omitempty"`
	Invitation         *Invitation         `json:"invitation,omitempty"`

	// Explain asks for the "explain" member of the decision (?explain=true).
	// It is not part of the input document.
	Explain bool `json:"-"`

	// canonical is the request's own address once this package has checked
	// it and put it in canonical form (Canonical, DecodeRequest).
	canonical *Request
}

// User is the signing-in (or synchronised) user.
type User struct {
	ID               string   `json:"id,omitempty"`
	Groups           []string `json:"groups,omitempty"`
	UserType         string   `json:"user_type,omitempty"`
	ResourceObjectID *string  `json:"resource_object_id,omitempty"`
	ResourceGroups   []string `json:"resource_groups,omitempty"`
	GDAPSession      bool     `json:"gdap_session,omitempty"`
}

// Application is the resource application and, optionally, the client.
type Application struct {
	ID       string  `json:"id,omitempty"`
	ClientID *string `json:"client_id,omitempty"`
}

// Claims are what the home session proves; missing means false.
type Claims struct {
	MFA                bool `json:"mfa"`
	CompliantDevice    bool `json:"compliant_device"`
	HybridJoinedDevice bool `json:"hybrid_joined_device"`
}

// TenantRestrictions is the TRv2 signal (sec-Restrict-Tenant-Access-Policy).
type TenantRestrictions struct {
	Tenant   string `json:"tenant"`
	PolicyID string `json:"policy_id"`
}

// Invitation describes an invitation request.
type Invitation struct {
	InviterRoles    []string `json:"inviter_roles,omitempty"`
	InviterUserType string   `json:"inviter_user_type,omitempty"`
	InviteeEmail    string   `json:"invitee_email"`
}

// Decision is the answer of docs/contract.md ("Decision output").
type Decision struct {
	DecisionID    string         `json:"decision_id"`
	Decision      string         `json:"decision"`
	Allow         bool           `json:"allow"`
	DeniedBy      *string        `json:"denied_by"`
	ErrorCode     *string        `json:"error_code"`
	StepUp        []StepUp       `json:"step_up"`
	Controls      Controls       `json:"controls"`
	ConsentPrompt bool           `json:"consent_prompt"`
	Reasons       []Reason       `json:"reasons"`
	ReportOnly    []ReportOnly   `json:"report_only"`
	Revision      string         `json:"revision"`
	Explain       map[string]any `json:"explain,omitempty"`
}

// StepUp is one interaction the user must complete.
type StepUp struct {
	Control string `json:"control"`
	At      string `json:"at"`
}

// Controls is the resolution of each Conditional Access control.
type Controls struct {
	MFA                string `json:"mfa"`
	CompliantDevice    string `json:"compliant_device"`
	HybridJoinedDevice string `json:"hybrid_joined_device"`
}

// Reason is one failing check.
type Reason struct {
	Code    string  `json:"code"`
	Stage   string  `json:"stage"`
	Tenant  *string `json:"tenant,omitempty"`
	Setting *string `json:"setting,omitempty"`
	Rule    string  `json:"rule,omitempty"`
	AADSTS  *string `json:"aadsts,omitempty"`
	Message string  `json:"message"`
}

// ReportOnly is the result of one report-only Conditional Access policy.
type ReportOnly struct {
	PolicyID string `json:"policy_id"`
	Result   string `json:"result"`
}

// Evaluator decides one request. Implementations: *Engine and the decision
// cache that decorates it.
type Evaluator interface {
	Evaluate(ctx context.Context, req *Request) (*Decision, error)
}

var (
	// ErrNotReady is returned until a policy and data have been activated.
	ErrNotReady = errors.New("engine: no policy active")
	// ErrInvalidInput wraps every input validation failure (see InputError).
	ErrInvalidInput = errors.New("invalid input")
	// ErrUndefined means the policy produced no decision: deny.
	ErrUndefined = errors.New("engine: decision undefined")
)

// InputError names the JSON pointer of the offending field and what was
// expected there.
type InputError struct {
	Path    string // JSON pointer, e.g. "/user/groups/3"
	Message string
}

func (e *InputError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// Unwrap makes errors.Is(err, ErrInvalidInput) true.
func (e *InputError) Unwrap() error { return ErrInvalidInput }

// Policy is everything one activation needs: Rego modules and the data
// document they read (data.xtenant.tenants, data.xtenant.catalog, …).
// Producers (the built-in policy, tenants files, OPA bundles) live in package
// bundles; the engine knows no file or bundle format.
type Policy struct {
	// Revision names what is active, e.g. "built-in@0.1.0+tenants:3f2a…".
	Revision string
	// Modules maps a module's path (for error messages) to its Rego source.
	Modules map[string]string
	// Data is the base data document, rooted at data. It is handed to the
	// engine's store without a copy: do not mutate it after Activate.
	Data map[string]any
}
