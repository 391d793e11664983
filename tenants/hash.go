package tenants

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strconv"
)

// contentHash is the SHA-256 (hex) of json.Marshal(v), computed by
// streaming the same bytes into the hash instead of building the whole
// document in memory (hundreds of MB for a large tenant set). Equal content
// gives an equal hash, and the value is the one json.Marshal always gave.
func contentHash(v any) string {
	h := sha256.New()
	bw := bufio.NewWriterSize(h, 64<<10)
	w := &canonicalWriter{w: bw}
	w.value(v)
	bw.Flush()
	return hex.EncodeToString(h.Sum(nil))
}

// byteWriter is what canonicalWriter writes to: a bufio.Writer over the
// hash, or a bytes.Buffer for a partner entry's canonical bytes.
type byteWriter interface {
	io.Writer
	io.ByteWriter
	io.StringWriter
}

type canonicalWriter struct {
	w    byteWriter
	keys []string // scratch, reused across objects
}

func (c *canonicalWriter) value(v any) {
	switch t := v.(type) {
	case nil:
		c.w.WriteString("null")
	case bool:
		c.w.WriteString(strconv.FormatBool(t))
	case string:
		c.str(t)
	case json.RawMessage:
		// A partner entry held as its canonical bytes (compact.go): they
		// are what this writer wrote for it.
		c.w.Write(t)
	case json.Number:
		if t == "" {
			c.w.WriteByte('0') // as encoding/json writes an empty Number
			return
		}
		c.w.WriteString(string(t))
	case map[string]any:
		if t == nil {
			c.w.WriteString("null")
			return
		}
		// encoding/json writes object keys sorted.
		base := len(c.keys)
		for k := range t {
			c.keys = append(c.keys, k)
		}
		keys := c.keys[base:]
		slices.Sort(keys)
		c.w.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				c.w.WriteByte(',')
			}
			c.str(k)
			c.w.WriteByte(':')
			c.value(t[k])
		}
		c.w.WriteByte('}')
		clear(c.keys[base:])
		c.keys = c.keys[:base]
	case []any:
		if t == nil {
			c.w.WriteString("null")
			return
		}
		c.w.WriteByte('[')
		for i, item := range t {
			if i > 0 {
				c.w.WriteByte(',')
			}
			c.value(item)
		}
		c.w.WriteByte(']')
	default:
		// Not produced by the decoders or deepCopy; kept exact anyway.
		b, err := json.Marshal(t)
		if err != nil {
			panic("tenants: marshal: " + err.Error())
		}
		c.w.Write(b)
	}
}

// plainByte[b] is true for the bytes encoding/json writes as they are in a
// string (printable ASCII but " \ < > &); a table lookup per byte instead
// of seven comparisons, over every string of every partner entry.
var plainByte = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = true
	}
	for _, b := range `"\<>&` {
		t[b] = false
	}
	return t
}()

// str writes s as encoding/json does (HTML-safe escaping): plain printable
// ASCII is written as is, anything else goes through json.Marshal.
func (c *canonicalWriter) str(s string) {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			out, _ := json.Marshal(s)
			c.w.Write(out)
			return
		}
	}
	c.w.WriteByte('"')
	c.w.WriteString(s)
	c.w.WriteByte('"')
}
