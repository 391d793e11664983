package decisioncache

import (
	"slices"

	"github.com/xtenant/xtenant/engine"
)

// clone deep-copies a decision so that no caller can change what the cache
// holds or what another caller received.
func clone(d *engine.Decision) *engine.Decision {
	out := *d
	out.DeniedBy = cloneString(d.DeniedBy)
	out.ErrorCode = cloneString(d.ErrorCode)
	// slices.Clone keeps an empty list empty rather than nil: the JSON
	// answer must say [] where the engine said [].
	out.StepUp = slices.Clone(d.StepUp)
	out.ReportOnly = slices.Clone(d.ReportOnly)
	out.Reasons = slices.Clone(d.Reasons)
	for i := range out.Reasons {
		r := &out.Reasons[i]
		r.Tenant = cloneString(r.Tenant)
		r.Setting = cloneString(r.Setting)
		r.AADSTS = cloneString(r.AADSTS)
	}
	if d.Explain != nil {
		out.Explain = cloneValue(d.Explain).(map[string]any)
	}
	return &out
}

func cloneString(s *string) *string {
	if s == nil {
		return nil
	}
	v := *s
	return &v
}

// cloneValue copies a JSON-like value (maps, slices, scalars).
func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = cloneValue(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = cloneValue(e)
		}
		return s
	default:
		return v
	}
}
