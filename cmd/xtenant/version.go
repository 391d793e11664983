package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/xtenant/xtenant/policies"
)

// newVersionCmd prints the binary, policy, Go and OPA versions.
func newVersionCmd(e env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the xtenant, policy, Go and OPA versions",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprint(e.stdout, versionText())
			return err
		},
	}
}

// versionText is what `xtenant version` and `xtenant --version` print.
func versionText() string {
	version, opa := "(devel)", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/open-policy-agent/opa" {
				opa = dep.Version
				if dep.Replace != nil {
					opa = dep.Replace.Version
				}
			}
		}
	}
	return fmt.Sprintf("xtenant %s\npolicy %s\ngo %s\nopa %s\n", version, policies.Version, runtime.Version(), opa)
}
