package engine

import (
	"fmt"
	"slices"
	"strconv"
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

// Members each object of the decision must have, as the terms looked up.
var (
	requiredStepUp     = stringTerms("control", "at")
	requiredControls   = stringTerms("mfa", "compliant_device", "hybrid_joined_device")
	requiredReportOnly = stringTerms("policy_id", "result")
	requiredDecision   = stringTerms("decision", "allow", "denied_by", "error_code", "step_up", "controls", "consent_prompt", "reasons", "report_only")
	requiredReason     = stringTerms("code", "stage", "message")
)

func stringTerms(keys ...string) []*ast.Term {
	out := make([]*ast.Term, len(keys))
	for i, k := range keys {
		out[i] = ast.StringTerm(k)
	}
	return out
}

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
	dec.object(v, func(key string, val ast.Value) {
		switch key {
		case "decision":
			d.Decision = dec.enum(val, verdicts)
		case "allow":
			d.Allow = dec.boolean(val)
		case "denied_by":
			d.DeniedBy = dec.nullableEnum(val, stages)
		case "error_code":
			d.ErrorCode = dec.nullableString(val)
		case "step_up":
			d.StepUp = []StepUp{}
			dec.array(val, func(item ast.Value) {
				var s StepUp
				dec.object(item, func(key string, val ast.Value) {
					switch key {
					case "control":
						s.Control = dec.enum(val, []string{"mfa"})
					case "at":
						s.At = dec.enum(val, stepUpAt)
					default:
						dec.fail("unknown member")
					}
				}, requiredStepUp...)
				d.StepUp = append(d.StepUp, s)
			})
		case "controls":
			dec.object(val, func(key string, val ast.Value) {
				switch key {
				case "mfa":
					d.Controls.MFA = dec.enum(val, controlValues)
				case "compliant_device":
					d.Controls.CompliantDevice = dec.enum(val, controlValues)
				case "hybrid_joined_device":
					d.Controls.HybridJoinedDevice = dec.enum(val, controlValues)
				default:
					dec.fail("unknown member")
				}
			}, requiredControls...)
		case "consent_prompt":
			d.ConsentPrompt = dec.boolean(val)
		case "reasons":
			d.Reasons = []Reason{}
			dec.array(val, func(item ast.Value) {
				d.Reasons = append(d.Reasons, dec.reason(item))
			})
		case "report_only":
			d.ReportOnly = []ReportOnly{}
			dec.array(val, func(item ast.Value) {
				var r ReportOnly
				dec.object(item, func(key string, val ast.Value) {
					switch key {
					case "policy_id":
						r.PolicyID = dec.str(val)
					case "result":
						r.Result = dec.enum(val, reportResults)
					default:
						dec.fail("unknown member")
					}
				}, requiredReportOnly...)
				d.ReportOnly = append(d.ReportOnly, r)
			})
		default:
			dec.fail("unknown member")
		}
	}, requiredDecision...)
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
// calls are no-ops. The path of the value being read is a stack of members
// and indexes, made a JSON pointer only for an error: a decision has
// dozens of members and errors are rare.
type resultDecoder struct {
	err  error
	path []pathSeg
}

// pathSeg is a member name, or an array index when key is "" and idx >= 0.
type pathSeg struct {
	key string
	idx int
}

func (d *resultDecoder) fail(msg string) {
	if d.err == nil {
		var b strings.Builder
		for _, s := range d.path {
			b.WriteByte('/')
			if s.idx >= 0 {
				b.WriteString(strconv.Itoa(s.idx))
			} else {
				b.WriteString(jsonpointer.Escape(s.key))
			}
		}
		d.err = &decodeError{b.String(), msg}
	}
}

func (d *resultDecoder) push(key string, idx int) { d.path = append(d.path, pathSeg{key, idx}) }
func (d *resultDecoder) pop()                     { d.path = d.path[:len(d.path)-1] }

func (d *resultDecoder) object(v ast.Value, member func(key string, val ast.Value), required ...*ast.Term) {
	if d.err != nil {
		return
	}
	obj, ok := v.(ast.Object)
	if !ok {
		d.fail("expected object, got " + ast.ValueName(v))
		return
	}
	for _, k := range required {
		if obj.Get(k) == nil {
			d.push(string(k.Value.(ast.String)), -1)
			d.fail("missing")
			d.pop()
			return
		}
	}
	obj.Foreach(func(k, val *ast.Term) {
		if d.err != nil {
			return
		}
		key, ok := k.Value.(ast.String)
		if !ok {
			d.fail("non-string key " + k.String())
			return
		}
		d.push(string(key), -1)
		member(string(key), val.Value)
		d.pop()
	})
}

func (d *resultDecoder) array(v ast.Value, item func(ast.Value)) {
	if d.err != nil {
		return
	}
	arr, ok := v.(*ast.Array)
	if !ok {
		d.fail("expected array, got " + ast.ValueName(v))
		return
	}
	for i := 0; i < arr.Len() && d.err == nil; i++ {
		d.push("", i)
		item(arr.Elem(i).Value)
		d.pop()
	}
}

func (d *resultDecoder) str(v ast.Value) string {
	s, ok := v.(ast.String)
	if !ok {
		d.fail("expected string, got " + ast.ValueName(v))
		return ""
	}
	return string(s)
}

func (d *resultDecoder) boolean(v ast.Value) bool {
	b, ok := v.(ast.Boolean)
	if !ok {
		d.fail("expected boolean, got " + ast.ValueName(v))
		return false
	}
	return bool(b)
}

func (d *resultDecoder) enum(v ast.Value, allowed []string) string {
	s := d.str(v)
	if d.err == nil && !slices.Contains(allowed, s) {
		d.fail(fmt.Sprintf("expected one of %s, got %q", strings.Join(allowed, ", "), s))
	}
	return s
}

func (d *resultDecoder) nullableString(v ast.Value) *string {
	if _, ok := v.(ast.Null); ok {
		return nil
	}
	s := d.str(v)
	return &s
}

func (d *resultDecoder) nullableEnum(v ast.Value, allowed []string) *string {
	if _, ok := v.(ast.Null); ok {
		return nil
	}
	s := d.enum(v, allowed)
	return &s
}

func (d *resultDecoder) reason(v ast.Value) Reason {
	var r Reason
	d.object(v, func(key string, val ast.Value) {
		switch key {
		case "code":
			r.Code = d.enum(val, reasonCodes)
		case "stage":
			r.Stage = d.enum(val, stages)
		case "tenant":
			r.Tenant = d.nullableString(val)
		case "setting":
			r.Setting = d.nullableEnum(val, settings)
		case "rule":
			r.Rule = d.str(val)
		case "aadsts":
			r.AADSTS = d.nullableString(val)
		case "message":
			r.Message = d.str(val)
			if d.err == nil && r.Message == "" {
				d.fail("expected a non-empty message")
			}
		default:
			d.fail("unknown member")
		}
	}, requiredReason...)
	return r
}
