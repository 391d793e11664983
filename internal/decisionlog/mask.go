package decisionlog

import (
	"fmt"
	"strconv"
	"strings"
)

// pointer is a parsed JSON pointer (RFC 6901) into an event.
type pointer struct {
	text  string
	steps []string
}

// parseMask reads a --decision-log-mask value. Only /input and /result may
// be erased, as in OPA: the event's own fields are needed to use it at all.
func parseMask(s string) (pointer, error) {
	if !strings.HasPrefix(s, "/") {
		return pointer{}, fmt.Errorf("decision-log-mask %q: not a JSON pointer (must start with /)", s)
	}
	steps := strings.Split(s[1:], "/")
	for i, st := range steps {
		steps[i] = strings.ReplaceAll(strings.ReplaceAll(st, "~1", "/"), "~0", "~")
	}
	if steps[0] != "input" && steps[0] != "result" {
		return pointer{}, fmt.Errorf("decision-log-mask %q: must start with /input or /result", s)
	}
	return pointer{text: s, steps: steps}, nil
}

// erase removes the value p points at from doc, if there is one, and says
// whether it did. An array element is removed from its array.
func (p pointer) erase(doc map[string]any) bool {
	var parent any = doc
	for i, step := range p.steps {
		last := i == len(p.steps)-1
		switch node := parent.(type) {
		case map[string]any:
			child, ok := node[step]
			if !ok {
				return false
			}
			if last {
				delete(node, step)
				return true
			}
			parent = child
		case []any:
			idx, err := strconv.Atoi(step)
			if err != nil || idx < 0 || idx >= len(node) {
				return false
			}
			if last {
				// The parent keeps the old slice header; write the shortened
				// slice back through the grandparent.
				return p.removeIndex(doc, i, idx)
			}
			parent = node[idx]
		default:
			return false
		}
	}
	return false
}

// removeIndex deletes element idx of the array at steps[:at].
func (p pointer) removeIndex(doc map[string]any, at, idx int) bool {
	var holder any = doc
	for _, step := range p.steps[:at-1] {
		switch node := holder.(type) {
		case map[string]any:
			holder = node[step]
		case []any:
			n, _ := strconv.Atoi(step)
			holder = node[n]
		}
	}
	key := p.steps[at-1]
	switch node := holder.(type) {
	case map[string]any:
		arr := node[key].([]any)
		node[key] = append(arr[:idx:idx], arr[idx+1:]...)
	case []any:
		n, _ := strconv.Atoi(key)
		arr := node[n].([]any)
		node[n] = append(arr[:idx:idx], arr[idx+1:]...)
	}
	return true
}

// Masks are parsed --decision-log-mask pointers, for other views of
// decisions (the web console's recent decisions) to erase what the decision
// log erases.
type Masks []pointer

// ParseMasks reads --decision-log-mask values.
func ParseMasks(values []string) (Masks, error) {
	out := make(Masks, 0, len(values))
	for _, v := range values {
		p, err := parseMask(v)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Erase removes every masked value from doc, a document shaped like an
// event ({"input": …, "result": …}), and returns the pointers that erased
// something.
func (m Masks) Erase(doc map[string]any) []string {
	var erased []string
	for _, p := range m {
		if p.erase(doc) {
			erased = append(erased, p.text)
		}
	}
	return erased
}
