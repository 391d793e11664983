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
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// fetchResult is what one poll of a source found.
type fetchResult struct {
	bundle  *Bundle // nil when unchanged
	etag    string
	digest  string    // SHA-256 of a downloaded or persisted bundle file
	fetched time.Time // set for a persisted copy: when it was downloaded
}

// source is one --bundle location: a directory, a .tar.gz file or a URL.
type source struct {
	name     string // location with credentials and query removed
	location string
	isURL    bool
	client   *http.Client
	verify   *VerificationKey
	cacheDir string // "" disables persistence

	etag    string // last accepted ETag (URL) or content fingerprint (file)
	digest  string // SHA-256 of the last accepted download (URL)
	modTime time.Time
	size    int64
}

func newSource(location string, verify *VerificationKey, cacheDir string, client *http.Client) (*source, error) {
	s := &source{location: location, name: location, verify: verify, client: client}
	if strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://") {
		u, err := url.Parse(location)
		if err != nil {
			return nil, fmt.Errorf("--bundle %s: %w", location, err)
		}
		s.isURL = true
		// Names appear in logs and metric labels: no credentials, no query
		// (which often carries a token).
		s.name = u.Scheme + "://" + u.Host + u.Path
		if cacheDir != "" {
			sum := sha256.Sum256([]byte(location))
			s.cacheDir = filepath.Join(cacheDir, hex.EncodeToString(sum[:8]))
		}
	}
	return s, nil
}

// fetch polls the source. A local path is re-read only when its size or
// modification time changed; a URL is asked with If-None-Match.
func (s *source) fetch(ctx context.Context) (fetchResult, error) {
	if s.isURL {
		return s.fetchURL(ctx)
	}
	st, err := os.Stat(s.location)
	if err != nil {
		return fetchResult{}, err
	}
	if s.etag != "" && !st.IsDir() && st.ModTime().Equal(s.modTime) && st.Size() == s.size {
		return fetchResult{etag: s.etag}, nil
	}
	b, err := ReadPath(s.location, s.verify)
	if err != nil {
		return fetchResult{}, err
	}
	fp := fingerprint(b)
	if fp == s.etag {
		return fetchResult{etag: fp}, nil
	}
	return fetchResult{bundle: b, etag: fp}, nil
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

func (s *source) accepted(r fetchResult) {
	s.etag, s.digest = r.etag, r.digest
	if !s.isURL {
		if st, err := os.Stat(s.location); err == nil {
			s.modTime, s.size = st.ModTime(), st.Size()
		}
	}
}

func (s *source) fetchURL(ctx context.Context) (fetchResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.location, nil)
	if err != nil {
		return fetchResult{}, err
	}
	req.Header.Set("Accept", "application/gzip, application/octet-stream")
	if s.etag != "" {
		req.Header.Set("If-None-Match", s.etag)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fetchResult{}, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return fetchResult{etag: s.etag}, nil
	case http.StatusOK:
	default:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return fetchResult{}, fmt.Errorf("GET %s: %s", s.name, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBundleSize+1))
	if err != nil {
		return fetchResult{}, fmt.Errorf("GET %s: %w", s.name, err)
	}
	if len(raw) > maxBundleSize {
		return fetchResult{}, fmt.Errorf("GET %s: bundle larger than %d bytes", s.name, maxBundleSize)
	}
	etag := resp.Header.Get("ETag")
	// A server without ETags (or one that changes them for the same
	// content) answers 200 every time: the same bytes are not the change
	// that re-activating, re-counting and re-logging would say.
	digest := rawDigest(raw)
	if digest == s.digest {
		s.etag = etag
		return fetchResult{etag: etag, digest: digest}, nil
	}
	b, err := Read(bytes.NewReader(raw), s.name, s.verify)
	if err != nil {
		return fetchResult{}, err
	}
	if err := s.persist(raw, etag); err != nil {
		// Serving goes on; only the offline start is lost.
		return fetchResult{bundle: b, etag: etag, digest: digest}, fmt.Errorf("%w: %v", errPersist, err)
	}
	return fetchResult{bundle: b, etag: etag, digest: digest}, nil
}

var errPersist = errors.New("bundle cache not written")

type cacheMeta struct {
	Location string    `json:"location"`
	ETag     string    `json:"etag"`
	Fetched  time.Time `json:"fetched"`
}

// persist writes the verified bundle and its ETag under the cache directory,
// atomically (write then rename), so that a crash never leaves half a bundle.
func (s *source) persist(raw []byte, etag string) error {
	if s.cacheDir == "" {
		return nil
	}
	if err := os.MkdirAll(s.cacheDir, 0o700); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(s.cacheDir, "bundle.tar.gz"), raw); err != nil {
		return err
	}
	meta, _ := json.Marshal(cacheMeta{Location: s.name, ETag: etag, Fetched: time.Now().UTC()})
	return writeAtomic(filepath.Join(s.cacheDir, "meta.json"), meta)
}

// restore reads the persisted bundle, verified again (the cache directory is
// not trusted more than the network).
func (s *source) restore() (fetchResult, error) {
	if s.cacheDir == "" {
		return fetchResult{}, errors.New("no cache")
	}
	raw, err := os.ReadFile(filepath.Join(s.cacheDir, "bundle.tar.gz"))
	if err != nil {
		return fetchResult{}, err
	}
	var meta cacheMeta
	if mb, err := os.ReadFile(filepath.Join(s.cacheDir, "meta.json")); err == nil {
		_ = json.Unmarshal(mb, &meta)
	}
	b, err := Read(bytes.NewReader(raw), s.name+" (cached)", s.verify)
	if err != nil {
		return fetchResult{}, err
	}
	return fetchResult{bundle: b, etag: meta.ETag, digest: rawDigest(raw), fetched: meta.Fetched}, nil
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
