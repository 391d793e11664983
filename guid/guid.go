// Package guid recognises the GUIDs Microsoft Entra uses for tenant, object
// and application ids (8-4-4-4-12 hex digits, any case).
package guid

// Valid reports whether s is a GUID in the 8-4-4-4-12 hex form, any case.
// It runs several times per request (decoding, validation, the cache), so
// it is a table lookup per byte.
func Valid(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	return allHex(s[0:8]) && allHex(s[9:13]) && allHex(s[14:18]) && allHex(s[19:23]) && allHex(s[24:36])
}

// allHex reports whether every byte of s is a hex digit.
func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex[s[i]] {
			return false
		}
	}
	return true
}

// isHex marks 0-9, a-f and A-F.
var isHex = func() (t [256]bool) {
	for _, c := range "0123456789abcdefABCDEF" {
		t[c] = true
	}
	return t
}()
