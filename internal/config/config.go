// Package config resolves the settings of `xtenant serve`: built-in defaults,
// then the --config YAML file, then XTENANT_* environment variables, then the
// flags given on the command line. It is loaded and validated once at start
// and passed on as a value.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// Config holds every setting of docs/contract.md's "xtenant serve flags" table.
type Config struct {
	// Addr is the HTTP listen address: host:port or unix:/path.
	Addr string
	// Tenants is a tenants file or directory; empty means the built-in examples.
	Tenants string
	// Bundles are OPA bundle paths or URLs (repeatable).
	Bundles []string
	// BundlePollMin and BundlePollMax bound the polling interval of a bundle URL.
	BundlePollMin, BundlePollMax time.Duration
	// BundleCache is where downloaded bundles are persisted for offline start.
	BundleCache string
	// VerificationKey is a PEM file; when set every bundle must be signed.
	VerificationKey   string
	VerificationKeyID string
	// SigningAlg is the algorithm bundles are signed with (OPA's --signing-alg).
	SigningAlg string
	// CacheSize is the decision cache capacity in decisions; 0 disables it.
	CacheSize int64
	// CacheMaxBytes bounds the memory of the decision cache whatever
	// CacheSize says (decisioncache.Config.MaxBytes).
	CacheMaxBytes int64
	// QueryCacheSize bounds the prepared Data API queries kept, in bytes of
	// path (engine.WithQueryCacheBytes).
	QueryCacheSize int64
	// PairCacheSize bounds the engine's tenant-pair summaries, in bytes
	// (engine.WithPairCacheBytes); 0 keeps none.
	PairCacheSize int64
	// ExposeData serves every /v1/data path, not only the decision paths.
	ExposeData bool
	// ReadTimeout, WriteTimeout and IdleTimeout bound an HTTP connection's
	// request read (headers and body), answer write and keep-alive idling.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// MaxConnections bounds open HTTP connections; idle ones are closed
	// first to make room.
	MaxConnections int64
	// EvalConcurrency bounds evaluations running at once (0: GOMAXPROCS);
	// EvalQueue bounds those waiting, for at most EvalQueueTimeout.
	EvalConcurrency, EvalQueue int64
	EvalQueueTimeout           time.Duration
	// CacheTTL bounds a cached decision's life; 0 means until the next revision.
	CacheTTL time.Duration
	// MaxBody is the largest request body accepted, in bytes.
	MaxBody int64
	// DecisionLog is stdout, file:PATH or an http(s) URL; empty is off.
	DecisionLog     string
	DecisionLogMask []string
	// GRPCAddr is the Envoy ext_authz listener; empty is off.
	GRPCAddr string
	// AuthTokenFile holds the bearer token every endpoint but /health* requires.
	AuthTokenFile string
	TLSCert       string
	TLSKey        string
	TLSClientCA   string
	// RequireHomeTenant makes an unknown home tenant a configuration deny.
	RequireHomeTenant bool
	// AllowEmpty accepts a tenants change that removes every tenant or a
	// tenant still named as a partner, and serves (ready) with no tenant.
	AllowEmpty bool
	// MaxStaleness fails readiness when the active bundle is older; 0 is off.
	MaxStaleness time.Duration
	// ShutdownGrace is how long in-flight requests may run after SIGTERM.
	ShutdownGrace time.Duration
	LogLevel      string
	LogFormat     string
	// PublicURL is the base URL PEPs reach the server at (scheme://host[:port]);
	// the AuthZEN metadata is built from it, never from a request's Host.
	PublicURL string
	// UI serves the web console at /ui/ (internal/console).
	UI bool
	// UIScenarios is a directory of scenario files the console's playground
	// offers; empty offers none.
	UIScenarios string
}

// Defaults returns the defaults of docs/contract.md.
func Defaults() Config {
	return Config{
		Addr:             "127.0.0.1:8181",
		BundlePollMin:    10 * time.Second,
		BundlePollMax:    60 * time.Second,
		CacheSize:        100000,
		CacheMaxBytes:    256 << 20,
		QueryCacheSize:   4 << 20,
		PairCacheSize:    64 << 20,
		ReadTimeout:      10 * time.Second,
		WriteTimeout:     30 * time.Second,
		IdleTimeout:      60 * time.Second,
		MaxConnections:   1024,
		EvalQueue:        256,
		EvalQueueTimeout: time.Second,
		SigningAlg:       "RS256",
		MaxBody:          1 << 20,
		ShutdownGrace:    10 * time.Second,
		LogLevel:         "info",
		LogFormat:        "json",
	}
}

// Sources are the layers above the defaults, lowest first.
type Sources struct {
	// File is the --config YAML file; empty means none.
	File string
	// Getenv reads the environment (os.Getenv in main, a map in tests).
	Getenv func(string) string
	// Flags holds the flags given explicitly on the command line, by flag
	// name, each with its values (several for repeatable flags).
	Flags map[string][]string
}

// setting is one key: its flag name, whether it repeats, and how it is stored.
type setting struct {
	name   string
	repeat bool
	set    func(c *Config, vals []string) error
}

// Names returns every setting name: the flag names, the YAML keys and (upper
// case, dashes as underscores, prefixed XTENANT_) the environment variables.
func Names() []string {
	out := make([]string, 0, len(settings))
	for _, s := range settings {
		out = append(out, s.name)
	}
	return out
}

// EnvName returns the environment variable of a setting.
func EnvName(name string) string {
	return "XTENANT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

var settings = []setting{
	{name: "addr", set: str(func(c *Config) *string { return &c.Addr })},
	{name: "tenants", set: str(func(c *Config) *string { return &c.Tenants })},
	{name: "bundle", repeat: true, set: func(c *Config, v []string) error { c.Bundles = v; return nil }},
	{name: "bundle-poll", set: func(c *Config, v []string) error { return c.setPoll(v[0]) }},
	{name: "bundle-cache", set: str(func(c *Config) *string { return &c.BundleCache })},
	{name: "verification-key", set: str(func(c *Config) *string { return &c.VerificationKey })},
	{name: "verification-key-id", set: str(func(c *Config) *string { return &c.VerificationKeyID })},
	{name: "signing-alg", set: str(func(c *Config) *string { return &c.SigningAlg })},
	{name: "cache-size", set: func(c *Config, v []string) error { return parseCacheSize(v[0], &c.CacheSize) }},
	{name: "cache-max-bytes", set: func(c *Config, v []string) error { return parseSize(v[0], &c.CacheMaxBytes) }},
	{name: "query-cache-size", set: func(c *Config, v []string) error { return parseSize(v[0], &c.QueryCacheSize) }},
	{name: "pair-cache-size", set: func(c *Config, v []string) error { return parseSize(v[0], &c.PairCacheSize) }},
	{name: "expose-data", set: func(c *Config, v []string) error { return parseBool(v[0], &c.ExposeData) }},
	{name: "read-timeout", set: dur(func(c *Config) *time.Duration { return &c.ReadTimeout })},
	{name: "write-timeout", set: dur(func(c *Config) *time.Duration { return &c.WriteTimeout })},
	{name: "idle-timeout", set: dur(func(c *Config) *time.Duration { return &c.IdleTimeout })},
	{name: "max-connections", set: func(c *Config, v []string) error { return parseInt(v[0], &c.MaxConnections) }},
	{name: "eval-concurrency", set: func(c *Config, v []string) error { return parseInt(v[0], &c.EvalConcurrency) }},
	{name: "eval-queue", set: func(c *Config, v []string) error { return parseInt(v[0], &c.EvalQueue) }},
	{name: "eval-queue-timeout", set: dur(func(c *Config) *time.Duration { return &c.EvalQueueTimeout })},
	{name: "cache-ttl", set: dur(func(c *Config) *time.Duration { return &c.CacheTTL })},
	{name: "max-body", set: func(c *Config, v []string) error { return parseSize(v[0], &c.MaxBody) }},
	{name: "decision-log", set: str(func(c *Config) *string { return &c.DecisionLog })},
	{name: "decision-log-mask", repeat: true, set: func(c *Config, v []string) error { c.DecisionLogMask = v; return nil }},
	{name: "grpc-addr", set: str(func(c *Config) *string { return &c.GRPCAddr })},
	{name: "auth-token-file", set: str(func(c *Config) *string { return &c.AuthTokenFile })},
	{name: "tls-cert", set: str(func(c *Config) *string { return &c.TLSCert })},
	{name: "tls-key", set: str(func(c *Config) *string { return &c.TLSKey })},
	{name: "tls-client-ca", set: str(func(c *Config) *string { return &c.TLSClientCA })},
	{name: "require-home-tenant", set: func(c *Config, v []string) error { return parseBool(v[0], &c.RequireHomeTenant) }},
	{name: "allow-empty", set: func(c *Config, v []string) error { return parseBool(v[0], &c.AllowEmpty) }},
	{name: "max-staleness", set: dur(func(c *Config) *time.Duration { return &c.MaxStaleness })},
	{name: "shutdown-grace", set: dur(func(c *Config) *time.Duration { return &c.ShutdownGrace })},
	{name: "log-level", set: str(func(c *Config) *string { return &c.LogLevel })},
	{name: "log-format", set: str(func(c *Config) *string { return &c.LogFormat })},
	{name: "public-url", set: func(c *Config, v []string) error { return parsePublicURL(v[0], &c.PublicURL) }},
	{name: "ui", set: func(c *Config, v []string) error { return parseBool(v[0], &c.UI) }},
	{name: "ui-scenarios", set: str(func(c *Config) *string { return &c.UIScenarios })},
}

// parsePublicURL accepts an absolute http(s) URL with a host and nothing
// after it but an optional "/": the AuthZEN metadata lives at
// /.well-known/authzen-configuration of that origin.
func parsePublicURL(v string, dst *string) error {
	if v == "" {
		*dst = ""
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(v, "?") || strings.HasSuffix(v, "#") {
		return fmt.Errorf("expected scheme://host[:port] (https, or http for local use) with no path, query or fragment, got %q", v)
	}
	*dst = u.Scheme + "://" + u.Host
	return nil
}

// Load applies the sources over Defaults and validates the result. Errors
// name the layer (file, variable or flag) and the key.
func Load(src Sources) (Config, error) {
	c := Defaults()
	byName := make(map[string]setting, len(settings))
	for _, s := range settings {
		byName[s.name] = s
	}
	if src.File != "" {
		file, err := readFile(src.File)
		if err != nil {
			return Config{}, err
		}
		for _, s := range settings {
			if v, ok := file[s.name]; ok {
				if err := apply(&c, s, v, src.File+": key "+s.name); err != nil {
					return Config{}, err
				}
			}
		}
	}
	if src.Getenv != nil {
		for _, s := range settings {
			v := src.Getenv(EnvName(s.name))
			if v == "" {
				continue
			}
			vals := []string{v}
			if s.repeat {
				vals = splitList(v)
			}
			if err := apply(&c, s, vals, "environment variable "+EnvName(s.name)); err != nil {
				return Config{}, err
			}
		}
	}
	for name, vals := range src.Flags {
		s, ok := byName[name]
		if !ok {
			return Config{}, fmt.Errorf("unknown setting --%s", name)
		}
		if err := apply(&c, s, vals, "flag --"+name); err != nil {
			return Config{}, err
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func apply(c *Config, s setting, vals []string, where string) error {
	if len(vals) == 0 {
		return nil
	}
	if !s.repeat && len(vals) > 1 {
		return fmt.Errorf("%s: given %d times, expected once", where, len(vals))
	}
	if err := s.set(c, vals); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// readFile reads the YAML file into values per key. A key that is not a
// setting is an error: a typo must not silently fall back to a default.
func readFile(path string) (map[string][]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	known := Names()
	out := make(map[string][]string, len(doc))
	for k, v := range doc {
		if !slices.Contains(known, k) {
			return nil, fmt.Errorf("config file %s: unknown key %q (expected one of %s)", path, k, strings.Join(known, ", "))
		}
		vals, err := scalarList(v)
		if err != nil {
			return nil, fmt.Errorf("config file %s: key %s: %w", path, k, err)
		}
		out[k] = vals
	}
	return out, nil
}

func scalarList(v any) ([]string, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]string, 0, len(t))
		for i, e := range t {
			s, err := scalar(e)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		s, err := scalar(v)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
}

func scalar(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	default:
		return "", fmt.Errorf("expected a string, number or boolean, got %T", v)
	}
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func str(field func(*Config) *string) func(*Config, []string) error {
	return func(c *Config, v []string) error { *field(c) = v[0]; return nil }
}

func dur(field func(*Config) *time.Duration) func(*Config, []string) error {
	return func(c *Config, v []string) error {
		d, err := time.ParseDuration(v[0])
		if err != nil {
			return fmt.Errorf("expected a duration such as 10s, got %q", v[0])
		}
		*field(c) = d
		return nil
	}
}

func parseInt(v string, dst *int64) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fmt.Errorf("expected an integer, got %q", v)
	}
	*dst = n
	return nil
}

func parseBool(v string, dst *bool) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("expected true or false, got %q", v)
	}
	*dst = b
	return nil
}

// parseSize reads a byte count: a plain integer or one with a KiB/MiB/GiB
// (or KB/MB/GB, decimal) suffix.
func parseSize(v string, dst *int64) error {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}
	s := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return fmt.Errorf("expected a size such as 1MiB or 1048576, got %q", v)
	}
	*dst = n * mult
	return nil
}

// parseCacheSize reads the decision cache's capacity, a count of decisions
// (docs/contract.md). A size with a unit is refused, not read as a count:
// memory is --cache-max-bytes.
func parseCacheSize(v string, dst *int64) error {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("expected a number of decisions such as 100000 (0 disables the cache; its memory is bounded by --cache-max-bytes), got %q", v)
	}
	*dst = n
	return nil
}

// setPoll reads "MIN..MAX" or a single duration (both bounds equal).
func (c *Config) setPoll(v string) error {
	lo, hi, found := strings.Cut(v, "..")
	if !found {
		hi = lo
	}
	minPoll, err1 := time.ParseDuration(lo)
	maxPoll, err2 := time.ParseDuration(hi)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("expected a duration or a range such as 10s..60s, got %q", v)
	}
	c.BundlePollMin, c.BundlePollMax = minPoll, maxPoll
	return nil
}

// Validate checks the values once, at start.
// signingAlgs are the JWS algorithms OPA's bundle verification accepts.
var signingAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512"}

func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.Addr != "" && c.Addr != "unix:", "addr: must be host:port or unix:/path")
	check(slices.Contains(signingAlgs, c.SigningAlg), "signing-alg: expected one of %s, got %q", strings.Join(signingAlgs, ", "), c.SigningAlg)
	check(c.CacheSize == 0 || c.CacheMaxBytes >= 1<<20, "cache-max-bytes: must be at least 1MiB, got %d bytes", c.CacheMaxBytes)
	check(c.QueryCacheSize >= 0, "query-cache-size: must not be negative")
	check(c.PairCacheSize >= 0, "pair-cache-size: must not be negative")
	check(c.ReadTimeout > 0, "read-timeout: must be positive")
	check(c.WriteTimeout > 0, "write-timeout: must be positive")
	check(c.IdleTimeout > 0, "idle-timeout: must be positive")
	check(c.MaxConnections > 0, "max-connections: must be positive, got %d", c.MaxConnections)
	check(c.EvalConcurrency >= 0, "eval-concurrency: must be 0 (GOMAXPROCS) or positive, got %d", c.EvalConcurrency)
	check(c.EvalQueue > 0, "eval-queue: must be positive, got %d", c.EvalQueue)
	check(c.EvalQueueTimeout > 0, "eval-queue-timeout: must be positive")
	check(c.CacheTTL >= 0, "cache-ttl: must not be negative")
	check(c.MaxBody > 0, "max-body: must be positive")
	check(c.BundlePollMin > 0 && c.BundlePollMin <= c.BundlePollMax, "bundle-poll: need 0 < min <= max, got %s..%s", c.BundlePollMin, c.BundlePollMax)
	check(c.MaxStaleness >= 0, "max-staleness: must not be negative")
	check(c.ShutdownGrace >= 0, "shutdown-grace: must not be negative")
	check(slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel), "log-level: expected debug, info, warn or error, got %q", c.LogLevel)
	check(slices.Contains([]string{"json", "text"}, c.LogFormat), "log-format: expected json or text, got %q", c.LogFormat)
	check((c.TLSCert == "") == (c.TLSKey == ""), "tls-cert and tls-key: give both or neither")
	check(c.TLSClientCA == "" || c.TLSCert != "", "tls-client-ca: needs tls-cert and tls-key")
	for _, m := range c.DecisionLogMask {
		check(strings.HasPrefix(m, "/"), "decision-log-mask: %q is not a JSON pointer (must start with /)", m)
	}
	return errors.Join(errs...)
}
