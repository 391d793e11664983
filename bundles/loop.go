package bundles

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// Results of a load, the `result` label of xtenant_bundle_loads_total.
const (
	ResultSuccess   = "success"   // a change was accepted and activated
	ResultUnchanged = "unchanged" // 304, or the same content again
	ResultError     = "error"     // read, verification, validation or activation failed
)

// Observer is told about every load of every source (internal/telemetry).
// Implementations must be cheap and safe for concurrent use.
type Observer interface {
	ObserveLoad(source, result, revision string, at time.Time)
}

// LoopConfig configures a Loop. Its sources are either the tenants file or
// directory (Path, or Load alone for the built-in examples), or the bundles
// (Locations) layered over Base.
type LoopConfig struct {
	// Name labels the tenants source in logs, metrics and status
	// (default "tenants").
	Name string
	// Path is the tenants file or directory, watched. With Load and no Path
	// Load is called once and nothing is watched (the built-in examples).
	Path string
	// Load reads the tenants; nil means tenants.Load(Path).
	Load func() (*tenants.Set, error)
	// Build turns the tenants into the policy to activate; nil means
	// Builtin. Load and Build are where a tenants file becomes what the
	// engine serves.
	Build func(*tenants.Set) (engine.Policy, error)
	// Settle is how long the tenants files must stay unchanged before they
	// are read (default 2s): a file written in place in parts is never read
	// between two parts that come less than this apart.
	Settle time.Duration

	// Locations are the --bundle values: directories, .tar.gz files, URLs.
	// When given they are the sources, composed over Base.
	Locations []string
	// Verification, when set, makes a signature mandatory on every bundle.
	Verification *VerificationKey
	// CacheDir persists URL bundles for an offline start ("" = off).
	CacheDir string
	// PollMin and PollMax bound the jittered poll interval of bundles
	// (default 10s, 60s).
	PollMin, PollMax time.Duration
	// Base is the policy the bundles are layered over (Compose), and
	// BaseTenants the tenants it holds, read from BaseTenantsFrom ("" for
	// none): a bundle carrying tenants too is refused (Composed.Conflict).
	Base            engine.Policy
	BaseTenants     *tenants.Set
	BaseTenantsFrom string
	Client          *http.Client

	// Activate installs a policy atomically (engine.Activate). An error
	// refuses the change: the last good policy keeps serving.
	Activate func(context.Context, engine.Policy) error
	// AllowEmpty accepts a change that removes every tenant, or a tenant
	// that another tenant still names as a partner, and serves with no
	// tenant (--allow-empty). Without it such a change is refused: it is
	// far more often a half-written file or a missing one than an intended
	// configuration.
	AllowEmpty bool
	// MaxStaleness makes NotReady report a bundle last confirmed longer ago
	// (--max-staleness; 0 = never stale).
	MaxStaleness time.Duration
	Observer     Observer
	Logger       *slog.Logger
	Now          func() time.Time
}

// SourceStatus is the state of one source, for /v1/status.
type SourceStatus struct {
	Name     string `json:"name"`
	Location string `json:"location,omitempty"`
	Revision string `json:"revision"`
	ETag     string `json:"etag,omitempty"`
	// Active is true once content from this source has been accepted.
	Active bool `json:"active"`
	// FromCache is true while the active bundle is the persisted copy.
	FromCache   bool              `json:"from_cache,omitempty"`
	LoadedAt    time.Time         `json:"loaded_at,omitzero"`    // when the active content was activated
	LastSuccess time.Time         `json:"last_success,omitzero"` // last read that confirmed the active content
	LastError   string            `json:"last_error,omitempty"`
	LastErrorAt time.Time         `json:"last_error_at,omitzero"`
	Warnings    []tenants.Warning `json:"warnings,omitempty"`
}

// update is what one read of a source found.
type update struct {
	unchanged bool         // the source holds what it last had accepted
	tenants   *tenants.Set // from the tenants source
	bundle    *Bundle      // from a bundle source
	etag      string
	digest    string    // SHA-256 of a downloaded or persisted bundle file
	fetched   time.Time // set for a persisted copy: when it was downloaded
	fromCache bool
	read      string // a bundle path's files when read (bundleSource.read)
}

// source is one place policy or data comes from: the tenants file or
// directory, or one --bundle location.
type source interface {
	// kind names the source in logs ("tenants", "bundle").
	kind() string
	status() SourceStatus // the initial status: name and location
	// fetch reads the source once.
	fetch(ctx context.Context) (update, error)
	// restore reads the persisted copy, when the source keeps one.
	restore() (update, error)
	// accepted records u as the source's active content.
	accepted(u update)
	// watch calls load whenever the source may have changed, until ctx
	// ends; load's error says how the last read went.
	watch(ctx context.Context, load func(context.Context) error) error
}

// Loop keeps the engine's policy and data current: it reads each source when
// it may have changed, validates what it read, builds the policy from every
// source's content, activates it and tells the Observer. A refused change
// (unreadable, half written, unsigned, invalid, dropping tenants) is logged,
// counted and shown in Status while the last good policy keeps serving.
type Loop struct {
	cfg     LoopConfig
	log     *slog.Logger
	sources []source

	mu       sync.Mutex // serialises loads and guards the fields below
	current  []*update  // the accepted content of each source, nil before
	statuses []SourceStatus
	tenants  *tenants.Set // the tenants the active policy holds
	loaded   bool         // a policy was activated
}

// NewLoop checks the configuration; nothing is read until Load.
func NewLoop(cfg LoopConfig) (*Loop, error) {
	if cfg.Activate == nil {
		return nil, errors.New("bundles: LoopConfig.Activate is required")
	}
	if cfg.Build == nil {
		cfg.Build = Builtin
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Loop{cfg: cfg, log: log}
	if len(cfg.Locations) == 0 {
		s, err := newTenantsSource(cfg, log)
		if err != nil {
			return nil, err
		}
		l.sources = []source{s}
	} else {
		if err := l.addBundleSources(); err != nil {
			return nil, err
		}
	}
	l.current = make([]*update, len(l.sources))
	for _, s := range l.sources {
		l.statuses = append(l.statuses, s.status())
	}
	return l, nil
}

func (l *Loop) addBundleSources() error {
	cfg := &l.cfg
	if cfg.PollMin <= 0 {
		cfg.PollMin = 10 * time.Second
	}
	if cfg.PollMax < cfg.PollMin {
		cfg.PollMax = max(cfg.PollMin, 60*time.Second)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if _, err := cfg.Verification.config(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, loc := range cfg.Locations {
		s, err := newBundleSource(loc, *cfg)
		if err != nil {
			return err
		}
		if seen[s.name] {
			return fmt.Errorf("bundles: %s given twice", s.name)
		}
		seen[s.name] = true
		l.sources = append(l.sources, s)
	}
	return nil
}

// Load reads every source once; a URL that cannot be fetched falls back to
// its persisted copy. Once every source has content it is activated. The
// error lists the sources that have none (the caller stays not ready, or
// exits, and Run keeps trying).
func (l *Loop) Load(ctx context.Context) error {
	var errs []error
	for i, s := range l.sources {
		u, err := s.fetch(ctx)
		if err != nil && !errors.Is(err, errPersist) {
			l.failed(i, err)
			cached, cerr := s.restore()
			if cerr != nil {
				errs = append(errs, err)
				continue
			}
			l.log.Warn("bundle server unreachable, starting from the persisted bundle", "bundle", l.statuses[i].Name, "fetched", cached.fetched, "error", err)
			err = nil
			u = cached
		}
		if err := l.apply(ctx, i, u, err); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Run watches every source until ctx ends: the tenants files are read again
// once they have settled after a change, bundles are polled.
func (l *Loop) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(l.sources))
	for i, s := range l.sources {
		wg.Go(func() {
			errs[i] = s.watch(ctx, func(ctx context.Context) error { return l.refresh(ctx, i) })
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// refresh reads source i once and applies what it found.
func (l *Loop) refresh(ctx context.Context, i int) error {
	u, err := l.sources[i].fetch(ctx)
	if err != nil && ctx.Err() != nil {
		return err // stopping, not a refusal
	}
	return l.apply(ctx, i, u, err)
}

// apply records a failed read, confirms unchanged content, or validates and
// activates a change; a refused change restores the source's previous
// content.
func (l *Loop) apply(ctx context.Context, i int, u update, readErr error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, st, now := l.sources[i], &l.statuses[i], l.cfg.Now()
	if readErr != nil && !errors.Is(readErr, errPersist) {
		l.failedLocked(i, readErr, now)
		return readErr
	}
	if readErr != nil {
		l.log.Warn("bundle fetched but not persisted", "bundle", st.Name, "error", readErr)
	}
	if u.unchanged {
		st.LastSuccess = now
		l.observe(st.Name, ResultUnchanged, st.Revision, now)
		return nil
	}
	prev := l.current[i]
	l.current[i] = &u
	rev, err := l.activateLocked(ctx)
	if err != nil {
		l.current[i] = prev
		l.failedLocked(i, err, now)
		return err
	}
	s.accepted(u)
	st.Revision = rev // a tenants source is known by the policy built from it
	if u.bundle != nil {
		st.Revision = u.bundle.Revision()
	}
	st.ETag, st.Active, st.FromCache = u.etag, true, u.fromCache
	st.LoadedAt, st.LastSuccess = now, now
	if u.fromCache {
		// The persisted copy is as old as its download, not as this start;
		// the error that made it needed stays shown.
		st.LastSuccess = u.fetched
	} else {
		st.LastError, st.LastErrorAt = "", time.Time{}
	}
	if u.tenants != nil {
		st.Warnings = u.tenants.Warnings()
		for _, w := range st.Warnings {
			l.log.Warn("tenant setting unusable: decisions needing it deny", "source", st.Name, "warning", w.String())
		}
	}
	l.observe(st.Name, ResultSuccess, st.Revision, now)
	l.log.Info(s.kind()+" activated", "source", st.Name, "revision", st.Revision, "tenants", count(l.tenants),
		"etag", u.etag, "from_cache", u.fromCache)
	return nil
}

// activateLocked builds the policy from every source's content, once all
// have some, checks the change and activates it. It returns the policy's
// revision ("" when not every source has content yet).
func (l *Loop) activateLocked(ctx context.Context) (string, error) {
	var (
		p   engine.Policy
		ts  *tenants.Set
		err error
	)
	if len(l.cfg.Locations) == 0 {
		ts = l.current[0].tenants
		if p, err = l.cfg.Build(ts); err != nil {
			return "", err
		}
	} else {
		named := make([]Named, 0, len(l.sources))
		for i := range l.sources {
			if l.current[i] == nil {
				return "", nil // not every bundle is here yet: nothing to activate
			}
			named = append(named, Named{Name: l.statuses[i].Name, Bundle: l.current[i].bundle})
		}
		c, err := Compose(l.cfg.Base, named)
		if err != nil {
			return "", err
		}
		if err := c.Conflict(l.cfg.BaseTenantsFrom); err != nil {
			return "", err
		}
		p, ts = c.Policy, c.Tenants
		if ts == nil {
			ts = l.cfg.BaseTenants
		}
	}
	if err := l.checkDrop(ts); err != nil {
		return "", err
	}
	if err := l.cfg.Activate(ctx, p); err != nil {
		return "", fmt.Errorf("activate %s: %w", p.Revision, err)
	}
	l.tenants, l.loaded = ts, true
	return p.Revision, nil
}

// checkDrop refuses, unless AllowEmpty, a change that removes every tenant
// or removes a tenant that a remaining tenant names as a partner (a
// directory missing the home tenant's file): both are far more often a file
// half written or gone than the configuration meant.
func (l *Loop) checkDrop(next *tenants.Set) error {
	prev := l.tenants
	if l.cfg.AllowEmpty || count(prev) == 0 {
		return nil
	}
	if count(next) == 0 {
		return fmt.Errorf("the change removes every tenant (%d before); refused, the last good configuration keeps serving (--allow-empty accepts it)", prev.Len())
	}
	for _, id := range prev.IDs() {
		if next.Source(id) != "" {
			continue
		}
		if naming := next.NamingAsPartner(id); len(naming) > 0 {
			return fmt.Errorf("the change removes tenant %s (from %s), which tenant %s names as a partner; refused, the last good configuration keeps serving (--allow-empty accepts it)",
				id, prev.Source(id), strings.Join(naming, ", "))
		}
	}
	return nil
}

func count(ts *tenants.Set) int {
	if ts == nil {
		return 0
	}
	return ts.Len()
}

func (l *Loop) failed(i int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failedLocked(i, err, l.cfg.Now())
}

func (l *Loop) failedLocked(i int, err error, now time.Time) {
	st := &l.statuses[i]
	st.LastError, st.LastErrorAt = err.Error(), now
	l.observe(st.Name, ResultError, st.Revision, now)
	msg := l.sources[i].kind() + " refused"
	if l.loaded {
		msg += "; the last good configuration keeps serving"
	}
	l.log.Error(msg, "source", st.Name, "error", err, "serving", st.Revision)
}

func (l *Loop) observe(name, result, revision string, at time.Time) {
	if l.cfg.Observer != nil {
		l.cfg.Observer.ObserveLoad(name, result, revision, at)
	}
}

// Status returns the state of every source, in --bundle order.
func (l *Loop) Status() []SourceStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]SourceStatus, len(l.statuses))
	for i, st := range l.statuses {
		st.Warnings = append([]tenants.Warning(nil), st.Warnings...)
		out[i] = st
	}
	return out
}

// Ready is true once every source has content active.
func (l *Loop) Ready() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.readyLocked()
}

func (l *Loop) readyLocked() bool {
	for _, st := range l.statuses {
		if !st.Active {
			return false
		}
	}
	return true
}

// Stale reports whether some bundle was last confirmed longer ago than
// maxAge (0 = never stale). A bundle started from the persisted copy and
// never confirmed since is stale as soon as maxAge is on. A tenants file is
// never stale: it is read when it changes, not polled.
func (l *Loop) Stale(maxAge time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.staleLocked(maxAge)
}

func (l *Loop) staleLocked(maxAge time.Duration) bool {
	if maxAge <= 0 || len(l.cfg.Locations) == 0 {
		return false
	}
	now := l.cfg.Now()
	for _, st := range l.statuses {
		if st.LastSuccess.IsZero() || now.Sub(st.LastSuccess) > maxAge {
			return true
		}
	}
	return false
}

// NotReady says why the sources cannot serve yet, "" when they can: not
// every source active, a bundle stale (MaxStaleness), or no tenant at all
// (unless AllowEmpty), so that every decision would deny.
func (l *Loop) NotReady() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	bundles := len(l.cfg.Locations) > 0
	switch {
	case !l.readyLocked() && bundles:
		return "not every bundle is active yet"
	case !l.readyLocked():
		return "no tenants loaded yet"
	case l.staleLocked(l.cfg.MaxStaleness):
		return fmt.Sprintf("a bundle was last confirmed more than %s ago", l.cfg.MaxStaleness)
	case count(l.tenants) > 0 || l.cfg.AllowEmpty:
		return ""
	case bundles:
		return "no bundle and no --tenants holds a tenant, so every decision would deny (--allow-empty serves it anyway)"
	}
	where := l.cfg.Path
	if where == "" {
		where = l.statuses[0].Name
	}
	return fmt.Sprintf("%s holds no tenant, so every decision would deny (--allow-empty serves it anyway)", where)
}
