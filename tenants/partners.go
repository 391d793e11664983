package tenants

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/xtenant/xtenant/guid"
	"github.com/xtenant/xtenant/jsonpointer"
)

// partnerWriter checks a tenant's partner entries against the schema and
// writes each one's canonical JSON straight from the document's bytes,
// without decoding it into Go maps first. Partner entries are nearly all of
// a large configuration (100,000 of them are 240 MB of JSON), and decoding
// them into maps, walking the maps to check them and walking them again to
// write their canonical bytes was nine tenths of the time to load it.
//
// It must accept only what the map path (decoder, checker.checkPartners,
// canonicalWriter) accepts, and then give the same canonical bytes and the
// same warnings; FuzzPartnerBytes compares the two on arbitrary entries.
// Whatever it does not handle exactly (a partner key that is not a lower
// case GUID, a key repeated in an object, an escaped or non-ASCII key,
// very deep nesting) and every error make it give up: the caller then
// decodes the tenant again the map way, which accepts it or reports the
// error as it always did.
type partnerWriter struct {
	data []byte
	pos  int

	// out holds the canonical bytes written for the entry being read,
	// reset for every entry. Each value is written at its end as it is
	// read; an object whose keys came out of order is then sorted in place
	// through scratch, or into sorted for the entry itself (reordered).
	out       []byte
	scratch   []byte
	sorted    []byte
	top       bool // the next object is the entry itself
	reordered bool
	members   []member // members of the objects being written (a stack)
	segs      []seg    // JSON path below the partner entry, for warnings
	depth     int

	partnerNode *node // the schema of a partner entry

	tenant   string // tenant id (lower case), for warnings
	partner  string // key of the entry being read
	warnings []Warning

	slab []byte // storage of the entries' canonical bytes
}

// member is one member of an object being written: its key (plain ASCII,
// so its bytes are the decoded key) and its canonical "key":value,
// out[start:end].
type member struct {
	key        []byte
	start, end int
}

// seg is one JSON path segment: an object key, or an array index when key
// is nil.
type seg struct {
	key   []byte
	index int
}

// maxPartnerDepth bounds the nesting inside one entry; deeper entries go
// the map way, which applies encoding/json's limit to the whole document.
const maxPartnerDepth = 256

// slabSize is the size of the blocks the canonical bytes are stored in:
// one allocation for about a hundred entries rather than one each.
const slabSize = 256 << 10

func newPartnerWriter(data []byte) *partnerWriter {
	return &partnerWriter{data: data, partnerNode: tenantSchema.fields["crossTenantAccessPolicy"].fields["partners"].elem}
}

// bstr views b as a string for a call that does not keep it.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// partners reads the partners object starting at w.pos (a brace). It gives
// each entry's canonical bytes (json.RawMessage), or nil for a null entry,
// keyed by partner id. ok is false when the map path must decide.
func (w *partnerWriter) partners() (map[string]any, bool) {
	w.pos++ // {
	m := map[string]any{}
	w.skipSpace()
	if w.pos < len(w.data) && w.data[w.pos] == '}' {
		w.pos++
		return m, true
	}
	for {
		w.skipSpace()
		key, ok := w.plainKey()
		if !ok || !guid.Valid(bstr(key)) || !isLowerASCII(key) {
			return nil, false // the map path re-keys and reports bad keys
		}
		if _, dup := m[string(key)]; dup {
			return nil, false
		}
		if !w.colon() {
			return nil, false
		}
		id := string(key)
		v, ok := w.entry(id)
		if !ok {
			return nil, false
		}
		m[id] = v
		more, ok := w.next('}')
		if !ok {
			return nil, false
		}
		if !more {
			return m, true
		}
	}
}

// entry reads one partner entry stored under key id.
func (w *partnerWriter) entry(id string) (any, bool) {
	w.skipSpace()
	if w.pos >= len(w.data) {
		return nil, false
	}
	switch w.data[w.pos] {
	case 'n':
		return nil, w.literal("null")
	case '{':
	default:
		return nil, false // a type error
	}
	w.partner = id
	w.out, w.segs, w.depth = w.out[:0], w.segs[:0], 0
	w.top = true // the entry itself, when reordered, is sorted into w.sorted
	if !w.object(w.partnerNode) {
		return nil, false
	}
	b := w.out
	if w.reordered {
		b = w.sorted
	}
	if len(w.slab)+len(b) > cap(w.slab) {
		w.slab = make([]byte, 0, max(slabSize, len(b)))
	}
	at := len(w.slab)
	w.slab = append(w.slab, b...)
	return json.RawMessage(w.slab[at:len(w.slab):len(w.slab)]), true
}

func (w *partnerWriter) skipSpace() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

func (w *partnerWriter) literal(lit string) bool {
	if len(w.data)-w.pos < len(lit) || bstr(w.data[w.pos:w.pos+len(lit)]) != lit {
		return false
	}
	w.pos += len(lit)
	return true
}

func (w *partnerWriter) colon() bool {
	w.skipSpace()
	if w.pos >= len(w.data) || w.data[w.pos] != ':' {
		return false
	}
	w.pos++
	return true
}

// next reads what follows a member or an item: a ',' (more to come) or the
// closing byte of its object or array (done). Anything else is not JSON.
func (w *partnerWriter) next(closing byte) (more, ok bool) {
	w.skipSpace()
	if w.pos >= len(w.data) {
		return false, false
	}
	switch w.data[w.pos] {
	case ',':
		w.pos++
		return true, true
	case closing:
		w.pos++
		return false, true
	}
	return false, false
}

// plainKey reads an object key made of plain bytes only (plainByte: the
// key is its bytes, and encoding/json writes it as they are).
func (w *partnerWriter) plainKey() ([]byte, bool) {
	if w.pos >= len(w.data) || w.data[w.pos] != '"' {
		return nil, false
	}
	start := w.pos + 1
	for i := start; i < len(w.data); i++ {
		c := w.data[i]
		if c == '"' {
			w.pos = i + 1
			return w.data[start:i], true
		}
		if !plainByte[c] {
			return nil, false
		}
	}
	return nil, false
}

// value writes any JSON value canonically (a field the schema does not
// know, or an object the schema does not look into) at the end of w.out.
func (w *partnerWriter) value() bool {
	w.skipSpace()
	if w.pos >= len(w.data) {
		return false
	}
	switch c := w.data[w.pos]; {
	case c == '{':
		return w.object(nil)
	case c == '[':
		return w.array(nil)
	case c == '"':
		s, plain, ok := w.str()
		if !ok {
			return false
		}
		w.appendStr(s, plain)
	case c == 't':
		if !w.literal("true") {
			return false
		}
		w.out = append(w.out, "true"...)
	case c == 'f':
		if !w.literal("false") {
			return false
		}
		w.out = append(w.out, "false"...)
	case c == 'n':
		if !w.literal("null") {
			return false
		}
		w.out = append(w.out, "null"...)
	case c == '-' || '0' <= c && c <= '9':
		lit, ok := w.number()
		if !ok {
			return false
		}
		w.out = append(w.out, lit...)
	default:
		return false
	}
	return true
}

// checked writes a value the schema describes (n), checking it as
// checker.check does: null is always allowed, anything else must have n's
// type.
func (w *partnerWriter) checked(n *node) bool {
	w.skipSpace()
	if w.pos >= len(w.data) {
		return false
	}
	c := w.data[w.pos]
	if c == 'n' {
		if !w.literal("null") {
			return false
		}
		w.out = append(w.out, "null"...)
		return true
	}
	switch n.kind {
	case kBool:
		return (c == 't' || c == 'f') && w.value()
	case kString:
		return c == '"' && w.checkedStr(n)
	case kArray:
		return c == '[' && w.array(n.elem)
	case kObject:
		if c != '{' {
			return false
		}
		if len(n.fields) == 0 {
			return w.object(nil)
		}
		return w.object(n)
	}
	return false // kMap: not inside a partner entry
}

// field is n's schema for the member named key (nil: not checked). A scan
// of a dozen names at most, comparing lengths first, is cheaper than
// hashing the key.
func field(n *node, key []byte) *node {
	for i := range n.list {
		f := &n.list[i]
		if len(f.name) == len(key) && f.name == bstr(key) {
			return f.node
		}
	}
	return nil
}

// object writes the object at w.pos at the end of w.out with its members
// sorted by key, as encoding/json does. n is its schema (nil: not
// checked). Members are written as they come, "key":value, and only
// reordered when they came out of order: Graph's own order is sorted for
// most of the small objects (a target, accessType and targets).
func (w *partnerWriter) object(n *node) bool {
	top := w.top
	w.top = false
	if w.depth++; w.depth > maxPartnerDepth {
		return false
	}
	w.pos++ // {
	start := len(w.out)
	w.out = append(w.out, '{')
	base := len(w.members)
	defer func() { w.members = w.members[:base] }()
	inOrder := true
	w.skipSpace()
	if w.pos < len(w.data) && w.data[w.pos] == '}' {
		w.pos++
	} else {
		for {
			w.skipSpace()
			key, ok := w.plainKey()
			if !ok || !w.colon() {
				return false
			}
			if len(w.members) > base {
				if bytes.Compare(w.members[len(w.members)-1].key, key) >= 0 {
					inOrder = false
				}
				w.out = append(w.out, ',')
			}
			ms := len(w.out)
			w.out = append(w.out, '"')
			w.out = append(w.out, key...)
			w.out = append(w.out, '"', ':')
			var f *node
			if n != nil {
				f = field(n, key)
			}
			if f != nil {
				w.segs = append(w.segs, seg{key: key})
				ok = w.checked(f)
				w.segs = w.segs[:len(w.segs)-1]
			} else {
				ok = w.value()
			}
			if !ok {
				return false
			}
			w.members = append(w.members, member{key: key, start: ms, end: len(w.out)})
			more, ok := w.next('}')
			if !ok {
				return false
			}
			if !more {
				break
			}
		}
	}
	w.depth--
	w.out = append(w.out, '}')
	if top {
		w.reordered = !inOrder
	}
	if inOrder {
		return true
	}
	ms := w.members[base:]
	// Insertion sort: a few members, often nearly sorted.
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && bytes.Compare(ms[j-1].key, ms[j].key) > 0; j-- {
			ms[j-1], ms[j] = ms[j], ms[j-1]
		}
	}
	for i := 1; i < len(ms); i++ {
		if bytes.Equal(ms[i-1].key, ms[i].key) {
			return false // repeated: the map path keeps the last
		}
	}
	if top {
		// The entry itself: sorted into w.sorted, which goes to the
		// slab, rather than sorted in place and copied again.
		w.sorted = gather(w.sorted[:0], w.out, ms, 0)
		return true
	}
	w.scratch = append(w.scratch[:0], w.out[start:]...)
	w.out = gather(w.out[:start], w.scratch, ms, start)
	return true
}

// gather appends to dst the object whose members ms are in src, shifted by
// off, in the order of ms.
func gather(dst, src []byte, ms []member, off int) []byte {
	dst = append(dst, '{')
	for i, m := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, src[m.start-off:m.end-off]...)
	}
	return append(dst, '}')
}

// array writes the array at w.pos at the end of w.out. elem is its items'
// schema (nil: not checked); a checked array may not hold null.
func (w *partnerWriter) array(elem *node) bool {
	if w.depth++; w.depth > maxPartnerDepth {
		return false
	}
	w.pos++ // [
	w.out = append(w.out, '[')
	w.skipSpace()
	if w.pos < len(w.data) && w.data[w.pos] == ']' {
		w.pos++
		w.depth--
		w.out = append(w.out, ']')
		return true
	}
	for i := 0; ; i++ {
		if i > 0 {
			w.out = append(w.out, ',')
		}
		var ok bool
		if elem != nil {
			w.skipSpace()
			if w.pos < len(w.data) && w.data[w.pos] == 'n' {
				return false // null item: a type error
			}
			w.segs = append(w.segs, seg{index: i})
			ok = w.checked(elem)
			w.segs = w.segs[:len(w.segs)-1]
		} else {
			ok = w.value()
		}
		if !ok {
			return false
		}
		more, ok := w.next(']')
		if !ok {
			return false
		}
		if more {
			continue
		}
		w.depth--
		w.out = append(w.out, ']')
		return true
	}
}

// str reads the string at w.pos (a quote). plain reports a string of plain
// bytes only, returned as a view of the document; any other string is
// decoded by encoding/json (escapes, invalid UTF-8 replaced by U+FFFD), as
// the decoder does.
func (w *partnerWriter) str() (s string, plain, ok bool) {
	start := w.pos + 1
	for i := start; i < len(w.data); i++ {
		c := w.data[i]
		if c == '"' {
			w.pos = i + 1
			return bstr(w.data[start:i]), true, true
		}
		if !plainByte[c] {
			break
		}
	}
	return w.escapedStr(start)
}

// escapedStr is str for a string with other than plain bytes, starting at
// start (after the quote); apart so that str does not allocate.
func (w *partnerWriter) escapedStr(start int) (s string, plain, ok bool) {
	i := start
	for i < len(w.data) {
		switch c := w.data[i]; {
		case c == '\\':
			i += 2
			continue
		case c == '"':
			if err := json.Unmarshal(w.data[start-1:i+1], &s); err != nil {
				return "", false, false
			}
			w.pos = i + 1
			return s, false, true
		case c < 0x20:
			return "", false, false
		}
		i++
	}
	return "", false, false
}

// appendStr writes s as canonicalWriter.str does; plain says that every
// byte of s is plain.
func (w *partnerWriter) appendStr(s string, plain bool) {
	if !plain {
		for i := 0; i < len(s); i++ {
			if !plainByte[s[i]] {
				out, _ := json.Marshal(s)
				w.out = append(w.out, out...)
				return
			}
		}
	}
	w.out = append(w.out, '"')
	w.out = append(w.out, s...)
	w.out = append(w.out, '"')
}

// checkedStr writes a string the schema describes, normalised and its enum
// checked as checker.check does.
func (w *partnerWriter) checkedStr(n *node) bool {
	s, plain, ok := w.str()
	start := len(w.out)
	if !ok {
		return false
	}
	if n.guid && guid.Valid(s) || n.lower {
		if plain {
			// ASCII: lower it while writing it.
			w.out = append(w.out, '"')
			w.out = append(w.out, s...)
			w.out = append(w.out, '"')
			for i := start + 1; i < len(w.out)-1; i++ {
				if c := w.out[i]; 'A' <= c && c <= 'Z' {
					w.out[i] = c + 'a' - 'A'
				}
			}
			lowered := bstr(w.out[start+1 : len(w.out)-1])
			if len(n.enum) > 0 {
				w.checkEnum(n, lowered)
			}
			if !w.tenantIDMatches(lowered) {
				return false
			}
			return true
		}
		s = toLower(s)
	}
	if len(n.enum) > 0 {
		w.checkEnum(n, s)
	}
	if !w.tenantIDMatches(s) {
		return false
	}
	w.appendStr(s, plain)
	return true
}

// tenantIDMatches applies checkPartner's rule to s, the normalised value of
// the current string: the entry's own tenantId must equal its key but for
// case.
func (w *partnerWriter) tenantIDMatches(s string) bool {
	return len(w.segs) != 1 || bstr(w.segs[0].key) != "tenantId" || strings.EqualFold(s, w.partner)
}

// checkEnum is checker.checkEnum at the current path; s is only read.
func (w *partnerWriter) checkEnum(n *node, s string) {
	if !n.flags {
		for _, e := range n.enum {
			if e == s {
				return
			}
		}
		w.warn(s, n.enum)
		return
	}
	for member := range strings.SplitSeq(s, ",") {
		member = strings.TrimSpace(member)
		known := false
		for _, e := range n.enum {
			known = known || e == member
		}
		if !known {
			w.warn(member, n.enum)
		}
	}
}

func (w *partnerWriter) warn(value string, enum []string) {
	w.warnings = append(w.warnings, Warning{Tenant: w.tenant, Path: w.at(),
		Message: fmt.Sprintf("unknown value %q (known: %s)", value, strings.Join(enum, ", "))})
}

// at is the JSON pointer of the current value in the tenant, as
// checker.at gives it.
func (w *partnerWriter) at() string {
	var b strings.Builder
	b.WriteString("/crossTenantAccessPolicy/partners/")
	b.WriteString(jsonpointer.Escape(w.partner))
	for _, s := range w.segs {
		b.WriteByte('/')
		if s.key == nil {
			b.WriteString(strconv.Itoa(s.index))
		} else {
			b.WriteString(jsonpointer.Escape(string(s.key)))
		}
	}
	return b.String()
}

// number reads a JSON number, checking the grammar as decoder.number does,
// and gives its literal, which is what json.Number writes.
func (w *partnerWriter) number() ([]byte, bool) {
	d := decoder{data: w.data, pos: w.pos}
	i, ok := d.numberEnd()
	if !ok {
		return nil, false
	}
	lit := w.data[w.pos:i]
	w.pos = i
	return lit, true
}

// isLowerASCII reports whether b holds no upper case ASCII letter and no
// byte beyond ASCII (then strings.ToLower leaves it as it is).
func isLowerASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}
