package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/httpapi"
)

// The AuthZEN certification scenario's fixture (subjects alice and bob,
// records, read/write/delete) is a bundle of its own,
// testdata/authzen-certification, with its own Rego tests. The server's
// protocol layer is run against it through regoAuthZEN, the smallest
// backend there is: the request goes to the policy as input, unchanged, and
// searches try every entity the fixture knows. Every protocol line the
// certification exercises (decoding, status codes, batches, paging,
// metadata, headers) is the production code the xtenant mapping uses.
const fixtureDir = "../../testdata/authzen-certification"

// regoAuthZEN evaluates an AuthZEN-native policy: root/decision (a boolean)
// with the AuthZEN request as input, root/entities listing the subjects,
// resources and actions that searches go through.
type regoAuthZEN struct {
	q    httpapi.Querier
	root string
}

func (b regoAuthZEN) Searches() []string {
	return []string{httpapi.SearchSubject, httpapi.SearchResource, httpapi.SearchAction}
}

func (b regoAuthZEN) Evaluate(ctx context.Context, r httpapi.AuthZENRequest) (httpapi.AuthZENResponse, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return httpapi.AuthZENResponse{}, err
	}
	var input map[string]any
	if err := json.Unmarshal(raw, &input); err != nil {
		return httpapi.AuthZENResponse{}, err
	}
	v, _, err := b.q.Query(ctx, b.root+"/decision", input)
	if err != nil {
		return httpapi.AuthZENResponse{}, err
	}
	allow, ok := v.(bool)
	if !ok {
		return httpapi.AuthZENResponse{}, fmt.Errorf("%s/decision: expected a boolean, got %T", b.root, v)
	}
	return httpapi.AuthZENResponse{Decision: allow}, nil
}

func (b regoAuthZEN) Search(ctx context.Context, kind string, r httpapi.AuthZENRequest) ([]httpapi.AuthZENResult, error) {
	v, _, err := b.q.Query(ctx, b.root+"/entities", nil)
	if err != nil {
		return nil, err
	}
	entities, _ := v.(map[string]any)
	var out []httpapi.AuthZENResult
	try := func(one httpapi.AuthZENRequest, res httpapi.AuthZENResult) error {
		d, err := b.Evaluate(ctx, one)
		if err != nil {
			return err
		}
		res.Verdict = engine.VerdictDeny
		if d.Decision {
			res.Verdict = engine.VerdictAllow
		}
		out = append(out, res)
		return nil
	}
	switch kind {
	case httpapi.SearchAction:
		list, _ := entities["actions"].([]any)
		for _, n := range list {
			name, _ := n.(string)
			one := r
			one.Action = &httpapi.AuthZENAction{Name: name}
			if err := try(one, httpapi.AuthZENResult{Name: name}); err != nil {
				return nil, err
			}
		}
	case httpapi.SearchSubject, httpapi.SearchResource:
		set, want := entities["subjects"], r.Subject
		if kind == httpapi.SearchResource {
			set, want = entities["resources"], r.Resource
		}
		known, _ := set.(map[string]any)
		for _, id := range slices.Sorted(maps.Keys(known)) {
			if e, _ := known[id].(map[string]any); e["type"] != want.Type {
				continue
			}
			one, e := r, &httpapi.AuthZENEntity{Type: want.Type, ID: id, Properties: want.Properties}
			if kind == httpapi.SearchSubject {
				one.Subject = e
			} else {
				one.Resource = e
			}
			if err := try(one, httpapi.AuthZENResult{Type: want.Type, ID: id}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// fixtureServer is the real router, over TLS on a loopback port, with the
// real engine evaluating the certification fixture. Its public URL is its
// own address, as --public-url would give it.
func fixtureServer(t *testing.T, opts ...func(*httpapi.Config)) (*httptest.Server, string) {
	t.Helper()
	eng := engine.New()
	p, err := bundles.FromPolicyFS(os.DirFS(fixtureDir), "authzen-certification", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "https://" + srv.Listener.Addr().String()
	cfg := httpapi.Config{Evaluator: eng, Querier: eng, MaxBody: 1 << 20, PublicURL: base,
		AuthZEN: regoAuthZEN{q: eng, root: "authzen/certification"}}
	for _, o := range opts {
		o(&cfg)
	}
	srv.Config.Handler = httpapi.New(cfg)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, base
}

// answer is one HTTP exchange with the server.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("answer is not a JSON object (%d): %v\n%s", a.status, err, a.body)
	}
	return v
}

func send(t *testing.T, srv *httptest.Server, method, path, contentType, body string, headers ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: raw}
}

func post(t *testing.T, srv *httptest.Server, path, body string, headers ...string) answer {
	t.Helper()
	return send(t, srv, "POST", path, "application/json", body, headers...)
}
