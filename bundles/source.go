package bundles

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xtenant/xtenant/atomicfile"
)

// bundleSource is one --bundle location: a directory, a .tar.gz file or a
// URL, polled.
type bundleSource struct {
	name     string // location with credentials and query removed
	location string
	isURL    bool
	client   *http.Client
	verify   *VerificationKey
	cacheDir string // "" disables persistence
	pollMin  time.Duration
	pollMax  time.Duration

	etag   string // last accepted ETag (URL) or content fingerprint (file)
	digest string // SHA-256 of the last accepted download (URL)
	active bool   // some content of this source was accepted

	// A path is read by readPath (ReadPath); read is the treeFingerprint
	// of its files at the last read that found the accepted content, ""
	// when not to be trusted (racyWindow).
	readPath   func(string, *VerificationKey) (*Bundle, error)
	read       string
	racyWindow time.Duration
}

// IsURL reports whether a --bundle location is fetched over HTTP(S) rather
// than read from a path.
func IsURL(location string) bool {
	return strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://")
}

func newBundleSource(location string, cfg LoopConfig) (*bundleSource, error) {
	s := &bundleSource{location: location, name: location, verify: cfg.Verification, client: cfg.Client,
		pollMin: cfg.PollMin, pollMax: cfg.PollMax, readPath: ReadPath, racyWindow: 2 * time.Second}
	if IsURL(location) {
		u, err := url.Parse(location)
		if err != nil {
			return nil, fmt.Errorf("--bundle %s: %w", location, err)
		}
		s.isURL = true
		// Names appear in logs and metric labels: no credentials, no query
		// (which often carries a token).
		s.name = u.Scheme + "://" + u.Host + u.Path
		if cfg.CacheDir != "" {
			sum := sha256.Sum256([]byte(location))
			s.cacheDir = filepath.Join(cfg.CacheDir, hex.EncodeToString(sum[:8]))
		}
	}
	return s, nil
}

// fetch polls the source. A local path is read again only when a file in
// it changed since the read that found the accepted content (its name,
// size, modification time, inode or inode change time: treeFingerprint):
// a bundle directory of many partners is not parsed at every poll, and a
// copy keeping sizes and modification times is still seen. A URL is asked
// with If-None-Match.
func (s *bundleSource) fetch(ctx context.Context) (update, error) {
	if s.isURL {
		return s.fetchURL(ctx)
	}
	start := time.Now()
	before, changed, err := treeFingerprint(s.location)
	if err != nil {
		return update{}, err
	}
	if s.etag != "" && s.read != "" && before == s.read {
		return update{unchanged: true, etag: s.etag}, nil
	}
	b, err := s.readPath(s.location, s.verify)
	if err != nil {
		return update{}, err
	}
	// Files written during the read, or within the file system clock's
	// granularity before it, could change again with no new fingerprint
	// ("racily clean", as git says): the next poll reads them again.
	read := ""
	if after, _, err := treeFingerprint(s.location); err == nil && after == before && start.Sub(changed) > s.racyWindow {
		read = before
	}
	fp := fingerprint(b)
	if fp == s.etag {
		s.read = read
		return update{unchanged: true, etag: fp}, nil
	}
	return update{bundle: b, etag: fp, read: read}, nil
}

func rawDigest(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// fingerprint identifies a bundle's content for sources without ETags.
func fingerprint(b *Bundle) string {
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return ""
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

func (s *bundleSource) accepted(u update) {
	s.etag, s.digest, s.active, s.read = u.etag, u.digest, true, u.read
}

func (s *bundleSource) fetchURL(ctx context.Context) (update, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.location, nil)
	if err != nil {
		return update{}, err
	}
	req.Header.Set("Accept", "application/gzip, application/octet-stream")
	if s.etag != "" {
		req.Header.Set("If-None-Match", s.etag)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return update{}, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return update{unchanged: true, etag: s.etag}, nil
	case http.StatusOK:
	default:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return update{}, fmt.Errorf("GET %s: %s", s.name, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBundleSize+1))
	if err != nil {
		return update{}, fmt.Errorf("GET %s: %w", s.name, err)
	}
	if len(raw) > maxBundleSize {
		return update{}, fmt.Errorf("GET %s: bundle larger than %d bytes", s.name, maxBundleSize)
	}
	etag := resp.Header.Get("ETag")
	// A server without ETags (or one that changes them for the same
	// content) answers 200 every time: the same bytes are not the change
	// that re-activating, re-counting and re-logging would say.
	digest := rawDigest(raw)
	if digest == s.digest {
		s.etag = etag
		return update{unchanged: true, etag: etag, digest: digest}, nil
	}
	b, err := Read(bytes.NewReader(raw), s.name, s.verify)
	if err != nil {
		return update{}, err
	}
	if err := s.persist(raw, etag); err != nil {
		// Serving goes on; only the offline start is lost.
		return update{bundle: b, etag: etag, digest: digest}, fmt.Errorf("%w: %v", errPersist, err)
	}
	return update{bundle: b, etag: etag, digest: digest}, nil
}

var errPersist = errors.New("bundle cache not written")

type cacheMeta struct {
	Location string    `json:"location"`
	ETag     string    `json:"etag"`
	Fetched  time.Time `json:"fetched"`
}

// persist writes the verified bundle and its ETag under the cache directory,
// atomically (write then rename), so that a crash never leaves half a bundle.
func (s *bundleSource) persist(raw []byte, etag string) error {
	if s.cacheDir == "" {
		return nil
	}
	if err := os.MkdirAll(s.cacheDir, 0o700); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(s.cacheDir, "bundle.tar.gz"), raw, 0o600); err != nil {
		return err
	}
	meta, _ := json.Marshal(cacheMeta{Location: s.name, ETag: etag, Fetched: time.Now().UTC()})
	return atomicfile.Write(filepath.Join(s.cacheDir, "meta.json"), meta, 0o600)
}

// restore reads the persisted bundle, verified again (the cache directory is
// not trusted more than the network).
func (s *bundleSource) restore() (update, error) {
	if s.cacheDir == "" {
		return update{}, errors.New("no cache")
	}
	raw, err := os.ReadFile(filepath.Join(s.cacheDir, "bundle.tar.gz"))
	if err != nil {
		return update{}, err
	}
	var meta cacheMeta
	if mb, err := os.ReadFile(filepath.Join(s.cacheDir, "meta.json")); err == nil {
		_ = json.Unmarshal(mb, &meta)
	}
	b, err := Read(bytes.NewReader(raw), s.name+" (cached)", s.verify)
	if err != nil {
		return update{}, err
	}
	return update{bundle: b, etag: meta.ETag, digest: rawDigest(raw), fetched: meta.Fetched, fromCache: true}, nil
}

func (s *bundleSource) kind() string { return "bundle" }

func (s *bundleSource) status() SourceStatus { return SourceStatus{Name: s.name} }

// watch polls until ctx ends: a jittered interval between pollMin and
// pollMax, exponential backoff after errors.
func (s *bundleSource) watch(ctx context.Context, load func(context.Context) error) error {
	failures := 0
	if !s.active {
		failures = 1 // nothing accepted yet: retry soon
	}
	for {
		timer := time.NewTimer(s.delay(failures))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
		if err := load(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			failures++
			continue
		}
		failures = 0
	}
}

// delay is the wait before the next poll.
func (s *bundleSource) delay(failures int) time.Duration {
	if failures == 0 {
		span := s.pollMax - s.pollMin
		return s.pollMin + time.Duration(rand.Int64N(int64(span)+1))
	}
	d := min(s.pollMin, time.Second)
	for i := 1; i < failures && d < s.pollMax; i++ {
		d *= 2
	}
	d = min(d, s.pollMax)
	// ±20% jitter so that replicas do not retry in step.
	return d - d/5 + time.Duration(rand.Int64N(int64(d/5)*2+1))
}
