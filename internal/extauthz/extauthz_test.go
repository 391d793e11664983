package extauthz_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/internal/auth"
	"github.com/xtenant/xtenant/internal/extauthz"
)

const (
	baseline = "tc01-baseline-b2b-collaboration-service-defaults"
	blocked  = "tc03-resource-default-inbound-blocks-everyone"
	stepUp   = "tc27-collaboration-mfa-not-trusted-step-up-resource"
	home     = "11111111-1111-1111-1111-111111111111"
	resource = "22222222-2222-2222-2222-222222222222"
	user     = "a1a1a1a1-0000-4000-8000-000000000001"
	group    = "c1c1c1c1-0000-4000-8000-000000000001"
	app      = "d1d1d1d1-0000-4000-8000-0000000000a1"
)

// engineFor is the real engine holding a scenario's tenants with the
// built-in policy; "" leaves it without policy (not ready).
func engineFor(t *testing.T, name string) *engine.Engine {
	t.Helper()
	eng := engine.New()
	if name == "" {
		return eng
	}
	file, err := scenario.Load("../../testdata/scenarios/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := file.TenantSet()
	if err != nil {
		t.Fatal(err)
	}
	if eng, err = bundles.BuiltinEngine(context.Background(), ts); err != nil {
		t.Fatal(err)
	}
	return eng
}

type metrics struct {
	mu    sync.Mutex
	calls []string
}

func (m *metrics) ObserveDecision(accessType string, allow, cached bool, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, accessType)
}

// dial serves cfg on an in-memory listener and returns a connection to it.
func dial(t *testing.T, cfg extauthz.Config) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	g := extauthz.NewGRPCServer(cfg)
	go func() { _ = g.Serve(lis) }()
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func check(t *testing.T, conn *grpc.ClientConn, headers map[string]string) *authv3.CheckResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := authv3.NewAuthorizationClient(conn).Check(ctx, &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Method: "GET", Path: "/", Headers: headers}},
	}})
	if err != nil {
		t.Fatalf("Check must never fail at the gRPC level (failure_mode_allow): %v", err)
	}
	return resp
}

// signIn is what Envoy sends: lower-case keys.
func signIn(extra ...string) map[string]string {
	h := map[string]string{"x-xtenant-home-tenant": home, "x-xtenant-resource-tenant": resource,
		"x-xtenant-user": user, "x-xtenant-groups": group, "x-xtenant-application": app}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = extra[i+1]
	}
	return h
}

func headerValue(hs []*corev3.HeaderValueOption, key string) string {
	for _, h := range hs {
		if h.GetHeader().GetKey() == key {
			return h.GetHeader().GetValue()
		}
	}
	return ""
}

func TestCheck(t *testing.T) {
	tests := []struct {
		scenario string
		headers  map[string]string
		grpc     codes.Code
		http     int32 // 0 for an allow
		reason   string
	}{
		{baseline, signIn(), codes.OK, 0, ""},
		{baseline, signIn("x-xtenant-claims", "mfa, compliant_device"), codes.OK, 0, ""},
		{blocked, signIn(), codes.PermissionDenied, 403, "RESOURCE_INBOUND_BLOCKED"},
		{stepUp, signIn("x-xtenant-claims", "mfa"), codes.PermissionDenied, 401, "MFA_STEP_UP"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			eng := engineFor(t, tt.scenario)
			cache, err := decisioncache.New(eng, eng, decisioncache.Config{MaxBytes: 64 << 20})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(cache.Close)
			m := &metrics{}
			resp := check(t, dial(t, extauthz.Config{Evaluator: cache, Metrics: m}), tt.headers)
			if got := codes.Code(resp.GetStatus().GetCode()); got != tt.grpc {
				t.Fatalf("status %v, want %v: %v", got, tt.grpc, resp)
			}
			if len(m.calls) != 1 || m.calls[0] != engine.AccessB2BCollaboration {
				t.Errorf("metrics %v", m.calls)
			}
			if tt.http == 0 {
				ok := resp.GetOkResponse()
				if ok == nil || headerValue(ok.GetHeaders(), "x-xtenant-decision-id") == "" {
					t.Fatalf("allow without x-xtenant-decision-id: %v", resp)
				}
				return
			}
			den := resp.GetDeniedResponse()
			if den == nil || int32(den.GetStatus().GetCode()) != tt.http {
				t.Fatalf("denied response %v, want HTTP %d", den, tt.http)
			}
			var d engine.Decision
			if err := json.Unmarshal([]byte(den.GetBody()), &d); err != nil || d.Allow || d.DecisionID == "" {
				t.Fatalf("body is not the decision: %v %s", err, den.GetBody())
			}
			if d.DecisionID != headerValue(den.GetHeaders(), "x-xtenant-decision-id") {
				t.Error("decision id header differs from the body")
			}
			if got := headerValue(den.GetHeaders(), "x-xtenant-reasons"); !strings.Contains(got, tt.reason) || len(d.Reasons) == 0 || d.Reasons[0].Code != tt.reason {
				t.Errorf("reasons %q / %v, want %s", got, d.Reasons, tt.reason)
			}
		})
	}
}

func TestCheckFailsClosed(t *testing.T) {
	conn := dial(t, extauthz.Config{Evaluator: engineFor(t, baseline)})
	tests := []struct {
		name    string
		headers map[string]string
		header  string
	}{
		{"no home", map[string]string{"x-xtenant-resource-tenant": resource}, "X-Xtenant-Home-Tenant"},
		{"no user", map[string]string{"x-xtenant-home-tenant": home, "x-xtenant-resource-tenant": resource, "x-xtenant-application": app}, "X-Xtenant-User"},
		{"bad home", signIn("x-xtenant-home-tenant", "contoso"), "X-Xtenant-Home-Tenant"},
		{"bad group", signIn("x-xtenant-groups", "x"), "X-Xtenant-Groups"},
		{"bad claim", signIn("x-xtenant-claims", "password"), "X-Xtenant-Claims"},
		{"bad restrictions", signIn("sec-restrict-tenant-access-policy", "nonsense"), "Sec-Restrict-Tenant-Access-Policy"},
		{"mixed-case key", map[string]string{"X-Xtenant-Resource-Tenant": resource}, "X-Xtenant-Home-Tenant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := check(t, conn, tt.headers)
			den := resp.GetDeniedResponse()
			if codes.Code(resp.GetStatus().GetCode()) != codes.InvalidArgument || den.GetStatus().GetCode() != 400 {
				t.Fatalf("want a 400 denied response, got %v", resp)
			}
			if !strings.Contains(den.GetBody(), tt.header) || !strings.Contains(den.GetBody(), `"invalid_input"`) {
				t.Fatalf("body %s does not name %s", den.GetBody(), tt.header)
			}
		})
	}

	t.Run("not ready", func(t *testing.T) {
		resp := check(t, dial(t, extauthz.Config{Evaluator: engineFor(t, "")}), signIn())
		if resp.GetOkResponse() != nil || resp.GetDeniedResponse().GetStatus().GetCode() != 503 {
			t.Fatalf("want a 503 deny, got %v", resp)
		}
	})
	t.Run("engine error", func(t *testing.T) {
		resp := check(t, dial(t, extauthz.Config{Evaluator: failing{}}), signIn())
		if codes.Code(resp.GetStatus().GetCode()) == codes.OK || resp.GetDeniedResponse().GetStatus().GetCode() != 500 ||
			strings.Contains(resp.GetDeniedResponse().GetBody(), "secret") {
			t.Fatalf("want a 500 deny without details, got %v", resp)
		}
	})
}

// failing stands for an engine failure (the transport's view of it); the
// engine itself is never faked for decisions.
type failing struct{}

func (failing) Evaluate(context.Context, *engine.Request) (*engine.Decision, error) {
	return nil, errors.New("secret internal detail")
}

func TestRawHeaderMap(t *testing.T) {
	conn := dial(t, extauthz.Config{Evaluator: engineFor(t, baseline)})
	hm := &corev3.HeaderMap{}
	for k, v := range signIn() {
		hm.Headers = append(hm.Headers, &corev3.HeaderValue{Key: k, RawValue: []byte(v)})
	}
	ctx := context.Background()
	resp, err := authv3.NewAuthorizationClient(conn).Check(ctx, &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{HeaderMap: hm}},
	}})
	if err != nil || resp.GetOkResponse() == nil {
		t.Fatalf("raw header map: %v %v", err, resp)
	}
	hm.Headers = append(hm.Headers, &corev3.HeaderValue{Key: "x-xtenant-home-tenant", RawValue: []byte(home)})
	resp, err = authv3.NewAuthorizationClient(conn).Check(ctx, &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{HeaderMap: hm}},
	}})
	if err != nil || resp.GetDeniedResponse().GetStatus().GetCode() != 400 {
		t.Fatalf("a repeated header must be refused: %v %v", err, resp)
	}
}

func TestHealth(t *testing.T) {
	var (
		mu    sync.Mutex
		ready error
	)
	conn := dial(t, extauthz.Config{Evaluator: engineFor(t, baseline), Ready: func() error {
		mu.Lock()
		defer mu.Unlock()
		return ready
	}})
	hc := healthpb.NewHealthClient(conn)
	ctx := context.Background()
	for _, svc := range []string{"", "envoy.service.auth.v3.Authorization"} {
		resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("%q: %v %v", svc, resp, err)
		}
	}
	if _, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: "nope"}); err == nil {
		t.Error("an unknown service must be NotFound")
	}

	watch, err := hc.Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := watch.Recv(); err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("watch: %v %v", first, err)
	}
	mu.Lock()
	ready = engine.ErrNotReady
	mu.Unlock()
	if resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("not ready: %v %v", resp, err)
	}
	if next, err := watch.Recv(); err != nil || next.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("watch after change: %v %v", next, err)
	}
}

// TestListener serves on a real TCP port, as --grpc-addr does.
func TestListener(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := extauthz.NewGRPCServer(extauthz.Config{Evaluator: engineFor(t, baseline)})
	go func() { _ = g.Serve(lis) }()
	defer g.GracefulStop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if resp := check(t, conn, signIn()); resp.GetOkResponse() == nil {
		t.Fatalf("allow over TCP: %v", resp)
	}
}

// TestToken: with tokens, Check needs a bearer token of scope decide. A
// missing, wrong or under-scoped token is a denied CheckResponse (401 or
// 403), never a gRPC error: before, it was Unauthenticated at the gRPC
// level, which failure_mode_allow turns into an allow. Health needs none.
func TestToken(t *testing.T) {
	tokens, err := auth.Parse([]byte("decider decide\nwatcher metrics\n"))
	if err != nil {
		t.Fatal(err)
	}
	conn := dial(t, extauthz.Config{Evaluator: engineFor(t, baseline), Tokens: tokens})
	call := func(md ...string) *authv3.CheckResponse {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ctx = metadata.AppendToOutgoingContext(ctx, md...)
		resp, err := authv3.NewAuthorizationClient(conn).Check(ctx, &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
			Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Method: "GET", Path: "/", Headers: signIn()}},
		}})
		if err != nil {
			t.Fatalf("Check must never fail at the gRPC level (failure_mode_allow): %v", err)
		}
		return resp
	}
	for _, tt := range []struct {
		name   string
		md     []string
		status typev3.StatusCode
		rpc    codes.Code
	}{
		{"no token", nil, typev3.StatusCode_Unauthorized, codes.Unauthenticated},
		{"wrong token", []string{"authorization", "Bearer nope"}, typev3.StatusCode_Unauthorized, codes.Unauthenticated},
		{"two tokens", []string{"authorization", "Bearer decider", "authorization", "Bearer decider"}, typev3.StatusCode_Unauthorized, codes.Unauthenticated},
		{"metrics scope", []string{"authorization", "Bearer watcher"}, typev3.StatusCode_Forbidden, codes.PermissionDenied},
	} {
		resp := call(tt.md...)
		if codes.Code(resp.GetStatus().GetCode()) != tt.rpc || resp.GetDeniedResponse().GetStatus().GetCode() != tt.status {
			t.Errorf("%s: %v", tt.name, resp)
		}
		if resp.GetOkResponse() != nil {
			t.Errorf("%s: allowed", tt.name)
		}
	}
	// With the token, the answer is the one a server without tokens gives.
	want := check(t, dial(t, extauthz.Config{Evaluator: engineFor(t, baseline)}), signIn())
	if got := call("authorization", "Bearer decider"); got.GetStatus().GetCode() != want.GetStatus().GetCode() ||
		got.GetDeniedResponse().GetStatus().GetCode() != want.GetDeniedResponse().GetStatus().GetCode() {
		t.Errorf("with the token: %v, without tokens configured: %v", got, want)
	}
	if resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health needs no token: %v %v", resp, err)
	}
}
