package guid

import "testing"

// isGUIDReference is the byte-by-byte definition Valid must agree with.
func isGUIDReference(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func TestValid(t *testing.T) {
	good := "aBcDeF09-0000-4000-8000-0123456789af"
	for _, s := range []string{good, "", good[:35], good + "0", "aBcDeF09-0000-4000-8000-0123456789ag",
		"aBcDeF0900000-4000-8000-0123456789af", "aBcDeF09-0000-4000-8000-0123456789a\x00", "aBcDeF09-0000-4000-8000-012345678-af"} {
		if Valid(s) != isGUIDReference(s) {
			t.Errorf("Valid(%q) = %v", s, Valid(s))
		}
	}
	for i := range 36 {
		for c := range 256 {
			b := []byte(good)
			b[i] = byte(c)
			if Valid(string(b)) != isGUIDReference(string(b)) {
				t.Fatalf("Valid(%q) = %v", b, Valid(string(b)))
			}
		}
	}
}
