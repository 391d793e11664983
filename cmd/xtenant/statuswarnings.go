package main

import (
	"context"
	"time"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/internal/audit"
	"github.com/xtenant/xtenant/tenants"
)

const (
	// settingCheckTimeout bounds one check of the settings against §2.14
	// (a large configuration takes seconds; a check that does not end is
	// reported, not waited for).
	settingCheckTimeout = 2 * time.Minute
	// settingCheckWait is how long a status request waits for a check
	// running; it keeps running for the next request.
	settingCheckWait = 5 * time.Second
)

// sourceStatuses is the sources' state with, for the tenants file or
// directory, the settings that break a rule of docs/semantics.md §2.14
// among its warnings (docs/contract.md, "Tenant data"). The decision
// policy's own validation finds them (audit.InvalidSettingsPath), on the
// first request that asks after each activation, not at activation: the time
// to ready of a large configuration stays what it was (issue 11). With
// --bundle the tenants come with the bundles and, as the loader's warnings,
// only `xtenant audit` lists them.
func (s *server) sourceStatuses(ctx context.Context) []bundles.SourceStatus {
	sts := s.sources.Status()
	if len(s.cfg.Bundles) > 0 || len(sts) != 1 || !sts[0].Active {
		return sts
	}
	ctx, cancel := context.WithTimeout(ctx, settingCheckWait)
	defer cancel()
	rev, ws, err := s.settingWarnings.Get(ctx)
	st := &sts[0]
	switch {
	case err != nil:
	case rev != st.Revision: // a reload between Status and Get
		err = audit.ErrPending
	}
	if err != nil {
		// Said where the warnings would be: an operator reading them must not
		// take a check that did not run for a clean configuration.
		ws = []tenants.Warning{{Message: "AUD-INVALID-SETTING: the settings were not checked against §2.14 (V-1..V-5, V-8, R-COMB-2, R-TGT-6): " +
			err.Error() + "; decisions that need an invalid setting still deny (INVALID_CONFIGURATION), and `xtenant audit` lists them"}}
	}
	st.Warnings = audit.MergeWarnings(st.Warnings, ws)
	return sts
}
