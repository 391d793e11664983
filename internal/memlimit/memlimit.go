// Package memlimit sets the Go runtime's soft memory limit from the
// container's memory limit (cgroup v2 memory.max, or v1
// memory.limit_in_bytes), so that the garbage collector works harder as the
// process nears the limit instead of the kernel killing it. GOGC stays at
// its default: with the tenant data and the pair summaries held as bytes
// (docs/architecture.md) the live heap is small, and a larger heap goal
// was measured to cost far more memory than the tail latency it saves
// (docs/architecture.md, "Garbage collection"). GOMEMLIMIT, when set, wins:
// an operator's explicit choice is kept.
package memlimit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// Fraction of the container's limit given to the Go heap: the rest is for
// what the runtime does not count (stacks of cgo, the binary, page cache
// charged to the cgroup) and for headroom while a reload builds the next
// snapshot next to the active one.
const Fraction = 0.9

// Setting is what Apply did.
type Setting struct {
	// Limit is the soft memory limit set, in bytes; 0 when none was set.
	Limit int64
	// Source says where it came from, or why none was set.
	Source string
}

// Apply sets the runtime's memory limit from the cgroup of this process
// (cgroup filesystem mounted at root, normally /sys/fs/cgroup), unless
// GOMEMLIMIT is set or no limit is found.
func Apply(root string) (Setting, error) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		return Setting{Limit: debug.SetMemoryLimit(-1), Source: "GOMEMLIMIT=" + v}, nil
	}
	limit, file, err := Find(root)
	if err != nil {
		return Setting{}, err
	}
	if limit <= 0 {
		return Setting{Source: "no container memory limit"}, nil
	}
	soft := int64(float64(limit) * Fraction)
	debug.SetMemoryLimit(soft)
	return Setting{Limit: soft, Source: fmt.Sprintf("%.0f%% of %d bytes (%s)", Fraction*100, limit, file)}, nil
}

// Find reads the memory limit of the cgroup this process is in, below
// root: v2's memory.max, else v1's memory.limit_in_bytes. 0 means
// unlimited or not found.
func Find(root string) (limit int64, file string, err error) {
	for _, name := range []string{"memory.max", filepath.Join("memory", "memory.limit_in_bytes")} {
		p := filepath.Join(root, name)
		raw, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, "", fmt.Errorf("memlimit: %w", err)
		}
		s := strings.TrimSpace(string(raw))
		if s == "max" {
			return 0, p, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, "", fmt.Errorf("memlimit: %s: %q is not a byte count", p, s)
		}
		// cgroup v1 says "unlimited" with a huge page-aligned number.
		if n <= 0 || n >= 1<<62 {
			return 0, p, nil
		}
		return n, p, nil
	}
	return 0, "", nil
}
