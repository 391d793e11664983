package httpapi

import (
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
)

// evaluate is POST /v1/evaluate: one decision input, one decision.
func (a *api) evaluate(c *gin.Context) {
	explain, err := explainParam(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	body, err := readBody(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	req, err := engine.DecodeRequest(body)
	if err != nil {
		a.fail(c, err)
		return
	}
	req.Explain = explain
	if a.encoded != nil {
		a.writeEncoded(c, req, false)
		return
	}
	d, err := a.decide(c.Request.Context(), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

// writeEncoded answers from the decision cache's stored encoding: the bytes
// c.JSON would write for the decision (wrapped in the Data API's
// {"result": …, "decision_id": …} when dataAPI), without reflection.
func (a *api) writeEncoded(c *gin.Context, req *engine.Request, dataAPI bool) {
	start := time.Now()
	enc, err := a.encoded.EvaluateEncoded(c.Request.Context(), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.cfg.Metrics.ObserveDecision(req.AccessType, enc.Allow, enc.Cached, time.Since(start))
	buf := bodies.Get().(*[]byte)
	b := (*buf)[:0]
	if dataAPI {
		b = append(b, `{"result":`...)
	}
	b = enc.AppendJSON(b)
	if dataAPI {
		b = append(b, `,"decision_id":`...)
		b = engine.AppendJSONString(b, enc.DecisionID)
		b = append(b, '}')
	}
	c.Data(http.StatusOK, jsonContentType, b)
	// The writer has copied b; big answers are not kept around.
	if cap(b) <= 64<<10 {
		*buf = b
		bodies.Put(buf)
	}
}

// jsonContentType is what c.JSON sets.
const jsonContentType = "application/json; charset=utf-8"

// bodies recycles answer buffers.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}
