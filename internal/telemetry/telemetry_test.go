package telemetry

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestExposition(t *testing.T) {
	reg := NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WatchCache(func() CacheStats { return CacheStats{Hits: 3, Misses: 1, Entries: 1} }); err != nil {
		t.Fatal(err)
	}
	m.ObserveDecision("b2b_collaboration", true, false, time.Millisecond)
	m.ObserveDecision("11111111-1111-1111-1111-111111111111", false, true, time.Millisecond)
	m.ObserveHTTP("/v1/evaluate", 200, time.Millisecond)
	m.ObserveLoad("tenants", "success", "r1", time.Unix(100, 0))
	m.ObserveLoad("tenants", "success", "r2", time.Unix(200, 0))
	m.ObserveLoad("tenants", "error", "", time.Unix(300, 0))
	m.DecisionLogEvent(true)

	rec := httptest.NewRecorder()
	Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	text := string(body)
	for _, want := range []string{
		`xtenant_decisions_total{access_type="b2b_collaboration",allow="true"} 1`,
		`xtenant_decisions_total{access_type="other",allow="false"} 1`,
		`xtenant_decision_duration_seconds_count{access_type="other",cached="true"} 1`,
		`xtenant_decision_cache_requests_total{result="hit"} 3`,
		`xtenant_decision_cache_requests_total{result="miss"} 1`,
		`xtenant_decision_cache_entries 1`,
		`go_sched_latencies_seconds_count `,
		`go_cpu_classes_gc_total_cpu_seconds_total `,
		`xtenant_bundle_loads_total{bundle="tenants",result="error"} 1`,
		`xtenant_bundle_loads_total{bundle="tenants",result="success"} 2`,
		`xtenant_bundle_last_success_timestamp_seconds{bundle="tenants"} 200`,
		`xtenant_bundle_info{bundle="tenants",revision="r2"} 1`,
		`xtenant_http_requests_total{code="200",route="/v1/evaluate"} 1`,
		`xtenant_http_request_duration_seconds_count{route="/v1/evaluate"} 1`,
		`xtenant_decision_log_events_total{result="dropped"} 0`,
		`xtenant_decision_log_events_total{result="written"} 1`,
		`go_goroutines`,
		`process_`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %s", want)
		}
	}
	if strings.Contains(text, `revision="r1"`) {
		t.Error("an old revision is still exported")
	}
}

// The hot path keeps resolved children: repeated observations land on the
// same series, and a series appears only once observed.
func TestResolvedChildren(t *testing.T) {
	reg := NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		m.ObserveDecision("identity_sync", false, true, time.Millisecond)
		m.ObserveDecision("bogus", true, false, time.Millisecond)
		m.ObserveHTTP("/v1/evaluate", 400, time.Millisecond)
		m.ObserveHTTP("unmatched", 404, time.Millisecond)
	}
	rec := httptest.NewRecorder()
	Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text := rec.Body.String()
	for _, want := range []string{
		`xtenant_decisions_total{access_type="identity_sync",allow="false"} 2`,
		`xtenant_decisions_total{access_type="other",allow="true"} 2`,
		`xtenant_decision_duration_seconds_count{access_type="identity_sync",cached="true"} 2`,
		`xtenant_decision_duration_seconds_count{access_type="other",cached="false"} 2`,
		`xtenant_http_requests_total{code="400",route="/v1/evaluate"} 2`,
		`xtenant_http_requests_total{code="404",route="unmatched"} 2`,
		`xtenant_http_request_duration_seconds_count{route="/v1/evaluate"} 2`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %s", want)
		}
	}
	for _, absent := range []string{`access_type="invitation"`, `access_type="identity_sync",allow="true"`} {
		if strings.Contains(text, absent) {
			t.Errorf("exposition holds an unobserved series: %s", absent)
		}
	}
}

// A 2 ms objective can be read off the classic buckets (le="0.002"), and a
// scraper of the protobuf format gets the native histogram too.
func TestLatencyHistograms(t *testing.T) {
	reg := NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveDecision("b2b_collaboration", true, false, 1500*time.Microsecond)
	m.ObserveDecision("b2b_collaboration", true, false, 2200*time.Microsecond)
	m.ObserveHTTP("/v1/evaluate", 200, 1900*time.Microsecond)

	rec := httptest.NewRecorder()
	Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text := rec.Body.String()
	for _, want := range []string{
		`xtenant_decision_duration_seconds_bucket{access_type="b2b_collaboration",cached="false",le="0.002"} 1`,
		`xtenant_decision_duration_seconds_bucket{access_type="b2b_collaboration",cached="false",le="0.0025"} 2`,
		`xtenant_http_request_duration_seconds_bucket{route="/v1/evaluate",le="0.002"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %s", want)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	native := map[string]bool{}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			if h := mt.GetHistogram(); h != nil && h.Schema != nil {
				native[f.GetName()] = true
			}
		}
	}
	for _, name := range []string{"xtenant_decision_duration_seconds", "xtenant_http_request_duration_seconds"} {
		if !native[name] {
			t.Errorf("%s has no native histogram", name)
		}
	}
}
