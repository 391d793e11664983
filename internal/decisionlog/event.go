// Package decisionlog records every decision as an event with OPA's decision
// log fields (decision_id, path, input, result, bundles, timestamp, metrics),
// erases masked fields, and ships the events to stdout, a file or an OPA
// decision log service (gzip'd JSON arrays over HTTP).
//
// Logging never slows or blocks a decision: events go through a bounded
// queue and one worker; when the queue is full the event is dropped and
// counted. The package knows no metrics library: it reports written and
// dropped events through the Metrics interface.
package decisionlog

import (
	"encoding/json"
	"time"

	"github.com/xtenant/xtenant/engine"
)

// Path is the event's path: the decision rule, as OPA names it.
const Path = "xtenant/access/decision"

// Event is one decision log event, in the shape OPA's decision log plugin
// sends and its decision log services accept.
type Event struct {
	Labels     map[string]string `json:"labels,omitempty"`
	DecisionID string            `json:"decision_id"`
	Path       string            `json:"path"`
	Input      any               `json:"input"`
	Result     any               `json:"result"`
	// Revision and Bundles both carry the active revision: Revision for
	// consumers of OPA's single-bundle form, Bundles for the current one.
	Revision  string            `json:"revision,omitempty"`
	Bundles   map[string]Bundle `json:"bundles,omitempty"`
	Timestamp time.Time         `json:"timestamp"`
	Metrics   map[string]int64  `json:"metrics,omitempty"`
	// Erased lists the mask pointers that removed something.
	Erased []string `json:"erased,omitempty"`
}

// Bundle is the provenance of one bundle.
type Bundle struct {
	Revision string `json:"revision"`
}

// bundleName is the key of the active policy and data under "bundles":
// xtenant composes all its sources into one revision string.
const bundleName = "xtenant"

// record is what the request path hands over; encoding (and masking)
// happens on the worker.
type record struct {
	req *engine.Request
	// d is the decision, or enc its JSON encoding (from the cache's JSON
	// path, shared read-only): exactly one is set.
	d        *engine.Decision
	enc      engine.Encoded
	id       string
	revision string
	at       time.Time
	elapsed  time.Duration
	cached   bool
}

// result is the decision as the event carries it.
func (r record) result() any {
	if r.d != nil {
		return r.d
	}
	return json.RawMessage(r.enc.AppendJSON(nil))
}

// encode builds the event of r and erases the masked fields.
func encode(r record, labels map[string]string, masks []pointer) ([]byte, error) {
	ev := Event{
		Labels:     labels,
		DecisionID: r.id,
		Path:       Path,
		Input:      r.req,
		Result:     r.result(),
		Revision:   r.revision,
		Bundles:    map[string]Bundle{bundleName: {Revision: r.revision}},
		Timestamp:  r.at.UTC(),
		Metrics:    map[string]int64{"timer_xtenant_decision_ns": r.elapsed.Nanoseconds()},
	}
	if r.cached {
		ev.Metrics["counter_xtenant_cache_hit"] = 1
	}
	raw, err := json.Marshal(ev)
	if err != nil || len(masks) == 0 {
		return raw, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	var erased []any
	for _, m := range masks {
		if m.erase(doc) {
			erased = append(erased, m.text)
		}
	}
	if len(erased) > 0 {
		doc["erased"] = erased
	}
	return json.Marshal(doc)
}
