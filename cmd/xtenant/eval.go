package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

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

			ts, err := loadTenants(tenantPaths)
			if err != nil {
				return usagef("eval: %v", err)
			}
			// --bundle PATH (OPA bundles layered over the built-in policy with
			// bundles.Compose) goes here, next to --tenants.
			policy, err := bundles.Builtin(ts)
			if err != nil {
				return fmt.Errorf("eval: %w", err)
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
