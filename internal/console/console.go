package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/internal/auth"
	"github.com/xtenant/xtenant/internal/decisionlog"
)

// Prefix is where the console is served.
const Prefix = "/ui/"

// contentSecurityPolicy allows the console's own script, style sheet and
// forms, and nothing else: no inline code, no other origin, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const cookieName = "xtenant_console"

//go:embed templates static
var assets embed.FS

// Querier evaluates a data path; *engine.Engine implements it.
type Querier interface {
	Query(ctx context.Context, path string, input any) (any, bool, error)
}

// Status is what the status page shows besides rates and loads.
type Status struct {
	Ready     error
	Revision  string
	Sources   []Source
	Cache     *CacheStats // nil when the decision cache is off
	PairCache *CacheStats
}

// CacheStats are a cache's counters.
type CacheStats struct {
	Entries      uint64
	Capacity     int64
	Hits, Misses uint64
}

// HitRatio is hits over lookups, 0 before the first.
func (c CacheStats) HitRatio() float64 {
	if c.Hits+c.Misses == 0 {
		return 0
	}
	return float64(c.Hits) / float64(c.Hits+c.Misses)
}

// Scenarios lets the playground run scenario cases, each against its own
// tenants.
type Scenarios struct {
	Files []*scenario.File
	// Evaluator returns an evaluator holding the file's tenants.
	Evaluator func(*scenario.File) (engine.Evaluator, error)
}

// Config is everything the console needs.
type Config struct {
	// Playground evaluates the playground's requests, with explain: the
	// engine itself, so that they are neither cached nor logged nor
	// counted among the recent decisions.
	Playground engine.Evaluator
	// Querier reads the partner matrix from the policy.
	Querier Querier
	// Status describes the server now.
	Status func() Status
	// Recorder holds the recent decisions and rates (required).
	Recorder *Recorder
	// History holds the reload history; nil shows none.
	History *History
	// Scenarios, when set, can be picked in the playground.
	Scenarios *Scenarios
	// Tokens, when set, are the API's bearer tokens: the console needs one
	// with the status scope (the operator's), as a bearer token or as the
	// session cookie a sign-in with it sets.
	Tokens *auth.Tokens
	// Mask holds the decision log's mask pointers, applied to recent
	// decisions wherever they are shown.
	Mask   []string
	Logger *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Console serves the pages.
type Console struct {
	cfg    Config
	log    *slog.Logger
	masks  decisionlog.Masks
	pages  map[string]*template.Template
	static http.Handler
	mux    *http.ServeMux
	matrix partnerCache
}

// New checks cfg and builds the handler of everything under Prefix.
func New(cfg Config) (*Console, error) {
	if cfg.Playground == nil || cfg.Querier == nil || cfg.Status == nil || cfg.Recorder == nil {
		return nil, errors.New("console: Playground, Querier, Status and Recorder are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	masks, err := decisionlog.ParseMasks(cfg.Mask)
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, log: cfg.Logger, masks: masks, pages: map[string]*template.Template{}}
	for _, page := range []string{"status", "matrix", "playground", "decisions", "login"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+page+".html")
		if err != nil {
			return nil, err
		}
		c.pages[page] = t
	}
	static, _ := fs.Sub(assets, "static")
	c.static = http.StripPrefix(Prefix+"static/", http.FileServerFS(static))

	m := http.NewServeMux()
	m.HandleFunc("GET /ui/{$}", c.statusPage)
	m.HandleFunc("GET /ui/matrix", c.matrixPage)
	m.HandleFunc("GET /ui/playground", c.playgroundPage)
	m.HandleFunc("GET /ui/decisions", c.decisionsPage)
	m.HandleFunc("POST /ui/login", c.login)
	m.HandleFunc("POST /ui/logout", c.logout)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	c.mux = m
	return c, nil
}

// ServeHTTP applies the security headers and authentication, then routes.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// Playground links carry decision inputs: never hand them on.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if strings.HasPrefix(r.URL.Path, Prefix+"static/") && r.Method == http.MethodGet {
		// The style sheet and script are the same for everyone; the login
		// page needs them before a session exists.
		h.Set("Cache-Control", "no-cache")
		c.static.ServeHTTP(w, r)
		return
	}
	h.Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && !sameOrigin(r) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	if r.URL.Path == Prefix+"login" || c.authenticated(r) {
		c.mux.ServeHTTP(w, r)
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="xtenant"`)
	c.render(w, r, http.StatusUnauthorized, "login", "Sign in", loginView{})
}

func (c *Console) authenticated(r *http.Request) bool {
	if !c.cfg.Tokens.Required() {
		return true
	}
	if c.cfg.Tokens.Check(r.Header.Get("Authorization"), auth.Status) == nil {
		return true
	}
	ck, err := r.Cookie(cookieName)
	return err == nil && c.cfg.Tokens.CheckSession(ck.Value, auth.Status) == nil
}

// sameOrigin refuses cross-site form posts (login CSRF): browsers send
// Sec-Fetch-Site or Origin with every POST.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser: nothing ambient to abuse
	}
	_, host, ok := strings.Cut(origin, "://")
	return ok && host == r.Host
}

type loginView struct {
	Failed bool
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	if !c.cfg.Tokens.Required() {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	token := strings.TrimSpace(r.PostFormValue("token"))
	session, err := c.cfg.Tokens.Session(token, auth.Status)
	if token == "" || err != nil {
		c.log.Warn("console sign-in refused", "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="xtenant"`)
		c.render(w, r, http.StatusUnauthorized, "login", "Sign in", loginView{Failed: true})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: session, Path: Prefix, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// page is what the layout renders around a view.
type page struct {
	Title   string
	Nav     string
	SignOut bool
	View    any
}

func (c *Console) render(w http.ResponseWriter, _ *http.Request, code int, name, title string, view any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	p := page{Title: title, Nav: name, SignOut: c.cfg.Tokens.Required() && name != "login", View: view}
	if err := c.pages[name].Execute(w, p); err != nil {
		c.log.Error("console: render", "page", name, "error", err)
	}
}
