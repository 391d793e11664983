// Package extauthz is xtenant's Envoy external authorization server
// (docs/contract.md, "Envoy ext_authz"): envoy.service.auth.v3.Authorization/Check
// over gRPC, reading the same headers as forward-auth (package gatewayinput),
// with grpc.health.v1 on the same server.
//
// Check never returns a gRPC error and never an error_response: Envoy's
// failure_mode_allow would turn either into an allow. Every failure (bad
// header, not ready, engine error) is a denied response instead.
package extauthz

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"strings"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/admission"
	"github.com/xtenant/xtenant/internal/auth"
	"github.com/xtenant/xtenant/internal/gatewayinput"
)

// Metrics is what the server reports; internal/telemetry implements it.
type Metrics interface {
	ObserveDecision(accessType string, allow, cached bool, d time.Duration)
}

// cachedEvaluator is implemented by the decision cache; with it, metrics can
// tell cached answers from evaluated ones.
type cachedEvaluator interface {
	EvaluateCached(ctx context.Context, req *engine.Request) (*engine.Decision, bool, error)
}

// Config is everything the server needs.
type Config struct {
	// Evaluator decides requests: the decision cache or the engine itself.
	Evaluator engine.Evaluator
	// Ready returns nil once policy and data are active and the server is
	// not shutting down; it drives grpc.health.v1. Nil means always ready.
	Ready func() error
	// Metrics may be nil.
	Metrics Metrics
	// Tokens, when set, are required on Check (scope decide) as the
	// "authorization: Bearer <token>" metadata; a missing or wrong token
	// is a denied CheckResponse, not a gRPC error. grpc.health.v1 needs none.
	Tokens *auth.Tokens
	Logger *slog.Logger

	// TLS, when set, is required on every connection (--tls-cert).
	TLS *tls.Config
	// ConnectionTimeout bounds a new connection's handshake (0 = gRPC's
	// default); IdleTimeout closes connections idle that long (0 = never),
	// as the HTTP server does.
	ConnectionTimeout, IdleTimeout time.Duration
}

// Server implements envoy.service.auth.v3.Authorization.
type Server struct {
	authv3.UnimplementedAuthorizationServer
	cfg Config
	log *slog.Logger
}

var _ authv3.AuthorizationServer = (*Server)(nil)

// New returns the server; Register puts it on a gRPC server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Ready == nil {
		cfg.Ready = func() error { return nil }
	}
	return &Server{cfg: cfg, log: cfg.Logger}
}

// Register adds the Authorization service and grpc.health.v1 to g.
func (s *Server) Register(g grpc.ServiceRegistrar) {
	authv3.RegisterAuthorizationServer(g, s)
	registerHealth(g, s.cfg.Ready)
}

// NewGRPCServer is a gRPC server carrying both services, with cfg's TLS and
// connection timeouts; opts are passed on. The token is checked in Check
// itself, which answers a denied CheckResponse rather than a gRPC error.
func NewGRPCServer(cfg Config, opts ...grpc.ServerOption) *grpc.Server {
	if cfg.ConnectionTimeout > 0 {
		opts = append(opts, grpc.ConnectionTimeout(cfg.ConnectionTimeout))
	}
	if cfg.IdleTimeout > 0 {
		opts = append(opts, grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: cfg.IdleTimeout}))
	}
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg.TLS)))
	}
	g := grpc.NewServer(opts...)
	New(cfg).Register(g)
	return g
}

// Serve serves g on ln until g stops; a stop is not an error.
func Serve(g *grpc.Server, ln net.Listener) error {
	if err := g.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

// Stop lets in-flight calls finish until ctx ends, then closes every
// connection.
func Stop(ctx context.Context, g *grpc.Server) {
	done := make(chan struct{})
	go func() { g.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		g.Stop()
	}
}

// errorBody mirrors the HTTP API's error answers.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Check decides one request from its HTTP headers.
func (s *Server) Check(ctx context.Context, in *authv3.CheckRequest) (*authv3.CheckResponse, error) {
	if err := s.authenticate(ctx); err != nil {
		return s.failed(err), nil
	}
	req, err := gatewayinput.Request(headerLookup(in.GetAttributes().GetRequest().GetHttp()))
	if err != nil {
		return s.failed(err), nil
	}
	start := time.Now()
	var (
		d      *engine.Decision
		cached bool
	)
	if ce, ok := s.cfg.Evaluator.(cachedEvaluator); ok {
		d, cached, err = ce.EvaluateCached(ctx, req)
	} else {
		d, err = s.cfg.Evaluator.Evaluate(ctx, req)
	}
	if err == nil && d == nil {
		err = engine.ErrUndefined
	}
	if err != nil {
		return s.failed(gatewayinput.Name(err)), nil
	}
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.ObserveDecision(req.AccessType, d.Allow, cached, time.Since(start))
	}
	if d.Allow {
		return &authv3.CheckResponse{
			Status: &rpcstatus.Status{Code: int32(codes.OK)},
			HttpResponse: &authv3.CheckResponse_OkResponse{OkResponse: &authv3.OkHttpResponse{
				// Overwrite: a client must not choose the id the upstream sees.
				Headers: []*corev3.HeaderValueOption{header(strings.ToLower(gatewayinput.HeaderDecisionID), d.DecisionID)},
			}},
		}, nil
	}
	body, err := json.Marshal(d)
	if err != nil {
		return s.failed(err), nil
	}
	status := typev3.StatusCode_Forbidden
	if d.Decision == engine.VerdictStepUp {
		status = typev3.StatusCode_Unauthorized
	}
	headers := []*corev3.HeaderValueOption{
		header("content-type", "application/json"),
		header(strings.ToLower(gatewayinput.HeaderDecisionID), d.DecisionID),
	}
	if len(d.Reasons) > 0 {
		reasons := make([]string, 0, len(d.Reasons))
		for _, r := range d.Reasons {
			reasons = append(reasons, r.Code)
		}
		headers = append(headers, header(strings.ToLower(gatewayinput.HeaderReasons), strings.Join(reasons, ",")))
	}
	return denied(codes.PermissionDenied, status, headers, string(body)), nil
}

// failed is the denied answer to an error: 400 naming the header for bad
// input, 503 before a policy is active, 500 otherwise. Internal details stay
// in the log.
func (s *Server) failed(err error) *authv3.CheckResponse {
	var (
		he     *gatewayinput.HeaderError
		ie     *engine.InputError
		rpc    = codes.Internal
		status = typev3.StatusCode_InternalServerError
		detail = errorDetail{Code: "internal", Message: "internal error"}
	)
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		rpc, status, detail = codes.Unauthenticated, typev3.StatusCode_Unauthorized, errorDetail{Code: "unauthorized", Message: err.Error()}
	case errors.Is(err, auth.ErrForbidden):
		rpc, status, detail = codes.PermissionDenied, typev3.StatusCode_Forbidden, errorDetail{Code: "forbidden", Message: err.Error()}
	case errors.Is(err, admission.ErrOverloaded):
		rpc, status, detail = codes.Unavailable, typev3.StatusCode_ServiceUnavailable, errorDetail{Code: "overloaded", Message: "too many decisions being evaluated; retry later"}
	case errors.As(err, &he):
		rpc, status, detail = codes.InvalidArgument, typev3.StatusCode_BadRequest, errorDetail{Code: "invalid_input", Message: he.Error()}
	case errors.As(err, &ie):
		rpc, status, detail = codes.InvalidArgument, typev3.StatusCode_BadRequest, errorDetail{Code: "invalid_input", Message: ie.Error()}
	case errors.Is(err, engine.ErrNotReady):
		rpc, status, detail = codes.Unavailable, typev3.StatusCode_ServiceUnavailable, errorDetail{Code: "not_ready", Message: "no policy and data active yet"}
		s.log.Warn("ext_authz check failed", "err", err)
	case errors.Is(err, engine.ErrUndefined):
		detail.Message = "the policy produced no decision"
		s.log.Error("ext_authz check failed", "err", err)
	default:
		level := s.log.Error
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			level = s.log.Warn
		}
		level("ext_authz check failed", "err", err)
	}
	body, _ := json.Marshal(errorBody{Error: detail}) // plain strings: cannot fail
	return denied(rpc, status, []*corev3.HeaderValueOption{header("content-type", "application/json")}, string(body))
}

// authenticate checks the caller's bearer token (scope decide).
func (s *Server) authenticate(ctx context.Context) error {
	if !s.cfg.Tokens.Required() {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) != 1 {
		return auth.ErrUnauthenticated
	}
	return s.cfg.Tokens.Check(vals[0], auth.Decide)
}

func denied(rpc codes.Code, status typev3.StatusCode, headers []*corev3.HeaderValueOption, body string) *authv3.CheckResponse {
	return &authv3.CheckResponse{
		Status: &rpcstatus.Status{Code: int32(rpc)},
		HttpResponse: &authv3.CheckResponse_DeniedResponse{DeniedResponse: &authv3.DeniedHttpResponse{
			Status: &typev3.HttpStatus{Code: status}, Headers: headers, Body: body,
		}},
	}
}

func header(key, value string) *corev3.HeaderValueOption {
	return &corev3.HeaderValueOption{
		Header:       &corev3.HeaderValue{Key: key, Value: value},
		AppendAction: corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
	}
}

// headerLookup reads Envoy's headers case-insensitively. Envoy sends
// lower-case keys in headers, or, with encode_raw_headers, every value
// separately in header_map (a repeated header then counts as repeated).
func headerLookup(h *authv3.AttributeContext_HttpRequest) gatewayinput.Lookup {
	return func(name string) []string {
		name = strings.ToLower(name)
		if hm := h.GetHeaderMap(); hm != nil && len(hm.GetHeaders()) > 0 {
			var out []string
			for _, hv := range hm.GetHeaders() {
				if strings.ToLower(hv.GetKey()) != name {
					continue
				}
				v := hv.GetValue()
				if raw := hv.GetRawValue(); len(raw) > 0 {
					v = string(raw)
				}
				out = append(out, v)
			}
			return out
		}
		for k, v := range h.GetHeaders() {
			if strings.ToLower(k) == name {
				return []string{v}
			}
		}
		return nil
	}
}
