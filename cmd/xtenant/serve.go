package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
	"github.com/xtenant/xtenant/internal/admission"
	"github.com/xtenant/xtenant/internal/auth"
	"github.com/xtenant/xtenant/internal/config"
	"github.com/xtenant/xtenant/internal/connlimit"
	"github.com/xtenant/xtenant/internal/console"
	"github.com/xtenant/xtenant/internal/decisionlog"
	"github.com/xtenant/xtenant/internal/extauthz"
	"github.com/xtenant/xtenant/internal/httpapi"
	"github.com/xtenant/xtenant/internal/memlimit"
	"github.com/xtenant/xtenant/internal/reload"
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
	f.String("cache-size", "256MiB", "decision cache capacity in bytes, e.g. 256MiB (0 disables)")
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
	tenants  *reload.Tenants  // the tenants source, when no --bundle
	watcher  *bundles.Watcher // the bundles source, with --bundle
	stopping atomic.Bool
	// noTenants says why the bundles' active tenants cannot serve ("" when
	// they can): none at all, unless --allow-empty.
	noTenants atomic.Pointer[string]
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
	var ev engine.Evaluator = admission.Evaluator{Next: s.eng, Limiter: s.limiter}
	if cfg.CacheSize > 0 {
		if s.cache, err = decisioncache.New(ev, s.eng, decisioncache.Config{MaxBytes: cfg.CacheSize, TTL: cfg.CacheTTL}); err != nil {
			return err
		}
		defer s.cache.Close()
		ev = s.cache
		if err := metrics.WatchCache(func() telemetry.CacheStats {
			st := s.cache.Stats()
			return telemetry.CacheStats{Hits: st.Hits, Misses: st.Misses, Entries: st.Entries, Bytes: st.Bytes, MaxBytes: uint64(s.cache.Size())}
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
	tlsConf, err := tlsConfig(cfg)
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
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	conns := connlimit.New(ln, int(cfg.MaxConnections))
	if err := metrics.WatchLimits(s.limitStats(conns)); err != nil {
		return err
	}
	srv := newHTTPServer(cfg, handler, conns, log)
	var served net.Listener = conns
	if tlsConf != nil {
		// TLS over the limited listener (not ServeTLS), so that the limit
		// counts TCP connections; h2 offered as ServeTLS would.
		conf := tlsConf.Clone()
		conf.NextProtos = []string{"h2", "http/1.1"}
		served = tls.NewListener(conns, conf)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	wg.Go(func() {
		err := srv.Serve(served)
		if !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	})
	log.Info("serving", "addr", cfg.Addr, "tls", tlsConf != nil, "cache_size", cfg.CacheSize)

	var g *grpc.Server
	if cfg.GRPCAddr != "" {
		if g, err = s.startGRPC(ev, tlsConf, tokens, errc, &wg); err != nil {
			_ = srv.Close()
			return err
		}
	}

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
		stopGRPC(graceCtx, g)
	}
	cancelSources()
	wg.Wait()
	if strings.HasPrefix(cfg.Addr, "unix:") {
		_ = os.Remove(strings.TrimPrefix(cfg.Addr, "unix:"))
	}
	return err
}

// newHTTPServer bounds every phase of a connection: headers, the whole
// request, the answer and keep-alive idling (a body stalling half-way is
// cut at --read-timeout), and tracks connections for --max-connections.
func newHTTPServer(cfg config.Config, h http.Handler, conns *connlimit.Listener, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(10*time.Second, cfg.ReadTimeout),
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		ConnState:         conns.ConnState,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
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
// code 2) and keeps them current in the background.
func (s *server) startSources(ctx context.Context) error {
	if len(s.cfg.Bundles) > 0 {
		return s.startBundles(ctx)
	}
	rc := reload.Config{Name: "tenants", Path: s.cfg.Tenants, Build: bundles.Builtin, Activator: s.eng,
		Observer: s.metrics, Logger: s.log, AllowEmpty: s.cfg.AllowEmpty}
	if s.cfg.Tenants == "" {
		rc.Name, rc.Load = "built-in", bundles.ExampleTenants
	}
	t, err := reload.New(rc)
	if err != nil {
		return err
	}
	if err := t.Load(ctx); err != nil {
		return usageError{err}
	}
	s.tenants = t
	go func() {
		if err := t.Run(ctx); err != nil {
			s.log.Error("tenants are no longer watched", "error", err)
		}
	}()
	return nil
}

// startBundles layers the --bundle sources over the built-in policy (with
// --tenants, loaded once, as its tenants).
func (s *server) startBundles(ctx context.Context) error {
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
	baseCount, active := 0, 0 // tenants in base, and in the active bundles (serialised by the watcher)
	if ts != nil {
		baseCount = ts.Len()
	}
	var verify *bundles.VerificationKey
	if s.cfg.VerificationKey != "" {
		verify = &bundles.VerificationKey{Key: s.cfg.VerificationKey, KeyID: s.cfg.VerificationKeyID, Algorithm: s.cfg.SigningAlg}
	}
	w, err := bundles.NewWatcher(bundles.WatcherConfig{
		Locations: s.cfg.Bundles, Verification: verify, CacheDir: s.cfg.BundleCache,
		PollMin: s.cfg.BundlePollMin, PollMax: s.cfg.BundlePollMax, Base: base, BaseTenants: s.cfg.Tenants,
		Activate: func(ctx context.Context, c bundles.Composed) error {
			n := baseCount
			if c.Tenants != nil {
				n = c.Tenants.Len()
			}
			if n == 0 && active > 0 && !s.cfg.AllowEmpty {
				return fmt.Errorf("the change removes every tenant (%d before); refused (--allow-empty accepts it)", active)
			}
			if err := s.eng.Activate(ctx, c.Policy); err != nil {
				return err
			}
			active = n
			why := ""
			if n == 0 && !s.cfg.AllowEmpty {
				why = "no bundle and no --tenants holds a tenant, so every decision would deny (--allow-empty serves it anyway)"
			}
			s.noTenants.Store(&why)
			return nil
		},
		Logger: s.log, Observer: s.metrics,
	})
	if err != nil {
		return usageError{err}
	}
	if err := w.Load(ctx); err != nil {
		if !anyURL(s.cfg.Bundles) {
			return usageError{err}
		}
		s.log.Warn("bundles not loaded yet; not ready while retrying", "error", err)
	}
	s.watcher = w
	go w.Run(ctx)
	return nil
}

func anyURL(locations []string) bool {
	for _, l := range locations {
		if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
			return true
		}
	}
	return false
}

// ready is nil once policy and data are active and no shutdown has begun.
func (s *server) ready() error {
	switch {
	case s.stopping.Load():
		return errors.New("shutting down")
	case !s.eng.Ready():
		return errors.New("no policy and data active yet")
	case s.watcher != nil && !s.watcher.Ready():
		return errors.New("not every bundle is active yet")
	case s.watcher != nil && s.watcher.Stale(s.cfg.MaxStaleness):
		return fmt.Errorf("a bundle was last confirmed more than %s ago", s.cfg.MaxStaleness)
	}
	if why := s.noTenants.Load(); why != nil && *why != "" {
		return errors.New(*why)
	}
	if s.tenants != nil {
		if why := s.tenants.NotReady(); why != "" {
			return errors.New(why)
		}
	}
	return nil
}

func (s *server) status() httpapi.Status {
	st := httpapi.Status{Revision: s.eng.Revision()}
	switch {
	case s.watcher != nil:
		st.Sources = s.watcher.Status()
	case s.tenants != nil:
		st.Sources = []reload.State{s.tenants.State()}
	}
	if s.cache != nil {
		cs := s.cache.Stats()
		st.Cache = &httpapi.CacheStatus{Size: s.cache.Size(), Entries: cs.Entries, Bytes: cs.Bytes, Hits: cs.Hits, Misses: cs.Misses}
	}
	return st
}

func (s *server) startGRPC(ev engine.Evaluator, tlsConf *tls.Config, tokens *auth.Tokens, errc chan<- error, wg *sync.WaitGroup) (*grpc.Server, error) {
	// Idle connections are closed as on HTTP; the token is checked in Check
	// itself, which answers a denied CheckResponse rather than a gRPC error.
	opts := []grpc.ServerOption{
		grpc.ConnectionTimeout(min(10*time.Second, s.cfg.ReadTimeout)),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: s.cfg.IdleTimeout}),
	}
	if tlsConf != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConf)))
	}
	g := extauthz.NewGRPCServer(extauthz.Config{Evaluator: ev, Ready: s.ready, Metrics: s.metrics, Tokens: tokens, Logger: s.log}, opts...)
	ln, err := listen(s.cfg.GRPCAddr)
	if err != nil {
		return nil, err
	}
	wg.Go(func() {
		if err := g.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			errc <- fmt.Errorf("grpc: %w", err)
		}
	})
	s.log.Info("serving Envoy ext_authz", "addr", s.cfg.GRPCAddr)
	return g, nil
}

func stopGRPC(ctx context.Context, g *grpc.Server) {
	done := make(chan struct{})
	go func() { g.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		g.Stop()
	}
}

// listen opens host:port or unix:/path (a stale socket file is replaced).
func listen(addr string) (net.Listener, error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			_ = os.Remove(path)
		}
		return net.Listen("unix", path)
	}
	return net.Listen("tcp", addr)
}

func tlsConfig(cfg config.Config) (*tls.Config, error) {
	if cfg.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if cfg.TLSClientCA != "" {
		pem, err := os.ReadFile(cfg.TLSClientCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-client-ca %s: no PEM certificate", cfg.TLSClientCA)
		}
		conf.ClientCAs, conf.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return conf, nil
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
