// Package replay is the impact analysis of `xtenant diff`: it replays
// recorded decisions (OPA-format decision log events as xtenant writes
// them, or bare decision inputs, one JSON value per line, plain or gzip)
// against two configurations and reports every input whose decision,
// denied_by or controls change, grouped by direction (widening first:
// deny→allow, step_up→allow), then by tenant pair and reason.
//
// Entries that cannot be replayed — masked inputs, events of another rule
// or an older contract, inputs that no longer validate, evaluation errors —
// are counted by cause, never skipped silently.
//
// Replay is fast because a log repeats itself: each distinct canonical input
// is decided once per side (the engine's pair cache applies underneath), and
// entries are decoded and decided on every core.
package replay

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xtenant/xtenant/engine"
)

// Causes of an unreplayable entry.
const (
	CauseNotJSON   = "not_json"
	CauseOtherPath = "other_path"
	CauseMasked    = "masked"
	CauseNoInput   = "no_input"
	CauseInvalid   = "invalid_input"
	CauseEvalError = "evaluation_error"
)

// causeText explains each cause in the report.
var causeText = map[string]string{
	CauseNotJSON:   "not a decision log event or decision input",
	CauseOtherPath: "recorded for another rule or an older contract",
	CauseMasked:    "input masked by --decision-log-mask",
	CauseNoInput:   "event without an input",
	CauseInvalid:   "input no longer validates",
	CauseEvalError: "evaluation failed",
}

// Side is one configuration to replay against.
type Side struct {
	// Label names it in the report ("before", "after").
	Label string
	// Revision is the revision of the active policy and data.
	Revision string
	// Sources describe where it came from.
	Sources []string
	// Evaluator decides; normally an *engine.Engine.
	Evaluator engine.Evaluator
	// TenantName gives a tenant's display name ("" when unknown).
	TenantName func(id string) string
}

// Options tune a replay.
type Options struct {
	// Workers is the number of goroutines deciding; 0 means GOMAXPROCS.
	Workers int
	// MemoLimit bounds the number of memo entries (distinct recorded
	// inputs and distinct canonical inputs; 0: 4 Mi).
	MemoLimit int
	// Progress, when set, is called about every ProgressEvery and once at
	// the end.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Progress is how far a replay is.
type Progress struct {
	Entries    int64
	BytesRead  int64
	BytesTotal int64
	Elapsed    time.Duration
	Done       bool
}

// Outcome is the part of a decision a replay compares.
type Outcome struct {
	Decision string          `json:"decision"`
	DeniedBy *string         `json:"denied_by"`
	Controls engine.Controls `json:"controls"`
	Reasons  []string        `json:"reasons"`
}

func outcomeOf(d *engine.Decision) Outcome {
	o := Outcome{Decision: d.Decision, DeniedBy: d.DeniedBy, Controls: d.Controls}
	for _, r := range d.Reasons {
		o.Reasons = append(o.Reasons, r.Code)
	}
	return o
}

func (o Outcome) deniedBy() string {
	if o.DeniedBy == nil {
		return ""
	}
	return *o.DeniedBy
}

// changed reports whether a replay counts as a change: decision, denied_by
// or controls differ. Reason codes alone are detail.
func changed(a, b Outcome) bool {
	return a.Decision != b.Decision || a.deniedBy() != b.deniedBy() || a.Controls != b.Controls
}

// pairOutcome is what is remembered per distinct input.
type pairOutcome struct {
	// req is the canonical request and canon its JSON encoding; read-only.
	req           *engine.Request
	canon         []byte
	before, after Outcome
	err           string
}

// result is one replayed entry, handed to the aggregator.
type result struct {
	entry
	pair  *pairOutcome
	cause string
	about string
}

// Run replays every entry of the files and directories in paths against
// before and after. Only an unreadable source is an error; everything
// inside one is counted.
func Run(ctx context.Context, paths []string, before, after Side, opts Options) (*Report, error) {
	files, total, err := listFiles(paths)
	if err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	limit := opts.MemoLimit
	if limit <= 0 {
		limit = 4 << 20
	}
	start := time.Now()
	var read, entries atomic.Int64
	m := &memo{limit: int64(limit)}
	for i := range m.shards {
		m.shards[i].m = map[[32]byte]*pairOutcome{}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []entry, workers*2)
	results := make(chan []result, workers*2)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		next := 0
		batch := make([]entry, 0, batchSize)
		emit := func(e entry) error {
			batch = append(batch, e)
			entries.Add(1)
			if len(batch) == batchSize {
				select {
				case batches <- batch:
				case <-ctx.Done():
					return ctx.Err()
				}
				batch = make([]entry, 0, batchSize)
			}
			return nil
		}
		for _, f := range files {
			if err := readFile(f, &next, &read, emit); err != nil {
				readErr <- err
				return
			}
		}
		if len(batch) > 0 {
			select {
			case batches <- batch:
			case <-ctx.Done():
			}
		}
		readErr <- nil
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				out := make([]result, len(b))
				for i, e := range b {
					out[i] = decide(ctx, e, before, after, m)
				}
				select {
				case results <- out:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	stopTick := make(chan struct{})
	tickDone := make(chan struct{})
	progress := func(done bool) {
		if opts.Progress != nil {
			opts.Progress(Progress{Entries: entries.Load(), BytesRead: read.Load(), BytesTotal: total, Elapsed: time.Since(start), Done: done})
		}
	}
	go func() {
		defer close(tickDone)
		if opts.Progress == nil {
			return
		}
		every := opts.ProgressEvery
		if every <= 0 {
			every = 200 * time.Millisecond
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				progress(false)
			case <-stopTick:
				return
			}
		}
	}()

	agg := newAggregator(before, after)
	for rs := range results {
		for i := range rs {
			agg.add(&rs[i])
		}
	}
	close(stopTick)
	<-tickDone
	if err := <-readErr; err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	progress(true)
	rep := agg.report()
	rep.Summary.Distinct = int(agg.distinct)
	rep.elapsed = time.Since(start)
	return rep, nil
}

const batchSize = 256

// decide replays one entry on both sides, or finds it in the memo: first
// by the bytes of the recorded input (a log repeats them exactly, and this
// skips decoding), then by the canonical input.
func decide(ctx context.Context, e entry, before, after Side, m *memo) result {
	r := result{entry: e, cause: e.cause, about: e.about}
	if e.input == nil {
		return r
	}
	rawKey := sha256.Sum256(e.input)
	p := m.get(rawKey)
	if p == nil {
		req, err := engine.DecodeRequest(e.input)
		if err != nil {
			r.cause, r.about = CauseInvalid, invalidDetail(err)
			return r
		}
		// DecodeRequest's result is canonical.
		canon, err := json.Marshal(req)
		if err != nil {
			r.cause, r.about = CauseInvalid, err.Error()
			return r
		}
		key := sha256.Sum256(canon)
		if p = m.get(key); p == nil {
			p = &pairOutcome{req: req, canon: canon}
			bd, berr := before.Evaluator.Evaluate(ctx, req)
			ad, aerr := after.Evaluator.Evaluate(ctx, req)
			switch {
			case berr != nil:
				p.err = before.Label + ": " + evalDetail(berr)
			case aerr != nil:
				p.err = after.Label + ": " + evalDetail(aerr)
			default:
				p.before, p.after = outcomeOf(bd), outcomeOf(ad)
			}
			if ctx.Err() != nil {
				return r
			}
			m.put(key, p)
		}
		m.put(rawKey, p)
	}
	if p.err != "" {
		r.cause, r.about = CauseEvalError, p.err
		return r
	}
	r.pair = p
	return r
}

var digits = regexp.MustCompile(`/[0-9]+(/|$)`)

// invalidDetail names the field and what was expected, without the value
// (so that one cause is one line, not one per distinct bad value).
func invalidDetail(err error) string {
	var ie *engine.InputError
	if !errors.As(err, &ie) {
		return err.Error()
	}
	msg, _, _ := strings.Cut(ie.Message, ", got ")
	path := digits.ReplaceAllString(ie.Path, "/*$1")
	if path == "" {
		return msg
	}
	return path + ": " + msg
}

func evalDetail(err error) string {
	var ie *engine.InputError
	if errors.As(err, &ie) {
		return invalidDetail(err)
	}
	return err.Error()
}

// memo remembers the outcomes of each distinct canonical input, sharded so
// that the workers rarely wait for one another.
type memo struct {
	shards [64]struct {
		sync.Mutex
		m map[[32]byte]*pairOutcome
	}
	size  atomic.Int64
	limit int64
}

func (m *memo) get(k [32]byte) *pairOutcome {
	s := &m.shards[k[0]&63]
	s.Lock()
	p := s.m[k]
	s.Unlock()
	return p
}

func (m *memo) put(k [32]byte, p *pairOutcome) {
	if m.size.Load() >= m.limit {
		return
	}
	s := &m.shards[k[0]&63]
	s.Lock()
	if _, ok := s.m[k]; !ok {
		s.m[k] = p
		m.size.Add(1)
	}
	s.Unlock()
}
