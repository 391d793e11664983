package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/jsonpointer"
)

// The AuthZEN 1.0 protocol, apart from any policy: reading the request
// documents (HTTPS JSON binding), the information model's required members
// and JSON types, batch defaults, and search paging. What the entities mean
// is the business of an AuthZENBackend.
//
// Members the protocol does not define are ignored, as the binding's
// forward-compatibility rule says; members it does define are checked, and
// every problem is an *engine.InputError naming the JSON pointer.

// AuthZENEntity is a subject or a resource.
type AuthZENEntity struct {
	Type       string         `json:"type"`
	ID         string         `json:"id,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
}

// AuthZENAction is an action.
type AuthZENAction struct {
	Name       string         `json:"name"`
	Properties map[string]any `json:"properties,omitempty"`
}

// AuthZENRequest is one access evaluation request (or the entities of a
// search request, the searched one without its id).
type AuthZENRequest struct {
	Subject  *AuthZENEntity `json:"subject,omitempty"`
	Action   *AuthZENAction `json:"action,omitempty"`
	Resource *AuthZENEntity `json:"resource,omitempty"`
	Context  map[string]any `json:"context,omitempty"`
}

// AuthZENResponse is one decision.
type AuthZENResponse struct {
	Decision bool           `json:"decision"`
	Context  map[string]any `json:"context,omitempty"`
}

// AuthZENBatchResponse answers /access/v1/evaluations.
type AuthZENBatchResponse struct {
	Evaluations []AuthZENResponse `json:"evaluations"`
}

// AuthZENResult is one search result: type and id for subjects and
// resources, name for actions. Verdict ("allow", "step_up" or "deny") is
// the backend's reading of the decision, used to filter; Properties carry
// the decision to the caller.
type AuthZENResult struct {
	Type       string         `json:"type,omitempty"`
	ID         string         `json:"id,omitempty"`
	Name       string         `json:"name,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	Verdict    string         `json:"-"`
}

// AuthZENPage is the page object of a search response.
type AuthZENPage struct {
	NextToken string `json:"next_token"`
	Count     int    `json:"count"`
	Total     int    `json:"total"`
}

// AuthZENSearchResponse answers the search endpoints; page comes first, as
// the specification recommends.
type AuthZENSearchResponse struct {
	Page    AuthZENPage     `json:"page"`
	Results []AuthZENResult `json:"results"`
}

// Batch semantics of AuthZEN 1.0.
const (
	semanticExecuteAll      = "execute_all"
	semanticDenyOnFirstDeny = "deny_on_first_deny"
	semanticPermitOnFirst   = "permit_on_first_permit"
)

// Search kinds, also the last segment of their endpoints.
const (
	SearchSubject  = "subject"
	SearchResource = "resource"
	SearchAction   = "action"
)

// readAuthZENBody checks the Content-Type and reads the body as one JSON
// object with unique member names. Numbers stay json.Number.
func readAuthZENBody(c *gin.Context) (map[string]any, error) {
	ct := c.GetHeader("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return nil, &engine.InputError{Message: "Content-Type: expected application/json, got " + strconv.Quote(ct)}
	}
	raw, err := readBody(c)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, &engine.InputError{Message: "empty body: expected a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonInputError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &engine.InputError{Message: "not valid JSON: unexpected data after the object"}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, &engine.InputError{Message: "expected a JSON object, got " + jsonpointer.TypeName(doc)}
	}
	if err := uniqueMembers(raw); err != nil {
		return nil, err
	}
	return obj, nil
}

// uniqueMembers refuses an object with the same member twice: a proxy in
// front may read the first where we would read the last. Nesting is bounded
// by encoding/json's own depth limit.
func uniqueMembers(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return uniqueIn(dec, "")
}

func uniqueIn(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return jsonInputError(err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if d == '{' {
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return jsonInputError(err)
			}
			k, _ := kt.(string)
			p := path + "/" + jsonpointer.Escape(k)
			if seen[k] {
				return &engine.InputError{Path: p, Message: "duplicate key: member given twice"}
			}
			seen[k] = true
			if err := uniqueIn(dec, p); err != nil {
				return err
			}
		}
	} else {
		for i := 0; dec.More(); i++ {
			if err := uniqueIn(dec, path+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return jsonInputError(err)
	}
	return nil
}

// Reading the members of the information model. A JSON null counts as
// absent (the specification asks senders to omit null members).

func optObject(v any, path string) (map[string]any, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return t, nil
	default:
		return nil, &engine.InputError{Path: path, Message: "expected an object, got " + jsonpointer.TypeName(v)}
	}
}

func optString(v any, path string) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	default:
		return "", &engine.InputError{Path: path, Message: "expected a string, got " + jsonpointer.TypeName(v)}
	}
}

// parseEntity reads a subject or resource; required members are checked
// later (requireEntity), once batch defaults have been applied.
func parseEntity(v any, path string) (*AuthZENEntity, error) {
	obj, err := optObject(v, path)
	if err != nil || obj == nil {
		return nil, err
	}
	e := &AuthZENEntity{}
	if e.Type, err = optString(obj["type"], path+"/type"); err != nil {
		return nil, err
	}
	if e.ID, err = optString(obj["id"], path+"/id"); err != nil {
		return nil, err
	}
	if e.Properties, err = optObject(obj["properties"], path+"/properties"); err != nil {
		return nil, err
	}
	return e, nil
}

func parseAction(v any, path string) (*AuthZENAction, error) {
	obj, err := optObject(v, path)
	if err != nil || obj == nil {
		return nil, err
	}
	a := &AuthZENAction{}
	if a.Name, err = optString(obj["name"], path+"/name"); err != nil {
		return nil, err
	}
	if a.Properties, err = optObject(obj["properties"], path+"/properties"); err != nil {
		return nil, err
	}
	return a, nil
}

// parseRequest reads the four members of an evaluation request at prefix
// ("" or "/evaluations/3"); any of them may be absent.
func parseRequest(obj map[string]any, prefix string) (AuthZENRequest, error) {
	var (
		r   AuthZENRequest
		err error
	)
	if r.Subject, err = parseEntity(obj["subject"], prefix+"/subject"); err != nil {
		return r, err
	}
	if r.Action, err = parseAction(obj["action"], prefix+"/action"); err != nil {
		return r, err
	}
	if r.Resource, err = parseEntity(obj["resource"], prefix+"/resource"); err != nil {
		return r, err
	}
	if r.Context, err = optObject(obj["context"], prefix+"/context"); err != nil {
		return r, err
	}
	return r, nil
}

// requireEntity checks the required members of an entity; withID is false
// for the searched entity of a search, whose id is ignored.
func requireEntity(e *AuthZENEntity, path string, withID bool) error {
	switch {
	case e == nil:
		return &engine.InputError{Path: path, Message: "required: expected an object with type and id"}
	case e.Type == "":
		return &engine.InputError{Path: path + "/type", Message: "required: expected a non-empty string"}
	case withID && e.ID == "":
		return &engine.InputError{Path: path + "/id", Message: "required: expected a non-empty string"}
	}
	return nil
}

func requireAction(a *AuthZENAction, path string) error {
	switch {
	case a == nil:
		return &engine.InputError{Path: path, Message: "required: expected an object with name"}
	case a.Name == "":
		return &engine.InputError{Path: path + "/name", Message: "required: expected a non-empty string"}
	}
	return nil
}

// requireEvaluation checks that r is a complete evaluation request.
func requireEvaluation(r AuthZENRequest, prefix string) error {
	if err := requireEntity(r.Subject, prefix+"/subject", true); err != nil {
		return err
	}
	if err := requireAction(r.Action, prefix+"/action"); err != nil {
		return err
	}
	return requireEntity(r.Resource, prefix+"/resource", true)
}

// over fills what an evaluations item leaves out from the top-level
// defaults. An item's entity replaces the default whole, except that a
// required member it lacks (type, id, name) falls back to the default's
// (the certification scenario's C-3-2-7 reading); properties never merge.
func (r AuthZENRequest) over(d AuthZENRequest) AuthZENRequest {
	r.Subject = entityOver(r.Subject, d.Subject)
	r.Resource = entityOver(r.Resource, d.Resource)
	switch {
	case r.Action == nil:
		r.Action = d.Action
	case r.Action.Name == "" && d.Action != nil:
		a := *r.Action
		a.Name = d.Action.Name
		r.Action = &a
	}
	if r.Context == nil {
		r.Context = d.Context
	}
	return r
}

func entityOver(e, d *AuthZENEntity) *AuthZENEntity {
	if e == nil {
		return d
	}
	if d == nil || (e.Type != "" && e.ID != "") {
		return e
	}
	out := *e
	if out.Type == "" {
		out.Type = d.Type
	}
	if out.ID == "" {
		out.ID = d.ID
	}
	return &out
}

// evaluationsSemantic reads options.evaluations_semantic; other options are
// ignored.
func evaluationsSemantic(v any) (string, error) {
	obj, err := optObject(v, "/options")
	if err != nil {
		return "", err
	}
	s, err := optString(obj["evaluations_semantic"], "/options/evaluations_semantic")
	if err != nil {
		return "", err
	}
	switch s {
	case "":
		return semanticExecuteAll, nil
	case semanticExecuteAll, semanticDenyOnFirstDeny, semanticPermitOnFirst:
		return s, nil
	}
	return "", &engine.InputError{Path: "/options/evaluations_semantic",
		Message: "expected execute_all, deny_on_first_deny or permit_on_first_permit, got " + strconv.Quote(s)}
}

// Search paging: results are computed whole (a backend's candidates are
// bounded by the request) and handed out in pages. The token carries the
// offset and a fingerprint of the request, so that a token used with other
// entities or page parameters is refused, as the specification advises.
const (
	searchPageDefault = 100
	searchPageMax     = 1000
)

// Verdicts a search may return; "allow" alone unless page.properties.decisions
// asks for more.
var searchVerdicts = []string{engine.VerdictAllow, engine.VerdictStepUp, engine.VerdictDeny}

// searchQuery is one parsed search request.
type searchQuery struct {
	kind     string
	req      AuthZENRequest
	limit    int
	offset   int
	verdicts []string
	print    string // fingerprint of everything but page.token
}

// parseSearch reads a search request of kind: the searched entity needs only
// its type (an id given is ignored), the others are complete; Action Search
// has no action.
func parseSearch(kind string, obj map[string]any) (searchQuery, error) {
	q := searchQuery{kind: kind, limit: searchPageDefault, verdicts: []string{engine.VerdictAllow}}
	if kind == SearchAction { // an action given to Action Search is not read at all
		obj = maps.Clone(obj)
		delete(obj, "action")
	}
	r, err := parseRequest(obj, "")
	if err != nil {
		return q, err
	}
	switch kind {
	case SearchSubject:
		if err := requireEntity(r.Subject, "/subject", false); err != nil {
			return q, err
		}
		r.Subject.ID = ""
		err = requireAction(r.Action, "/action")
		if err == nil {
			err = requireEntity(r.Resource, "/resource", true)
		}
	case SearchResource:
		if err := requireEntity(r.Subject, "/subject", true); err != nil {
			return q, err
		}
		if err := requireAction(r.Action, "/action"); err != nil {
			return q, err
		}
		err = requireEntity(r.Resource, "/resource", false)
		if err == nil {
			r.Resource.ID = ""
		}
	case SearchAction:
		err = requireEntity(r.Subject, "/subject", true)
		if err == nil {
			err = requireEntity(r.Resource, "/resource", true)
		}
	}
	if err != nil {
		return q, err
	}
	q.req = r
	token, err := q.readPage(obj["page"])
	if err != nil {
		return q, err
	}
	fp, _ := json.Marshal(struct {
		Kind     string         `json:"k"`
		Req      AuthZENRequest `json:"r"`
		Limit    int            `json:"l"`
		Verdicts []string       `json:"v"`
	}{kind, r, q.limit, q.verdicts})
	sum := sha256.Sum256(fp)
	q.print = hex.EncodeToString(sum[:12])
	if token != "" {
		if q.offset, err = q.readToken(token); err != nil {
			return q, err
		}
	}
	return q, nil
}

// readPage reads page.limit and page.properties.decisions and returns
// page.token.
func (q *searchQuery) readPage(v any) (string, error) {
	page, err := optObject(v, "/page")
	if err != nil || page == nil {
		return "", err
	}
	token, err := optString(page["token"], "/page/token")
	if err != nil {
		return "", err
	}
	if l := page["limit"]; l != nil {
		n, ok := l.(json.Number)
		i, err := strconv.Atoi(string(n))
		if !ok || err != nil || i < 0 {
			return "", &engine.InputError{Path: "/page/limit", Message: "expected a non-negative integer, got " + jsonText(l)}
		}
		// 0 asks for nothing in particular: the default page size.
		if i > 0 {
			q.limit = min(i, searchPageMax)
		}
	}
	props, err := optObject(page["properties"], "/page/properties")
	if err != nil || props == nil || props["decisions"] == nil {
		return token, err
	}
	list, ok := props["decisions"].([]any)
	if !ok || len(list) == 0 {
		return "", &engine.InputError{Path: "/page/properties/decisions", Message: "expected a non-empty array of allow, step_up and deny"}
	}
	q.verdicts = nil
	for i, e := range list {
		s, _ := e.(string)
		if !slices.Contains(searchVerdicts, s) {
			return "", &engine.InputError{Path: "/page/properties/decisions/" + strconv.Itoa(i), Message: "expected allow, step_up or deny, got " + jsonText(e)}
		}
		if !slices.Contains(q.verdicts, s) {
			q.verdicts = append(q.verdicts, s)
		}
	}
	slices.Sort(q.verdicts)
	return token, nil
}

func (q *searchQuery) token(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + "." + q.print))
}

func (q *searchQuery) readToken(token string) (int, error) {
	bad := &engine.InputError{Path: "/page/token", Message: "not a token of this search: entities and page parameters must stay those of the first request"}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, bad
	}
	off, print, ok := strings.Cut(string(raw), ".")
	n, err := strconv.Atoi(off)
	if !ok || err != nil || n < 0 || print != q.print {
		return 0, bad
	}
	return n, nil
}

// page filters results by verdict and cuts the requested page.
func (q *searchQuery) page(all []AuthZENResult) AuthZENSearchResponse {
	kept := make([]AuthZENResult, 0, len(all))
	for _, r := range all {
		if slices.Contains(q.verdicts, r.Verdict) {
			kept = append(kept, r)
		}
	}
	out := AuthZENSearchResponse{Results: []AuthZENResult{}, Page: AuthZENPage{Total: len(kept)}}
	if q.offset < len(kept) {
		end := min(q.offset+q.limit, len(kept))
		out.Results = kept[q.offset:end]
		if end < len(kept) {
			out.Page.NextToken = q.token(end)
		}
	}
	out.Page.Count = len(out.Results)
	return out
}

// jsonText renders a decoded value for an error message.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 64 {
		return jsonpointer.TypeName(v)
	}
	return string(b)
}
