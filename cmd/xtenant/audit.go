package main

import (
	"github.com/spf13/cobra"

	"github.com/xtenant/xtenant/internal/audit"
	"github.com/xtenant/xtenant/policies"
)

func newAuditCmd(e env) *cobra.Command {
	var (
		sides    sideFlags
		format   string
		severity string
	)
	cmd := &cobra.Command{
		Use:   "audit [SRC...] [--format table|json|sarif] [--severity low|medium|high]",
		Short: "Check tenant configurations against posture rules (exit 3 on findings at or above --severity)",
		Long: `audit runs the posture rules of package xtenant.audit (CISA M365 baseline and
EIDSCA checks on cross-tenant settings, guest MFA, device trust, automatic
redemption, invalid and never-applying settings) over a configuration: tenants
files or directories, Graph export directories, bundles and policy
directories (KIND:PATH forces the kind); none means the running configuration.

Exit codes: 0 no finding at or above --severity, 3 findings, 2 bad usage or
input, 1 failure.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if audit.SeverityRank(severity) < 0 {
				return usagef("--severity %q: expected low, medium or high", severity)
			}
			if format != "table" && format != "json" && format != "sarif" {
				return usagef("--format %q: expected table, json or sarif", format)
			}
			running, err := sides.running(e)
			if err != nil {
				return err
			}
			side, err := sides.side(cmd.Context(), args, running)
			if err != nil {
				return err
			}
			rep, err := audit.Run(cmd.Context(), side.eng, side.eng.Revision(), func(id string) string { return side.cfg.TenantFiles[id] })
			if err != nil {
				return usageError{err}
			}
			switch format {
			case "json":
				err = rep.WriteJSON(e.stdout)
			case "sarif":
				err = rep.WriteSARIF(e.stdout, policies.Version)
			default:
				err = rep.WriteTable(e.stdout)
			}
			if err != nil {
				return err
			}
			if rep.AtOrAbove(severity) > 0 {
				return exitCode{code: exitChanges}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&sides.configFile, "config", "", "serve's --config file, for the running configuration's sources")
	sides.verify.register(cmd)
	cmd.Flags().StringVar(&format, "format", "table", "output: table, json or sarif (SARIF 2.1.0)")
	cmd.Flags().StringVar(&severity, "severity", "low", "lowest severity that makes the exit code 3: low, medium or high")
	return cmd
}
