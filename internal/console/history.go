package console

import (
	"context"
	"sync"
	"time"
)

// historySize bounds the reload history.
const historySize = 100

// Source is the state of one policy or data source (a tenants file, a
// bundle), as the console shows it.
type Source struct {
	Name        string
	Location    string
	Revision    string
	LoadedAt    time.Time
	LastError   string
	LastErrorAt time.Time
	Warnings    []string
}

// Load is one entry of the reload history: a revision activated or a load
// refused.
type Load struct {
	At       time.Time
	Source   string
	Revision string
	Error    string
}

// History keeps the last loads of every source. The sources report only
// their current state (the last good revision, the last error), so the
// history samples that state every second (and whenever it is read) and
// keeps every change it sees, with the time the source itself recorded. Two
// changes of one source within a second show as the later one.
type History struct {
	states func() []Source

	mu    sync.Mutex
	loads []Load // oldest first, at most historySize
	seen  map[string]Source
}

// NewHistory samples states now; Run keeps sampling.
func NewHistory(states func() []Source) *History {
	h := &History{states: states, seen: map[string]Source{}}
	h.sample()
	return h
}

// Run samples every interval until ctx ends.
func (h *History) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.sample()
		}
	}
}

func (h *History) sample() {
	states := h.states()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range states {
		prev, known := h.seen[s.Name]
		if s.Revision != "" && (!known || s.Revision != prev.Revision || !s.LoadedAt.Equal(prev.LoadedAt)) {
			h.add(Load{At: s.LoadedAt, Source: s.Name, Revision: s.Revision})
		}
		if s.LastError != "" && (!known || s.LastError != prev.LastError || !s.LastErrorAt.Equal(prev.LastErrorAt)) {
			h.add(Load{At: s.LastErrorAt, Source: s.Name, Revision: s.Revision, Error: s.LastError})
		}
		h.seen[s.Name] = s
	}
}

func (h *History) add(l Load) {
	if len(h.loads) == historySize {
		h.loads = append(h.loads[:0], h.loads[1:]...)
	}
	h.loads = append(h.loads, l)
}

// Loads returns the history, newest first.
func (h *History) Loads() []Load {
	h.sample() // the status page also sees what happened since the last Notify
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Load, len(h.loads))
	for i, l := range h.loads {
		out[len(out)-1-i] = l
	}
	return out
}
