package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(scaffold): replaced by the owner of this subcommand.
func newTestCmd(_ env) *cobra.Command {
	return &cobra.Command{Use: "test", RunE: func(*cobra.Command, []string) error { return errors.New("test: not built yet") }}
}
