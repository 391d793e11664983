package main

import (
	"context"

	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/config"
	"github.com/xtenant/xtenant/internal/matrix"
	"github.com/xtenant/xtenant/internal/replay"
	"github.com/xtenant/xtenant/internal/sources"
)

// exitCode carries a non-zero exit code that is not a failure: 3 when a
// diff finds changes or an audit findings (CI gates read it).
type exitCode struct {
	code int
	msg  string
}

func (e exitCode) Error() string { return e.msg }

// exitChanges is the exit code of `diff` and `audit` when they find something.
const exitChanges = 3

// sideFlags are the --before/--after sources and where to find the
// running configuration that a side left out defaults to.
type sideFlags struct {
	before, after []string
	configFile    string
	verify        verifyFlags
}

func (s *sideFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&s.before, "before", nil, "source of the configuration before the change: tenants file/dir, Graph export dir, bundle, policy dir; KIND:PATH forces the kind (repeatable; default: the running configuration)")
	cmd.Flags().StringArrayVar(&s.after, "after", nil, "source of the configuration after the change (repeatable; same forms as --before)")
	cmd.Flags().StringVar(&s.configFile, "config", "", "serve's --config file, for the running configuration's sources")
	s.verify.register(cmd)
}

// loaded is one side, loaded and activated.
type loaded struct {
	cfg  *sources.Config
	eng  *engine.Engine
	desc []string
}

// load loads both sides; a side without sources is the running
// configuration (serve's --config file and XTENANT_* environment).
func (s *sideFlags) load(ctx context.Context, e env) (before, after *loaded, err error) {
	if len(s.before) == 0 && len(s.after) == 0 {
		return nil, nil, usagef("--before or --after is required (the other side defaults to the running configuration)")
	}
	running, err := s.running(e)
	if err != nil {
		return nil, nil, err
	}
	if before, err = s.side(ctx, s.before, running); err != nil {
		return nil, nil, err
	}
	if after, err = s.side(ctx, s.after, running); err != nil {
		return nil, nil, err
	}
	return before, after, nil
}

// running is the configuration `serve` would start with: its --config
// file and XTENANT_* environment.
func (s *sideFlags) running(e env) (config.Config, error) {
	c, err := config.Load(config.Sources{File: s.configFile, Getenv: e.getenv})
	if err != nil {
		return config.Config{}, usageError{err}
	}
	return c, nil
}

func (s *sideFlags) side(ctx context.Context, args []string, running config.Config) (*loaded, error) {
	if len(args) == 0 {
		if running.Tenants != "" {
			args = append(args, "tenants:"+running.Tenants)
		}
		for _, b := range running.Bundles {
			args = append(args, "bundle:"+b)
		}
	}
	specs, err := sources.ParseSpecs(args)
	if err != nil {
		return nil, usageError{err}
	}
	cfg, err := sources.Load(specs, sources.Options{VerificationKey: s.verify.verificationKey()})
	if err != nil {
		return nil, usageError{err}
	}
	eng := engine.New(engine.WithRequireHomeTenant(running.RequireHomeTenant))
	if err := eng.Activate(ctx, cfg.Policy); err != nil {
		return nil, usageError{err}
	}
	desc := make([]string, 0, len(specs))
	for _, sp := range specs {
		desc = append(desc, sp.String())
	}
	if len(desc) == 0 {
		desc = append(desc, "built-in examples")
	}
	return &loaded{cfg: cfg, eng: eng, desc: desc}, nil
}

func newDiffCmd(e env) *cobra.Command {
	var (
		sides    sideFlags
		format   string
		failOn   string
		progress string
		settings bool
	)
	cmd := &cobra.Command{
		Use:   "diff [LOG...] --before SRC... --after SRC...",
		Short: "Replay recorded decisions against two configurations and report what changes (exit 3 on change)",
		Long: `diff replays decision log files or directories (OPA decision log events as
xtenant writes them, or bare decision inputs, one JSON value per line, plain
or gzip) against the configuration before and after a change, and reports
every input whose decision, denied_by or controls change: deny→allow and
step_up→allow first, then by tenant pair and reason, with one example each.
Entries that cannot be replayed are counted by cause.

Exit codes: 0 nothing changed (in the --fail-on directions), 3 changed, 2 bad
usage or input, 1 failure.`,
		RunE: func(cmd *cobra.Command, logs []string) error {
			if settings {
				return settingsDiff(cmd.Context(), e, &sides, logs, format)
			}
			if len(logs) == 0 {
				return usagef("diff: at least one decision log file or directory is required")
			}
			write, err := reportWriter(format)
			if err != nil {
				return err
			}
			dirs, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			before, after, err := sides.load(cmd.Context(), e)
			if err != nil {
				return err
			}
			opts := replay.Options{}
			if showProgress(progress, e.stderr) {
				opts.Progress = replay.ProgressBar(e.stderr)
			}
			rep, err := replay.Run(cmd.Context(), logs,
				replay.Side{Label: "before", Revision: before.eng.Revision(), Sources: before.desc, Evaluator: before.eng, TenantName: before.cfg.TenantName},
				replay.Side{Label: "after", Revision: after.eng.Revision(), Sources: after.desc, Evaluator: after.eng, TenantName: after.cfg.TenantName},
				opts)
			if err != nil {
				return usageError{err}
			}
			if err := write(rep, e.stdout); err != nil {
				return err
			}
			return diffExit(rep, dirs)
		},
	}
	sides.register(cmd)
	cmd.Flags().StringVar(&format, "format", "text", "report format: text, json or markdown")
	cmd.Flags().StringVar(&failOn, "fail-on", "any", "directions that make the exit code 3: any, none, unreplayable, or a list of "+strings.Join(replay.Directions(), ","))
	cmd.Flags().BoolVar(&settings, "settings", false, "compare the settings themselves, without recorded decisions: the per-partner matrix of both configurations and the cells that change")
	cmd.Flags().StringVar(&progress, "progress", "auto", "progress bar on stderr: auto (on a terminal), always, never")
	return cmd
}

// settingsDiff is diff --settings: exit 3 when a cell changes.
func settingsDiff(ctx context.Context, e env, sides *sideFlags, logs []string, format string) error {
	if len(logs) > 0 {
		return usagef("diff --settings takes no decision logs")
	}
	before, after, err := sides.load(ctx, e)
	if err != nil {
		return err
	}
	rep := matrix.Compare(before.eng.Revision(), tenantsOf(before.cfg), after.eng.Revision(), tenantsOf(after.cfg))
	switch format {
	case "text":
		err = rep.WriteText(e.stdout)
	case "json":
		err = rep.WriteJSON(e.stdout)
	case "markdown", "md":
		err = rep.WriteMarkdown(e.stdout)
	default:
		return usagef("--format %q: expected text, json or markdown", format)
	}
	if err != nil {
		return err
	}
	if len(rep.Changes) > 0 {
		return exitCode{code: exitChanges}
	}
	return nil
}

func tenantsOf(c *sources.Config) map[string]any {
	if c.Tenants == nil {
		return map[string]any{}
	}
	return c.Tenants.Tenants()
}

func reportWriter(format string) (func(*replay.Report, io.Writer) error, error) {
	switch format {
	case "text":
		return (*replay.Report).WriteText, nil
	case "json":
		return (*replay.Report).WriteJSON, nil
	case "markdown", "md":
		return (*replay.Report).WriteMarkdown, nil
	}
	return nil, usagef("--format %q: expected text, json or markdown", format)
}

// parseFailOn reads --fail-on: nil means any change.
func parseFailOn(s string) ([]string, error) {
	if s == "" || s == "any" {
		return nil, nil
	}
	valid := append(replay.Directions(), "unreplayable", "none")
	var out []string
	for _, d := range strings.Split(s, ",") {
		d = strings.TrimSpace(strings.ReplaceAll(d, "_", "-"))
		if !slices.Contains(valid, d) {
			return nil, usagef("--fail-on %q: expected any, none, unreplayable or directions among %s", d, strings.Join(replay.Directions(), ","))
		}
		out = append(out, d)
	}
	return out, nil
}

func diffExit(rep *replay.Report, dirs []string) error {
	if slices.Contains(dirs, "none") {
		return nil
	}
	n := 0
	if dirs == nil {
		// A side that cannot decide is a change too: a broken policy must
		// not pass the gate because nothing could be compared.
		n = rep.Summary.Changed + rep.CountCause(replay.CauseEvalError)
	} else {
		n = rep.Count(dirs...)
		if slices.Contains(dirs, "unreplayable") {
			n += rep.Summary.Unreplayable
		}
	}
	if n > 0 {
		return exitCode{code: exitChanges}
	}
	return nil
}

func showProgress(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
