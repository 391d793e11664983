package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/xtenant/xtenant/jsonpointer"
)

// Enumerations of the decision output (schemas/decision.schema.json).
var (
	verdicts      = []string{VerdictAllow, VerdictDeny, VerdictStepUp}
	stages        = []string{"configuration", "cloud", "tenant_restrictions", "home_outbound", "resource_inbound", "conditional_access", "sync", "invitation", "extension"}
	controlValues = []string{"not_required", "satisfied_by_home_claim", "step_up_home", "step_up_resource", "unsatisfiable"}
	stepUpAt      = []string{"home", "resource"}
	settings      = []string{"partner", "default", "service_default"}
	reportResults = []string{"success", "failure", "user_action_required", "not_applied"}
	reasonCodes   = []string{
		"RESOURCE_TENANT_UNKNOWN", "INVALID_CONFIGURATION", "CROSS_CLOUD_NOT_ENABLED", "CROSS_CLOUD_UNSUPPORTED",
		"TENANT_RESTRICTED", "TENANT_RESTRICTIONS_POLICY_UNKNOWN", "HOME_OUTBOUND_BLOCKED", "RESOURCE_INBOUND_BLOCKED",
		"CA_BLOCK", "MFA_STEP_UP", "MFA_UNSATISFIABLE", "COMPLIANT_DEVICE_UNSATISFIABLE", "HYBRID_JOINED_DEVICE_UNSATISFIABLE",
		"CONTROL_UNSUPPORTED", "SYNC_NOT_ALLOWED", "AUTOMATIC_REDEMPTION_REQUIRED", "INVITER_NOT_ALLOWED",
		"INVITATION_DOMAIN_BLOCKED", "INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS", "EXTENSION_DENY",
	}
)

// decodeError is a malformed policy result: the policy, not the request, is
// at fault, so it is an internal error (never an allow).
type decodeError struct {
	path, msg string
}

func (e *decodeError) Error() string {
	return fmt.Sprintf("malformed decision at %s: %s", e.path, e.msg)
}

// decodeDecision reads the policy's decision object strictly: every member
// of docs/contract.md's "Decision output" (less decision_id and revision) must be
// present with the right type and a known value, and nothing else may be.
func decodeDecision(v ast.Value) (*Decision, error) {
	var d Decision
	dec := resultDecoder{}
	dec.object(v, "", func(key string, val ast.Value, p string) {
		switch key {
		case "decision":
			d.Decision = dec.enum(val, p, verdicts)
		case "allow":
			d.Allow = dec.boolean(val, p)
		case "denied_by":
			d.DeniedBy = dec.nullableEnum(val, p, stages)
		case "error_code":
			d.ErrorCode = dec.nullableString(val, p)
		case "step_up":
			d.StepUp = []StepUp{}
			dec.array(val, p, func(item ast.Value, p string) {
				var s StepUp
				dec.object(item, p, func(key string, val ast.Value, p string) {
					switch key {
					case "control":
						s.Control = dec.enum(val, p, []string{"mfa"})
					case "at":
						s.At = dec.enum(val, p, stepUpAt)
					default:
						dec.fail(p, "unknown member")
					}
				}, "control", "at")
				d.StepUp = append(d.StepUp, s)
			})
		case "controls":
			dec.object(val, p, func(key string, val ast.Value, p string) {
				switch key {
				case "mfa":
					d.Controls.MFA = dec.enum(val, p, controlValues)
				case "compliant_device":
					d.Controls.CompliantDevice = dec.enum(val, p, controlValues)
				case "hybrid_joined_device":
					d.Controls.HybridJoinedDevice = dec.enum(val, p, controlValues)
				default:
					dec.fail(p, "unknown member")
				}
			}, "mfa", "compliant_device", "hybrid_joined_device")
		case "consent_prompt":
			d.ConsentPrompt = dec.boolean(val, p)
		case "reasons":
			d.Reasons = []Reason{}
			dec.array(val, p, func(item ast.Value, p string) {
				d.Reasons = append(d.Reasons, dec.reason(item, p))
			})
		case "report_only":
			d.ReportOnly = []ReportOnly{}
			dec.array(val, p, func(item ast.Value, p string) {
				var r ReportOnly
				dec.object(item, p, func(key string, val ast.Value, p string) {
					switch key {
					case "policy_id":
						r.PolicyID = dec.str(val, p)
					case "result":
						r.Result = dec.enum(val, p, reportResults)
					default:
						dec.fail(p, "unknown member")
					}
				}, "policy_id", "result")
				d.ReportOnly = append(d.ReportOnly, r)
			})
		default:
			dec.fail(p, "unknown member")
		}
	}, "decision", "allow", "denied_by", "error_code", "step_up", "controls", "consent_prompt", "reasons", "report_only")
	if dec.err != nil {
		return nil, dec.err
	}
	// Fail closed on contradictions: allow must mean exactly "allow" with
	// nothing denying it.
	if d.Allow != (d.Decision == VerdictAllow) {
		return nil, &decodeError{"/allow", fmt.Sprintf("%t contradicts decision %q", d.Allow, d.Decision)}
	}
	if d.Decision != VerdictDeny && (d.DeniedBy != nil || d.ErrorCode != nil) {
		return nil, &decodeError{"/denied_by", "set on a decision that is not deny"}
	}
	if d.Decision == VerdictDeny && d.DeniedBy == nil {
		return nil, &decodeError{"/denied_by", "null on a deny"}
	}
	return &d, nil
}

// resultDecoder reads a policy result, keeping the first error; later
// calls are no-ops.
type resultDecoder struct{ err error }

func (d *resultDecoder) fail(path, msg string) {
	if d.err == nil {
		d.err = &decodeError{path, msg}
	}
}

func (d *resultDecoder) object(v ast.Value, path string, member func(key string, val ast.Value, path string), required ...string) {
	if d.err != nil {
		return
	}
	obj, ok := v.(ast.Object)
	if !ok {
		d.fail(path, "expected object, got "+ast.ValueName(v))
		return
	}
	for _, k := range required {
		if obj.Get(ast.StringTerm(k)) == nil {
			d.fail(path+"/"+k, "missing")
			return
		}
	}
	obj.Foreach(func(k, val *ast.Term) {
		if d.err != nil {
			return
		}
		key, ok := k.Value.(ast.String)
		if !ok {
			d.fail(path, "non-string key "+k.String())
			return
		}
		member(string(key), val.Value, path+"/"+jsonpointer.Escape(string(key)))
	})
}

func (d *resultDecoder) array(v ast.Value, path string, item func(ast.Value, string)) {
	if d.err != nil {
		return
	}
	arr, ok := v.(*ast.Array)
	if !ok {
		d.fail(path, "expected array, got "+ast.ValueName(v))
		return
	}
	for i := 0; i < arr.Len() && d.err == nil; i++ {
		item(arr.Elem(i).Value, fmt.Sprintf("%s/%d", path, i))
	}
}

func (d *resultDecoder) str(v ast.Value, path string) string {
	s, ok := v.(ast.String)
	if !ok {
		d.fail(path, "expected string, got "+ast.ValueName(v))
		return ""
	}
	return string(s)
}

func (d *resultDecoder) boolean(v ast.Value, path string) bool {
	b, ok := v.(ast.Boolean)
	if !ok {
		d.fail(path, "expected boolean, got "+ast.ValueName(v))
		return false
	}
	return bool(b)
}

func (d *resultDecoder) enum(v ast.Value, path string, allowed []string) string {
	s := d.str(v, path)
	if d.err == nil && !slices.Contains(allowed, s) {
		d.fail(path, fmt.Sprintf("expected one of %s, got %q", strings.Join(allowed, ", "), s))
	}
	return s
}

func (d *resultDecoder) nullableString(v ast.Value, path string) *string {
	if _, ok := v.(ast.Null); ok {
		return nil
	}
	s := d.str(v, path)
	return &s
}

func (d *resultDecoder) nullableEnum(v ast.Value, path string, allowed []string) *string {
	if _, ok := v.(ast.Null); ok {
		return nil
	}
	s := d.enum(v, path, allowed)
	return &s
}

func (d *resultDecoder) reason(v ast.Value, path string) Reason {
	var r Reason
	d.object(v, path, func(key string, val ast.Value, p string) {
		switch key {
		case "code":
			r.Code = d.enum(val, p, reasonCodes)
		case "stage":
			r.Stage = d.enum(val, p, stages)
		case "tenant":
			r.Tenant = d.nullableString(val, p)
		case "setting":
			r.Setting = d.nullableEnum(val, p, settings)
		case "rule":
			r.Rule = d.str(val, p)
		case "aadsts":
			r.AADSTS = d.nullableString(val, p)
		case "message":
			r.Message = d.str(val, p)
			if d.err == nil && r.Message == "" {
				d.fail(p, "expected a non-empty message")
			}
		default:
			d.fail(p, "unknown member")
		}
	}, "code", "stage", "message")
	return r
}
