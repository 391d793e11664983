package decisionlog

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// sink writes a batch of encoded events.
type sink interface {
	write(ctx context.Context, events [][]byte) error
	close() error
}

// newSink reads --decision-log: stdout, file:PATH or an http(s) URL.
func newSink(cfg *Config) (sink, bool, error) {
	spec := cfg.Sink
	switch {
	case spec == "stdout":
		return &streamSink{w: cfg.Stdout}, false, nil
	case strings.HasPrefix(spec, "file:"):
		path := strings.TrimPrefix(spec, "file:")
		if path == "" {
			return nil, false, errors.New("decision-log file: needs a path (file:/var/log/xtenant/decisions.log)")
		}
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, false, fmt.Errorf("decision-log %s: %w", spec, err)
		}
		return &streamSink{w: f, c: f}, false, nil
	case strings.HasPrefix(spec, "http://") || strings.HasPrefix(spec, "https://"):
		u, err := url.Parse(spec)
		if err != nil || u.Host == "" {
			return nil, false, fmt.Errorf("decision-log %q: not a valid URL", spec)
		}
		return &httpSink{url: u.String(), client: cfg.HTTPClient, retries: cfg.MaxRetries,
			backoff: cfg.RetryBackoff, maxBackoff: cfg.MaxRetryBackoff}, true, nil
	default:
		return nil, false, fmt.Errorf("decision-log %q: expected stdout, file:PATH or an http(s):// URL", spec)
	}
}

// streamSink writes one JSON event per line (stdout, file:PATH).
type streamSink struct {
	w io.Writer
	c io.Closer
}

func (s *streamSink) write(_ context.Context, events [][]byte) error {
	var buf bytes.Buffer
	for _, e := range events {
		buf.Write(e)
		buf.WriteByte('\n')
	}
	_, err := s.w.Write(buf.Bytes())
	return err
}

func (s *streamSink) close() error {
	if s.c == nil {
		return nil
	}
	return s.c.Close()
}

// httpSink POSTs gzip'd JSON arrays, as OPA's decision log plugin does to a
// decision log service, retrying transient failures with exponential backoff
// a bounded number of times.
type httpSink struct {
	url                 string
	client              *http.Client
	retries             int
	backoff, maxBackoff time.Duration
}

// permanentError is an answer that retrying cannot change (4xx but 408, 429).
type permanentError struct{ status int }

func (e *permanentError) Error() string {
	return fmt.Sprintf("decision log service answered %d", e.status)
}

func (s *httpSink) write(ctx context.Context, events [][]byte) error {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte{'['})
	for i, e := range events {
		if i > 0 {
			zw.Write([]byte{','})
		}
		zw.Write(e)
	}
	zw.Write([]byte{']'})
	if err := zw.Close(); err != nil { // writes to a bytes.Buffer fail only here, if at all
		return err
	}
	body := buf.Bytes()
	wait := s.backoff
	var err error
	for attempt := 0; ; attempt++ {
		if err = s.post(ctx, body); err == nil {
			return nil
		}
		var perm *permanentError
		if errors.As(err, &perm) || attempt >= s.retries {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, s.maxBackoff)
	}
}

func (s *httpSink) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return &permanentError{}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		return &permanentError{status: resp.StatusCode}
	default:
		return fmt.Errorf("decision log service answered %d", resp.StatusCode)
	}
}

func (s *httpSink) close() error { return nil }
