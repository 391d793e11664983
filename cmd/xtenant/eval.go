package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(scaffold): replaced by the owner of this subcommand.
func newEvalCmd(_ env) *cobra.Command {
	return &cobra.Command{Use: "eval", RunE: func(*cobra.Command, []string) error { return errors.New("eval: not built yet") }}
}
