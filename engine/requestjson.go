package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xtenant/xtenant/guid"
	"github.com/xtenant/xtenant/jsonpointer"
)

// DecodeRequest decodes one decision input and checks it against the
// contract in the same pass: unknown members (at every level), members named
// twice, wrong JSON types, bad values and missing members are refused with an
// *InputError naming the JSON pointer. The request returned is canonical
// (Canonical returns it as it is): read it, never modify it but for Explain.
//
// When a body has several faults, the one reported is the first of:
// malformed JSON (in encoding/json's words); data after the object; a member
// named twice in one object (the first in the document); a wrong value, the
// members taken in the order of their names, depth first, and within a member
// its type, then its size, then its items; a missing member (checkRequired).
func DecodeRequest(raw []byte) (*Request, error) {
	// One copy of the body: every string of the Request is a slice of it.
	d := requestDecoder{s: string(raw)}
	req := &Request{}
	if !d.request(req) {
		return nil, syntaxError(raw)
	}
	if d.space(); d.i < len(d.s) {
		return nil, &InputError{Message: "not valid JSON: unexpected data after the request object"}
	}
	switch {
	case d.dup != nil:
		return nil, d.dup
	case d.bad != nil:
		return nil, d.bad
	}
	if err := req.checkRequired(); err != nil {
		return nil, err
	}
	req.canonicalize()
	req.canonical = req
	return req, nil
}

// DuplicateKeyError refuses a member named twice in one object (at pointer
// p): decoders disagree on which one counts.
func DuplicateKeyError(p string) *InputError {
	key := p[strings.LastIndexByte(p, '/')+1:]
	key = strings.ReplaceAll(strings.ReplaceAll(key, "~1", "/"), "~0", "~")
	return &InputError{Path: p, Message: "duplicate key " + strconv.Quote(key) + ": each member may appear once"}
}

// syntaxError phrases what is wrong with malformed JSON as encoding/json
// does, so that the message does not depend on which decoder read it.
func syntaxError(raw []byte) *InputError {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return &InputError{Message: "not valid JSON: empty body"}
		}
		return &InputError{Message: "not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &InputError{Message: "not valid JSON: unexpected data after the request object"}
	}
	// Only reached if the two disagreed on what is JSON; refuse anyway.
	return &InputError{Message: "not valid JSON"}
}

// maxDepth is how deeply encoding/json (and so this decoder) nests arrays
// and objects.
const maxDepth = 10000

// requestDecoder reads one decision input. Its methods report false on
// malformed JSON, which ends decoding; every other fault is kept (the first
// duplicate member, and the wrong value first in member order) and
// decoding goes on, so that the fault reported does not depend on where in
// the body members are.
type requestDecoder struct {
	s string
	i int

	// Where the decoder is, only read to name a fault: the first steps in
	// an array (enough for every member of the input; a slice of it would
	// move the decoder to the heap), the rest (inside unknown members) in
	// a slice.
	at     [4]segment
	deeper []segment
	depth  int

	dup   *InputError // the first member named twice
	bad   *InputError // the wrong value first in member order
	badAt []segment   // bad's path
}

// segment is one step of a JSON pointer: a member name, or an array index
// when index >= 0.
type segment struct {
	name  string
	index int
}

func (d *requestDecoder) push(name string) { d.step(segment{name: name, index: -1}) }
func (d *requestDecoder) pushIndex(i int)  { d.step(segment{index: i}) }
func (d *requestDecoder) pop()             { d.depth-- }

func (d *requestDecoder) step(s segment) {
	if d.depth < len(d.at) {
		d.at[d.depth] = s
	} else {
		d.deeper = append(d.deeper[:d.depth-len(d.at)], s)
	}
	d.depth++
}

// path copies the current path.
func (d *requestDecoder) path() []segment {
	out := make([]segment, 0, d.depth)
	out = append(out, d.at[:min(d.depth, len(d.at))]...)
	return append(out, d.deeper[:max(d.depth-len(d.at), 0)]...)
}

// fail records problem at the current path unless a wrong value earlier in
// member order is recorded.
func (d *requestDecoder) fail(problem string) {
	path := d.path()
	if d.bad != nil && !pathBefore(path, d.badAt) {
		return
	}
	d.bad = &InputError{Path: pointer(path), Message: problem}
	d.badAt = path
}

// failType records a value of the wrong JSON type (the one at d.i) and
// skips it.
func (d *requestDecoder) failType(expected string, depth int) bool {
	if d.i >= len(d.s) {
		return false
	}
	d.fail(expected + ", got " + jsonKind(d.s[d.i]))
	return d.skip(depth)
}

// pathBefore orders paths as a walk of the members in sorted name order
// (items in index order) meets them, a member before what it holds.
func pathBefore(a, b []segment) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		x, y := a[k], b[k]
		if x.index != y.index {
			return x.index < y.index
		}
		if x.name != y.name {
			return x.name < y.name
		}
	}
	return len(a) < len(b)
}

func pointer(path []segment) string {
	var b strings.Builder
	for _, s := range path {
		b.WriteByte('/')
		if s.index >= 0 {
			b.WriteString(strconv.Itoa(s.index))
		} else {
			b.WriteString(jsonpointer.Escape(s.name))
		}
	}
	return b.String()
}

// jsonKind names the JSON type of the value starting with c.
func jsonKind(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// --- the members of the decision input ---

func (d *requestDecoder) request(req *Request) bool {
	if d.peek() != '{' {
		return d.failType("expected object", 0)
	}
	var seen memberSet
	return d.object(1, func(name string) bool {
		switch name {
		case "access_type":
			return seen.first(d, 0) && d.accessType(&req.AccessType)
		case "home_tenant":
			return seen.first(d, 1) && d.guid(&req.HomeTenant, 1)
		case "resource_tenant":
			return seen.first(d, 2) && d.guid(&req.ResourceTenant, 1)
		case "home_cloud":
			return seen.first(d, 3) && d.enum(&req.HomeCloud, clouds, 1)
		case "resource_cloud":
			return seen.first(d, 4) && d.enum(&req.ResourceCloud, clouds, 1)
		case "identity_kind":
			return seen.first(d, 5) && d.enum(&req.IdentityKind, identityKinds, 1)
		case "user":
			return seen.first(d, 6) && d.user(&req.User)
		case "application":
			return seen.first(d, 7) && d.application(&req.Application)
		case "claims":
			return seen.first(d, 8) && d.claims(&req.Claims)
		case "tenant_restrictions":
			return seen.first(d, 9) && d.restrictions(&req.TenantRestrictions)
		case "invitation":
			return seen.first(d, 10) && d.invitation(&req.Invitation)
		}
		return seen.other(d, name) && d.skip(1)
	})
}

func (d *requestDecoder) user(out **User) bool {
	if d.peek() != '{' {
		return d.failType("expected object", 1)
	}
	u := &User{}
	*out = u
	var seen memberSet
	return d.object(2, func(name string) bool {
		switch name {
		case "id":
			return seen.first(d, 0) && d.guid(&u.ID, 2)
		case "groups":
			return seen.first(d, 1) && d.guids(&u.Groups)
		case "user_type":
			return seen.first(d, 2) && d.enum(&u.UserType, userTypes, 2)
		case "resource_object_id":
			return seen.first(d, 3) && d.nullableGUID(&u.ResourceObjectID)
		case "resource_groups":
			return seen.first(d, 4) && d.guids(&u.ResourceGroups)
		case "gdap_session":
			return seen.first(d, 5) && d.boolean(&u.GDAPSession, 2)
		}
		return seen.other(d, name) && d.skip(2)
	})
}

func (d *requestDecoder) application(out **Application) bool {
	if d.peek() != '{' {
		return d.failType("expected object", 1)
	}
	a := &Application{}
	*out = a
	var seen memberSet
	return d.object(2, func(name string) bool {
		switch name {
		case "id":
			return seen.first(d, 0) && d.guid(&a.ID, 2)
		case "client_id":
			return seen.first(d, 1) && d.nullableGUID(&a.ClientID)
		}
		return seen.other(d, name) && d.skip(2)
	})
}

func (d *requestDecoder) claims(out **Claims) bool {
	if d.peek() != '{' {
		return d.failType("expected object", 1)
	}
	c := &Claims{}
	*out = c
	var seen memberSet
	return d.object(2, func(name string) bool {
		switch name {
		case "mfa":
			return seen.first(d, 0) && d.boolean(&c.MFA, 2)
		case "compliant_device":
			return seen.first(d, 1) && d.boolean(&c.CompliantDevice, 2)
		case "hybrid_joined_device":
			return seen.first(d, 2) && d.boolean(&c.HybridJoinedDevice, 2)
		}
		return seen.other(d, name) && d.skip(2)
	})
}

func (d *requestDecoder) restrictions(out **TenantRestrictions) bool {
	if d.peek() != '{' {
		return d.failType("expected object", 1)
	}
	tr := &TenantRestrictions{}
	*out = tr
	var seen memberSet
	return d.object(2, func(name string) bool {
		switch name {
		case "tenant":
			return seen.first(d, 0) && d.guid(&tr.Tenant, 2)
		case "policy_id":
			return seen.first(d, 1) && d.guid(&tr.PolicyID, 2)
		}
		return seen.other(d, name) && d.skip(2)
	})
}

func (d *requestDecoder) invitation(out **Invitation) bool {
	if d.peek() != '{' {
		return d.failType("expected object", 1)
	}
	inv := &Invitation{}
	*out = inv
	var seen memberSet
	return d.object(2, func(name string) bool {
		switch name {
		case "inviter_roles":
			return seen.first(d, 0) && d.roles(&inv.InviterRoles)
		case "inviter_user_type":
			return seen.first(d, 1) && d.enum(&inv.InviterUserType, inviterUserType, 2)
		case "invitee_email":
			seen.first(d, 2)
			if d.peek() != '"' {
				return d.failType("expected string", 2)
			}
			s, ok := d.str()
			if p := emailProblem(s); ok && p != "" {
				d.fail(p)
			}
			inv.InviteeEmail = s
			return ok
		}
		return seen.other(d, name) && d.skip(2)
	})
}

// memberSet tracks the members of one object seen so far: known members by
// bit, others by name (any unknown member is refused anyway).
type memberSet struct {
	known  uint16
	others nameSet
}

// first records known member bit, a duplicate if it was seen before. It
// reports true: the value is decoded either way, since a duplicate is the
// fault reported whatever the values hold.
func (m *memberSet) first(d *requestDecoder, bit uint) bool {
	if m.known&(1<<bit) != 0 {
		d.duplicate()
	}
	m.known |= 1 << bit
	return true
}

// other records a member the object does not have: a fault, or a
// duplicate. It reports true: the caller skips the value.
func (m *memberSet) other(d *requestDecoder, name string) bool {
	if !m.others.add(name) {
		d.duplicate()
		return true
	}
	d.fail("unknown field")
	return true
}

// nameSet holds the member names of one object: a list while short, a map
// once long (a body may hold an object of many thousand members).
type nameSet struct {
	list []string
	set  map[string]struct{}
}

// add reports false when name is in the set already.
func (n *nameSet) add(name string) bool {
	if n.set != nil {
		if _, ok := n.set[name]; ok {
			return false
		}
		n.set[name] = struct{}{}
		return true
	}
	for _, s := range n.list {
		if s == name {
			return false
		}
	}
	n.list = append(n.list, name)
	if len(n.list) > 16 {
		n.set = make(map[string]struct{}, 2*len(n.list))
		for _, s := range n.list {
			n.set[s] = struct{}{}
		}
	}
	return true
}

func (d *requestDecoder) duplicate() {
	if d.dup == nil {
		d.dup = DuplicateKeyError(pointer(d.path()))
	}
}

// --- values ---

func (d *requestDecoder) accessType(out *string) bool {
	if d.peek() != '"' {
		return d.failType("expected string", 1)
	}
	s, ok := d.str()
	*out = d.known(s, accessTypes)
	return ok
}

// known returns the constant of allowed equal to s (so that the Request
// keeps no slice of the body for it), recording a fault when there is none.
func (d *requestDecoder) known(s string, allowed []string) string {
	for _, k := range allowed {
		if s == k {
			return k
		}
	}
	d.fail(enumProblem(s, allowed))
	return s
}

func (d *requestDecoder) enum(out *string, allowed []string, depth int) bool {
	if d.peek() != '"' {
		return d.failType("expected one of "+strings.Join(allowed, ", "), depth)
	}
	s, ok := d.str()
	*out = d.known(s, allowed)
	return ok
}

func (d *requestDecoder) guid(out *string, depth int) bool {
	if d.peek() != '"' {
		return d.failType("expected a GUID string", depth)
	}
	s, ok := d.str()
	if ok && !guid.Valid(s) {
		d.fail(guidProblem(s))
	}
	*out = s
	return ok
}

func (d *requestDecoder) nullableGUID(out **string) bool {
	switch d.peek() {
	case 'n':
		*out = nil
		return d.literal("null")
	case '"':
		var s string
		ok := d.guid(&s, 2)
		*out = &s
		return ok
	}
	return d.failType("expected a GUID string or null", 2)
}

func (d *requestDecoder) boolean(out *bool, depth int) bool {
	switch d.peek() {
	case 't':
		*out = true
		return d.literal("true")
	case 'f':
		*out = false
		return d.literal("false")
	}
	return d.failType("expected boolean", depth)
}

// guids reads the array of GUIDs of a user (depth 2); [] stays a non-nil
// empty list until canonicalize.
func (d *requestDecoder) guids(out *[]string) bool {
	if d.peek() != '[' {
		return d.failType("expected array of GUIDs", 2)
	}
	list := []string{}
	n, ok := d.array(3, func(i int) bool {
		if i >= MaxGroups {
			return d.skip(3)
		}
		var g string
		ok := d.guid(&g, 3)
		list = append(list, g)
		return ok
	})
	if n > MaxGroups {
		d.fail(tooMany(MaxGroups, n))
	}
	*out = list
	return ok
}

func (d *requestDecoder) roles(out *[]string) bool {
	if d.peek() != '[' {
		return d.failType("expected array", 2)
	}
	list := []string{}
	n, ok := d.array(3, func(i int) bool {
		if i >= MaxInviterRoles {
			return d.skip(3)
		}
		var role string
		ok := d.enum(&role, inviterRoles, 3)
		list = append(list, role)
		return ok
	})
	if n > MaxInviterRoles {
		d.fail(tooMany(MaxInviterRoles, n))
	}
	*out = list
	return ok
}

// --- JSON ---

func (d *requestDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end.
func (d *requestDecoder) peek() byte {
	d.space()
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

// expect consumes c after white space.
func (d *requestDecoder) expect(c byte) bool {
	if d.peek() == c {
		d.i++
		return true
	}
	return false
}

// object reads an object (its '{' next) whose members are depth containers
// deep, calling member for each with the value next and the member's name
// on the path.
func (d *requestDecoder) object(depth int, member func(name string) bool) bool {
	if depth > maxDepth || !d.expect('{') {
		return false
	}
	if d.expect('}') {
		return true
	}
	for {
		if d.peek() != '"' {
			return false
		}
		name, ok := d.str()
		if !ok || !d.expect(':') {
			return false
		}
		d.push(name)
		ok = member(name)
		d.pop()
		if !ok {
			return false
		}
		if d.expect(',') {
			continue
		}
		return d.expect('}')
	}
}

// array reads an array (its '[' next) whose items are depth containers
// deep, calling item with each item's index on the path; it returns the
// number of items.
func (d *requestDecoder) array(depth int, item func(i int) bool) (int, bool) {
	if depth > maxDepth || !d.expect('[') {
		return 0, false
	}
	if d.expect(']') {
		return 0, true
	}
	for n := 0; ; n++ {
		d.pushIndex(n)
		ok := item(n)
		d.pop()
		if !ok {
			return n, false
		}
		if d.expect(',') {
			continue
		}
		return n + 1, d.expect(']')
	}
}

// skip reads any value (in a container depth deep), minding only its
// syntax and duplicate members.
func (d *requestDecoder) skip(depth int) bool {
	switch d.peek() {
	case '{':
		var names nameSet
		return d.object(depth+1, func(name string) bool {
			if !names.add(name) {
				d.duplicate()
			}
			return d.skip(depth + 1)
		})
	case '[':
		_, ok := d.array(depth+1, func(int) bool { return d.skip(depth + 1) })
		return ok
	case '"':
		_, ok := d.str()
		return ok
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return d.number()
}

// literal consumes word (true, false, null); what follows is the caller's
// to check.
func (d *requestDecoder) literal(word string) bool {
	if strings.HasPrefix(d.s[d.i:], word) {
		d.i += len(word)
		return true
	}
	return false
}

// number consumes a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *requestDecoder) number() bool {
	s, i := d.s, d.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = digits(s, i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		if j := digits(s, i+1); j > i+1 {
			i = j
		} else {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if j := digits(s, i); j > i {
			i = j
		} else {
			return false
		}
	}
	d.i = i
	return true
}

func digits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// str reads a string (its '"' next). Plain ASCII without escapes, the usual
// case, is a slice of the body; anything else is unescaped by encoding/json,
// which also replaces invalid UTF-8 as it always does.
func (d *requestDecoder) str() (string, bool) {
	start := d.i + 1
	i := start
	for i < len(d.s) {
		c := d.s[i]
		if c == '"' {
			d.i = i + 1
			return d.s[start:i], true
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		i++
	}
	// The slow way: find the end, checking escapes and control bytes.
	plain := true
	for i < len(d.s) {
		switch c := d.s[i]; {
		case c == '"':
			body := d.s[start:i]
			d.i = i + 1
			if plain && utf8.ValidString(body) {
				return body, true
			}
			var out string
			if err := json.Unmarshal([]byte(d.s[start-1:i+1]), &out); err != nil {
				return "", false
			}
			return out, true
		case c < 0x20:
			return "", false
		case c == '\\':
			plain = false
			if i+1 >= len(d.s) {
				return "", false
			}
			switch d.s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d.s) || !isHex4(d.s[i+2:i+6]) {
					return "", false
				}
				i += 6
			default:
				return "", false
			}
		default:
			i++
		}
	}
	return "", false
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
