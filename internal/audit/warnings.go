package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/xtenant/xtenant/tenants"
)

// InvalidSettingsPath holds the AUD-INVALID-SETTING findings of
// docs/semantics.md §2.14 (R-COMB-2, R-TGT-6, V-1..V-5, V-8): the settings
// the decision policy's one validation denies.
const InvalidSettingsPath = "xtenant/audit/invalid_settings"

// InvalidSettings asks q for the stored settings that break a rule of §2.14,
// as tenants warnings (docs/contract.md: they are listed in /v1/status like
// the loader's), sorted by tenant and path as the loader sorts its own.
func InvalidSettings(ctx context.Context, q Querier) ([]tenants.Warning, error) {
	var fs []Finding
	if err := query(ctx, q, InvalidSettingsPath, &fs); err != nil {
		return nil, err
	}
	out := make([]tenants.Warning, 0, len(fs))
	for _, f := range fs {
		// The loader's warnings point into the tenant's configuration; the
		// finding's pointer starts with the tenant id (a GUID, nothing to
		// escape).
		path, ok := strings.CutPrefix(f.Path, "/"+f.Tenant+"/")
		if f.Rule != "AUD-INVALID-SETTING" || f.Tenant == "" || !ok {
			return nil, fmt.Errorf("audit: %s: unexpected finding %+v", InvalidSettingsPath, f)
		}
		out = append(out, tenants.Warning{Tenant: f.Tenant, Path: "/" + path, Message: f.Message})
	}
	sortWarnings(out)
	return out, nil
}

// MergeWarnings adds the warnings of InvalidSettings to the loader's, in
// the loader's order (tenant, then path).
func MergeWarnings(loader, settings []tenants.Warning) []tenants.Warning {
	ws := append(slices.Clone(loader), settings...)
	sortWarnings(ws)
	return ws
}

func sortWarnings(ws []tenants.Warning) {
	slices.SortStableFunc(ws, func(a, b tenants.Warning) int {
		if c := strings.Compare(a.Tenant, b.Tenant); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
}

// SettingWarnings computes InvalidSettings lazily, once per active revision:
// not at activation, where it would add to the time to ready of a large
// configuration (issue 11), but on the first request that wants them.
// Concurrent callers share one computation, which has a deadline of its own
// so that no caller's cancellation spoils the result for the others.
type SettingWarnings struct {
	q        Querier
	revision func() string
	timeout  time.Duration

	mu  sync.Mutex
	cur *settingCheck // the last computation started
}

type settingCheck struct {
	revision string
	done     chan struct{} // closed once warnings and err are set
	warnings []tenants.Warning
	err      error
}

// ErrPending is Get's error while the computation is still running when the
// caller stops waiting.
var ErrPending = errors.New("the check of the settings (§2.14) is still running; ask again")

// NewSettingWarnings checks the settings of the policy q holds, whose active
// revision revision returns; one computation may take up to timeout.
func NewSettingWarnings(q Querier, revision func() string, timeout time.Duration) *SettingWarnings {
	return &SettingWarnings{q: q, revision: revision, timeout: timeout}
}

// Get returns the warnings of the active revision and that revision. It
// starts the computation if no caller has for this revision, and waits for
// it until ctx ends (ErrPending). A failed computation stays failed for its
// revision: it would fail again on the same policy and data, at the same
// cost.
func (s *SettingWarnings) Get(ctx context.Context) (string, []tenants.Warning, error) {
	rev := s.revision()
	s.mu.Lock()
	c := s.cur
	if c == nil || c.revision != rev {
		c = &settingCheck{revision: rev, done: make(chan struct{})}
		s.cur = c
		go s.compute(c)
	}
	s.mu.Unlock()
	select {
	case <-c.done:
		return rev, slices.Clone(c.warnings), c.err
	case <-ctx.Done():
		return rev, nil, ErrPending
	}
}

func (s *SettingWarnings) compute(c *settingCheck) {
	defer close(c.done)
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	ws, err := InvalidSettings(ctx, s.q)
	switch {
	case err != nil && ctx.Err() != nil:
		err = fmt.Errorf("the check of the settings (§2.14) took longer than %s: %w", s.timeout, err)
	case err == nil && s.revision() != c.revision:
		// The query ran on whatever was active when it started; a reload
		// in between leaves no way to tell which.
		err = errors.New("the configuration changed while its settings (§2.14) were checked; ask again")
	}
	c.warnings, c.err = ws, err
}
