package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/jsonpointer"
)

// MaxBatch is the most requests one batch may hold (docs/contract.md).
const MaxBatch = 1000

// BatchRequest is the body of POST /v1/evaluate/batch.
type BatchRequest struct {
	Requests []json.RawMessage `json:"requests"`
}

// BatchResponse answers it, decisions in request order.
type BatchResponse struct {
	Decisions []*engine.Decision `json:"decisions"`
}

// DataRequest is the body of POST /v1/data/{path} (OPA REST Data API).
type DataRequest struct {
	Input json.RawMessage `json:"input"`
}

// DataResponse is OPA's answer shape; Result is absent when undefined.
type DataResponse struct {
	Result     any    `json:"result,omitempty"`
	DecisionID string `json:"decision_id"`
}

// readBody reads the (size-limited) body. A body still incomplete at the
// server's read timeout is a 408.
func readBody(c *gin.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request.Body)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil, errRequestTimeout
	}
	return b, err
}

// decodeStrict decodes one JSON value into v, refusing unknown fields and
// trailing data. Each call makes its own decoder: gin's global
// EnableDecoderDisallowUnknownFields switch is never touched.
func decodeStrict(raw []byte, v any) error {
	if err := noDuplicates(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonInputError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &engine.InputError{Message: "not valid JSON: unexpected data after the object"}
	}
	return nil
}

// noDuplicates refuses a JSON document naming a member twice in one object
// (a 400 naming its pointer): encoding/json keeps the last, a proxy in
// front may read the first. Malformed JSON is left to the decoder.
func noDuplicates(raw []byte) error {
	if p, dup := jsonpointer.DuplicateKey(raw); dup {
		return engine.DuplicateKeyError(p)
	}
	return nil
}

// jsonInputError turns encoding/json's errors into an InputError with the
// best JSON pointer available.
func jsonInputError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return &engine.InputError{Message: "not valid JSON: empty body"}
	case errors.As(err, &typeErr):
		return &engine.InputError{Path: "/" + strings.ReplaceAll(typeErr.Field, ".", "/"),
			Message: "expected " + typeErr.Type.String() + ", got " + typeErr.Value}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return &engine.InputError{Path: "/" + field, Message: "unknown field"}
	default:
		return &engine.InputError{Message: "not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
}

// underPath puts an InputError's pointer below prefix ("/requests/3").
func underPath(err error, prefix string) error {
	var ie *engine.InputError
	if errors.As(err, &ie) {
		return &engine.InputError{Path: prefix + ie.Path, Message: ie.Message}
	}
	return err
}

// explainParam reads ?explain=true.
func explainParam(c *gin.Context) (bool, error) {
	v, ok := c.GetQuery("explain")
	if !ok || v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &engine.InputError{Message: "query parameter explain: expected true or false, got " + strconv.Quote(v)}
	}
	return b, nil
}
