// Package jsonpointer names places and types in JSON documents for error
// messages: RFC 6901 pointer tokens ("/user/groups/3") and JSON type names
// ("expected boolean, got string"). Input validation and tenants validation
// both report errors this way.
package jsonpointer

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Escape escapes one JSON pointer token (RFC 6901): "~" → "~0", "/" → "~1".
func Escape(token string) string {
	if !strings.ContainsAny(token, "~/") {
		return token
	}
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// TypeName is the JSON type of a decoded value: null, boolean, number,
// string, array or object (else its Go type, which a JSON decoder never
// produces).
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64, int, int64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
