package workload

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// Source yields the k-th request body of a workload written by xtenant-gen.
// It is the Go twin of benchmarks/http/cycle.lua: both must produce the same
// sequence for the same files, epoch and options.
type Source struct {
	bodies [][]byte
	seq    []int // nil: the distinct workload (walk bodies, stamp each pass)
	epoch  int
	wrap   bool // wrap each body as {"input": …} (OPA's Data API)
}

// OpenSource reads inputs (one JSON body a line) and, unless seqPath is
// empty, a sequence of 0-based line numbers. epoch separates runs of the
// distinct workload against the same server (warm-up, repetitions): bodies
// of different epochs never repeat. opaInput wraps each body as {"input": …}.
func OpenSource(inputsPath, seqPath string, epoch int, opaInput bool) (*Source, error) {
	raw, err := os.ReadFile(inputsPath)
	if err != nil {
		return nil, err
	}
	s := &Source{epoch: epoch, wrap: opaInput}
	for line := range bytes.Lines(raw) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			s.bodies = append(s.bodies, line)
		}
	}
	if len(s.bodies) == 0 {
		return nil, fmt.Errorf("%s: no inputs", inputsPath)
	}
	if seqPath == "" {
		return s, nil
	}
	f, err := os.Open(seqPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		i, err := strconv.Atoi(sc.Text())
		if err != nil || i < 0 || i >= len(s.bodies) {
			return nil, fmt.Errorf("%s:%d: want a line number below %d", seqPath, n, len(s.bodies))
		}
		s.seq = append(s.seq, i)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(s.seq) == 0 {
		return nil, fmt.Errorf("%s: empty sequence", seqPath)
	}
	return s, nil
}

// WithEpoch is the same workload in epoch e: in the distinct workload, no
// body of one epoch is a body of another.
func (s *Source) WithEpoch(e int) *Source {
	c := *s
	c.epoch = e
	return &c
}

// Body returns the k-th request body (k >= 0).
func (s *Source) Body(k int) []byte {
	var b []byte
	if s.seq != nil {
		b = s.bodies[s.seq[k%len(s.seq)]]
	} else {
		b = StampWrap(s.bodies[k%len(s.bodies)], s.epoch<<16|k/len(s.bodies))
	}
	if s.wrap {
		out := make([]byte, 0, len(b)+10)
		out = append(out, `{"input":`...)
		out = append(out, b...)
		return append(out, '}')
	}
	return b
}
