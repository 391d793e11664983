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
	// Debounce waits for a burst of file events to settle (default 200ms).
	Debounce time.Duration
}

// Tenants is the tenants-file policy source.
type Tenants struct {
	cfg Config
	log *slog.Logger

	mu    sync.Mutex // serialises loads and guards state
	state State
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
		cfg.Debounce = 200 * time.Millisecond
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Tenants{cfg: cfg, log: log, state: State{Name: cfg.Name, Location: cfg.Path}}, nil
}

// Load reads, validates and activates the tenants once. On error nothing
// changes: the previous configuration (if any) keeps serving.
func (t *Tenants) Load(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	rev, warnings, err := t.load(ctx)
	if err != nil {
		t.state.LastError, t.state.LastErrorAt = err.Error(), now
		if t.cfg.Observer != nil {
			t.cfg.Observer.LoadFailed(t.cfg.Name)
		}
		t.log.Error("tenants refused; the last good configuration keeps serving", "source", t.cfg.Name, "error", err)
		return err
	}
	if rev == t.state.Revision {
		return nil // same content again (an editor's touch, a chmod)
	}
	t.state.Revision, t.state.LoadedAt, t.state.Warnings = rev, now, warnings
	t.state.LastError, t.state.LastErrorAt = "", time.Time{}
	if t.cfg.Observer != nil {
		t.cfg.Observer.LoadSucceeded(t.cfg.Name, rev, now)
	}
	for _, w := range warnings {
		t.log.Warn("tenant setting unusable: decisions needing it deny", "source", t.cfg.Name, "warning", w.String())
	}
	t.log.Info("tenants activated", "source", t.cfg.Name, "revision", rev)
	return nil
}

func (t *Tenants) load(ctx context.Context) (string, []tenants.Warning, error) {
	set, err := t.cfg.Load()
	if err != nil {
		return "", nil, err
	}
	p, err := t.cfg.Build(set)
	if err != nil {
		return "", nil, err
	}
	if p.Revision == t.state.Revision {
		return p.Revision, set.Warnings(), nil
	}
	if err := t.cfg.Activator.Activate(ctx, p); err != nil {
		return "", nil, fmt.Errorf("activate %s: %w", p.Revision, err)
	}
	return p.Revision, set.Warnings(), nil
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
			_ = t.Load(ctx) // logged, counted and kept in State
		}
	}
}
