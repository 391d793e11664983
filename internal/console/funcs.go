package console

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"
)

var funcs = template.FuncMap{
	"duration": formatDuration,
	"percent":  func(f float64) string { return fmt.Sprintf("%.1f %%", 100*f) },
	"rate":     func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"json": func(v any) string {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err.Error()
		}
		return string(b)
	},
	"join":  strings.Join,
	"lower": strings.ToLower,
	"derefList": func(l *[]string) []string {
		if l == nil {
			return nil
		}
		return *l
	},
	"source": sourceLabel,
	"deref": func(s *string) string {
		if s == nil {
			return "–"
		}
		return *s
	},
	"short": func(id string) string {
		if len(id) > 8 {
			return id[:8] + "…"
		}
		return id
	},
	"add": func(a, b int) int { return a + b },
	"window": func(secs int) string {
		if secs%60 == 0 {
			return fmt.Sprintf("%d min", secs/60)
		}
		return fmt.Sprintf("%d s", secs)
	},
	"selected": func(a, b string) bool { return a == b },
	"options":  func(name string) []string { return optionLists[name] },
}

var optionLists = map[string][]string{
	"access_type":   accessTypes,
	"identity_kind": identityKinds,
	"user_type":     userTypes,
	"decision":      {"", "allow", "deny", "step_up"},
}

// sourceLabel names where a value comes from, as the portal would.
func sourceLabel(s string) string {
	switch s {
	case "partner":
		return "partner"
	case "default":
		return "default"
	case "service_default":
		return "service default"
	}
	return s
}
