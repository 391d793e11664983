package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(scaffold): replaced by the owner of this subcommand.
func newVersionCmd(_ env) *cobra.Command {
	return &cobra.Command{Use: "version", RunE: func(*cobra.Command, []string) error { return errors.New("version: not built yet") }}
}
