package entraexporter

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadObjects: any file content is read as objects (each a JSON
// object) or refused with an error; never a panic.
func FuzzReadObjects(f *testing.F) {
	for _, s := range []string{`{"id":"a"}`, `[{"id":"a"},{"id":"b"}]`, "\xef\xbb\xbf{}", "\xff\xfe{\x00}\x00", "\xfe\xff\x00[\x00]", `[1]`, `"x"`, "\xff\xfe{"} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "x.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		objs, err := readObjects(p)
		if err != nil {
			return
		}
		for _, o := range objs {
			if _, ok := o.(map[string]any); !ok {
				t.Fatalf("not an object: %#v", o)
			}
		}
	})
}
