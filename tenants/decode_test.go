package tenants

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
)

// stdDecode is what Parse did before the fast decoder: encoding/json with
// UseNumber, one value, nothing after it.
func stdDecode(raw []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return v, true
}

var decodeSeeds = []string{
	`{}`, `[]`, `{"a":1}`, `{"a": [1, -2.5e+3, 0, -0, 1E9, true, false, null, "x"]}`,
	`{"a":"\u00e9\n\"\\\/<>&","b":"\u2028","c":"é","d":"\ud800"}`,
	"{\"a\":\"\xff\xfe\"}", `{"a":1,"a":2}`, `{"a":}`, `{"a":1,}`, `[1,]`, `01`, `-`, `1.`, `1e`, `.5`,
	`{"a":"x` + "\x01" + `"}`, `{} {}`, `{} `, ` {"x" : [ {} , [ ] ] } `, `"\q"`, `tru`, `nul`, `{"a" 1}`,
	"\ufeff{}", `1.5e-7`, `[[[[[]]]]]`, `{"a":"\u0000"}`,
}

func TestDecodeFastMatchesEncodingJSON(t *testing.T) {
	for _, s := range decodeSeeds {
		checkDecode(t, []byte(s))
	}
	if raw, err := os.ReadFile("../bundles/examples/tenants.json"); err == nil {
		checkDecode(t, raw)
	}
}

func FuzzDecodeFast(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkDecode)
}

func checkDecode(t *testing.T, raw []byte) {
	want, wantOK := stdDecode(raw)
	got, gotOK := decodeFast(raw)
	if gotOK && !wantOK {
		t.Fatalf("%q: fast decoder accepted what encoding/json refuses", raw)
	}
	if gotOK && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: got %#v, want %#v", raw, got, want)
	}
	// The fast decoder may refuse what it does not handle; Parse then
	// falls back to encoding/json, so only wrong acceptance matters. Valid
	// documents must not be refused, though (else the fast path is lost).
	if wantOK && !gotOK && len(raw) > 0 && !deep(raw) {
		t.Fatalf("%q: fast decoder refused a valid document", raw)
	}
	if wantOK {
		b, err := json.Marshal(want)
		if err != nil {
			return
		}
		sum := sha256.Sum256(b)
		if h := contentHash(want); h != hex.EncodeToString(sum[:]) {
			t.Fatalf("%q: contentHash differs from sha256(json.Marshal)", raw)
		}
	}
}

func deep(raw []byte) bool { return bytes.Count(raw, []byte("[")) > maxDepth/2 }

// The canonical writer's per-byte table must escape exactly what
// encoding/json escapes: every byte, every rune up to U+FFFF (with U+2028
// and U+2029), invalid UTF-8, in strings alone and with plain text around.
func TestCanonicalStringMatchesEncodingJSON(t *testing.T) {
	var inputs []string
	for b := 0; b < 256; b++ {
		inputs = append(inputs, string([]byte{byte(b)}), "a"+string([]byte{byte(b)})+"z")
	}
	for r := rune(0x80); r <= 0xffff; r++ {
		inputs = append(inputs, string(r), "id-"+string(r))
	}
	inputs = append(inputs, "\xed\xa0\x80", "\xff\xfe", "<script>&amp;</script>", "😀")
	var buf bytes.Buffer
	w := &canonicalWriter{w: &buf}
	for _, s := range inputs {
		buf.Reset()
		w.str(s)
		want, _ := json.Marshal(s)
		if !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("%q: wrote %s, encoding/json writes %s", s, buf.Bytes(), want)
		}
	}
}

func TestToLowerMatchesStrings(t *testing.T) {
	for _, s := range []string{"", "abc", "ABC", "0f1e-AbCd", "11111111-1111-1111-1111-111111111111",
		"ÄÖÜ", "é", "İ", "KELVIN\u212a", "\xff", "mixed Ünicode"} {
		if got, want := toLower(s), strings.ToLower(s); got != want {
			t.Errorf("toLower(%q) = %q, strings.ToLower gives %q", s, got, want)
		}
	}
}
