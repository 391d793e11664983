package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(scaffold): replaced by the owner of this subcommand.
func newBundleCmd(_ env) *cobra.Command {
	return &cobra.Command{Use: "bundle", RunE: func(*cobra.Command, []string) error { return errors.New("bundle: not built yet") }}
}
