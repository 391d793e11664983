// Package telemetry holds xtenant's Prometheus collectors (docs/contract.md,
// "Prometheus metrics"). They are registered on a registry made by main, never
// on the global one, and carry only labels of bounded cardinality: access
// types, routes, status codes and configured source names, never a tenant,
// user or application id.
package telemetry

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// accessTypes is the closed set of the access_type label; anything else is
// counted as "other" so that bad input cannot grow the label set.
var accessTypes = map[string]bool{
	"b2b_collaboration": true, "b2b_direct_connect": true, "identity_sync": true, "invitation": true,
}

// Metrics records decisions, HTTP requests, policy loads and decision log
// events.
type Metrics struct {
	decisions         *prometheus.CounterVec
	decisionDuration  *prometheus.HistogramVec
	bundleLoads       *prometheus.CounterVec
	bundleLastSuccess *prometheus.GaugeVec
	bundleInfo        *prometheus.GaugeVec
	httpRequests      *prometheus.CounterVec
	httpDuration      *prometheus.HistogramVec
	decisionLogEvents *prometheus.CounterVec
	reg               prometheus.Registerer

	mu        sync.Mutex
	revisions map[string]string // source -> revision in xtenant_bundle_info

	// Children resolved ahead of time: WithLabelValues hashes the label
	// values and takes a lock on every call, which the hot path need not.
	byAccessType map[string]*decisionChildren // read-only after New
	byRoute      sync.Map                     // httpKey -> *httpChildren
}

// decisionChildren are the decision series of one access type, indexed by
// allow (counter) and cached (histogram), false then true.
type decisionChildren struct {
	decisions [2]lazy[prometheus.Counter]
	duration  [2]lazy[prometheus.Observer]
}

// lazy resolves a child at its first use, so that a series still appears
// only once observed, as it did with WithLabelValues on every call.
type lazy[T any] struct {
	once    sync.Once
	v       T
	resolve func() T
}

func (l *lazy[T]) get() T {
	l.once.Do(func() { l.v = l.resolve() })
	return l.v
}

type httpKey struct {
	route string
	code  int
}

type httpChildren struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func index(b bool) int {
	if b {
		return 1
	}
	return 0
}

// NewRegistry returns a registry holding the Go and process collectors. The
// Go collector adds two runtime metrics to its defaults, for the tail of
// decision latency on a busy core: how long goroutines wait to run once
// runnable (go_sched_latencies_seconds: requests queued behind the
// collector's mark workers or a CPU limit show there, not in the decision
// histogram) and the CPU the collector takes
// (go_cpu_classes_gc_total_cpu_seconds_total).
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	goc := collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.GoRuntimeMetricsRule{
		Matcher: regexp.MustCompile(`^/sched/latencies:seconds$|^/cpu/classes/gc/total:cpu-seconds$`),
	}))
	reg.MustRegister(goc, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// New registers every metric of docs/contract.md on reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	// 2 ms is a bucket boundary so that the share of decisions within a
	// 2 ms objective can be read off the classic buckets. Scrapers that
	// speak Prometheus' protobuf format also get a native histogram (10 %
	// wide buckets) for percentiles finer than that.
	latency := []float64{.0001, .00025, .0005, .001, .002, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}
	m := &Metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xtenant_decisions_total", Help: "Decisions answered, by access type and outcome.",
		}, []string{"access_type", "allow"}),
		decisionDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "xtenant_decision_duration_seconds", Help: "Time to decide, by access type and whether the decision cache answered.",
			Buckets: latency, NativeHistogramBucketFactor: 1.1, NativeHistogramMaxBucketNumber: 160,
		}, []string{"access_type", "cached"}),
		bundleLoads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xtenant_bundle_loads_total", Help: "Policy and data loads, by source and result (success or error).",
		}, []string{"bundle", "result"}),
		bundleLastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "xtenant_bundle_last_success_timestamp_seconds", Help: "Unix time of the last successful load of a source.",
		}, []string{"bundle"}),
		bundleInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "xtenant_bundle_info", Help: "The active revision of each source (value 1).",
		}, []string{"bundle", "revision"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xtenant_http_requests_total", Help: "HTTP requests, by route pattern and status code.",
		}, []string{"route", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "xtenant_http_request_duration_seconds", Help: "HTTP request latency, by route pattern.",
			Buckets: latency, NativeHistogramBucketFactor: 1.1, NativeHistogramMaxBucketNumber: 160,
		}, []string{"route"}),
		decisionLogEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xtenant_decision_log_events_total", Help: "Decision log events, written or dropped.",
		}, []string{"result"}),
		reg:       reg,
		revisions: map[string]string{},
	}
	for _, c := range []prometheus.Collector{m.decisions, m.decisionDuration, m.bundleLoads, m.bundleLastSuccess,
		m.bundleInfo, m.httpRequests, m.httpDuration, m.decisionLogEvents} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	m.decisionLogEvents.WithLabelValues("written")
	m.decisionLogEvents.WithLabelValues("dropped")
	m.byAccessType = map[string]*decisionChildren{}
	for _, at := range append(slices.Sorted(maps.Keys(accessTypes)), "other") {
		ch := &decisionChildren{}
		for _, b := range []bool{false, true} {
			at, label := at, strconv.FormatBool(b)
			ch.decisions[index(b)].resolve = func() prometheus.Counter { return m.decisions.WithLabelValues(at, label) }
			ch.duration[index(b)].resolve = func() prometheus.Observer { return m.decisionDuration.WithLabelValues(at, label) }
		}
		m.byAccessType[at] = ch
	}
	return m, nil
}

// ObserveDecision counts one answered decision.
func (m *Metrics) ObserveDecision(accessType string, allow, cached bool, d time.Duration) {
	ch, ok := m.byAccessType[accessType]
	if !ok {
		ch = m.byAccessType["other"]
	}
	ch.decisions[index(allow)].get().Inc()
	ch.duration[index(cached)].get().Observe(d.Seconds())
}

// ObserveHTTP counts one HTTP request. route must be a route pattern (or a
// fixed placeholder for unmatched paths), never the raw URL path.
func (m *Metrics) ObserveHTTP(route string, code int, d time.Duration) {
	k := httpKey{route, code}
	v, ok := m.byRoute.Load(k)
	if !ok {
		v, _ = m.byRoute.LoadOrStore(k, &httpChildren{
			requests: m.httpRequests.WithLabelValues(route, strconv.Itoa(code)),
			duration: m.httpDuration.WithLabelValues(route),
		})
	}
	ch := v.(*httpChildren)
	ch.requests.Inc()
	ch.duration.Observe(d.Seconds())
}

// ObserveLoad records one load of a policy source (the tenants file or a
// bundle; package bundles' Observer): result is success, unchanged or error.
func (m *Metrics) ObserveLoad(source, result, revision string, at time.Time) {
	m.bundleLoads.WithLabelValues(source, result).Inc()
	if result == "error" {
		return
	}
	m.bundleLastSuccess.WithLabelValues(source).Set(float64(at.UnixNano()) / 1e9)
	if result != "success" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.revisions[source]; ok && old != revision {
		m.bundleInfo.DeleteLabelValues(source, old)
	}
	m.revisions[source] = revision
	m.bundleInfo.WithLabelValues(source, revision).Set(1)
}

// DecisionLogEvent counts one decision log event.
func (m *Metrics) DecisionLogEvent(written bool) {
	result := "dropped"
	if written {
		result = "written"
	}
	m.decisionLogEvents.WithLabelValues(result).Inc()
}

// CacheStats is what the decision cache reports at scrape time.
type CacheStats struct {
	Hits, Misses, Entries, Bytes, MaxBytes uint64
}

// WatchCache exports the decision cache's counters, read at scrape time so
// that the cache itself knows nothing of Prometheus.
func (m *Metrics) WatchCache(stats func() CacheStats) error {
	for _, c := range []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "xtenant_decision_cache_requests_total", Help: "Decision cache lookups, by result.",
			ConstLabels: prometheus.Labels{"result": "hit"},
		}, func() float64 { return float64(stats().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "xtenant_decision_cache_requests_total", Help: "Decision cache lookups, by result.",
			ConstLabels: prometheus.Labels{"result": "miss"},
		}, func() float64 { return float64(stats().Misses) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "xtenant_decision_cache_entries", Help: "Decisions held in the cache.",
		}, func() float64 { return float64(stats().Entries) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "xtenant_decision_cache_bytes", Help: "Estimated bytes the cached decisions hold.",
		}, func() float64 { return float64(stats().Bytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "xtenant_decision_cache_max_bytes", Help: "Byte budget of the decision cache (--cache-max-bytes).",
		}, func() float64 { return float64(stats().MaxBytes) }),
	} {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// PairCacheStats is what the engine's pair summary cache reports at scrape
// time.
type PairCacheStats struct {
	Hits, Misses    uint64
	Entries         int
	Bytes, MaxBytes int64
}

// WatchPairCache exports the engine's pair summary cache (--pair-cache-size):
// lookups by result, their hit ratio since start, and what it holds.
func (m *Metrics) WatchPairCache(stats func() PairCacheStats) error {
	for _, c := range []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "xtenant_pair_cache_requests_total", Help: "Tenant-pair summary lookups, by result.",
			ConstLabels: prometheus.Labels{"result": "hit"},
		}, func() float64 { return float64(stats().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "xtenant_pair_cache_requests_total", Help: "Tenant-pair summary lookups, by result.",
			ConstLabels: prometheus.Labels{"result": "miss"},
		}, func() float64 { return float64(stats().Misses) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "xtenant_pair_cache_hit_ratio", Help: "Share of tenant-pair summary lookups answered from the cache since start (0 before the first).",
		}, func() float64 {
			st := stats()
			if st.Hits+st.Misses == 0 {
				return 0
			}
			return float64(st.Hits) / float64(st.Hits+st.Misses)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "xtenant_pair_cache_entries", Help: "Tenant-pair and resource-tenant summaries, and tenant restrictions facts, held.",
		}, func() float64 { return float64(stats().Entries) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "xtenant_pair_cache_bytes", Help: "Estimated bytes the tenant-pair and resource-tenant summaries, and tenant restrictions facts, hold.",
		}, func() float64 { return float64(stats().Bytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "xtenant_pair_cache_max_bytes", Help: "Byte budget of the tenant-pair summaries (--pair-cache-size).",
		}, func() float64 { return float64(stats().MaxBytes) }),
	} {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// LimitStats are the figures of xtenant serve's resource limits, read at
// scrape time.
type LimitStats struct {
	// Evaluation slots (--eval-concurrency, --eval-queue).
	EvalSlots, EvalInFlight, EvalQueued int
	EvalShed                            uint64
	// HTTP connections (--max-connections).
	ConnMax, ConnOpen        int
	ConnRefused, ConnEvicted uint64
	// Prepared Data API queries (--query-cache-size).
	QueryCacheEntries int
	QueryCacheBytes   int64
}

// WatchLimits exports the resource limits' figures.
func (m *Metrics) WatchLimits(stats func() LimitStats) error {
	gauge := func(name, help string, f func(LimitStats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(stats()) })
	}
	counter := func(name, help string, f func(LimitStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return f(stats()) })
	}
	for _, c := range []prometheus.Collector{
		gauge("xtenant_evaluation_slots", "Policy evaluations allowed at once (--eval-concurrency).", func(s LimitStats) float64 { return float64(s.EvalSlots) }),
		gauge("xtenant_evaluations_in_flight", "Policy evaluations running.", func(s LimitStats) float64 { return float64(s.EvalInFlight) }),
		gauge("xtenant_evaluations_queued", "Requests waiting for an evaluation slot.", func(s LimitStats) float64 { return float64(s.EvalQueued) }),
		counter("xtenant_evaluations_shed_total", "Requests answered 503 because the evaluation queue was full or too slow.", func(s LimitStats) float64 { return float64(s.EvalShed) }),
		gauge("xtenant_http_connections_max", "Most HTTP connections held open (--max-connections).", func(s LimitStats) float64 { return float64(s.ConnMax) }),
		gauge("xtenant_http_connections_open", "HTTP connections open.", func(s LimitStats) float64 { return float64(s.ConnOpen) }),
		counter("xtenant_http_connections_refused_total", "HTTP connections closed at once: at the limit with none idle.", func(s LimitStats) float64 { return float64(s.ConnRefused) }),
		counter("xtenant_http_connections_evicted_total", "Idle HTTP connections closed to make room for a new one.", func(s LimitStats) float64 { return float64(s.ConnEvicted) }),
		gauge("xtenant_query_cache_entries", "Prepared Data API queries held.", func(s LimitStats) float64 { return float64(s.QueryCacheEntries) }),
		gauge("xtenant_query_cache_bytes", "Estimated bytes the prepared Data API queries hold (--query-cache-size).", func(s LimitStats) float64 { return float64(s.QueryCacheBytes) }),
	} {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Handler serves the Prometheus text exposition of g.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}
