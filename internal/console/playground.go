package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
)

// maxInput bounds a playground input (the API's default body limit).
const maxInput = 1 << 20

// exampleInput is shown when the playground opens empty: the README's quick
// start request against the built-in example tenants.
const exampleInput = `{
  "access_type": "b2b_collaboration",
  "home_tenant": "11111111-1111-1111-1111-111111111111",
  "resource_tenant": "22222222-2222-2222-2222-222222222222",
  "user": {"id": "aaaaaaaa-0000-0000-0000-000000000001"},
  "application": {"id": "00000003-0000-0ff1-ce00-000000000000"},
  "claims": {"mfa": true}
}`

// stageOrder is the order of docs/semantics.md §2.13, for the explain table.
var stageOrder = []string{"configuration", "cloud", "tenant_restrictions", "home_outbound", "resource_inbound",
	"conditional_access", "sync", "invitation", "extension"}

type playgroundView struct {
	Input     string // the JSON in the text area
	Form      formFields
	From      string // where the input came from, for the heading
	Error     string
	ErrorPath string
	Decision  *engine.Decision
	Stages    []stageVerdict
	Explain   string
	Curl      string
	ShareLink string
	// Scenario picker.
	Scenarios []scenarioOption
	Scenario  string
	Expected  *scenario.Expect
}

type stageVerdict struct {
	Stage, Verdict string
}

type scenarioOption struct {
	Value, Label string
}

// formFields are the structured form's fields.
type formFields struct {
	AccessType, Home, Resource, IdentityKind, UserID, Groups, UserType, App string
	MFA, Compliant, Hybrid                                                  bool
	InviteeEmail, InviterRoles                                              string
}

var (
	accessTypes   = []string{engine.AccessB2BCollaboration, engine.AccessB2BDirectConnect, engine.AccessIdentitySync, engine.AccessInvitation}
	identityKinds = []string{"", "entra", "msa", "social", "email_otp", "saml_wsfed"}
	userTypes     = []string{"", "guest", "member", "none"}
)

func (c *Console) playgroundPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := playgroundView{Input: exampleInput}
	ev := c.cfg.Playground
	var raw []byte
	switch {
	case q.Has("input"):
		raw, v.From = []byte(q.Get("input")), "input"
	case q.Has("decision"):
		rec, ok := c.cfg.Recorder.Find(q.Get("decision"))
		if !ok {
			v.Error = "decision " + q.Get("decision") + " is no longer among the recent decisions"
			break
		}
		s, err := c.shown(rec)
		if err != nil {
			v.Error = err.Error()
			break
		}
		raw, _ = json.Marshal(s.Input)
		v.From = "recent decision " + s.ID
		if len(s.Erased) > 0 {
			v.From += " (masked: " + strings.Join(s.Erased, ", ") + ")"
		}
	case q.Has("form"):
		raw, v.From = formInput(q), "form"
	case q.Has("scenario"):
		var err error
		raw, ev, v.Expected, err = c.scenarioCase(q.Get("scenario"))
		if err != nil {
			v.Error = err.Error()
			break
		}
		v.Scenario, v.From = q.Get("scenario"), "scenario "+q.Get("scenario")+", evaluated against the scenario's own tenants"
	}
	v.Scenarios = c.scenarioOptions()
	if raw != nil {
		v.Input = indentJSON(raw)
		c.evaluate(r, ev, raw, &v)
	}
	v.Form = fieldsOf(v.Input)
	c.render(w, r, http.StatusOK, "playground", "Playground", v)
}

// evaluate decodes raw strictly, as POST /v1/evaluate does, and decides it
// with explain.
func (c *Console) evaluate(r *http.Request, ev engine.Evaluator, raw []byte, v *playgroundView) {
	if len(raw) > maxInput {
		v.Error = fmt.Sprintf("the input is larger than %d bytes", maxInput)
		return
	}
	req, err := engine.DecodeRequest(raw)
	if err == nil {
		req.Explain = true
		v.Decision, err = ev.Evaluate(r.Context(), req)
	}
	if err != nil {
		var ie *engine.InputError
		if errors.As(err, &ie) {
			v.Error, v.ErrorPath = ie.Message, ie.Path
		} else {
			v.Error = "not decided (deny): " + err.Error()
		}
		return
	}
	var compact bytes.Buffer
	if json.Compact(&compact, raw) == nil {
		v.ShareLink = Prefix + "playground?" + url.Values{"input": {compact.String()}}.Encode()
		v.Curl = curlCommand(r, c.cfg.Tokens.Required(), compact.String())
	}
	if stages, ok := v.Decision.Explain["stages"].(map[string]any); ok {
		for _, st := range stageOrder {
			if verdict, ok := stages[st].(string); ok {
				v.Stages = append(v.Stages, stageVerdict{Stage: st, Verdict: verdict})
			}
		}
	}
	if b, err := json.MarshalIndent(v.Decision.Explain, "", "  "); err == nil {
		v.Explain = string(b)
	}
}

// curlCommand is the same request against the API, for a shell.
func curlCommand(r *http.Request, token bool, input string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -X POST '%s://%s/v1/evaluate?explain=true' \\\n  -H 'Content-Type: application/json' \\\n", scheme, r.Host)
	if token {
		b.WriteString("  -H \"Authorization: Bearer $XTENANT_TOKEN\" \\\n")
	}
	b.WriteString("  -d " + shellQuote(input))
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func indentJSON(raw []byte) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw) // shown as given, with the decoder's error
	}
	return b.String()
}

// formInput builds the decision input of the structured form. Fields left
// empty stay out, so that the engine applies its defaults.
func formInput(q url.Values) []byte {
	in := map[string]any{"access_type": q.Get("access_type")}
	put := func(m map[string]any, key, val string) {
		if val = strings.TrimSpace(val); val != "" {
			m[key] = val
		}
	}
	put(in, "home_tenant", q.Get("home_tenant"))
	put(in, "resource_tenant", q.Get("resource_tenant"))
	put(in, "identity_kind", q.Get("identity_kind"))
	user := map[string]any{}
	put(user, "id", q.Get("user_id"))
	put(user, "user_type", q.Get("user_type"))
	if groups := splitList(q.Get("groups")); len(groups) > 0 {
		user["groups"] = groups
	}
	if len(user) > 0 {
		in["user"] = user
	}
	if app := strings.TrimSpace(q.Get("application")); app != "" {
		in["application"] = map[string]any{"id": app}
	}
	in["claims"] = map[string]any{"mfa": q.Get("mfa") == "on", "compliant_device": q.Get("compliant_device") == "on",
		"hybrid_joined_device": q.Get("hybrid_joined_device") == "on"}
	if email := strings.TrimSpace(q.Get("invitee_email")); email != "" || q.Get("access_type") == engine.AccessInvitation {
		in["invitation"] = map[string]any{"invitee_email": email, "inviter_roles": splitList(q.Get("inviter_roles"))}
	}
	raw, _ := json.Marshal(in) // strings, bools and lists always encode
	return raw
}

func splitList(s string) []any {
	out := []any{}
	for f := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == '\n' || r == ' ' || r == '\r' }) {
		out = append(out, f)
	}
	return out
}

// fieldsOf fills the structured form from a JSON input, as far as it goes.
func fieldsOf(input string) formFields {
	var in struct {
		AccessType     string `json:"access_type"`
		HomeTenant     string `json:"home_tenant"`
		ResourceTenant string `json:"resource_tenant"`
		IdentityKind   string `json:"identity_kind"`
		User           struct {
			ID       string   `json:"id"`
			Groups   []string `json:"groups"`
			UserType string   `json:"user_type"`
		} `json:"user"`
		Application struct {
			ID string `json:"id"`
		} `json:"application"`
		Claims struct {
			MFA       bool `json:"mfa"`
			Compliant bool `json:"compliant_device"`
			Hybrid    bool `json:"hybrid_joined_device"`
		} `json:"claims"`
		Invitation struct {
			InviteeEmail string   `json:"invitee_email"`
			InviterRoles []string `json:"inviter_roles"`
		} `json:"invitation"`
	}
	_ = json.Unmarshal([]byte(input), &in) // a bad input leaves the form partly empty
	return formFields{AccessType: in.AccessType, Home: in.HomeTenant, Resource: in.ResourceTenant,
		IdentityKind: in.IdentityKind, UserID: in.User.ID, Groups: strings.Join(in.User.Groups, ", "),
		UserType: in.User.UserType, App: in.Application.ID, MFA: in.Claims.MFA, Compliant: in.Claims.Compliant,
		Hybrid: in.Claims.Hybrid, InviteeEmail: in.Invitation.InviteeEmail, InviterRoles: strings.Join(in.Invitation.InviterRoles, ", ")}
}

// scenarioOptions lists "file#case" for every scenario case.
func (c *Console) scenarioOptions() []scenarioOption {
	if c.cfg.Scenarios == nil {
		return nil
	}
	var out []scenarioOption
	for fi, f := range c.cfg.Scenarios.Files {
		for ci, cs := range f.Cases {
			out = append(out, scenarioOption{Value: strconv.Itoa(fi) + "." + strconv.Itoa(ci), Label: f.Name + " — " + cs.Name})
		}
	}
	return out
}

// scenarioCase returns the input, the evaluator (holding the scenario's
// tenants) and the expectation of "file.case".
func (c *Console) scenarioCase(ref string) ([]byte, engine.Evaluator, *scenario.Expect, error) {
	if c.cfg.Scenarios == nil {
		return nil, nil, nil, errors.New("no scenarios are loaded")
	}
	fs, cs, ok := strings.Cut(ref, ".")
	fi, err1 := strconv.Atoi(fs)
	ci, err2 := strconv.Atoi(cs)
	files := c.cfg.Scenarios.Files
	if !ok || err1 != nil || err2 != nil || fi < 0 || fi >= len(files) || ci < 0 || ci >= len(files[fi].Cases) {
		return nil, nil, nil, fmt.Errorf("no scenario case %q", ref)
	}
	f := files[fi]
	ev, err := c.cfg.Scenarios.Evaluator(f)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("scenario %s: %w", f.Name, err)
	}
	return f.Cases[ci].Input, ev, &f.Cases[ci].Expect, nil
}
