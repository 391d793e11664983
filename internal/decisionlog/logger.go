package decisionlog

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/xtenant/xtenant/engine"
)

// Metrics counts events; internal/telemetry implements it
// (xtenant_decision_log_events_total{result="written|dropped"}).
type Metrics interface {
	DecisionLogEvent(written bool)
}

// Config describes the decision log. Zero values get the defaults below.
type Config struct {
	// Sink is --decision-log: "stdout", "file:PATH" or an http(s) URL, to
	// which batches are POSTed as is (OPA's service default is <base>/logs).
	Sink string
	// Mask is --decision-log-mask: JSON pointers erased from every event.
	Mask []string
	// Labels are sent with every event (OPA sends id and version).
	Labels map[string]string
	// QueueSize bounds the events waiting for the sink (default 10000);
	// beyond it events are dropped, never waited for.
	QueueSize int
	// BatchSize is the most events sent in one request (default 100), and
	// FlushInterval the longest an event waits for its batch to fill
	// (default 1s); both apply to the HTTP sink.
	BatchSize     int
	FlushInterval time.Duration
	// MaxRetries, RetryBackoff and MaxRetryBackoff bound the retries of a
	// failed upload (defaults 5, 250ms, 10s; a negative MaxRetries means no
	// retry); a batch that still fails is dropped and counted.
	MaxRetries                    int
	RetryBackoff, MaxRetryBackoff time.Duration
	// Stdout is where "stdout" writes (os.Stdout in main).
	Stdout io.Writer
	// HTTPClient sends to a service (default: a client with a 10s timeout).
	HTTPClient *http.Client
	// Metrics and Logger may be nil.
	Metrics Metrics
	Logger  *slog.Logger
	// Now stamps events (default time.Now).
	Now func() time.Time
}

// Logger queues decision events and ships them on one worker goroutine.
type Logger struct {
	cfg    Config
	masks  []pointer
	sink   sink
	batch  bool // wait for a full batch or FlushInterval (HTTP)
	log    *slog.Logger
	ctx    context.Context // ends when Close gives up waiting
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	queue  chan record
}

// New validates cfg, opens the sink and starts the worker. Close stops it.
func New(cfg Config) (*Logger, error) {
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 10000
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	} else if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 5
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = 250 * time.Millisecond
	}
	if cfg.MaxRetryBackoff < cfg.RetryBackoff {
		cfg.MaxRetryBackoff = max(10*time.Second, cfg.RetryBackoff)
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	masks := make([]pointer, 0, len(cfg.Mask))
	for _, m := range cfg.Mask {
		p, err := parseMask(m)
		if err != nil {
			return nil, err
		}
		masks = append(masks, p)
	}
	s, batch, err := newSink(&cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Logger{cfg: cfg, masks: masks, sink: s, batch: batch, log: cfg.Logger, ctx: ctx, cancel: cancel,
		done: make(chan struct{}), queue: make(chan record, cfg.QueueSize)}
	go l.run()
	return l, nil
}

// Log queues the event of one decision. It never blocks: a full queue drops
// the event (counted). req and d must not change afterwards; they are
// encoded later, on the worker.
func (l *Logger) Log(req *engine.Request, d *engine.Decision, elapsed time.Duration, cached bool) {
	l.enqueue(record{req: req, d: d, id: d.DecisionID, revision: d.Revision, at: l.cfg.Now(), elapsed: elapsed, cached: cached})
}

// enqueue hands r to the worker, or counts it dropped: never blocks.
func (l *Logger) enqueue(r record) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if !l.closed {
		select {
		case l.queue <- r:
			return
		default:
		}
	}
	l.count(false, 1)
}

// Close stops taking events, sends what is queued, and returns when the
// sink is done or ctx ends (what is left is then dropped and counted).
func (l *Logger) Close(ctx context.Context) error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.mu.Unlock()
	select {
	case <-l.done:
	case <-ctx.Done():
		l.cancel()
		<-l.done
	}
	l.cancel()
	return l.sink.close()
}

func (l *Logger) run() {
	defer close(l.done)
	var (
		pending [][]byte
		timer   *time.Timer
		expired <-chan time.Time
	)
	flush := func() {
		if timer != nil {
			timer.Stop()
			timer, expired = nil, nil
		}
		if len(pending) == 0 {
			return
		}
		if err := l.sink.write(l.ctx, pending); err != nil {
			l.log.Warn("decision log: events dropped", "events", len(pending), "err", err)
			l.count(false, len(pending))
		} else {
			l.count(true, len(pending))
		}
		pending = nil
	}
	for {
		select {
		case r, ok := <-l.queue:
			if !ok {
				flush()
				return
			}
			if l.ctx.Err() != nil { // Close gave up: count the rest as dropped
				l.count(false, 1)
				continue
			}
			raw, err := encode(r, l.cfg.Labels, l.masks)
			if err != nil {
				l.log.Error("decision log: cannot encode event", "decision_id", r.id, "err", err)
				l.count(false, 1)
				continue
			}
			pending = append(pending, raw)
			switch {
			case len(pending) >= l.cfg.BatchSize, !l.batch && len(l.queue) == 0:
				flush()
			case timer == nil:
				timer = time.NewTimer(l.cfg.FlushInterval)
				expired = timer.C
			}
		case <-expired:
			timer, expired = nil, nil
			flush()
		}
	}
}

func (l *Logger) count(written bool, n int) {
	if l.cfg.Metrics == nil {
		return
	}
	for range n {
		l.cfg.Metrics.DecisionLogEvent(written)
	}
}
