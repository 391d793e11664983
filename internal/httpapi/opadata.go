package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
)

// dataPost is POST /v1/data/{path} of OPA's REST Data API: {"input": …} →
// {"result": …, "decision_id": …}. The decision and every member of it go
// through the evaluator (strict input, cache, decision log, metrics); every
// other path that holds the rules of xtenant.access refuses (dataPolicyPath);
// any other path is a generic query of the active policy and data.
func (a *api) dataPost(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var in DataRequest
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeStrict(body, &in); err != nil {
			a.fail(c, err)
			return
		}
	}
	a.data(c, in.Input)
}

// dataGet is GET /v1/data/{path}; the input, if any, is the JSON in ?input=.
func (a *api) dataGet(c *gin.Context) {
	var input json.RawMessage
	if v, ok := c.GetQuery("input"); ok {
		input = json.RawMessage(v)
	}
	a.data(c, input)
}

func (a *api) data(c *gin.Context, input json.RawMessage) {
	path, err := dataPath(c.Param("path"))
	if err != nil {
		a.fail(c, err)
		return
	}
	if !a.cfg.ExposeData && !isDecisionPath(path) {
		a.fail(c, &hiddenPathError{path: path})
		return
	}
	if isNull(input) {
		input = nil
	}
	if path == engine.DecisionPath {
		a.dataDecision(c, input)
		return
	}
	if member, ok := strings.CutPrefix(path, engine.DecisionPath+"/"); ok {
		a.dataDecisionMember(c, input, member)
		return
	}
	if holdsPolicy(path) {
		a.dataPolicyPath(c, input, path)
		return
	}
	var doc any
	if input != nil {
		if err := noDuplicates(input); err != nil {
			a.fail(c, underPath(err, "/input"))
			return
		}
		dec := json.NewDecoder(bytes.NewReader(input))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			a.fail(c, underPath(jsonInputError(err), "/input"))
			return
		}
	}
	a.query(c, path, doc)
}

// query is a generic query of the active policy and data.
func (a *api) query(c *gin.Context, path string, doc any) {
	result, defined, err := a.cfg.Querier.Query(c.Request.Context(), path, doc)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := DataResponse{DecisionID: a.cfg.NewID()}
	if defined {
		out.Result = result
	}
	c.JSON(http.StatusOK, out)
}

// dataDecision answers data.xtenant.access.decision exactly as /v1/evaluate
// does, wrapped in OPA's response.
func (a *api) dataDecision(c *gin.Context, input json.RawMessage) {
	explain, err := explainParam(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	req, err := dataRequest(input)
	if err != nil {
		a.fail(c, err)
		return
	}
	req.Explain = explain
	if a.encoded != nil {
		a.writeEncoded(c, req, true)
		return
	}
	d, err := a.decide(c.Request.Context(), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, DataResponse{Result: d, DecisionID: d.DecisionID})
}

// policyPackage is the path of package xtenant.access.
const policyPackage = "xtenant/access"

// holdsPolicy reports whether evaluating path evaluates rules of
// xtenant.access: the package, any rule in it, or a document above it ("",
// "xtenant").
func holdsPolicy(path string) bool {
	return path == policyPackage || strings.HasPrefix(path, policyPackage+"/") ||
		path == "" || strings.HasPrefix(policyPackage, path+"/")
}

// dataDecisionMember answers data.xtenant.access.decision.<member…> (e.g.
// decision/allow, decision/reasons/0/code) from the same decision as
// /v1/evaluate: strict input, cache, decision log. A member the decision
// does not have is undefined (no result), as in OPA.
func (a *api) dataDecisionMember(c *gin.Context, input json.RawMessage, member string) {
	req, err := dataRequest(input)
	if err != nil {
		a.fail(c, err)
		return
	}
	d, err := a.decide(c.Request.Context(), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	raw, err := json.Marshal(d)
	if err != nil {
		a.fail(c, err)
		return
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		a.fail(c, err)
		return
	}
	out := DataResponse{DecisionID: d.DecisionID}
	if v, ok := documentMember(doc, strings.Split(member, "/")); ok {
		out.Result = v
	}
	c.JSON(http.StatusOK, out)
}

// documentMember walks a JSON document by path segments: object keys and,
// for arrays, decimal indices.
func documentMember(doc any, segs []string) (any, bool) {
	for _, seg := range segs {
		switch v := doc.(type) {
		case map[string]any:
			next, ok := v[seg]
			if !ok {
				return nil, false
			}
			doc = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(v) || strconv.Itoa(i) != seg {
				return nil, false
			}
			doc = v[i]
		default:
			return nil, false
		}
	}
	return doc, true
}

// dataPolicyPath refuses every other path that holds rules of
// xtenant.access (the package itself, a single rule such as
// home_outbound_reasons, explain, or a document above the package): such a
// query would evaluate the policy outside the decision cache and the
// decision log. Its input is checked first, exactly as for the decision, so
// that an input /v1/evaluate refuses is a 400 here too, never evaluated.
func (a *api) dataPolicyPath(c *gin.Context, input json.RawMessage, path string) {
	if input != nil {
		if _, err := dataRequest(input); err != nil {
			a.fail(c, err)
			return
		}
	}
	if input == nil && !strings.HasPrefix(path+"/", policyPackage+"/") {
		// Above the package without input (GET /v1/data, /v1/data/xtenant):
		// no decision input is evaluated; the rules see none.
		a.query(c, path, nil)
		return
	}
	a.fail(c, fmt.Errorf("%w: data.%s is not served; ask data.%s (or a member of it, e.g. %s/allow) or POST /v1/evaluate",
		errNotFound, strings.ReplaceAll(path, "/", "."), strings.ReplaceAll(engine.DecisionPath, "/", "."), engine.DecisionPath))
}

// dataRequest decodes a Data API input as a decision input, strictly.
func dataRequest(input json.RawMessage) (*engine.Request, error) {
	if input == nil {
		return nil, &engine.InputError{Path: "/input", Message: "required: the decision input"}
	}
	req, err := engine.DecodeRequest(input)
	if err != nil {
		return nil, underPath(err, "/input")
	}
	return req, nil
}

// Limits of a /v1/data path: every distinct path is compiled into a query
// of its own, so its size is bounded before it reaches the engine. The
// deepest path of the policy and data has 6 segments.
const (
	MaxDataPathBytes    = 512
	MaxDataPathSegments = 32
)

// dataPath turns "/xtenant/access/decision/" into "xtenant/access/decision";
// an empty segment ("a//b"), a path over MaxDataPathBytes or one of more
// than MaxDataPathSegments segments is refused.
func dataPath(p string) (string, error) {
	if len(p) > MaxDataPathBytes {
		return "", &engine.InputError{Message: fmt.Sprintf("data path: expected at most %d bytes, got %d", MaxDataPathBytes, len(p))}
	}
	p = strings.Trim(p, "/")
	if p == "" {
		return "", nil
	}
	if n := strings.Count(p, "/") + 1; n > MaxDataPathSegments {
		return "", &engine.InputError{Message: fmt.Sprintf("data path: expected at most %d segments, got %d", MaxDataPathSegments, n)}
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" {
			return "", &engine.InputError{Message: "data path " + p + ": empty segment"}
		}
	}
	return p, nil
}

// decisionRoots are the data paths served without --expose-data: the
// decision and its explanation, and their members. Not xtenant/access
// itself: its helper rules (xtenant/access/tenants) hold every tenant.
var decisionRoots = []string{engine.DecisionPath, engine.ExplainPath}

// isDecisionPath reports whether p is a decision path (see decisionRoots).
func isDecisionPath(p string) bool {
	for _, root := range decisionRoots {
		if p == root || strings.HasPrefix(p, root+"/") {
			return true
		}
	}
	return false
}

// hiddenPathError is a data path that is not served without --expose-data.
type hiddenPathError struct{ path string }

func (e *hiddenPathError) Error() string {
	return fmt.Sprintf("data path %q is not served: only %s and %s (and their members) are, unless xtenant serve runs with --expose-data",
		e.path, engine.DecisionPath, engine.ExplainPath)
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}
