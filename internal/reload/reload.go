// Package reload keeps the engine's policy and data current from a tenants
// file or directory: it loads, validates and activates a change as a whole,
// and refuses a bad one whole (logged, counted, shown in /v1/status) while
// the last good configuration keeps serving.
//
// It is one policy source; package bundles' Watcher is the other. Both hand
// a complete engine.Policy to the engine's atomic Activate.
package reload

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// Activator installs a policy atomically; *engine.Engine implements it.
type Activator interface {
	Activate(ctx context.Context, p engine.Policy) error
}

// Observer is told the result of every load (internal/telemetry).
type Observer interface {
	LoadSucceeded(source, revision string, at time.Time)
	LoadFailed(source string)
}

// State is a source's state, for /v1/status.
type State struct {
	Name        string            `json:"name"`
	Location    string            `json:"location,omitempty"`
	Revision    string            `json:"revision"`
	LoadedAt    time.Time         `json:"loaded_at,omitzero"`
	LastError   string            `json:"last_error,omitempty"`
	LastErrorAt time.Time         `json:"last_error_at,omitzero"`
	Warnings    []tenants.Warning `json:"warnings,omitempty"`
}

// Config configures a Tenants source.
type Config struct {
	// Name labels the source in metrics and status ("tenants").
	Name string
	// Path is the tenants file or directory; "" means Load is called once
	// and nothing is watched (the built-in examples).
	Path string
	// Load reads the tenants; nil means tenants.Load(Path).
	Load func() (*tenants.Set, error)
	// Build turns tenants into a policy (bundles.Builtin).
	Build     func(*tenants.Set) (engine.Policy, error)
	Activator Activator
	Observer  Observer
	Logger    *slog.Logger
	// Debounce is how long the files must stay unchanged before a reload
	// reads them (default 2s): a file written in place in parts is never
	// read between two parts that come less than this apart.
	Debounce time.Duration
	// AllowEmpty accepts a change that removes every tenant, or a tenant
	// that another tenant still names as a partner, and a start with no
	// tenant as ready (--allow-empty). Without it such a change is refused:
	// it is far more often a half-written file or a missing one than an
	// intended configuration.
	AllowEmpty bool
}

// Tenants is the tenants-file policy source.
type Tenants struct {
	cfg Config
	log *slog.Logger

	mu    sync.Mutex // serialises loads and guards state and set
	state State
	set   *tenants.Set // the active tenants; nil before the first load
}

// New checks the configuration; nothing is read until Load.
func New(cfg Config) (*Tenants, error) {
	if cfg.Build == nil || cfg.Activator == nil {
		return nil, errors.New("reload: Build and Activator are required")
	}
	if cfg.Load == nil {
		if cfg.Path == "" {
			return nil, errors.New("reload: Path or Load is required")
		}
		path := cfg.Path
		cfg.Load = func() (*tenants.Set, error) { return tenants.Load(path) }
	}
	if cfg.Name == "" {
		cfg.Name = "tenants"
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = 2 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Tenants{cfg: cfg, log: log, state: State{Name: cfg.Name, Location: cfg.Path}}, nil
}

// errChanging is a file that changed while it was read: Run tries again
// once it has settled.
var errChanging = errors.New("changed while being read; read again once it settles")

// Load reads, validates and activates the tenants once. On error nothing
// changes: the previous configuration (if any) keeps serving.
func (t *Tenants) Load(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	rev, set, err := t.load(ctx)
	if err != nil {
		t.state.LastError, t.state.LastErrorAt = err.Error(), now
		if t.cfg.Observer != nil {
			t.cfg.Observer.LoadFailed(t.cfg.Name)
		}
		if t.set == nil {
			t.log.Error("tenants refused", "source", t.cfg.Name, "error", err)
		} else {
			t.log.Error("tenants refused; the last good configuration keeps serving", "source", t.cfg.Name, "error", err, "serving", t.state.Revision)
		}
		return err
	}
	t.set = set
	if rev == t.state.Revision {
		return nil // same content again (an editor's touch, a chmod)
	}
	warnings := set.Warnings()
	t.state.Revision, t.state.LoadedAt, t.state.Warnings = rev, now, warnings
	t.state.LastError, t.state.LastErrorAt = "", time.Time{}
	if t.cfg.Observer != nil {
		t.cfg.Observer.LoadSucceeded(t.cfg.Name, rev, now)
	}
	for _, w := range warnings {
		t.log.Warn("tenant setting unusable: decisions needing it deny", "source", t.cfg.Name, "warning", w.String())
	}
	t.log.Info("tenants activated", "source", t.cfg.Name, "revision", rev, "tenants", set.Len())
	return nil
}

func (t *Tenants) load(ctx context.Context) (string, *tenants.Set, error) {
	before := t.fingerprint()
	set, err := t.cfg.Load()
	if err != nil {
		return "", nil, err
	}
	if after := t.fingerprint(); after != before {
		return "", nil, fmt.Errorf("%s: %w", t.cfg.Path, errChanging)
	}
	if err := t.checkDrop(set); err != nil {
		return "", nil, err
	}
	p, err := t.cfg.Build(set)
	if err != nil {
		return "", nil, err
	}
	if p.Revision == t.state.Revision {
		return p.Revision, set, nil
	}
	if err := t.cfg.Activator.Activate(ctx, p); err != nil {
		return "", nil, fmt.Errorf("activate %s: %w", p.Revision, err)
	}
	return p.Revision, set, nil
}

// checkDrop refuses, unless AllowEmpty, a change that removes every tenant
// or removes a tenant that a remaining tenant names as a partner (a
// directory missing the home tenant's file): both are far more often a file
// half written or gone than the configuration meant.
func (t *Tenants) checkDrop(next *tenants.Set) error {
	prev := t.set
	if t.cfg.AllowEmpty || prev == nil || prev.Len() == 0 {
		return nil
	}
	if next.Len() == 0 {
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

// fingerprint is the name, size and modification time of every file Load
// reads (the file, or the directory's entries): equal before and after the
// read means nothing was written meanwhile.
func (t *Tenants) fingerprint() string {
	if t.cfg.Path == "" {
		return ""
	}
	fi, err := os.Stat(t.cfg.Path)
	if err != nil {
		return "missing"
	}
	if !fi.IsDir() {
		return fmt.Sprintf("%d/%d", fi.Size(), fi.ModTime().UnixNano())
	}
	entries, err := os.ReadDir(t.cfg.Path)
	if err != nil {
		return "unreadable"
	}
	var b strings.Builder
	for _, e := range entries {
		if info, err := os.Stat(filepath.Join(t.cfg.Path, e.Name())); err == nil {
			fmt.Fprintf(&b, "%s/%d/%d;", e.Name(), info.Size(), info.ModTime().UnixNano())
		}
	}
	return b.String()
}

// NotReady says why the source cannot serve yet: no tenant at all (unless
// AllowEmpty), so that every decision would deny. "" when it can.
func (t *Tenants) NotReady() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.set == nil:
		return "no tenants loaded yet"
	case t.set.Len() == 0 && !t.cfg.AllowEmpty:
		where := t.cfg.Path
		if where == "" {
			where = t.cfg.Name
		}
		return fmt.Sprintf("%s holds no tenant, so every decision would deny (--allow-empty serves it anyway)", where)
	}
	return ""
}

// State returns the source's state.
func (t *Tenants) State() State {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.state
	s.Warnings = append([]tenants.Warning(nil), s.Warnings...)
	return s
}

// Run watches Path until ctx ends, reloading after each burst of changes.
// The directory holding a file is watched, not the file, so that editors'
// rename-over-write and Kubernetes' ConfigMap symlink swaps are seen.
func (t *Tenants) Run(ctx context.Context) error {
	if t.cfg.Path == "" {
		<-ctx.Done()
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	defer w.Close()
	dir := t.cfg.Path
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		dir = filepath.Dir(dir)
	}
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("reload: watch %s: %w", dir, err)
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			timer.Reset(t.cfg.Debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			t.log.Warn("tenants watcher", "error", err)
		case <-timer.C:
			// Logged, counted and kept in State; a file still being
			// written is read again once it has settled.
			if err := t.Load(ctx); errors.Is(err, errChanging) {
				timer.Reset(t.cfg.Debounce)
			}
		}
	}
}
