package jsonpointer

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestDuplicateKey(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{`{"a":1,"b":2}`, ""},
		{`{"a":1,"a":2}`, "/a"},
		{`{"a":1,"\u0061":2}`, "/a"},
		{`{"user":{"id":"x","groups":[],"id":"y"}}`, "/user/id"},
		{`{"requests":[{"a":1},{"b":1,"b":2}]}`, "/requests/1/b"},
		{`{"a/b":{"~":1,"~":2}}`, "/a~1b/~0"},
		{`[{"x":[{"y":1,"y":1}]}]`, "/0/x/0/y"},
		{`{"a":{"k":1},"b":{"k":1}}`, ""}, // same name in different objects
		{`{"a":"\"a\"","b":"{\"a\":1,\"a\":2}"}`, ""},
		{`{"a":1,"a":`, "/a"}, // seen before the syntax error
		{`{"a":1,`, ""},
		{`not json`, ""},
		{``, ""},
		{`{"a": true , "b" : [ null , 1.5e3 ] , "a" : {}}`, "/a"},
	} {
		got, found := DuplicateKey([]byte(tt.in))
		if got != tt.want || found != (tt.want != "") {
			t.Errorf("DuplicateKey(%s) = %q, %t; want %q", tt.in, got, found, tt.want)
		}
	}
}

func TestDuplicateKeyDeep(t *testing.T) {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	if _, found := DuplicateKey([]byte(deep)); found {
		t.Fatal("found a duplicate in nested arrays")
	}
}

// FuzzDuplicateKey holds DuplicateKey to a reference built on
// encoding/json's tokenizer, for every valid JSON document.
func FuzzDuplicateKey(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `{"a":{"b":[{"c":1,"c\u0000":2,"c":3}]}}`, `[1,"x",{"":1,"":2}]`, `{"\ud800":1,"\ufffd":2}`, "{\"\xff\":1,\"\xfe\":2}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			DuplicateKey(data) // must not panic
			return
		}
		want := referenceDuplicate(t, data)
		if got, _ := DuplicateKey(data); got != want {
			t.Fatalf("DuplicateKey(%q) = %q, reference %q", data, got, want)
		}
	})
}

func referenceDuplicate(t *testing.T, data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func(path string) string // reads one value
	walk = func(path string) string {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("reference: %v", err)
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, _ := dec.Token()
				key := k.(string)
				if seen[key] {
					return path + "/" + Escape(key)
				}
				seen[key] = true
				if d := walk(path + "/" + Escape(key)); d != "" {
					return d
				}
			}
			_, _ = dec.Token() // }
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if d := walk(path + "/" + strconv.Itoa(i)); d != "" {
					return d
				}
			}
			_, _ = dec.Token() // ]
		}
		return ""
	}
	return walk("")
}
