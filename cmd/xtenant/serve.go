package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"google.golang.org/grpc"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
	"github.com/xtenant/xtenant/internal/admission"
	"github.com/xtenant/xtenant/internal/audit"
	"github.com/xtenant/xtenant/internal/auth"
	"github.com/xtenant/xtenant/internal/config"
	"github.com/xtenant/xtenant/internal/connlimit"
	"github.com/xtenant/xtenant/internal/console"
	"github.com/xtenant/xtenant/internal/decisionlog"
	"github.com/xtenant/xtenant/internal/extauthz"
	"github.com/xtenant/xtenant/internal/httpapi"
	"github.com/xtenant/xtenant/internal/listener"
	"github.com/xtenant/xtenant/internal/memlimit"
	"github.com/xtenant/xtenant/internal/telemetry"
	"github.com/xtenant/xtenant/tenants"
)

func newServeCmd(e env) *cobra.Command {
	d := config.Defaults()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve decisions over HTTP (and Envoy ext_authz gRPC)",
		Long: "Serve decisions over HTTP. With no flags the built-in policy and example tenants are served on " + d.Addr + ".\n" +
			"Every flag is also XTENANT_<FLAG> and a key of the --config YAML file (flags win over the environment, which wins over the file).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			file, _ := cmd.Flags().GetString("config")
			if file == "" && e.getenv != nil {
				file = e.getenv("XTENANT_CONFIG")
			}
			cfg, err := config.Load(config.Sources{File: file, Getenv: e.getenv, Flags: givenFlags(cmd.Flags())})
			if err != nil {
				return usageError{err}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve(ctx, cfg, e)
		},
	}
	f := cmd.Flags()
	f.String("config", "", "YAML file holding any of these settings (keys are the flag names)")
	f.String("addr", d.Addr, "HTTP listen address, host:port or unix:/path")
	f.String("tenants", "", "tenants file or directory, watched (default: the built-in examples)")
	f.StringArray("bundle", nil, "OPA bundle: directory, .tar.gz or URL (repeatable)")
	f.String("bundle-poll", "10s..60s", "poll interval of bundle URLs, MIN..MAX")
	f.String("bundle-cache", "", "directory where bundle URLs are persisted for an offline start")
	f.String("verification-key", "", "public key (PEM file, PEM text, env:NAME or literal:TEXT); every bundle must then be signed")
	f.String("verification-key-id", "", "key id of --verification-key")
	f.String("signing-alg", "RS256", "algorithm of the bundle signatures checked with --verification-key (as opa run)")
	f.String("cache-size", "100000", "decisions the cache holds at most (0 disables it); memory is --cache-max-bytes")
	f.String("cache-max-bytes", "256MiB", "memory the decision cache holds at most, whatever --cache-size says")
	f.Duration("cache-ttl", d.CacheTTL, "longest life of a cached decision (0 = until the next revision)")
	f.String("max-body", "1MiB", "largest request body; larger ones get 413")
	f.String("query-cache-size", "4MiB", "memory for prepared /v1/data queries, kept per path (0 keeps none)")
	f.String("pair-cache-size", "64MiB", "memory for the tenant-pair summaries decisions share (0 keeps none)")
	f.Bool("expose-data", false, "serve every /v1/data path (tenants' settings included), not only xtenant/access/decision and explain")
	f.Duration("read-timeout", d.ReadTimeout, "longest time to read a request, headers and body")
	f.Duration("write-timeout", d.WriteTimeout, "longest time from the end of the request headers to the end of the answer")
	f.Duration("idle-timeout", d.IdleTimeout, "how long an idle keep-alive connection stays open")
	f.Int64("max-connections", d.MaxConnections, "most HTTP connections held open; at the limit idle ones are closed first")
	f.Int64("eval-concurrency", 0, "policy evaluations run at once (0 = GOMAXPROCS); cached answers need none")
	f.Int64("eval-queue", d.EvalQueue, "requests waiting for an evaluation slot; beyond, 503 with Retry-After")
	f.Duration("eval-queue-timeout", d.EvalQueueTimeout, "longest wait for an evaluation slot before 503 with Retry-After")
	f.String("decision-log", "", "decision log: stdout, file:PATH or an http(s) URL")
	f.StringArray("decision-log-mask", nil, "JSON pointer erased from decision log events (repeatable)")
	f.String("grpc-addr", "", "Envoy ext_authz v3 gRPC listen address, e.g. 127.0.0.1:9191")
	f.String("auth-token-file", "", "file of bearer tokens (one a line, optionally with scopes decide,data,status,metrics) required on every endpoint but /health*")
	f.String("tls-cert", "", "TLS certificate (PEM)")
	f.String("tls-key", "", "TLS private key (PEM)")
	f.String("tls-client-ca", "", "CA bundle (PEM) that client certificates must chain to (mTLS)")
	f.Bool("require-home-tenant", false, "an unknown home tenant is a configuration deny")
	f.Bool("allow-empty", false, "accept a tenants change that removes every tenant or a tenant still named as a partner, and serve with no tenant")
	f.Duration("max-staleness", 0, "readiness fails when a bundle was last confirmed longer ago (0 = off)")
	f.Duration("shutdown-grace", d.ShutdownGrace, "on SIGTERM, how long in-flight requests may finish")
	f.String("log-level", d.LogLevel, "debug, info, warn or error")
	f.String("log-format", d.LogFormat, "json or text")
	f.String("public-url", "", "base URL PEPs reach this server at, e.g. https://pdp.example.com (AuthZEN metadata; off when empty)")
	f.Bool("ui", false, "serve the web console at /ui/ (behind --auth-token-file when set)")
	f.String("ui-scenarios", "", "directory of scenario files the console's playground offers")
	return cmd
}

// givenFlags returns the flags set on the command line, so that only they
// override the file and the environment.
func givenFlags(fs *pflag.FlagSet) map[string][]string {
	out := map[string][]string{}
	fs.Visit(func(f *pflag.Flag) {
		if f.Name == "config" {
			return
		}
		if f.Value.Type() == "stringArray" {
			out[f.Name], _ = fs.GetStringArray(f.Name)
			return
		}
		out[f.Name] = []string{f.Value.String()}
	})
	return out
}

// server is one running `xtenant serve`.
type server struct {
	cfg      config.Config
	log      *slog.Logger
	eng      *engine.Engine
	metrics  *telemetry.Metrics
	cache    *decisioncache.Cache
	limiter  *admission.Limiter
	sources  *bundles.Loop // the --tenants file or the --bundle sources
	stopping atomic.Bool

	// settingWarnings are the §2.14 warnings /v1/status adds to the tenants
	// source's, computed by the policy once per revision.
	settingWarnings *audit.SettingWarnings
}

func serve(ctx context.Context, cfg config.Config, e env) error {
	log := newLogger(cfg, e.stderr)
	if err := conflicting(cfg); err != nil {
		return usageError{err}
	}
	// The GC setting is chosen here, not by hand (GOGC/GODEBUG): a soft
	// limit just under the container's memory limit (internal/memlimit).
	if ml, err := memlimit.Apply("/sys/fs/cgroup"); err != nil {
		log.Warn("memory limit not set", "error", err)
	} else {
		log.Info("memory limit", "bytes", ml.Limit, "source", ml.Source)
	}
	gin.SetMode(gin.ReleaseMode)
	reg := telemetry.NewRegistry()
	metrics, err := telemetry.New(reg)
	if err != nil {
		return err
	}
	s := &server{cfg: cfg, log: log, metrics: metrics,
		eng: engine.New(engine.WithLogger(log), engine.WithRequireHomeTenant(cfg.RequireHomeTenant),
			engine.WithQueryCacheBytes(cfg.QueryCacheSize), engine.WithPairCacheBytes(cfg.PairCacheSize))}
	s.settingWarnings = audit.NewSettingWarnings(s.eng, s.eng.Revision, settingCheckTimeout)

	sources, cancelSources := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSources()
	if err := s.startSources(sources); err != nil {
		return err
	}
	if err := metrics.WatchPairCache(func() telemetry.PairCacheStats {
		st := s.eng.PairCacheStats()
		return telemetry.PairCacheStats{Hits: st.Hits, Misses: st.Misses, Entries: st.Entries, Bytes: st.Bytes, MaxBytes: st.MaxBytes}
	}); err != nil {
		return err
	}

	// Evaluations (not cached answers) wait for a slot: the limiter sits
	// between the cache and the engine.
	s.limiter = admission.New(admission.Config{Concurrency: int(cfg.EvalConcurrency), Queue: int(cfg.EvalQueue), Wait: cfg.EvalQueueTimeout})
	defer s.limiter.Close()
	var ev engine.Evaluator = admission.Evaluator{Next: s.eng, Limiter: s.limiter}
	if cfg.CacheSize > 0 {
		if s.cache, err = decisioncache.New(ev, s.eng, decisioncache.Config{MaxEntries: cfg.CacheSize, MaxBytes: cfg.CacheMaxBytes, TTL: cfg.CacheTTL}); err != nil {
			return err
		}
		defer s.cache.Close()
		ev = s.cache
		if err := metrics.WatchCache(func() telemetry.CacheStats {
			st := s.cache.Stats()
			return telemetry.CacheStats{Hits: st.Hits, Misses: st.Misses, Entries: st.Entries, Bytes: st.Bytes, MaxBytes: uint64(s.cache.MaxBytes())}
		}); err != nil {
			return err
		}
	}
	if cfg.DecisionLog != "" {
		// Outermost, so that every transport's decisions are logged, cached
		// or not; the log is closed after the servers have stopped.
		dl, err := decisionlog.New(decisionlog.Config{Sink: cfg.DecisionLog, Mask: cfg.DecisionLogMask,
			Labels: map[string]string{"id": decisionLogID(), "version": binaryVersion()},
			Stdout: e.stdout, Metrics: metrics, Logger: log})
		if err != nil {
			return usageError{err}
		}
		defer closeDecisionLog(ctx, dl, cfg.ShutdownGrace, log)
		ev = dl.Wrap(ev)
	}
	var recorder *console.Recorder
	if cfg.UI { // outermost: the console sees every transport's decisions
		recorder = console.NewRecorder(recentDecisions, nil)
		ev = recorder.Wrap(ev)
	} else if cfg.UIScenarios != "" {
		return usageError{errors.New("--ui-scenarios needs --ui")}
	}
	tokens, err := auth.Load(cfg.AuthTokenFile)
	if err != nil {
		return usageError{err}
	}
	tlsConf, err := listener.TLSConfig(cfg.TLSCert, cfg.TLSKey, cfg.TLSClientCA)
	if err != nil {
		return usageError{err}
	}

	handler := httpapi.New(httpapi.Config{
		Evaluator: ev, Querier: admission.LimitedQuerier{Next: s.eng, Limiter: s.limiter}, Ready: s.ready, Status: s.status,
		Metrics: metrics, MetricsHandler: telemetry.Handler(reg), MaxBody: cfg.MaxBody, Tokens: tokens,
		ExposeData: cfg.ExposeData, PublicURL: cfg.PublicURL, Logger: log,
	})
	if cfg.UI {
		if handler, err = s.withConsole(sources, handler, recorder, tokens); err != nil {
			return usageError{err}
		}
	}
	ln, err := listener.Listen(cfg.Addr)
	if err != nil {
		return err
	}
	conns := connlimit.New(ln, int(cfg.MaxConnections))
	if err := metrics.WatchLimits(s.limitStats(conns)); err != nil {
		return err
	}
	srv := httpapi.NewServer(handler, httpapi.Timeouts{Read: cfg.ReadTimeout, Write: cfg.WriteTimeout, Idle: cfg.IdleTimeout},
		conns.ConnState, log)
	var served net.Listener = conns
	if tlsConf != nil {
		served = listener.WithTLS(conns, tlsConf)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	// The gRPC listener is bound before HTTP answers: once /health/ready
	// says ready, ext_authz accepts connections too.
	var g *grpc.Server
	if cfg.GRPCAddr != "" {
		if g, err = s.startGRPC(ev, tlsConf, tokens, errc, &wg); err != nil {
			_ = conns.Close()
			return err
		}
	}
	wg.Go(func() {
		err := srv.Serve(served)
		if !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	})
	log.Info("serving", "addr", cfg.Addr, "tls", tlsConf != nil, "cache_size", cfg.CacheSize, "cache_max_bytes", cfg.CacheMaxBytes)

	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	// Readiness fails at once; in-flight requests get --shutdown-grace.
	s.stopping.Store(true)
	log.Info("shutting down", "grace", cfg.ShutdownGrace)
	graceCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
	defer cancel()
	if serr := srv.Shutdown(graceCtx); serr != nil {
		log.Warn("grace period over, closing connections", "error", serr)
		_ = srv.Close()
	}
	if g != nil {
		extauthz.Stop(graceCtx, g)
	}
	cancelSources()
	wg.Wait()
	listener.Remove(cfg.Addr)
	return err
}

// limitStats reads the resource limits' figures for /metrics.
func (s *server) limitStats(conns *connlimit.Listener) func() telemetry.LimitStats {
	return func() telemetry.LimitStats {
		ev, cs, qc := s.limiter.Stats(), conns.Stats(), s.eng.QueryCacheStats()
		return telemetry.LimitStats{
			EvalSlots: ev.Limit, EvalInFlight: ev.InFlight, EvalQueued: ev.Queued, EvalShed: ev.Shed,
			ConnMax: cs.Max, ConnOpen: cs.Open, ConnRefused: cs.Refused, ConnEvicted: cs.Evicted,
			QueryCacheEntries: qc.Entries, QueryCacheBytes: qc.Bytes,
		}
	}
}

// conflicting refuses settings that only make sense with another one (a mask
// without a decision log, bundle options without --bundle) rather than
// ignore them.
func conflicting(cfg config.Config) error {
	switch {
	case cfg.DecisionLog == "" && len(cfg.DecisionLogMask) > 0:
		return errors.New("--decision-log-mask needs --decision-log")
	case len(cfg.Bundles) == 0 && (cfg.VerificationKey != "" || cfg.BundleCache != "" || cfg.MaxStaleness > 0):
		return errors.New("--verification-key, --bundle-cache and --max-staleness need --bundle")
	}
	return nil
}

// closeDecisionLog sends what is still queued, for at most grace.
func closeDecisionLog(ctx context.Context, dl *decisionlog.Logger, grace time.Duration, log *slog.Logger) {
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := dl.Close(closeCtx); err != nil {
		log.Warn("decision log not closed cleanly", "error", err)
	}
}

// decisionLogID is the "id" label of decision log events, as OPA sends: it
// tells apart the instances writing to one service.
func decisionLogID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// binaryVersion is the module version of the binary, "(devel)" when built
// from a working tree.
func binaryVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// startSources loads policy and data once (an invalid local file exits with
// code 2) and keeps them current in the background: the --tenants file or
// directory, watched, or the --bundle sources layered over the built-in
// policy (with --tenants, read once, as its tenants).
func (s *server) startSources(ctx context.Context) error {
	lc := bundles.LoopConfig{Name: "tenants", Path: s.cfg.Tenants, Build: bundles.Builtin, Activate: s.eng.Activate,
		AllowEmpty: s.cfg.AllowEmpty, MaxStaleness: s.cfg.MaxStaleness, Observer: s.metrics, Logger: s.log}
	switch {
	case len(s.cfg.Bundles) > 0:
		if err := s.bundleSources(&lc); err != nil {
			return err
		}
	case s.cfg.Tenants == "":
		lc.Name, lc.Load = "built-in", bundles.ExampleTenants
	}
	loop, err := bundles.NewLoop(lc)
	if err != nil {
		return usageError{err}
	}
	if err := loop.Load(ctx); err != nil {
		if !slices.ContainsFunc(s.cfg.Bundles, bundles.IsURL) {
			return usageError{err}
		}
		s.log.Warn("bundles not loaded yet; not ready while retrying", "error", err)
	}
	s.sources = loop
	go func() {
		if err := loop.Run(ctx); err != nil {
			s.log.Error("policy sources are no longer watched", "error", err)
		}
	}()
	return nil
}

// bundleSources sets lc up for the --bundle sources, over the built-in
// policy holding --tenants (read once).
func (s *server) bundleSources(lc *bundles.LoopConfig) error {
	var ts *tenants.Set
	if s.cfg.Tenants != "" {
		var err error
		if ts, err = tenants.Load(s.cfg.Tenants); err != nil {
			return usageError{err}
		}
		s.log.Info("with --bundle, --tenants is read once as the base data and not watched")
	}
	base, err := bundles.Builtin(ts)
	if err != nil {
		return err
	}
	lc.Path, lc.Base, lc.BaseTenants, lc.BaseTenantsFrom = "", base, ts, s.cfg.Tenants
	lc.Locations, lc.CacheDir, lc.PollMin, lc.PollMax = s.cfg.Bundles, s.cfg.BundleCache, s.cfg.BundlePollMin, s.cfg.BundlePollMax
	if s.cfg.VerificationKey != "" {
		lc.Verification = &bundles.VerificationKey{Key: s.cfg.VerificationKey, KeyID: s.cfg.VerificationKeyID, Algorithm: s.cfg.SigningAlg}
	}
	return nil
}

// ready is nil once policy and data are active and no shutdown has begun.
func (s *server) ready() error {
	switch {
	case s.stopping.Load():
		return errors.New("shutting down")
	case !s.eng.Ready():
		return errors.New("no policy and data active yet")
	}
	if why := s.sources.NotReady(); why != "" {
		return errors.New(why)
	}
	return nil
}

func (s *server) status(ctx context.Context) httpapi.Status {
	st := httpapi.Status{Revision: s.eng.Revision(), Sources: s.sourceStatuses(ctx)}
	if s.cache != nil {
		cs := s.cache.Stats()
		st.Cache = &httpapi.CacheStatus{Size: s.cache.Size(), MaxBytes: s.cache.MaxBytes(), Entries: cs.Entries, Bytes: cs.Bytes, Hits: cs.Hits, Misses: cs.Misses}
	}
	return st
}

// startGRPC serves Envoy ext_authz on --grpc-addr, with the HTTP server's
// TLS, token and idle timeout.
func (s *server) startGRPC(ev engine.Evaluator, tlsConf *tls.Config, tokens *auth.Tokens, errc chan<- error, wg *sync.WaitGroup) (*grpc.Server, error) {
	g := extauthz.NewGRPCServer(extauthz.Config{Evaluator: ev, Ready: s.ready, Metrics: s.metrics, Tokens: tokens, Logger: s.log,
		TLS: tlsConf, ConnectionTimeout: min(10*time.Second, s.cfg.ReadTimeout), IdleTimeout: s.cfg.IdleTimeout})
	ln, err := listener.Listen(s.cfg.GRPCAddr)
	if err != nil {
		return nil, err
	}
	wg.Go(func() {
		if err := extauthz.Serve(g, ln); err != nil {
			errc <- fmt.Errorf("grpc: %w", err)
		}
	})
	s.log.Info("serving Envoy ext_authz", "addr", s.cfg.GRPCAddr)
	return g, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
