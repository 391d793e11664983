// Command xtenant is the cross-tenant access policy decision point: it serves
// decisions over HTTP (and Envoy ext_authz), evaluates one input, runs the
// Rego tests and scenarios, builds OPA bundles and imports Graph exports.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// env is what a subcommand may touch of the outside world; tests replace it.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// usageError marks bad usage or bad input: exit code 2 (docs/contract.md).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func newRootCmd(e env) *cobra.Command {
	root := &cobra.Command{
		Use:           "xtenant",
		Short:         "Policy decision point for Microsoft Entra cross-tenant access",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       binaryVersion(),
		// No subcommand, or an unknown one, is bad usage (exit 2).
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q (see xtenant --help)", args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error {
			c.SetOut(e.stderr)
			_ = c.Usage()
			return usagef("a command is required")
		},
	}
	root.SetVersionTemplate(versionText())
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newServeCmd(e),
		newEvalCmd(e),
		newTestCmd(e),
		newBundleCmd(e),
		newImportCmd(e),
		newDiffCmd(e),
		newAuditCmd(e),
		newVersionCmd(e),
	)
	usageArgs(root)
	return root
}

// usageArgs makes every argument-count error of c and its subcommands a
// usage error (exit 2), as docs/contract.md says of bad usage.
func usageArgs(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				var ue usageError
				if errors.As(err, &ue) {
					return err
				}
				return usageError{err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

// run executes the command line and returns the process exit code.
func run(args []string, e env) int {
	root := newRootCmd(e)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ec exitCode
	if errors.As(err, &ec) {
		if ec.msg != "" {
			fmt.Fprintln(e.stderr, "xtenant:", ec.msg)
		}
		return ec.code
	}
	fmt.Fprintln(e.stderr, "xtenant:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func main() {
	os.Exit(run(os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}
