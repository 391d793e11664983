package console

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxShown bounds the rows of the recent decisions page.
const maxShown = 500

// shownDecision is a recorded decision, masked, as the pages show it.
type shownDecision struct {
	ID         string
	At         time.Time
	Elapsed    time.Duration
	Cached     bool
	AccessType string
	Home       string
	Resource   string
	Decision   string
	Codes      []string
	Input      map[string]any // masked
	Erased     []string
}

// shown masks a recorded decision as the decision log would.
func (c *Console) shown(rec Recorded) (shownDecision, error) {
	result, err := rec.Result()
	if err != nil {
		return shownDecision{}, err
	}
	raw, err := json.Marshal(rec.Request)
	if err != nil {
		return shownDecision{}, err
	}
	var input map[string]any
	if err := json.Unmarshal(raw, &input); err != nil {
		return shownDecision{}, err
	}
	doc := map[string]any{"input": input, "result": result}
	erased := c.masks.Erase(doc)
	input, _ = doc["input"].(map[string]any)
	result, _ = doc["result"].(map[string]any)
	s := shownDecision{ID: rec.DecisionID(), At: rec.At, Elapsed: rec.Elapsed, Cached: rec.Cached,
		Input: input, Erased: erased}
	s.AccessType, _ = input["access_type"].(string)
	s.Home, _ = input["home_tenant"].(string)
	s.Resource, _ = input["resource_tenant"].(string)
	s.Decision, _ = result["decision"].(string)
	if reasons, ok := result["reasons"].([]any); ok {
		for _, rs := range reasons {
			if m, ok := rs.(map[string]any); ok {
				if code, ok := m["code"].(string); ok {
					s.Codes = append(s.Codes, code)
				}
			}
		}
	}
	return s, nil
}

type decisionsView struct {
	Decision, Tenant, Reason string
	Rows                     []shownDecision
	Total, Matched           int
	Names                    map[string]string // tenant id → display name, where configured
	Truncated                bool
	Capacity                 int
}

func (c *Console) decisionsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := decisionsView{Decision: q.Get("decision"), Tenant: strings.ToLower(strings.TrimSpace(q.Get("tenant"))),
		Reason: strings.ToUpper(strings.TrimSpace(q.Get("reason"))), Capacity: len(c.cfg.Recorder.ring)}
	v.Names = map[string]string{}
	if tenants, err := c.namedList(r.Context(), matrixTenantsPath, nil); err == nil {
		for _, t := range tenants {
			v.Names[t.ID] = t.Name
		}
	}
	recent := c.cfg.Recorder.Recent()
	v.Total = len(recent)
	for _, rec := range recent {
		s, err := c.shown(rec)
		if err != nil {
			c.log.Error("console: recent decision", "error", err)
			continue
		}
		if !v.matches(s) {
			continue
		}
		v.Matched++
		if len(v.Rows) == maxShown {
			v.Truncated = true
			continue
		}
		v.Rows = append(v.Rows, s)
	}
	c.render(w, r, http.StatusOK, "decisions", "Recent decisions", v)
}

func (v decisionsView) matches(s shownDecision) bool {
	if v.Decision != "" && s.Decision != v.Decision {
		return false
	}
	if v.Tenant != "" && !strings.Contains(s.Home, v.Tenant) && !strings.Contains(s.Resource, v.Tenant) {
		return false
	}
	if v.Reason != "" && !slices.ContainsFunc(s.Codes, func(code string) bool { return strings.Contains(code, v.Reason) }) {
		return false
	}
	return true
}
