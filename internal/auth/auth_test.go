package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, file, err string
	}{
		{"legacy single token", "s3cret\n", ""},
		{"scopes", "# comment\n\na decide\nb status,metrics\nc *\n", ""},
		{"empty", "\n# only a comment\n", "no token"},
		{"unknown scope", "a decide,admin\n", `unknown scope "admin"`},
		{"three fields", "a decide status\n", "line 1"},
		{"twice", "a decide\na status\n", "the same token twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.file))
			if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tok, err := Parse([]byte("legacy\ndecider decide\nwatcher status,metrics\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		header string
		scope  Scope
		want   error
	}{
		{"Bearer legacy", Data, nil},
		{"Bearer decider", Decide, nil},
		{"bearer decider", Decide, nil},
		{"BEARER  decider ", Decide, nil},
		{"Bearer decider", Status, ErrForbidden},
		{"Bearer watcher", Metrics, nil},
		{"Bearer watcher", Decide, ErrForbidden},
		{"Bearer decide", Decide, ErrUnauthenticated},
		{"Bearer decider2", Decide, ErrUnauthenticated},
		{"Bearer ", Decide, ErrUnauthenticated},
		{"Basic decider", Decide, ErrUnauthenticated},
		{"decider", Decide, ErrUnauthenticated},
		{"", Decide, ErrUnauthenticated},
	} {
		if err := tok.Check(tt.header, tt.scope); !errors.Is(err, tt.want) {
			t.Errorf("Check(%q, %s) = %v, want %v", tt.header, tt.scope, err, tt.want)
		}
	}
	var none *Tokens
	if err := none.Check("", Decide); err != nil || none.Required() {
		t.Fatalf("no tokens: %v", err)
	}
}

// FuzzParse: the token file is outside input; parsing never panics and a
// parsed file always authenticates its own first token.
func FuzzParse(f *testing.F) {
	f.Add([]byte("s3cret\n"))
	f.Add([]byte("a decide\nb status,metrics\n# x\nc *"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		tok, err := Parse(raw)
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(raw), "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
				continue
			}
			if err := tok.Check("Bearer "+fields[0], Decide); errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("token %q from the file is unknown", fields[0])
			}
			return
		}
	})
}
