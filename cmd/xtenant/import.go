package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(scaffold): replaced by the owner of this subcommand.
func newImportCmd(_ env) *cobra.Command {
	return &cobra.Command{Use: "import", RunE: func(*cobra.Command, []string) error { return errors.New("import: not built yet") }}
}
