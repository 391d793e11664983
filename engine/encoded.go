package engine

import (
	"context"
	"encoding/json"
)

// Encoded is a decision as JSON, for transports that write it out as it is
// (the decision cache answers this way without copying what it holds).
type Encoded struct {
	// DecisionID is the fresh id of this answer.
	DecisionID string
	// Allow is the decision's allow member.
	Allow bool
	// Cached tells whether the cache answered.
	Cached bool
	// Revision is the revision the decision was made under.
	Revision string
	// Tail is the decision's JSON encoding after its first member,
	// decision_id: `"decision":…}`. It is shared: never modify it.
	Tail []byte
}

// AppendJSON appends the decision's JSON, exactly as encoding/json encodes
// the Decision: {"decision_id":"<id>",<Tail>.
func (e Encoded) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"decision_id":`...)
	dst = AppendJSONString(dst, e.DecisionID)
	dst = append(dst, ',')
	return append(dst, e.Tail...)
}

// AppendJSONString appends s as encoding/json encodes a string. Decision ids
// are plain ASCII and take the short way; anything else goes through
// encoding/json itself, so that the bytes never differ.
func AppendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// CachedEvaluator is an Evaluator that also tells whether a cache answered
// (the decision cache, and the decorators over it), so that transports keep
// their cache metrics.
type CachedEvaluator interface {
	Evaluator
	EvaluateCached(ctx context.Context, req *Request) (*Decision, bool, error)
}

// EncodedEvaluator is an Evaluator that can answer as JSON (the decision
// cache, and the decorators over it): a cache hit then costs no copy and no
// encoding.
type EncodedEvaluator interface {
	Evaluator
	EvaluateEncoded(ctx context.Context, req *Request) (Encoded, error)
}
