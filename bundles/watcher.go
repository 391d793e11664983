package bundles

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/xtenant/xtenant/engine"
)

// Results of a bundle load, the `result` label of
// xtenant_bundle_loads_total.
const (
	ResultSuccess   = "success"   // a new bundle was accepted and activated
	ResultUnchanged = "unchanged" // 304, or the same content again
	ResultError     = "error"     // fetch, verification, validation or activation failed
)

// Observer is told about every load attempt (metrics). Implementations must
// be cheap and safe for concurrent use.
type Observer interface {
	BundleLoad(bundle, result, revision string, at time.Time)
}

// WatcherConfig configures a Watcher.
type WatcherConfig struct {
	// Locations are the --bundle values: directories, .tar.gz files, URLs.
	Locations []string
	// Verification, when set, makes a signature mandatory on every bundle.
	Verification *VerificationKey
	// CacheDir persists URL bundles for an offline start ("" = off).
	CacheDir string
	// PollMin and PollMax bound the jittered poll interval (default 10s, 60s).
	PollMin, PollMax time.Duration
	// Base is the policy the bundles are layered over (Compose).
	Base engine.Policy
	// BaseTenants names the tenants file Base holds ("" for none): a bundle
	// carrying tenants too is refused (Composed.Conflict).
	BaseTenants string
	// Activate installs a composed policy (engine.Activate and whatever the
	// caller publishes with it). An error refuses the change: the previous
	// bundles keep serving.
	Activate func(context.Context, Composed) error
	Logger   *slog.Logger
	Observer Observer
	Client   *http.Client
	Now      func() time.Time
}

// SourceStatus is the state of one bundle, for /v1/status.
type SourceStatus struct {
	Name     string `json:"name"`
	Revision string `json:"revision"`
	ETag     string `json:"etag,omitempty"`
	// Active is true once a bundle from this source has been activated.
	Active bool `json:"active"`
	// FromCache is true while the active bundle is the persisted copy.
	FromCache      bool      `json:"from_cache,omitempty"`
	LastSuccess    time.Time `json:"last_success,omitzero"`    // last poll that confirmed the active content
	LastActivation time.Time `json:"last_activation,omitzero"` // when the active content was activated
	LastError      string    `json:"last_error,omitempty"`
	LastErrorAt    time.Time `json:"last_error_at,omitzero"`
}

// Watcher loads bundles, keeps them current and activates every accepted
// change; a refused change (unreachable, unsigned, tampered, invalid) leaves
// the last good bundles serving.
type Watcher struct {
	cfg     WatcherConfig
	log     *slog.Logger
	sources []*source

	mu     sync.Mutex // guards the fields below and serialises activation
	active map[string]*Bundle
	status map[string]*SourceStatus
}

// NewWatcher checks the configuration; nothing is fetched until Load.
func NewWatcher(cfg WatcherConfig) (*Watcher, error) {
	if len(cfg.Locations) == 0 {
		return nil, errors.New("bundles: no bundle location")
	}
	if cfg.Activate == nil {
		return nil, errors.New("bundles: WatcherConfig.Activate is required")
	}
	if cfg.PollMin <= 0 {
		cfg.PollMin = 10 * time.Second
	}
	if cfg.PollMax < cfg.PollMin {
		cfg.PollMax = max(cfg.PollMin, 60*time.Second)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if _, err := cfg.Verification.config(); err != nil {
		return nil, err
	}
	w := &Watcher{cfg: cfg, log: log, active: map[string]*Bundle{}, status: map[string]*SourceStatus{}}
	for _, loc := range cfg.Locations {
		s, err := newSource(loc, cfg.Verification, cfg.CacheDir, cfg.Client)
		if err != nil {
			return nil, err
		}
		if _, dup := w.status[s.name]; dup {
			return nil, fmt.Errorf("bundles: %s given twice", s.name)
		}
		w.sources = append(w.sources, s)
		w.status[s.name] = &SourceStatus{Name: s.name}
	}
	return w, nil
}

// Load fetches every bundle once; a URL that cannot be fetched falls back to
// its persisted copy. When every source has a bundle they are composed and
// activated. The error lists the sources that have none (the caller stays
// not ready and Run keeps trying).
func (w *Watcher) Load(ctx context.Context) error {
	var errs []error
	for _, s := range w.sources {
		r, err := s.fetch(ctx)
		if err != nil && !errors.Is(err, errPersist) {
			w.failed(s, err)
			cached, cerr := s.restore()
			if cerr != nil {
				errs = append(errs, err)
				continue
			}
			w.log.Warn("bundle server unreachable, starting from the persisted bundle", "bundle", s.name, "fetched", cached.fetched, "error", err)
			if aerr := w.apply(ctx, s, cached, true); aerr != nil {
				errs = append(errs, aerr)
			}
			continue
		}
		if err != nil {
			w.log.Warn("bundle fetched but not persisted", "bundle", s.name, "error", err)
		}
		if aerr := w.apply(ctx, s, r, false); aerr != nil {
			errs = append(errs, aerr)
		}
	}
	return errors.Join(errs...)
}

// Run polls every source until ctx ends: a jittered interval between PollMin
// and PollMax, exponential backoff after errors.
func (w *Watcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, s := range w.sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.poll(ctx, s)
		}()
	}
	wg.Wait()
}

func (w *Watcher) poll(ctx context.Context, s *source) {
	failures := 0
	if !w.sourceActive(s) {
		failures = 1
	}
	for {
		timer := time.NewTimer(w.delay(failures))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		r, err := s.fetch(ctx)
		if err != nil && !errors.Is(err, errPersist) {
			if ctx.Err() != nil {
				return
			}
			w.failed(s, err)
			failures++
			continue
		}
		if err != nil {
			w.log.Warn("bundle fetched but not persisted", "bundle", s.name, "error", err)
		}
		if err := w.apply(ctx, s, r, false); err != nil {
			failures++
			continue
		}
		failures = 0
	}
}

// delay is the wait before the next poll.
func (w *Watcher) delay(failures int) time.Duration {
	if failures == 0 {
		span := w.cfg.PollMax - w.cfg.PollMin
		return w.cfg.PollMin + time.Duration(rand.Int64N(int64(span)+1))
	}
	d := min(w.cfg.PollMin, time.Second)
	for i := 1; i < failures && d < w.cfg.PollMax; i++ {
		d *= 2
	}
	d = min(d, w.cfg.PollMax)
	// ±20% jitter so that replicas do not retry in step.
	return d - d/5 + time.Duration(rand.Int64N(int64(d/5)*2+1))
}

func (w *Watcher) sourceActive(s *source) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.active[s.name] != nil
}

// apply activates a changed bundle, or records that the source confirmed the
// active one.
func (w *Watcher) apply(ctx context.Context, s *source, r fetchResult, fromCache bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	st := w.status[s.name]
	if r.bundle == nil {
		st.LastSuccess = now
		w.observe(s.name, ResultUnchanged, st.Revision, now)
		return nil
	}
	prev := w.active[s.name]
	w.active[s.name] = r.bundle
	if err := w.activateLocked(ctx); err != nil {
		if prev == nil {
			delete(w.active, s.name)
		} else {
			w.active[s.name] = prev
		}
		w.failedLocked(s, err, now)
		return err
	}
	s.accepted(r)
	st.Revision, st.ETag, st.Active, st.FromCache = r.bundle.Revision(), r.etag, true, fromCache
	st.LastSuccess, st.LastActivation = now, now
	if fromCache {
		// The persisted copy is as old as its download, not as this start.
		st.LastSuccess = r.fetched
	}
	w.observe(s.name, ResultSuccess, st.Revision, now)
	w.log.Info("bundle activated", "bundle", s.name, "revision", st.Revision, "etag", r.etag, "from_cache", fromCache)
	return nil
}

// activateLocked composes every source's bundle, once all have one.
func (w *Watcher) activateLocked(ctx context.Context) error {
	named := make([]Named, 0, len(w.sources))
	for _, s := range w.sources {
		b := w.active[s.name]
		if b == nil {
			return nil // not all bundles are here yet: nothing to activate
		}
		named = append(named, Named{Name: s.name, Bundle: b})
	}
	c, err := Compose(w.cfg.Base, named)
	if err != nil {
		return err
	}
	if err := c.Conflict(w.cfg.BaseTenants); err != nil {
		return err
	}
	return w.cfg.Activate(ctx, c)
}

func (w *Watcher) failed(s *source, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failedLocked(s, err, w.cfg.Now())
}

func (w *Watcher) failedLocked(s *source, err error, now time.Time) {
	st := w.status[s.name]
	st.LastError, st.LastErrorAt = err.Error(), now
	w.observe(s.name, ResultError, st.Revision, now)
	w.log.Error("bundle refused", "bundle", s.name, "error", err, "serving", st.Revision)
}

func (w *Watcher) observe(name, result, revision string, at time.Time) {
	if w.cfg.Observer != nil {
		w.cfg.Observer.BundleLoad(name, result, revision, at)
	}
}

// Status returns the state of every bundle, in --bundle order.
func (w *Watcher) Status() []SourceStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]SourceStatus, 0, len(w.sources))
	for _, s := range w.sources {
		out = append(out, *w.status[s.name])
	}
	return out
}

// Ready is true once every bundle has been activated.
func (w *Watcher) Ready() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.sources {
		if !w.status[s.name].Active {
			return false
		}
	}
	return true
}

// Stale reports whether some bundle was last confirmed longer ago than
// maxAge (--max-staleness; 0 = never stale). A bundle started from the
// persisted copy and never confirmed since is stale as soon as maxAge is on.
func (w *Watcher) Stale(maxAge time.Duration) bool {
	if maxAge <= 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	for _, s := range w.sources {
		st := w.status[s.name]
		if st.LastSuccess.IsZero() || now.Sub(st.LastSuccess) > maxAge {
			return true
		}
	}
	return false
}
