package httpapi

import (
	"net/http"

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
	d, err := a.decide(c.Request.Context(), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}
