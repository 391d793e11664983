package bundles

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/xtenant/xtenant/tenants"
)

// tenantsSource is the --tenants file or directory (or, with no path, the
// built-in examples, read once).
type tenantsSource struct {
	name   string
	path   string // "" = read once, not watched
	load   func() (*tenants.Set, error)
	settle time.Duration
	// recheck is how often the watcher compares the fingerprint without an
	// event: events can be lost (a full inotify queue) or never come (a
	// network file system, a mount replaced underneath).
	recheck time.Duration
	log     *slog.Logger

	hash string // content hash of the accepted tenants
	// read is the fingerprint of the files at their last complete read:
	// the watcher reads them again only when it differs. Only the source's
	// own goroutine touches it (Load before Run, then watch's refreshes).
	read string
}

func newTenantsSource(cfg LoopConfig, log *slog.Logger) (*tenantsSource, error) {
	s := &tenantsSource{name: cfg.Name, path: cfg.Path, load: cfg.Load, settle: cfg.Settle, recheck: time.Minute, log: log}
	if s.load == nil {
		if s.path == "" {
			return nil, errors.New("bundles: LoopConfig needs Locations, Path or Load")
		}
		path := s.path
		s.load = func() (*tenants.Set, error) { return tenants.Load(path) }
	}
	if s.name == "" {
		s.name = "tenants"
	}
	if s.settle <= 0 {
		s.settle = 2 * time.Second
	}
	return s, nil
}

// errChanging is a file that changed while it was read: it is read again
// once it has settled.
var errChanging = errors.New("changed while being read; read again once it settles")

func (s *tenantsSource) kind() string { return "tenants" }

func (s *tenantsSource) status() SourceStatus {
	return SourceStatus{Name: s.name, Location: s.path}
}

func (s *tenantsSource) fetch(context.Context) (update, error) {
	start := time.Now()
	before, changed := s.fingerprint()
	set, err := s.load()
	if err != nil {
		return update{}, err
	}
	if after, _ := s.fingerprint(); after != before {
		return update{}, fmt.Errorf("%s: %w", s.path, errChanging)
	}
	// Files that had not stayed unchanged for settle before the read could
	// change again within the same tick of the file system's clock with
	// no new fingerprint ("racily clean", as git says): the watcher then
	// reads them again rather than trust it.
	s.read = ""
	if start.Sub(changed) > s.settle {
		s.read = before
	}
	if set.Hash() == s.hash {
		return update{unchanged: true}, nil // an editor's touch, a chmod
	}
	return update{tenants: set}, nil
}

func (s *tenantsSource) restore() (update, error) {
	return update{}, errors.New("a tenants file has no persisted copy")
}

func (s *tenantsSource) accepted(u update) { s.hash = u.tenants.Hash() }

// fingerprint is the fileSet of every file load reads (the file, or the
// directory's tenants files, tenants.Loads). changed is the latest change
// among them.
func (s *tenantsSource) fingerprint() (fp string, changed time.Time) {
	if s.path == "" {
		return "", time.Time{}
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return "missing", time.Time{}
	}
	var f fileSet
	if !fi.IsDir() {
		f.add("", fi)
		return f.b.String(), f.changed
	}
	entries, err := os.ReadDir(s.path)
	if err != nil {
		return "unreadable", time.Time{}
	}
	for _, e := range entries {
		if e.IsDir() || !tenants.Loads(e.Name()) {
			continue
		}
		if info, err := os.Stat(filepath.Join(s.path, e.Name())); err == nil {
			f.add(e.Name(), info)
		}
	}
	return f.b.String(), f.changed
}

// watch reads the files again once they have not changed for settle after
// a change. The directory holding a file is watched, not the file, so that
// editors' rename-over-write and Kubernetes' ConfigMap symlink swaps are
// seen; so every other file written there (a log next to the tenants file)
// wakes it too, and is told apart by the fingerprint, unchanged since the
// last read: reading and hashing the whole tenants file for it took the
// core from decisions (115-130 ms of one core at 10,000 partners).
func (s *tenantsSource) watch(ctx context.Context, load func(context.Context) error) error {
	if s.path == "" {
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", s.path, err)
	}
	defer w.Close()
	dirs := []string{s.path}
	// A directory named through a link (a release's "current"): the link
	// swapped to another directory is seen in the link's own directory,
	// and the watch then moves to the new target (linked).
	linked := ""
	if fi, err := os.Stat(s.path); err == nil && !fi.IsDir() {
		dirs[0] = filepath.Dir(s.path)
	} else if fi, err := os.Lstat(s.path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		dirs = append(dirs, filepath.Dir(s.path))
		linked, _ = filepath.EvalSymlinks(s.path)
	}
	for _, dir := range dirs {
		if err := w.Add(dir); err != nil {
			return fmt.Errorf("watch %s: %w", dir, err)
		}
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	recheck := time.NewTicker(s.recheck)
	defer recheck.Stop()
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
			timer.Reset(s.settle)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			s.log.Warn("tenants watcher", "error", err)
		case <-recheck.C:
			if fp, _ := s.fingerprint(); s.read != "" && fp != s.read {
				timer.Reset(s.settle)
			}
		case <-timer.C:
			if linked != "" {
				if now, err := filepath.EvalSymlinks(s.path); err == nil && now != linked {
					_ = w.Remove(linked) // gone with its directory, perhaps
					if err := w.Add(now); err != nil {
						s.log.Warn("tenants watcher", "error", err)
					}
					linked = now
				}
			}
			if fp, _ := s.fingerprint(); s.read != "" && fp == s.read {
				continue // nothing load reads has changed
			}
			// Logged, counted and kept in Status; a file still being
			// written is read again once it has settled.
			if err := load(ctx); errors.Is(err, errChanging) {
				timer.Reset(s.settle)
			}
		}
	}
}
