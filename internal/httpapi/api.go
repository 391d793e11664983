// Package httpapi is xtenant's HTTP API (docs/contract.md, "HTTP API"): native
// decisions, the OPA REST Data API, OpenID AuthZEN 1.0, forward-auth for
// reverse proxies, health, status and metrics. Handlers only decode, call the
// evaluator and write; every error goes through one mapper (errors.go), and
// every error path denies.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/auth"
)

// Metrics is what the API reports; internal/telemetry implements it. Labels
// passed are bounded: access types, route patterns and status codes.
type Metrics interface {
	ObserveDecision(accessType string, allow, cached bool, d time.Duration)
	ObserveHTTP(route string, code int, d time.Duration)
}

// Querier evaluates any data path (OPA Data API); *engine.Engine implements it.
type Querier interface {
	Query(ctx context.Context, path string, input any) (any, bool, error)
}

// Config is everything the API needs.
type Config struct {
	// Evaluator decides requests: the decision cache or the engine itself.
	Evaluator engine.Evaluator
	// Querier answers OPA Data API paths other than the decision.
	Querier Querier
	// Ready returns nil once policy and data are active and the server is
	// not shutting down, else why not.
	Ready func() error
	// Status describes what is active, for GET /v1/status; ctx is the
	// request's (some of it is computed on the first request that asks).
	Status func(ctx context.Context) Status
	// Metrics may be nil.
	Metrics Metrics
	// MetricsHandler serves GET /metrics; nil leaves the route out.
	MetricsHandler http.Handler
	// MaxBody is the largest accepted request body in bytes.
	MaxBody int64
	// Tokens, when set, are the bearer tokens (with their scopes) required
	// on every route but /health*.
	Tokens *auth.Tokens
	// ExposeData serves every /v1/data path; without it only the decision
	// paths (IsDecisionPath) are served, so tenants' settings stay private.
	ExposeData bool
	// NewID makes decision ids for Data API queries; nil means
	// engine.NewDecisionID.
	NewID  func() string
	Logger *slog.Logger
	// PublicURL is the base URL PEPs reach this server at (scheme://host[:port]),
	// for the AuthZEN metadata; empty leaves the metadata out (404).
	PublicURL string
	// AuthZEN maps AuthZEN requests onto the policy; nil is the xtenant
	// mapping (docs/contract.md).
	AuthZEN AuthZENBackend
}

// api holds the handlers' dependencies.
type api struct {
	cfg Config
	log *slog.Logger
	// encoded is the evaluator when it answers as JSON (the decision cache,
	// and the decorators over it), which /v1/evaluate and the Data API write
	// out as it is; nil otherwise, and then every answer is a
	// *engine.Decision.
	encoded engine.EncodedEvaluator
	authzen AuthZENBackend
}

// New builds the router. Gin's mode is the caller's business (main).
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	if cfg.NewID == nil {
		cfg.NewID = engine.NewDecisionID
	}
	if cfg.Ready == nil {
		cfg.Ready = func() error { return nil }
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	a := &api{cfg: cfg, log: cfg.Logger}
	a.encoded, _ = cfg.Evaluator.(engine.EncodedEvaluator)
	a.authzen = cfg.AuthZEN
	if a.authzen == nil {
		a.authzen = xtenantAuthZEN{a}
	}

	r := gin.New()
	// A known path with another method is 405 with Allow, not "no such
	// endpoint": GET /v1/evaluate is a wrong method, not a typo.
	r.HandleMethodNotAllowed = true
	r.Use(a.observe, gin.CustomRecoveryWithWriter(nil, a.recovered), a.authenticate, a.limitBody)
	r.NoRoute(func(c *gin.Context) { a.fail(c, errNotFound) })
	r.NoMethod(func(c *gin.Context) { a.fail(c, errMethod) })

	r.POST("/v1/evaluate", a.evaluate)
	r.POST("/v1/evaluate/batch", a.evaluateBatch)
	for _, p := range []string{"/v1/data", "/v1/data/*path"} {
		r.GET(p, a.dataGet)
		r.POST(p, a.dataPost)
	}
	a.authzenRoutes(r)
	r.Any("/v1/forward-auth", a.forwardAuth)
	r.GET("/health/live", a.live)
	r.GET("/health/ready", a.ready)
	r.GET("/health", a.health)
	r.GET("/v1/status", a.status)
	if cfg.MetricsHandler != nil {
		r.GET("/metrics", gin.WrapH(cfg.MetricsHandler))
	}
	return echoRequestID(r)
}

// decide evaluates one request with the caller's context and records it.
func (a *api) decide(ctx context.Context, req *engine.Request) (*engine.Decision, error) {
	start := time.Now()
	var (
		d      *engine.Decision
		cached bool
		err    error
	)
	if ce, ok := a.cfg.Evaluator.(engine.CachedEvaluator); ok {
		d, cached, err = ce.EvaluateCached(ctx, req)
	} else {
		d, err = a.cfg.Evaluator.Evaluate(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	a.cfg.Metrics.ObserveDecision(req.AccessType, d.Allow, cached, time.Since(start))
	return d, nil
}

type noMetrics struct{}

func (noMetrics) ObserveDecision(string, bool, bool, time.Duration) {}
func (noMetrics) ObserveHTTP(string, int, time.Duration)            {}
