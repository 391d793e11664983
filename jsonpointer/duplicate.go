package jsonpointer

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth is how deep DuplicateKey looks, as deep as encoding/json decodes.
const maxDepth = 10000

// DuplicateKey finds the first object member whose name (after unescaping)
// repeats an earlier member of the same object, and returns its JSON
// pointer. encoding/json keeps the last of duplicates while other parsers
// (a proxy in front of us, say) keep the first, so a request with
// duplicates means different things to different readers and is refused.
// Malformed JSON is not its business: it reports nothing, and the decoder
// reports the syntax error.
func DuplicateKey(data []byte) (pointer string, found bool) {
	s := dupScanner{data: data}
	s.value(0)
	return s.dup, s.dup != ""
}

type dupScanner struct {
	data []byte
	pos  int
	path []string // pointer tokens of the enclosing members, escaped
	dup  string
	bad  bool
}

func (s *dupScanner) done() bool { return s.bad || s.dup != "" }

func (s *dupScanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *dupScanner) value(depth int) {
	s.space()
	if s.pos >= len(s.data) || depth > maxDepth {
		s.bad = true
		return
	}
	switch s.data[s.pos] {
	case '{':
		s.object(depth)
	case '[':
		s.array(depth)
	case '"':
		s.str()
	default: // number, true, false, null: up to the next delimiter
		for s.pos < len(s.data) && !bytes.ContainsRune([]byte(",]} \t\n\r"), rune(s.data[s.pos])) {
			s.pos++
		}
	}
}

func (s *dupScanner) object(depth int) {
	s.pos++ // {
	var seen map[string]bool
	for first := true; !s.done(); first = false {
		s.space()
		if s.pos >= len(s.data) {
			s.bad = true
			return
		}
		if s.data[s.pos] == '}' && first {
			s.pos++
			return
		}
		if s.data[s.pos] != '"' {
			s.bad = true
			return
		}
		key, ok := s.str()
		if !ok {
			return
		}
		token := Escape(key)
		if seen[key] {
			s.dup = "/" + strings.Join(append(s.path, token), "/")
			return
		}
		if seen == nil {
			seen = make(map[string]bool, 8)
		}
		seen[key] = true
		s.space()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			s.bad = true
			return
		}
		s.pos++
		s.path = append(s.path, token)
		s.value(depth + 1)
		s.path = s.path[:len(s.path)-1]
		if s.done() {
			return
		}
		if !s.separator('}') {
			return
		}
	}
}

func (s *dupScanner) array(depth int) {
	s.pos++ // [
	for i := 0; !s.done(); i++ {
		s.space()
		if s.pos < len(s.data) && s.data[s.pos] == ']' && i == 0 {
			s.pos++
			return
		}
		s.path = append(s.path, strconv.Itoa(i))
		s.value(depth + 1)
		s.path = s.path[:len(s.path)-1]
		if s.done() {
			return
		}
		if !s.separator(']') {
			return
		}
	}
}

// separator consumes what follows a member or an element: a ',' (another
// follows: true) or closing (false); anything else marks the text bad.
func (s *dupScanner) separator(closing byte) bool {
	s.space()
	if s.pos >= len(s.data) {
		s.bad = true
		return false
	}
	switch s.data[s.pos] {
	case ',':
		s.pos++
		return true
	case closing:
		s.pos++
		return false
	}
	s.bad = true
	return false
}

// str reads a string at s.pos and returns it unescaped.
func (s *dupScanner) str() (string, bool) {
	start := s.pos
	s.pos++ // "
	escaped := false
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\\':
			escaped = true
			s.pos += 2
			continue
		case '"':
			s.pos++
			raw := s.data[start:s.pos]
			if !escaped && utf8.Valid(raw) {
				return string(raw[1 : len(raw)-1]), true
			}
			var out string
			if json.Unmarshal(raw, &out) != nil {
				s.bad = true
				return "", false
			}
			return out, true
		}
		s.pos++
	}
	s.bad = true
	return "", false
}
