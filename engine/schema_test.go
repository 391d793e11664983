package engine_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/jsonpointer"
)

// The tests of this file hold DecodeRequest to schemas/input.schema.json:
// instances are generated from the schema (valid ones, and valid ones with
// one constraint broken), judged by a validator of the JSON Schema keywords
// the schema uses, and the decoder must agree with the validator on each,
// naming the member that breaks the constraint. A keyword the validator or
// the generator does not know fails the test: the schema cannot outgrow it
// unnoticed.

const inputSchemaFile = "../schemas/input.schema.json"

// schemaDoc is the input schema, decoded.
type schemaDoc struct {
	root map[string]any
	res  map[string]*regexp.Regexp
}

func loadInputSchema(t testing.TB) *schemaDoc {
	t.Helper()
	raw, err := os.ReadFile(inputSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	return &schemaDoc{root: root, res: map[string]*regexp.Regexp{}}
}

// ecmaSpace is \s of ECMA-262 (JSON Schema patterns), inside a class.
const ecmaSpace = `\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}`

func (s *schemaDoc) pattern(t testing.TB, p string) *regexp.Regexp {
	if re, ok := s.res[p]; ok {
		return re
	}
	// Go's \s is ASCII only; the schema uses \s inside classes alone.
	if strings.Count(p, `\s`) != strings.Count(p, `@\s]`) {
		t.Fatalf("pattern %q: \\s outside [^@\\s]: teach the validator", p)
	}
	re := regexp.MustCompile(strings.ReplaceAll(p, `\s`, ecmaSpace))
	s.res[p] = re
	return re
}

// resolve follows a local $ref.
func (s *schemaDoc) resolve(t testing.TB, sch map[string]any) map[string]any {
	ref, ok := sch["$ref"].(string)
	if !ok {
		return sch
	}
	if len(sch) != 1 {
		t.Fatalf("$ref with siblings: %v", sch)
	}
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		t.Fatalf("$ref %q: only #/$defs/ is known", ref)
	}
	def, ok := s.root["$defs"].(map[string]any)[name].(map[string]any)
	if !ok {
		t.Fatalf("$ref %q: no such definition", ref)
	}
	return s.resolve(t, def)
}

// valid reports whether v (decoded with UseNumber) satisfies sch.
func (s *schemaDoc) valid(t testing.TB, sch map[string]any, v any) bool {
	sch = s.resolve(t, sch)
	for kw, arg := range sch {
		ok := true
		switch kw {
		case "$schema", "$id", "title", "description", "$defs":
		case "type":
			ok = jsonpointer.TypeName(v) == arg || arg == "integer" && jsonpointer.TypeName(v) == "number" && !strings.ContainsAny(string(v.(json.Number)), ".eE")
		case "enum":
			ok = slices.ContainsFunc(arg.([]any), func(e any) bool { return reflect.DeepEqual(e, v) })
		case "const":
			ok = reflect.DeepEqual(arg, v)
		case "pattern":
			str, isStr := v.(string)
			ok = !isStr || s.pattern(t, arg.(string)).MatchString(str)
		case "maxLength":
			str, isStr := v.(string)
			ok = !isStr || float64(utf8.RuneCountInString(str)) <= arg.(float64)
		case "maxItems":
			arr, isArr := v.([]any)
			ok = !isArr || float64(len(arr)) <= arg.(float64)
		case "items":
			arr, _ := v.([]any)
			for _, item := range arr {
				ok = ok && s.valid(t, arg.(map[string]any), item)
			}
		case "required":
			obj, isObj := v.(map[string]any)
			for _, name := range arg.([]any) {
				_, has := obj[name.(string)]
				ok = ok && (!isObj || has)
			}
		case "properties":
			obj, _ := v.(map[string]any)
			for name, sub := range arg.(map[string]any) {
				if m, has := obj[name]; has {
					ok = ok && s.valid(t, sub.(map[string]any), m)
				}
			}
		case "additionalProperties":
			if arg != false {
				t.Fatalf("additionalProperties %v: only false is known", arg)
			}
			obj, _ := v.(map[string]any)
			props, _ := sch["properties"].(map[string]any)
			for name := range obj {
				_, known := props[name]
				ok = ok && known
			}
		case "oneOf":
			n := 0
			for _, sub := range arg.([]any) {
				if s.valid(t, sub.(map[string]any), v) {
					n++
				}
			}
			ok = n == 1
		case "allOf":
			for _, sub := range arg.([]any) {
				ok = ok && s.valid(t, sub.(map[string]any), v)
			}
		case "if":
			then, _ := sch["then"].(map[string]any)
			if _, hasElse := sch["else"]; hasElse || then == nil {
				t.Fatalf("if without then, or with else: teach the validator")
			}
			ok = !s.valid(t, arg.(map[string]any), v) || s.valid(t, then, v)
		case "then":
		case "not":
			ok = !s.valid(t, arg.(map[string]any), v)
		default:
			t.Fatalf("schema keyword %q: teach the validator", kw)
		}
		if !ok {
			return false
		}
	}
	return true
}

// --- generating instances ---

type generator struct {
	t   testing.TB
	s   *schemaDoc
	rnd *rand.Rand
}

// value generates a value of sch; the object members it leaves out are
// optional, so the result may still break an if/then of an enclosing
// schema (the validator judges).
func (g *generator) value(sch map[string]any, full bool) any {
	sch = g.s.resolve(g.t, sch)
	if e, ok := sch["enum"].([]any); ok {
		return e[g.rnd.IntN(len(e))]
	}
	if one, ok := sch["oneOf"].([]any); ok {
		return g.value(one[g.rnd.IntN(len(one))].(map[string]any), full)
	}
	switch sch["type"] {
	case "null":
		return nil
	case "boolean":
		return g.rnd.IntN(2) == 0
	case "string":
		return g.str(sch)
	case "array":
		items := sch["items"].(map[string]any)
		n := g.rnd.IntN(4)
		if max, ok := sch["maxItems"].(float64); ok && g.rnd.IntN(20) == 0 {
			n = int(max) // the largest valid list, now and then
		}
		out := make([]any, n)
		for i := range out {
			out[i] = g.value(items, full)
		}
		return out
	case "object":
		out := map[string]any{}
		props, _ := sch["properties"].(map[string]any)
		required, _ := sch["required"].([]any)
		for name, sub := range props {
			if full || slices.Contains(required, any(name)) || g.rnd.IntN(3) > 0 {
				out[name] = g.value(sub.(map[string]any), full)
			}
		}
		return out
	}
	g.t.Fatalf("cannot generate %v: teach the generator", sch)
	return nil
}

const guidPattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
const emailPattern = `^[^@\s]+@[^@\s]+$`

func (g *generator) str(sch map[string]any) string {
	switch sch["pattern"] {
	case guidPattern:
		const hex = "0123456789abcdefABCDEF"
		b := []byte("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
		for i := range b {
			if b[i] == 'x' {
				b[i] = hex[g.rnd.IntN(len(hex))]
			}
		}
		return string(b)
	case emailPattern:
		locals := []string{"ann", "bob.smith", "o'neil", "zoë", "a"}
		domains := []string{"fabrikam.com", "contoso.onmicrosoft.com", "b", "例え.jp"}
		return locals[g.rnd.IntN(len(locals))] + "@" + domains[g.rnd.IntN(len(domains))]
	}
	g.t.Fatalf("cannot generate a string of %v: teach the generator", sch)
	return ""
}

// encode writes v as JSON with members in random order and random white
// space, so that the decoder's answer cannot depend on either.
func (g *generator) encode(v any) []byte {
	var b bytes.Buffer
	g.write(&b, v)
	return b.Bytes()
}

func (g *generator) space(b *bytes.Buffer) {
	if g.rnd.IntN(4) == 0 {
		b.WriteString([]string{" ", "\n", "\t ", "\r\n  "}[g.rnd.IntN(4)])
	}
}

func (g *generator) write(b *bytes.Buffer, v any) {
	g.space(b)
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		g.rnd.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			g.write(b, k)
			b.WriteByte(':')
			g.write(b, x[k])
		}
		g.space(b)
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			g.write(b, item)
		}
		g.space(b)
		b.WriteByte(']')
	case string:
		if g.rnd.IntN(8) == 0 { // now and then, every character escaped
			b.WriteByte('"')
			for _, r := range x {
				if r > 0xffff {
					raw, _ := json.Marshal(string(r))
					b.Write(raw[1 : len(raw)-1])
					continue
				}
				fmt.Fprintf(b, `\u%04x`, r)
			}
			b.WriteByte('"')
			break
		}
		raw, _ := json.Marshal(x)
		b.Write(raw)
	default:
		raw, _ := json.Marshal(x)
		b.Write(raw)
	}
	g.space(b)
}

// --- mutations: one constraint broken ---

// mutation is a valid instance with one constraint broken, and the pointer
// of the member the decoder must name.
type mutation struct {
	what, path string
	doc        any
}

// mutations breaks, one at a time, every constraint the schema puts on the
// members present in doc (and on absent ones: required, unknown members).
func (g *generator) mutations(doc map[string]any) []mutation {
	var out []mutation
	var walk func(sch map[string]any, v any, path []string)
	walk = func(sch map[string]any, v any, path []string) {
		sch = g.s.resolve(g.t, sch)
		ptr := pointerOf(path)
		replace := func(what string, nv any) {
			out = append(out, mutation{what: what + " at " + ptr, path: ptr, doc: withValue(doc, path, nv)})
		}
		// Type: every other JSON type.
		for _, other := range []any{json.Number("1"), json.Number("-0.5e3"), true, nil, "x", []any{}, map[string]any{}} {
			if jsonpointer.TypeName(other) != jsonpointer.TypeName(v) {
				replace("type "+jsonpointer.TypeName(other), other)
			}
		}
		if _, ok := sch["enum"]; ok {
			replace("enum", "not-a-member")
			replace("enum case", strings.ToUpper(v.(string)))
		}
		if one, ok := sch["oneOf"].([]any); ok {
			for _, sub := range one {
				if g.s.valid(g.t, sub.(map[string]any), v) {
					sch = g.s.resolve(g.t, sub.(map[string]any))
				}
			}
		}
		switch sch["pattern"] {
		case guidPattern:
			s := v.(string)
			replace("pattern", "contoso")
			replace("pattern", "")
			replace("pattern", s[:35])
			replace("pattern", s+"0")
			replace("pattern", strings.Replace(s, "-", "_", 1))
			replace("pattern", "g"+s[1:])
			replace("pattern", "{"+s[1:35]+"}")
		case emailPattern:
			for _, bad := range []string{"", "ann", "@b", "a@", "a@b@c", "a b@c", "a@b\u00a0c", "a\u2003@b", "a\t@b"} {
				replace("pattern", bad)
			}
		}
		if max, ok := sch["maxLength"].(float64); ok {
			n := int(max)
			replace("maxLength", strings.Repeat("a", n-2)+"@b")            // exactly max: valid
			replace("maxLength", strings.Repeat("a", n-1)+"@b")            // one more
			replace("maxLength", strings.Repeat("é", n-2)+"@b")            // max characters, more bytes: valid
			replace("maxLength", strings.Repeat("é", n-1)+"@b")            // one character more
			replace("maxLength", strings.Repeat("a", n)+"@"+"example.com") // far more
		}
		switch x := v.(type) {
		case []any:
			items := sch["items"].(map[string]any)
			if max, ok := sch["maxItems"].(float64); ok {
				long := make([]any, int(max)+1)
				for i := range long {
					long[i] = g.value(items, false)
				}
				replace("maxItems", long)
				replace("maxItems", long[:int(max)]) // valid
			}
			if len(x) == 0 {
				replace("one item", []any{g.value(items, false)})
			}
			for i, item := range x {
				if i < 2 || i == len(x)-1 { // the first, the second and the last
					walk(items, item, append(slices.Clone(path), strconv.Itoa(i)))
				}
			}
		case map[string]any:
			props, _ := sch["properties"].(map[string]any)
			names := make([]string, 0, len(x))
			for name := range x {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				sub := append(slices.Clone(path), name)
				out = append(out, mutation{what: "required/optional " + pointerOf(sub), path: pointerOf(sub), doc: without(doc, sub)})
				walk(props[name].(map[string]any), x[name], sub)
			}
			for _, extra := range []string{"extra", "Access_Type", "a/b~c", ""} {
				sub := append(slices.Clone(path), extra)
				out = append(out, mutation{what: "additionalProperties " + pointerOf(sub), path: pointerOf(sub), doc: withValue(doc, sub, true)})
			}
		}
	}
	walk(g.s.root, doc, nil)
	return out
}

func pointerOf(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteString("/" + jsonpointer.Escape(p))
	}
	return b.String()
}

// clone deep-copies a JSON document.
func cloneDoc(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneDoc(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneDoc(e)
		}
		return out
	}
	return v
}

// withValue is doc with the member or item at path set to nv.
func withValue(doc any, path []string, nv any) any {
	out := cloneDoc(doc)
	if len(path) == 0 {
		return nv
	}
	parent := out
	for _, p := range path[:len(path)-1] {
		parent = step(parent, p)
	}
	last := path[len(path)-1]
	switch x := parent.(type) {
	case map[string]any:
		x[last] = nv
	case []any:
		i, _ := strconv.Atoi(last)
		x[i] = nv
	}
	return out
}

// without is doc less the member at path.
func without(doc any, path []string) any {
	out := cloneDoc(doc)
	parent := out
	for _, p := range path[:len(path)-1] {
		parent = step(parent, p)
	}
	delete(parent.(map[string]any), path[len(path)-1])
	return out
}

func step(v any, p string) any {
	switch x := v.(type) {
	case map[string]any:
		return x[p]
	case []any:
		i, _ := strconv.Atoi(p)
		return x[i]
	}
	panic("step into a scalar")
}

// --- the checks ---

// judge decodes body with the decoder and the validator and reports a
// disagreement; want is the pointer the decoder must name when the
// validator refuses ("" to accept any).
func judge(t *testing.T, s *schemaDoc, body []byte, want string) (valid bool) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("generated body is not JSON: %v\n%s", err, body)
	}
	valid = s.valid(t, s.root, doc)
	req, err := engine.DecodeRequest(body)
	switch {
	case valid && err != nil:
		t.Errorf("the schema accepts, DecodeRequest refuses: %v\n%s", err, short(body))
	case !valid && err == nil:
		t.Errorf("the schema refuses, DecodeRequest accepts: %+v\n%s", req, short(body))
	case !valid:
		var ie *engine.InputError
		if !errors.As(err, &ie) {
			t.Errorf("error %v is not an *InputError", err)
		} else if want != "" && ie.Path != want {
			t.Errorf("DecodeRequest names %q (%v), want %q\n%s", ie.Path, err, want, short(body))
		}
	case valid:
		// The canonical form is an instance of the schema too, and a
		// request built in Go from the same document validates.
		canon, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		var cdoc map[string]any
		d := json.NewDecoder(bytes.NewReader(canon))
		d.UseNumber()
		if err := d.Decode(&cdoc); err != nil {
			t.Fatal(err)
		}
		// Request's JSON writes an absent home_tenant as "" (the decision
		// log's input says so); the schema wants it left out.
		if cdoc["home_tenant"] == "" {
			delete(cdoc, "home_tenant")
		}
		if !s.valid(t, s.root, cdoc) {
			t.Errorf("canonical form %s is not an instance of the schema", short(canon))
		}
		var built engine.Request
		if err := json.Unmarshal(body, &built); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		if err := built.Validate(); err != nil {
			t.Errorf("Validate refuses what DecodeRequest accepts: %v\n%s", err, short(body))
		}
	}
	return valid
}

// short keeps a failure's body to one screen.
func short(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}

// baseDocs are valid instances for each access type: every member present,
// and only the required ones.
func baseDocs(t *testing.T, g *generator) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, at := range []string{engine.AccessB2BCollaboration, engine.AccessB2BDirectConnect, engine.AccessIdentitySync, engine.AccessInvitation} {
		for _, full := range []bool{true, false} {
			for range 50 {
				doc := g.value(g.s.root, full).(map[string]any)
				doc["access_type"] = at
				if !full {
					// Only what the access type requires.
					for _, name := range []string{"home_cloud", "resource_cloud", "identity_kind", "claims", "tenant_restrictions"} {
						delete(doc, name)
					}
				}
				if g.s.valid(t, g.s.root, doc) {
					out = append(out, doc)
					break
				}
			}
		}
	}
	if len(out) != 8 {
		t.Fatalf("generated %d valid base instances, want 8", len(out))
	}
	return out
}

// TestDecoderAgreesWithSchema: on every instance generated from the schema,
// valid or with one constraint broken, DecodeRequest agrees with the schema,
// and names the member at fault.
func TestDecoderAgreesWithSchema(t *testing.T) {
	s := loadInputSchema(t)
	g := &generator{t: t, s: s, rnd: rand.New(rand.NewPCG(15, 2026))}
	bases := baseDocs(t, g)
	var valid, invalid int
	for _, base := range bases {
		if judge(t, s, g.encode(base), "") {
			valid++
		}
		for _, m := range g.mutations(base) {
			if judge(t, s, g.encode(m.doc), m.path) {
				valid++
			} else {
				invalid++
			}
		}
	}
	// Random instances: mostly valid, some breaking an if/then.
	for range 3000 {
		if judge(t, s, g.encode(g.value(s.root, false)), "") {
			valid++
		} else {
			invalid++
		}
	}
	t.Logf("%d valid and %d invalid instances", valid, invalid)
	if valid < 1000 || invalid < 1000 {
		t.Errorf("too few instances: %d valid, %d invalid", valid, invalid)
	}
}

// FuzzDecoderAgreesWithSchema: on any JSON document without duplicate
// members, DecodeRequest accepts exactly what the schema accepts.
func FuzzDecoderAgreesWithSchema(f *testing.F) {
	s := loadInputSchema(f)
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		for _, c := range file.Cases {
			f.Add([]byte(c.Input))
		}
	}
	f.Add([]byte(`{"access_type":"invitation","resource_tenant":"22222222-2222-2222-2222-222222222222","invitation":{"inviter_roles":[],"invitee_email":"a@b"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			if _, err := engine.DecodeRequest(body); err == nil {
				t.Fatalf("accepted malformed JSON %q", body)
			}
			return
		}
		if _, dup := jsonpointer.DuplicateKey(body); dup {
			if _, err := engine.DecodeRequest(body); err == nil {
				t.Fatalf("accepted duplicate members %q", body)
			}
			return
		}
		judge(t, s, body, "")
	})
}
