package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/admission"
)

// evaluateBatch is POST /v1/evaluate/batch. Every request is decoded before
// any is evaluated, so one bad request refuses the whole batch (400 naming
// /requests/<i>/...) and nothing half-done is returned.
func (a *api) evaluateBatch(c *gin.Context) {
	explain, err := explainParam(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	reqs, err := decodeBatch(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := BatchResponse{Decisions: make([]*engine.Decision, len(reqs))}
	// Items wait for evaluation slots in the batch queue, one at a time, so
	// single decisions are served in between (package admission).
	ctx := admission.WithClass(c.Request.Context(), admission.Batch)
	for i, req := range reqs {
		req.Explain = explain
		if out.Decisions[i], err = a.decide(ctx, req); err != nil {
			a.fail(c, underPath(err, "/requests/"+strconv.Itoa(i)))
			return
		}
	}
	c.JSON(http.StatusOK, out)
}

func decodeBatch(c *gin.Context) ([]*engine.Request, error) {
	body, err := readBody(c)
	if err != nil {
		return nil, err
	}
	var batch BatchRequest
	if err := decodeStrict(body, &batch); err != nil {
		return nil, err
	}
	switch {
	case batch.Requests == nil:
		return nil, &engine.InputError{Path: "/requests", Message: "required: expected an array of decision inputs"}
	case len(batch.Requests) > MaxBatch:
		return nil, &engine.InputError{Path: "/requests", Message: fmt.Sprintf("expected at most %d requests, got %d", MaxBatch, len(batch.Requests))}
	}
	reqs := make([]*engine.Request, len(batch.Requests))
	for i, raw := range batch.Requests {
		if reqs[i], err = engine.DecodeRequest(raw); err != nil {
			return nil, underPath(err, "/requests/"+strconv.Itoa(i))
		}
	}
	return reqs, nil
}
