package memlimit

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		name, file, content string
		want                int64
		bad                 bool
	}{
		{"v2 limit", "memory.max", "536870912\n", 536870912, false},
		{"v2 unlimited", "memory.max", "max\n", 0, false},
		{"v1 limit", "memory/memory.limit_in_bytes", "1073741824\n", 1 << 30, false},
		{"v1 unlimited", "memory/memory.limit_in_bytes", "9223372036854771712\n", 0, false},
		{"garbage", "memory.max", "lots\n", 0, true},
		{"none", "", "", 0, false},
	} {
		root := t.TempDir()
		if tc.file != "" {
			p := filepath.Join(root, tc.file)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, _, err := Find(root)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%s: %d, %v; want %d (error %v)", tc.name, got, err, tc.want, tc.bad)
		}
	}
}

func TestApply(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	t.Setenv("GOMEMLIMIT", "")
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "memory.max"), []byte("1000000000\n"), 0o644)
	st, err := Apply(root)
	if err != nil || st.Limit != 900000000 || debug.SetMemoryLimit(-1) != 900000000 {
		t.Fatalf("%+v %v; runtime limit %d", st, err, debug.SetMemoryLimit(-1))
	}
	t.Setenv("GOMEMLIMIT", "123MiB")
	if st, _ := Apply(root); st.Source != "GOMEMLIMIT=123MiB" {
		t.Errorf("GOMEMLIMIT set: %+v", st)
	}
}
