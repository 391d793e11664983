package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/internal/auth"
	"github.com/xtenant/xtenant/internal/console"
)

// recentDecisions is how many decisions the console keeps.
const recentDecisions = 1000

// withConsole serves the web console at /ui/ beside the API handler (--ui).
// The console checks the same bearer token itself; TLS and mTLS are the
// listener's, so they cover it too.
func (s *server) withConsole(ctx context.Context, api http.Handler, rec *console.Recorder, tokens *auth.Tokens) (http.Handler, error) {
	hist := console.NewHistory(s.consoleSources)
	go hist.Run(ctx, time.Second)
	var scen *console.Scenarios
	if s.cfg.UIScenarios != "" {
		files, err := scenario.LoadDir(s.cfg.UIScenarios)
		if err != nil {
			return nil, fmt.Errorf("--ui-scenarios: %w", err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("--ui-scenarios %s: no scenario file", s.cfg.UIScenarios)
		}
		scen = &console.Scenarios{Files: files, Evaluator: scenarioEngines()}
	}
	c, err := console.New(console.Config{
		Playground: s.eng, Querier: s.eng, Status: s.consoleStatus, Recorder: rec, History: hist,
		Scenarios: scen, Tokens: tokens, Mask: s.cfg.DecisionLogMask, Logger: s.log,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, c)
	mux.Handle("/ui", http.RedirectHandler(console.Prefix, http.StatusMovedPermanently))
	mux.Handle("/", api)
	s.log.Info("serving the web console", "path", console.Prefix)
	return mux, nil
}

// scenarioEngines builds, once per scenario file, an engine holding the
// built-in policy and the file's tenants.
func scenarioEngines() func(*scenario.File) (engine.Evaluator, error) {
	var mu sync.Mutex
	engines := map[*scenario.File]*engine.Engine{}
	return func(f *scenario.File) (engine.Evaluator, error) {
		mu.Lock()
		defer mu.Unlock()
		if e, ok := engines[f]; ok {
			return e, nil
		}
		ts, err := f.TenantSet()
		if err != nil {
			return nil, err
		}
		e, err := bundles.BuiltinEngine(context.Background(), ts)
		if err != nil {
			return nil, err
		}
		engines[f] = e
		return e, nil
	}
}

func (s *server) consoleSources() []console.Source {
	var out []console.Source
	for _, st := range s.sourceStatuses(context.Background()) {
		src := console.Source{Name: st.Name, Location: st.Location, Revision: st.Revision, LoadedAt: st.LoadedAt,
			LastError: st.LastError, LastErrorAt: st.LastErrorAt}
		for _, w := range st.Warnings {
			src.Warnings = append(src.Warnings, w.String())
		}
		out = append(out, src)
	}
	return out
}

func (s *server) consoleStatus() console.Status {
	st := console.Status{Ready: s.ready(), Revision: s.eng.Revision(), Sources: s.consoleSources()}
	if s.cache != nil {
		cs := s.cache.Stats()
		st.Cache = &console.CacheStats{Entries: cs.Entries, Capacity: s.cache.Size(), Hits: cs.Hits, Misses: cs.Misses}
	}
	ps := s.eng.PairCacheStats()
	st.PairCache = &console.CacheStats{Entries: uint64(ps.Entries), Hits: ps.Hits, Misses: ps.Misses}
	if strings.TrimSpace(st.Revision) == "" {
		st.Revision = "(none)"
	}
	return st
}
