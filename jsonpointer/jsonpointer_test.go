package jsonpointer

import (
	"encoding/json"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"groups", "groups"},
		{"a/b", "a~1b"},
		{"a~b", "a~0b"},
		{"~/", "~0~1"},
		{"", ""},
	} {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTypeName(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string
	}{
		{nil, "null"}, {true, "boolean"}, {json.Number("1"), "number"}, {1.5, "number"},
		{"x", "string"}, {[]any{}, "array"}, {map[string]any{}, "object"}, {struct{}{}, "struct {}"},
	} {
		if got := TypeName(tt.in); got != tt.want {
			t.Errorf("TypeName(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
