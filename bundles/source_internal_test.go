package bundles

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A bundle path is read again when, and only when, a file in it changed
// since the read that found the accepted content, whatever kept its size
// and modification time.
func TestPathBundleReadOnlyWhenChanged(t *testing.T) {
	old := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	write := func(t *testing.T, path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, old, old); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name     string
		change   func(t *testing.T, dir, link string)
		wantRead bool // the files are read again
		wantNew  bool // and found to hold new content
	}{
		{name: "untouched", change: func(*testing.T, string, string) {}},
		{name: "touched, same content", wantRead: true, change: func(t *testing.T, dir, _ string) {
			if err := os.Chtimes(filepath.Join(dir, "a", "data.json"), time.Now(), time.Now()); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "same size and modification time, new content", wantRead: true, wantNew: true, change: func(t *testing.T, dir, _ string) {
			write(t, filepath.Join(dir, "a", "data.json"), `{"access": "blocked"}`)
		}},
		{name: "a file added below", wantRead: true, wantNew: true, change: func(t *testing.T, dir, _ string) {
			write(t, filepath.Join(dir, "b", "data.json"), `{"more": true}`)
		}},
		{name: "the linked directory swapped for a copy with other content", wantRead: true, wantNew: true, change: func(t *testing.T, dir, link string) {
			other := dir + ".next"
			write(t, filepath.Join(other, "a", "data.json"), `{"access": "blocked"}`)
			if err := os.Symlink(other, link+".tmp"); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(link+".tmp", link); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir, link := filepath.Join(root, "bundle"), filepath.Join(root, "current")
			write(t, filepath.Join(dir, "a", "data.json"), `{"access": "allowed"}`)
			if err := os.Symlink(dir, link); err != nil {
				t.Fatal(err)
			}
			s, err := newBundleSource(link, LoopConfig{})
			if err != nil {
				t.Fatal(err)
			}
			s.racyWindow = 0 // the test's files are written just before
			reads := 0
			s.readPath = func(p string, v *VerificationKey) (*Bundle, error) {
				reads++
				return ReadPath(p, v)
			}
			u, err := s.fetch(t.Context())
			if err != nil || u.bundle == nil {
				t.Fatalf("first read: %+v, %v", u, err)
			}
			s.accepted(u)

			tc.change(t, dir, link)
			u, err = s.fetch(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got := reads == 2; got != tc.wantRead {
				t.Fatalf("read again: %v, want %v", got, tc.wantRead)
			}
			if got := u.bundle != nil && !u.unchanged; got != tc.wantNew {
				t.Fatalf("new content: %v, want %v (%+v)", got, tc.wantNew, u)
			}
			if !tc.wantNew {
				// Confirmed unchanged: the next poll reads nothing.
				if _, err := s.fetch(t.Context()); err != nil || reads > 2 {
					t.Fatalf("after a confirmed read: %d reads, %v", reads, err)
				}
			}
		})
	}
}

// A bundle directory given through a link reads as the directory itself
// (OPA's loader alone read nothing through it).
func TestReadPathThroughALink(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "release-2")
	if err := os.MkdirAll(filepath.Join(dir, "xtenant", "extra"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "xtenant", "extra", "data.json"), []byte(`{"blocked": ["x"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "current")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	direct, err := ReadPath(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	linked, err := ReadPath(link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(direct.b.Data) == 0 || fingerprint(linked) != fingerprint(direct) {
		t.Fatalf("through the link: %v, directly: %v", linked.b.Data, direct.b.Data)
	}
}

// A change whose event never came (a network file system, a full inotify
// queue) is found by the periodic recheck of the fingerprint.
func TestTenantsRecheckWithoutEvent(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tenants.json")
	if err := os.WriteFile(file, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := newTenantsSource(LoopConfig{Path: file, Settle: 10 * time.Millisecond}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.recheck = 20 * time.Millisecond
	s.read = "a fingerprint of files since replaced, unseen"
	loads := make(chan struct{}, 1)
	go func() {
		_ = s.watch(t.Context(), func(context.Context) error {
			select {
			case loads <- struct{}{}:
			default:
			}
			return nil
		})
	}()
	select {
	case <-loads:
	case <-time.After(30 * time.Second):
		t.Fatal("the recheck did not read the changed files")
	}
}
