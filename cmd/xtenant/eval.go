package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// newEvalCmd: `xtenant eval [--tenants PATH]... --input FILE|-` prints the
// decision exactly as POST /v1/evaluate answers it.
func newEvalCmd(e env) *cobra.Command {
	var (
		tenantPaths []string
		bundlePaths []string
		verifyKey   verifyFlags
		inputPath   string
		explain     bool
	)
	cmd := &cobra.Command{
		Use:   "eval --input FILE|- [--tenants PATH]...",
		Short: "Evaluate one decision input and print the decision JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if inputPath == "" {
				return usagef("eval: --input FILE|- is required")
			}
			raw, err := readInput(e, inputPath)
			if err != nil {
				return usagef("eval: %v", err)
			}
			req, err := engine.DecodeRequest(raw)
			if err != nil {
				return usagef("eval: %s: %v", inputName(inputPath), err)
			}
			req.Explain = explain

			var ts *tenants.Set
			if len(tenantPaths) > 0 || len(bundlePaths) == 0 {
				if ts, err = loadTenants(tenantPaths); err != nil {
					return usagef("eval: %v", err)
				}
			}
			policy, err := bundles.Builtin(ts)
			if err != nil {
				return fmt.Errorf("eval: %w", err)
			}
			if len(bundlePaths) > 0 {
				if policy, err = composeBundles(policy, strings.Join(tenantPaths, ", "), bundlePaths, verifyKey.verificationKey()); err != nil {
					return usagef("eval: %v", err)
				}
			}
			eng := engine.New()
			if err := eng.Activate(cmd.Context(), policy); err != nil {
				return fmt.Errorf("eval: %w", err)
			}
			d, err := eng.Evaluate(cmd.Context(), req)
			if err != nil {
				return fmt.Errorf("eval: %w", err)
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(d)
		},
	}
	cmd.Flags().StringArrayVar(&tenantPaths, "tenants", nil, "tenants file or directory (JSON/YAML; repeatable; default: the built-in examples)")
	cmd.Flags().StringArrayVar(&bundlePaths, "bundle", nil, "OPA bundle directory or .tar.gz (repeatable; layered over the built-in policy)")
	verifyKey.register(cmd)
	cmd.Flags().StringVar(&inputPath, "input", "", "decision input file, or - for stdin")
	cmd.Flags().BoolVar(&explain, "explain", false, "add the explain member (as ?explain=true)")
	return cmd
}

func inputName(p string) string {
	if p == "-" {
		return "stdin"
	}
	return p
}

func readInput(e env, p string) ([]byte, error) {
	if p == "-" {
		return io.ReadAll(e.stdin)
	}
	return os.ReadFile(p)
}

// loadTenants merges the given tenants files/directories; none means the
// built-in examples.
func loadTenants(paths []string) (*tenants.Set, error) {
	if len(paths) == 0 {
		return bundles.ExampleTenants()
	}
	sets := make([]*tenants.Set, 0, len(paths))
	for _, p := range paths {
		s, err := tenants.Load(p)
		if err != nil {
			return nil, err
		}
		sets = append(sets, s)
	}
	if len(sets) == 1 {
		return sets[0], nil
	}
	return tenants.Merge(sets...)
}
