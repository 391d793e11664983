package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xtenant/xtenant/engine/policytest"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/policies"
)

// defaultScenarioDir is run when `xtenant test` gets no path and it exists.
const defaultScenarioDir = "testdata/scenarios"

// newTestCmd: `xtenant test [PATH...] [--coverage] [--threshold PCT] [-v]`
// runs the Rego tests of policy folders and the cases of scenario files.
func newTestCmd(e env) *cobra.Command {
	var (
		coverage  bool
		threshold float64
		verbose   bool
	)
	cmd := &cobra.Command{
		Use:   "test [PATH...]",
		Short: "Run the Rego tests of a policy folder and scenario files",
		Long: "PATH is a policy folder (its Rego tests run, and it is the policy the scenarios run\n" +
			"against) or a scenario file or folder (*.json with \"cases\"). Without PATH: the built-in\n" +
			"policy and " + defaultScenarioDir + " when present.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if threshold < 0 || threshold > 100 {
				return usagef("test: --threshold must be between 0 and 100")
			}
			if threshold > 0 {
				coverage = true
			}
			policyDirs, scenarioFiles, err := classify(args)
			if err != nil {
				return usagef("test: %v", err)
			}
			policyFS, policyName := fs.FS(policies.FS), "built-in policy"
			if len(policyDirs) > 0 {
				policyFS, policyName = os.DirFS(policyDirs[0]), policyDirs[0]
			}
			regoTargets := map[string]fs.FS{}
			for _, d := range policyDirs {
				regoTargets[d] = os.DirFS(d)
			}
			if len(args) == 0 {
				regoTargets[policyName] = policyFS
			}
			var files []*scenario.File
			for _, p := range scenarioFiles {
				f, err := scenario.Load(p)
				if err != nil {
					return usagef("test: %v", err)
				}
				files = append(files, f)
			}
			return runTests(cmd, e.stdout, regoTargets, policyFS, files, coverage, threshold, verbose)
		},
	}
	cmd.Flags().BoolVar(&coverage, "coverage", false, "report Rego coverage")
	cmd.Flags().Float64Var(&threshold, "threshold", 0, "fail when Rego coverage is below PCT (implies --coverage)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every test and case")
	return cmd
}

func runTests(cmd *cobra.Command, out io.Writer, rego map[string]fs.FS, policyFS fs.FS, files []*scenario.File, coverage bool, threshold float64, verbose bool) error {
	failed := false
	names := make([]string, 0, len(rego))
	for n := range rego {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		rep, err := policytest.RunRego(cmd.Context(), rego[name], coverage)
		if err != nil {
			return fmt.Errorf("test: %s: %w", name, err)
		}
		pass, skip := 0, 0
		for _, r := range rep.Results {
			switch {
			case r.Skip:
				skip++
			case r.Pass:
				pass++
			}
			if verbose || (!r.Pass && !r.Skip) {
				status := "PASS"
				if r.Skip {
					status = "SKIPPED"
				} else if !r.Pass {
					status = "FAIL"
					if r.Error != "" {
						status = "ERROR: " + r.Error
					}
				}
				fmt.Fprintf(out, "%s: %s: %s (%s)\n", r.File, r.Name, status, r.Duration)
				if r.Output != "" && (verbose || !r.Pass) {
					fmt.Fprint(out, indent(r.Output))
				}
			}
		}
		fmt.Fprintln(out, strings.Repeat("-", 80))
		fmt.Fprintf(out, "%s: Rego tests PASS: %d/%d", name, pass, len(rep.Results))
		if skip > 0 {
			fmt.Fprintf(out, ", SKIPPED: %d", skip)
		}
		if f := rep.Failed(); f > 0 {
			fmt.Fprintf(out, ", FAIL: %d", f)
			failed = true
		}
		fmt.Fprintln(out)
		if rep.Coverage >= 0 {
			fmt.Fprintf(out, "%s: coverage %.2f%%\n", name, rep.Coverage)
			if rep.Coverage < threshold {
				fmt.Fprintf(out, "%s: coverage %.2f%% is below the threshold %.2f%%\n", name, rep.Coverage, threshold)
				failed = true
			}
		}
	}
	if len(files) > 0 {
		results := policytest.RunScenarios(cmd.Context(), policyFS, "test", files)
		pass, pending := 0, 0
		for _, r := range results {
			switch {
			case r.Pending != "":
				pending++
				if verbose {
					fmt.Fprintf(out, "%s: %s/%s: PENDING (%s)\n", r.File, r.Scenario, r.Case, r.Pending)
				}
			case r.Pass():
				pass++
				if verbose {
					fmt.Fprintf(out, "%s: %s/%s: PASS\n", r.File, r.Scenario, r.Case)
				}
			default:
				failed = true
				fmt.Fprintf(out, "%s: %s/%s: FAIL\n", r.File, r.Scenario, r.Case)
				if r.Error != "" {
					fmt.Fprintf(out, "    %s\n", r.Error)
				}
				for _, d := range r.Diffs {
					fmt.Fprintf(out, "    %s\n", d)
				}
			}
		}
		fmt.Fprintln(out, strings.Repeat("-", 80))
		fmt.Fprintf(out, "scenarios PASS: %d/%d", pass, len(results))
		if pending > 0 {
			fmt.Fprintf(out, ", PENDING: %d", pending)
		}
		if f := len(results) - pass - pending; f > 0 {
			fmt.Fprintf(out, ", FAIL: %d", f)
		}
		fmt.Fprintln(out)
	}
	if failed {
		return fmt.Errorf("test: failures")
	}
	return nil
}

// classify sorts the PATH arguments into policy folders (holding .rego
// files) and scenario files. No argument: testdata/scenarios if present.
func classify(args []string) (policyDirs, scenarioFiles []string, err error) {
	if len(args) == 0 {
		if info, err := os.Stat(defaultScenarioDir); err == nil && info.IsDir() {
			files, err := scenarioFilesIn(defaultScenarioDir)
			return nil, files, err
		}
		return nil, nil, nil
	}
	for _, a := range args {
		info, err := os.Stat(a)
		if err != nil {
			return nil, nil, err
		}
		if !info.IsDir() {
			if !strings.HasSuffix(a, ".json") {
				return nil, nil, fmt.Errorf("%s: expected a policy folder or a scenario file (*.json)", a)
			}
			scenarioFiles = append(scenarioFiles, a)
			continue
		}
		if hasRego(a) {
			policyDirs = append(policyDirs, a)
			continue
		}
		files, err := scenarioFilesIn(a)
		if err != nil {
			return nil, nil, err
		}
		if len(files) == 0 {
			return nil, nil, fmt.Errorf("%s: holds neither Rego files nor scenario files", a)
		}
		scenarioFiles = append(scenarioFiles, files...)
	}
	return policyDirs, scenarioFiles, nil
}

func hasRego(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".rego") {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// scenarioFilesIn lists the *.json files of dir holding "cases".
func scenarioFilesIn(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []string
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if scenario.IsScenario(raw) {
			out = append(out, p)
		}
	}
	return out, nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "    " + strings.Join(lines, "\n    ") + "\n"
}
