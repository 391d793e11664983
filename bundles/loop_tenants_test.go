package bundles_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/internal/httpapi"
	"github.com/xtenant/xtenant/tenants"
)

type counter struct {
	mu            sync.Mutex
	success, fail int
}

func (c *counter) ObserveLoad(_, result, _ string, _ time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch result {
	case bundles.ResultSuccess:
		c.success++
	case bundles.ResultError:
		c.fail++
	}
}

func scenarioTenants(t *testing.T, name string) ([]byte, json.RawMessage) {
	t.Helper()
	f, err := scenario.Load("../testdata/scenarios/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return f.Tenants, f.Cases[0].Input
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second) // generous: CI machines are shared
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// watched runs a loop of cfg on a new engine: it loads, then watches until
// the test ends. It returns once the watch is in place.
func watched(t *testing.T, cfg bundles.LoopConfig) (*engine.Engine, *bundles.Loop) {
	t.Helper()
	eng := engine.New()
	cfg.Activate = eng.Activate
	if cfg.Build == nil {
		cfg.Build = bundles.Builtin
	}
	src, err := bundles.NewLoop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := src.Load(ctx); err != nil {
		t.Fatal(err)
	}
	go func() { _ = src.Run(ctx) }()
	time.Sleep(100 * time.Millisecond) // the watch is in place
	return eng, src
}

// Requests run while the tenants file changes: none fails, and once the
// new configuration is active no request started afterwards gets a decision
// of the old one (the cache included). A bad file is refused whole.
func TestReloadUnderLoad(t *testing.T) {
	allowTenants, input := scenarioTenants(t, "tc01-baseline-b2b-collaboration-service-defaults")
	denyTenants, _ := scenarioTenants(t, "tc03-resource-default-inbound-blocks-everyone")
	dir := t.TempDir()
	file := filepath.Join(dir, "tenants.json")
	if err := os.WriteFile(file, allowTenants, 0o600); err != nil {
		t.Fatal(err)
	}

	obs := &counter{}
	eng, src := watched(t, bundles.LoopConfig{Path: file, Observer: obs, Settle: 20 * time.Millisecond})
	oldRev := eng.Revision()

	cache, err := decisioncache.New(eng, eng, decisioncache.Config{MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Evaluator: cache, Querier: eng}))
	defer srv.Close()

	var (
		switched atomic.Bool
		stop     atomic.Bool
		wg       sync.WaitGroup
		total    atomic.Int64
	)
	for range 8 {
		wg.Go(func() {
			for !stop.Load() {
				after := switched.Load()
				resp, err := http.Post(srv.URL+"/v1/evaluate", "application/json", strings.NewReader(string(input)))
				if err != nil {
					t.Errorf("request failed: %v", err)
					return
				}
				var d engine.Decision
				err = json.NewDecoder(resp.Body).Decode(&d)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || err != nil {
					t.Errorf("status %d, %v", resp.StatusCode, err)
					return
				}
				total.Add(1)
				if after && (d.Revision == oldRev || d.Decision != "deny") {
					t.Errorf("old configuration served after the swap: %s %s", d.Revision, d.Decision)
					return
				}
			}
		})
	}
	time.Sleep(100 * time.Millisecond) // warm the cache with the old decision
	if err := os.WriteFile(file, denyTenants, 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new revision", func() bool { return eng.Revision() != oldRev })
	switched.Store(true)
	newRev := eng.Revision()
	time.Sleep(100 * time.Millisecond)

	// A broken file is refused whole; the last good configuration serves.
	if err := os.WriteFile(file, []byte(`{"not-a-guid": {}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the refusal", func() bool { return src.Status()[0].LastError != "" })
	time.Sleep(50 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	if eng.Revision() != newRev || src.Status()[0].Revision != newRev {
		t.Fatalf("revision after a bad file: %s (state %s), want %s", eng.Revision(), src.Status()[0].Revision, newRev)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.success != 2 || obs.fail < 1 {
		t.Fatalf("loads: %d ok, %d failed", obs.success, obs.fail)
	}
	if total.Load() < 10 {
		t.Fatalf("only %d requests ran", total.Load())
	}
}

func TestBadFileAtStart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tenants.yaml")
	if err := os.WriteFile(file, []byte("11111111-1111-1111-1111-111111111111:\n  crossTenantAccessPolicy: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	eng := engine.New()
	src, err := bundles.NewLoop(bundles.LoopConfig{Path: file, Build: bundles.Builtin, Activate: eng.Activate})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Load(context.Background()); err == nil || eng.Ready() {
		t.Fatalf("a bad file was accepted: %v", err)
	}
	if st := src.Status()[0]; !strings.Contains(st.LastError, "crossTenantAccessPolicy") {
		t.Fatalf("state %+v", st)
	}
}

// Other files written where the tenants are (a log next to the tenants
// file, whose directory is watched; an editor's swap file in a tenants
// directory) wake the watcher but are not a change: the tenants are read
// again only once a file that Load reads has changed.
func TestOtherFilesDoNotReload(t *testing.T) {
	allowTenants, _ := scenarioTenants(t, "tc01-baseline-b2b-collaboration-service-defaults")
	denyTenants, _ := scenarioTenants(t, "tc03-resource-default-inbound-blocks-everyone")
	for _, tc := range []struct {
		name   string
		asDir  bool     // --tenants names the directory, not the file
		others []string // written meanwhile, in the tenants file's directory
	}{
		{name: "file", others: []string{"xtenant.log", "other.json"}},
		{name: "directory", asDir: true, others: []string{"xtenant.log", ".tenants.json.swp", "notes.txt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "tenants.json")
			if err := os.WriteFile(file, allowTenants, 0o600); err != nil {
				t.Fatal(err)
			}
			const settle = 20 * time.Millisecond
			time.Sleep(3 * settle) // the first read sees settled files: it is trusted
			path := file
			if tc.asDir {
				path = dir
			}
			var reads atomic.Int64
			load := func() (*tenants.Set, error) {
				reads.Add(1)
				return tenants.Load(path)
			}
			eng, _ := watched(t, bundles.LoopConfig{Path: path, Load: load, Settle: settle})
			oldRev := eng.Revision()

			for i := range 10 {
				other := filepath.Join(dir, tc.others[i%len(tc.others)])
				if err := os.WriteFile(other, fmt.Appendf(nil, "line %d\n", i), 0o600); err != nil {
					t.Fatal(err)
				}
				time.Sleep(3 * settle) // each write settles on its own
			}
			if got := reads.Load(); got != 1 {
				t.Fatalf("the tenants were read %d times, want once: writes to other files reloaded them", got)
			}

			if err := os.WriteFile(file, denyTenants, 0o600); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the new revision", func() bool { return eng.Revision() != oldRev })
		})
	}
}

// A change that keeps the file's size and modification time (cp -p, rsync
// -t, a package manager's fixed mtime) is still a change: the inode's change
// time and identity tell it, and the new tenants are read.
func TestChangeKeepingSizeAndModTimeReloads(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("only the size and modification time are known here")
	}
	before, _ := scenarioTenants(t, "r18-nothing-after-configuration-deny")
	after := bytes.Replace(before, []byte(`"allowed"`), []byte(`"blocked"`), 1)
	if bytes.Equal(before, after) || len(before) != len(after) {
		t.Fatal("the scenario no longer has an \"allowed\" access type to flip")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "tenants.json")
	if err := os.WriteFile(file, before, 0o600); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(file, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	const settle = 20 * time.Millisecond
	time.Sleep(3 * settle)
	eng, _ := watched(t, bundles.LoopConfig{Path: file, Settle: settle})
	oldRev := eng.Revision()

	for _, replace := range []bool{false, true} {
		t.Run(map[bool]string{false: "in place", true: "renamed over"}[replace], func(t *testing.T) {
			content := after
			if replace {
				content = before
			}
			target := file
			if replace {
				target = filepath.Join(dir, ".tenants.json.tmp")
			}
			if err := os.WriteFile(target, content, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(target, mtime, mtime); err != nil {
				t.Fatal(err)
			}
			if replace {
				if err := os.Rename(target, file); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, "the changed tenants", func() bool { return eng.Revision() != oldRev })
			oldRev = eng.Revision()
		})
	}
}

// A tenants directory named through a link is read again when the link is
// swapped to another directory (the directory itself never changes).
func TestTenantsDirectoryLinkSwapped(t *testing.T) {
	allowTenants, _ := scenarioTenants(t, "tc01-baseline-b2b-collaboration-service-defaults")
	denyTenants, _ := scenarioTenants(t, "tc03-resource-default-inbound-blocks-everyone")
	root := t.TempDir()
	for name, content := range map[string][]byte{"release-1": allowTenants, "release-2": denyTenants} {
		if err := os.Mkdir(filepath.Join(root, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name, "tenants.json"), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(root, "current")
	if err := os.Symlink(filepath.Join(root, "release-1"), link); err != nil {
		t.Fatal(err)
	}
	eng, _ := watched(t, bundles.LoopConfig{Path: link, Settle: 20 * time.Millisecond})
	oldRev := eng.Revision()
	if err := os.Symlink(filepath.Join(root, "release-2"), link+".next"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(link+".next", link); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the swapped directory's tenants", func() bool { return eng.Revision() != oldRev })

	// The watch moved with the link: the new directory's file is watched.
	swapped := eng.Revision()
	if err := os.WriteFile(filepath.Join(root, "release-2", "tenants.json"), allowTenants, 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new directory's change", func() bool { return eng.Revision() != swapped })
}
