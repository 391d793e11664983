package replay

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
)

// entry is one recorded decision (or decision input) as read, before it is
// replayed.
type entry struct {
	index int    // ordinal over every source, from 0
	loc   string // file:line, or file:line#i inside an array
	id    string // the recorded decision_id, if any
	input []byte // the decision input; nil when the entry cannot be replayed
	cause string // why it cannot, when input is nil
	about string // the cause's detail (a mask pointer, a path, ...)
}

// event is what the reader needs of a decision log event (OPA's fields, as
// internal/decisionlog writes them).
type event struct {
	DecisionID string          `json:"decision_id"`
	Path       *string         `json:"path"`
	Input      json.RawMessage `json:"input"`
	Erased     []string        `json:"erased"`
}

// decisionPath is the path xtenant logs decisions under (internal/decisionlog).
const decisionPath = "xtenant/access/decision"

// listFiles expands directories (recursively, in name order, hidden files
// left out) into the files to read.
func listFiles(paths []string) ([]string, int64, error) {
	var files []string
	var total int64
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, 0, err
		}
		if !fi.IsDir() {
			files = append(files, p)
			total += fi.Size()
			continue
		}
		var in []string
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if q != p && len(d.Name()) > 0 && d.Name()[0] == '.' {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if !d.IsDir() {
				info, err := d.Info()
				if err != nil {
					return err
				}
				in = append(in, q)
				total += info.Size()
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
		sort.Strings(in)
		files = append(files, in...)
	}
	return files, total, nil
}

// countingReader counts the bytes read from a file (compressed bytes for a
// gzip file), for the progress bar.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// readFile reads one file of events or inputs, plain or gzip (told by its
// magic bytes, not its name), one JSON value per line: an object (an event
// or an input) or an array of them (the gzip'd JSON arrays a decision log
// service receives). A line that is neither is an unreplayable entry, never
// a reason to stop.
func readFile(name string, next *int, read *atomic.Int64, emit func(entry) error) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(countingReader{f, read}, 1<<16)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		r = zr
	}
	lr := bufio.NewReaderSize(r, 1<<16)
	line := 0
	for {
		raw, err := lr.ReadBytes('\n')
		if len(raw) > 0 {
			line++
			if e := emitLine(name, line, bytes.TrimSpace(raw), next, emit); e != nil {
				return e
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: line %d: %w", name, line+1, err)
		}
	}
}

func emitLine(name string, line int, raw []byte, next *int, emit func(entry) error) error {
	if len(raw) == 0 {
		return nil
	}
	loc := fmt.Sprintf("%s:%d", name, line)
	if raw[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(raw, &arr); err != nil {
			return emitOne(entry{loc: loc, cause: CauseNotJSON, about: "not a JSON object or array of objects"}, next, emit)
		}
		for i, el := range arr {
			if err := emitOne(classify(fmt.Sprintf("%s#%d", loc, i), el), next, emit); err != nil {
				return err
			}
		}
		return nil
	}
	return emitOne(classify(loc, raw), next, emit)
}

func emitOne(e entry, next *int, emit func(entry) error) error {
	e.index = *next
	*next++
	return emit(e)
}

// classify tells an event from a bare input and finds out whether it can
// be replayed at all.
func classify(loc string, raw []byte) entry {
	e := entry{loc: loc}
	if len(raw) == 0 || raw[0] != '{' {
		e.cause, e.about = CauseNotJSON, "not a JSON object"
		return e
	}
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		e.cause, e.about = CauseNotJSON, "not a JSON object"
		return e
	}
	if ev.Path == nil && ev.DecisionID == "" && ev.Input == nil {
		// A bare decision input (JSONL).
		e.input = raw
		return e
	}
	e.id = ev.DecisionID
	switch {
	case ev.Path != nil && *ev.Path != decisionPath:
		e.cause, e.about = CauseOtherPath, *ev.Path
	case maskedInput(ev.Erased) != "":
		e.cause, e.about = CauseMasked, maskedInput(ev.Erased)
	case len(ev.Input) == 0 || string(ev.Input) == "null":
		e.cause, e.about = CauseNoInput, "the event has no input"
	default:
		e.input = ev.Input
	}
	return e
}

// maskedInput lists the erased pointers below /input: a masked result does
// not stop a replay, a masked input does (the input is no longer what was
// decided on, even when what is left still validates).
func maskedInput(erased []string) string {
	var out []byte
	for _, p := range erased {
		if p == "/input" || len(p) > 7 && p[:7] == "/input/" {
			if len(out) > 0 {
				out = append(out, ", "...)
			}
			out = append(out, p...)
		}
	}
	return string(out)
}
