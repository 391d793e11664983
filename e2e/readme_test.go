package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The README runs as written on a fresh clone. TestREADME copies the
// repository's files (no bin/) to a scratch directory and runs every shell
// block of README.md there, in order, as a reader following it would:
//
//   - ```sh, ```bash and ```shell blocks run whole under `bash -e -o pipefail`;
//   - ```console blocks run each `$ ` command (continued while a quote is
//     open or a line ends in `\`) and must exit 0; the "decision", "code"
//     and HTTP status values in the output shown below a command must appear
//     in its real output;
//   - a block preceded by `<!-- readme-test: background -->` serves until
//     stopped: it is started in the background and the harness waits until
//     its port answers /health with 200 (a later background block on the same
//     port replaces it; all are stopped at the end);
//   - a block preceded by `<!-- readme-test: skip: REASON -->` is not run;
//     the reason is required (a cloud account, a container runtime, ...).
//
// host:port addresses in commands (localhost:8181, 127.0.0.1:9191, ...) are
// mapped to free ports, and XTENANT_ADDR points `xtenant serve` and `make
// run` at the port that stands for 8181, so that the test can run next to
// others. Other fences (nginx, yaml, rego, powershell, plain) are not run.
//
// The stock opa comes from XTENANT_OPA_BIN (`make test` sets it) and is
// placed where `make opa` would build it; without it the test is skipped,
// unless XTENANT_E2E=1.
func TestREADME(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every README command")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := readmeBlocks(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	opaBin := os.Getenv("XTENANT_OPA_BIN")
	if opaBin == "" {
		if os.Getenv("XTENANT_E2E") == "1" {
			t.Fatal("XTENANT_OPA_BIN is not set (make test sets it), and XTENANT_E2E=1 requires this test")
		}
		t.Skip("XTENANT_OPA_BIN is not set: skipping the README run (make test sets it)")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		gateway(t, "curl") // skipped, or a failure with XTENANT_E2E=1
	}

	// The same scratch path for the same repository every run: Go's build
	// cache is keyed by source paths, so `make build` there reuses what an
	// earlier run compiled instead of compiling every package again.
	sum := sha256.Sum256([]byte(root))
	work := filepath.Join(os.TempDir(), "xtenant-readme-"+hex.EncodeToString(sum[:6]))
	if err := os.RemoveAll(work); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(work) })
	copyRepository(t, root, work)
	opaVersion := strings.TrimPrefix(filepath.Base(opaBin), "opa-")
	if err := os.MkdirAll(filepath.Join(work, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := copyFile(opaBin, filepath.Join(work, "bin", "opa-"+opaVersion), 0o755); err != nil {
		t.Fatal(err)
	}

	h := &readmeRun{t: t, dir: work, ports: map[string]string{}, bg: map[string]*bgProc{}}
	defer h.stopAll()
	h.env = append(os.Environ(), "XTENANT_ADDR=127.0.0.1:"+h.port("8181"))
	for _, b := range blocks {
		if b.skip != "" {
			t.Logf("README line %d: not run: %s", b.line, b.skip)
			continue
		}
		start := time.Now()
		switch {
		case b.background:
			h.background(b)
		case b.lang == "console":
			h.console(b)
		default:
			h.script(b)
		}
		t.Logf("README line %d: %s", b.line, time.Since(start).Round(time.Millisecond))
		if t.Failed() {
			return // later blocks build on this one
		}
	}
}

// block is one fenced code block of the README.
type block struct {
	line       int // of the opening fence, 1-based
	lang       string
	text       string
	skip       string // the reason, when not run
	background bool
}

var (
	markerRE = regexp.MustCompile(`^<!--\s*readme-test:\s*(.*?)\s*-->$`)
	runnable = map[string]bool{"sh": true, "bash": true, "shell": true, "console": true}
)

// readmeBlocks returns the runnable blocks of a Markdown text with their
// markers. A marker that is not understood, or a skip without reason, is
// an error: a typo must not silently stop a block from running.
func readmeBlocks(md string) ([]block, error) {
	var (
		out     []block
		pending *block // marker waiting for its block
		cur     *block
		body    []string
	)
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		trimmed := strings.TrimSpace(l)
		if cur != nil {
			if strings.HasPrefix(trimmed, "```") {
				cur.text = strings.Join(body, "\n") + "\n"
				if runnable[cur.lang] {
					out = append(out, *cur)
				} else if cur.skip != "" || cur.background {
					return nil, fmt.Errorf("README line %d: readme-test marker on a ```%s block, which is never run", cur.line, cur.lang)
				}
				cur, body = nil, nil
				continue
			}
			body = append(body, l)
			continue
		}
		if m := markerRE.FindStringSubmatch(trimmed); m != nil {
			b := &block{}
			switch arg := m[1]; {
			case arg == "background":
				b.background = true
			case strings.HasPrefix(arg, "skip:") && strings.TrimSpace(strings.TrimPrefix(arg, "skip:")) != "":
				b.skip = strings.TrimSpace(strings.TrimPrefix(arg, "skip:"))
			default:
				return nil, fmt.Errorf("README line %d: readme-test marker %q: expected \"background\" or \"skip: REASON\"", i+1, arg)
			}
			pending = b
			continue
		}
		if strings.HasPrefix(trimmed, "```") {
			cur = &block{line: i + 1, lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))}
			if pending != nil {
				cur.skip, cur.background = pending.skip, pending.background
				pending = nil
			}
			continue
		}
		if pending != nil && trimmed != "" {
			return nil, fmt.Errorf("README line %d: a readme-test marker must come right before a code block", i+1)
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("README line %d: code block never closed", cur.line)
	}
	return out, nil
}

// step is one command of a console block and the output the README shows.
type step struct {
	cmd  string
	want []string
}

// consoleSteps splits a console block into commands and shown output.
func consoleSteps(text string) []step {
	var (
		out []step
		cur *step
	)
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if c, ok := strings.CutPrefix(l, "$ "); ok {
			for (strings.Count(c, "'")%2 == 1 || strings.HasSuffix(c, `\`)) && i+1 < len(lines) {
				i++
				c += "\n" + lines[i]
			}
			out = append(out, step{cmd: c})
			cur = &out[len(out)-1]
			continue
		}
		if cur != nil {
			cur.want = append(cur.want, l)
		}
	}
	return out
}

var (
	anchorRE = regexp.MustCompile(`"(decision|code)"\s*:\s*("[^"]*"|true|false)`)
	statusRE = regexp.MustCompile(`^HTTP/1\.1 (\d{3})`)
	addrRE   = regexp.MustCompile(`\b(localhost|127\.0\.0\.1):(\d{2,5})\b`)
	bareRE   = regexp.MustCompile(`(^\s*|&&\s*|\|\|?\s*|;\s*|\(\s*)(xtenant|opa)(\s|$)`)
)

// anchors are the values the shown output commits to: every "decision" and
// error "code", and the HTTP status line; whitespace is removed so that
// indented and compact JSON compare equal.
func anchors(want []string) []string {
	var out []string
	for _, l := range want {
		for _, m := range anchorRE.FindAllString(l, -1) {
			out = append(out, strings.Join(strings.Fields(m), ""))
		}
		if m := statusRE.FindStringSubmatch(l); m != nil {
			out = append(out, "HTTP/1.1"+m[1])
		}
	}
	return out
}

type readmeRun struct {
	t     *testing.T
	dir   string
	env   []string
	ports map[string]string  // README port → free port
	bg    map[string]*bgProc // free port → background block serving it
}

// bgProc is a background block's process; done closes once it has exited.
type bgProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// port maps a README port to a free local one, the same every time.
func (h *readmeRun) port(p string) string {
	if free, ok := h.ports[p]; ok {
		return free
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	defer l.Close()
	free := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	h.ports[p] = free
	return free
}

// rewrite maps the addresses in a command to free ports.
func (h *readmeRun) rewrite(cmd string) string {
	return addrRE.ReplaceAllStringFunc(cmd, func(s string) string {
		m := addrRE.FindStringSubmatch(s)
		return m[1] + ":" + h.port(m[2])
	})
}

// lint refuses what cannot run as written on a fresh clone: an elided
// value (…) and xtenant or opa called from PATH rather than bin/.
func (h *readmeRun) lint(b block, cmd string) {
	if strings.Contains(cmd, "…") {
		h.t.Errorf("README line %d: a placeholder (…) cannot be pasted:\n%s", b.line, cmd)
	}
	for _, l := range strings.Split(cmd, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		code, _, _ := strings.Cut(l, " #")
		if m := bareRE.FindStringSubmatch(code); m != nil {
			h.t.Errorf("README line %d: %q is not on PATH after `make build`; write bin/%s:\n%s", b.line, m[2], m[2], l)
		}
	}
}

func (h *readmeRun) command(ctx context.Context, script string, errexit bool) *exec.Cmd {
	args := []string{"-o", "pipefail", "-c", script}
	if errexit {
		args = append([]string{"-e"}, args...)
	}
	c := exec.CommandContext(ctx, "bash", args...)
	c.Dir, c.Env = h.dir, h.env
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = 5 * time.Second
	return c
}

// script runs a whole sh block.
func (h *readmeRun) script(b block) {
	h.lint(b, b.text)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := h.command(ctx, h.rewrite(b.text), true).CombinedOutput()
	if err != nil {
		h.t.Errorf("README line %d (```%s): %v\n--- block\n%s--- output\n%s", b.line, b.lang, err, b.text, out)
	}
}

// console runs each command of a console block and checks its anchors.
func (h *readmeRun) console(b block) {
	for _, s := range consoleSteps(b.text) {
		h.lint(b, s.cmd)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		out, err := h.command(ctx, h.rewrite(s.cmd), false).CombinedOutput()
		cancel()
		if err != nil {
			h.t.Errorf("README line %d: $ %s\n%v\n%s", b.line, s.cmd, err, out)
			continue
		}
		got := strings.Join(strings.Fields(string(out)), "")
		for _, a := range anchors(s.want) {
			if !strings.Contains(got, a) {
				h.t.Errorf("README line %d: $ %s\nthe README shows %s; the output is:\n%s", b.line, s.cmd, a, out)
			}
		}
	}
}

// background starts a block that serves until stopped and waits until its
// port answers /health with 200.
func (h *readmeRun) background(b block) {
	h.lint(b, b.text)
	ports := []string{}
	for _, m := range addrRE.FindAllStringSubmatch(b.text, -1) {
		ports = append(ports, h.port(m[2]))
	}
	if len(ports) == 0 {
		ports = append(ports, h.port("8181"))
	}
	for _, p := range ports {
		if prev := h.bg[p]; prev != nil {
			h.stop(prev)
			delete(h.bg, p)
		}
	}
	var log bytes.Buffer
	c := h.command(context.Background(), h.rewrite(b.text), true)
	c.Stdout, c.Stderr = &log, &log
	if err := c.Start(); err != nil {
		h.t.Fatalf("README line %d: %v", b.line, err)
	}
	exited := make(chan error, 1)
	proc := &bgProc{cmd: c, done: make(chan struct{})}
	go func() { exited <- c.Wait(); close(proc.done) }()
	for _, p := range ports {
		h.bg[p] = proc
	}
	deadline := time.Now().Add(5 * time.Minute)
	client := &http.Client{Timeout: 2 * time.Second}
	for _, p := range ports {
		for {
			resp, err := client.Get("http://127.0.0.1:" + p + "/health")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			select {
			case err := <-exited:
				h.t.Fatalf("README line %d: the background block exited (%v):\n%s\n--- output\n%s", b.line, err, b.text, log.String())
			case <-time.After(50 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				h.t.Fatalf("README line %d: port %s never answered:\n%s\n--- output\n%s", b.line, p, b.text, log.String())
			}
		}
	}
}

func (h *readmeRun) stop(p *bgProc) {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

func (h *readmeRun) stopAll() {
	seen := map[*bgProc]bool{}
	for _, p := range h.bg {
		if !seen[p] {
			seen[p] = true
			h.stop(p)
		}
	}
}

// copyRepository copies the repository's files, as a fresh clone has them
// (tracked and new, not ignored; so no bin/), to dst.
func copyRepository(t *testing.T, root, dst string) {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, name)
		info, err := os.Lstat(src)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the working tree, or a symlink
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := copyFile(src, filepath.Join(dst, name), info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(src, dst string, mode os.FileMode) error {
	raw, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, raw, mode)
}

// TestREADMELinks checks that every relative link of README.md and docs/
// names a file of the repository, and every #anchor a heading.
func TestREADMELinks(t *testing.T) {
	files, _ := filepath.Glob("../docs/*.md")
	results, _ := filepath.Glob("../benchmarks/results/*.md")
	files = append(files, results...)
	files = append(files, "../README.md")
	linkRE := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range linkRE.FindAllStringSubmatch(string(raw), -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(link, "#")
			target := f
			if path != "" {
				target = filepath.Join(filepath.Dir(f), path)
				if _, err := os.Stat(target); err != nil {
					t.Errorf("%s: link %s: no such file", f, link)
					continue
				}
			}
			if anchor != "" && strings.HasSuffix(target, ".md") && !headingAnchors(t, target)[anchor] {
				t.Errorf("%s: link %s: no heading #%s in %s", f, link, anchor, target)
			}
		}
	}
}

// headingAnchors returns GitHub's anchors of a Markdown file's headings.
func headingAnchors(t *testing.T, file string) map[string]bool {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	inCode := false
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(l, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(l, "#")))
		var b strings.Builder
		for _, r := range h {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
				b.WriteRune(r)
			}
		}
		anchor := b.String()
		for n := 1; out[anchor]; n++ {
			anchor = fmt.Sprintf("%s-%d", b.String(), n)
		}
		out[anchor] = true
	}
	return out
}

// The harness's own parsing, on a small README.
func TestReadmeBlocksParsing(t *testing.T) {
	md := "# x\n<!-- readme-test: skip: needs a cloud account -->\n```sh\naz login\n```\n\n" +
		"<!-- readme-test: background -->\n```sh\nmake run\n```\n```console\n$ curl -s localhost:8181/v1/evaluate -d '{\n  \"a\": 1}'\n" +
		"{\"decision\": \"deny\", \"x\": 1}\n$ echo hi\nhi\n```\n```nginx\nlocation / {}\n```\n"
	bs, err := readmeBlocks(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 || bs[0].skip != "needs a cloud account" || !bs[1].background || bs[2].lang != "console" {
		t.Fatalf("blocks %+v", bs)
	}
	steps := consoleSteps(bs[2].text)
	if len(steps) != 2 || !strings.HasSuffix(steps[0].cmd, `"a": 1}'`) || len(anchors(steps[0].want)) != 1 || anchors(steps[0].want)[0] != `"decision":"deny"` {
		t.Fatalf("steps %+v", steps)
	}
	for _, bad := range []string{
		"<!-- readme-test: skip -->\n```sh\nx\n```\n",
		"<!-- readme-test: skp: typo -->\n```sh\nx\n```\n",
		"<!-- readme-test: background -->\ntext\n```sh\nx\n```\n",
		"<!-- readme-test: skip: why -->\n```nginx\nx\n```\n",
	} {
		if _, err := readmeBlocks(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	h := &readmeRun{t: t, ports: map[string]string{}}
	if got := h.rewrite("curl localhost:8181/x; curl 127.0.0.1:8181/y"); strings.Contains(got, ":8181") {
		t.Fatalf("rewrite: %s", got)
	}
	for cmd, bare := range map[string]bool{"make opa": false, "xtenant eval": true, "cd x && opa test": true, "echo | xtenant eval": true,
		"bin/xtenant eval": false, "bin/opa run": false, "x=$(xtenant version)": true, "docker build -t xtenant .": false} {
		if got := bareRE.MatchString(cmd); got != bare {
			t.Errorf("%q: bare command %v, want %v", cmd, got, bare)
		}
	}
}

// Every rule id the policy names is explained in the rule book users read.
func TestRuleIDsDocumented(t *testing.T) {
	book, err := os.ReadFile("../docs/semantics.md")
	if err != nil {
		t.Fatal(err)
	}
	idRE := regexp.MustCompile(`R-[A-Z]+-[0-9]+`)
	documented := map[string]bool{}
	for _, id := range idRE.FindAllString(string(book), -1) {
		documented[id] = true
	}
	err = filepath.WalkDir("../policies", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rego") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, id := range idRE.FindAllString(string(raw), -1) {
			if !documented[id] {
				t.Errorf("%s names %s, which docs/semantics.md does not define", path, id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(documented) < 50 {
		t.Fatalf("only %d rule ids in docs/semantics.md", len(documented))
	}
}
