package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/xtenant/xtenant/atomicfile"
	"github.com/xtenant/xtenant/bundles/entraexporter"
	"github.com/xtenant/xtenant/bundles/graph"
	"github.com/xtenant/xtenant/bundles/m365dsc"
	"github.com/xtenant/xtenant/tenants"
)

func newImportCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import tenant configuration from outside sources",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return usagef("import: a subcommand is required (graph, entraexporter, m365dsc)")
		},
	}
	cmd.AddCommand(newImportGraphCmd(e), newImportEntraExporterCmd(e), newImportM365DSCCmd(e))
	return cmd
}

func newImportGraphCmd(e env) *cobra.Command {
	var out, merge, tenantID string
	cmd := &cobra.Command{
		Use:   "graph DIR... [-o FILE] [--merge FILE] [--tenant-id ID]",
		Short: "Turn saved Microsoft Graph responses (one directory per tenant) into a tenants file",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, dirs []string) error {
			imported, err := graph.Import(dirs, graph.Options{TenantID: tenantID})
			if err != nil {
				return usageError{err}
			}
			return writeImported(e, imported, out, merge)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "tenants file to write (.json, .yaml); default stdout, or the --merge file")
	cmd.Flags().StringVar(&merge, "merge", "", "existing tenants file to merge the imported tenants into")
	cmd.Flags().StringVar(&tenantID, "tenant-id", "", "tenant id when organization.json is absent (one directory only)")
	return cmd
}

// writeImported validates imported tenants (merged into the --merge file
// when given) and writes them to out, or stdout; nothing is written when
// they would not load.
func writeImported(e env, imported map[string]any, out, merge string) error {
	doc := imported
	if merge != "" {
		base, err := readTenantsObject(merge)
		if err != nil {
			return usageError{err}
		}
		if doc, err = graph.Merge(base, imported); err != nil {
			return usageError{fmt.Errorf("%s: %w", merge, err)}
		}
		if out == "" {
			out = merge
		}
	}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	raw = append(raw, '\n')
	// What is written must load: validate with package tenants first,
	// and write nothing when it does not.
	set, err := tenants.Parse(nameOr(out, "import"), raw)
	if err != nil {
		return usageError{err}
	}
	for _, w := range set.Warnings() {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	if out == "" {
		_, err := e.stdout.Write(raw)
		return err
	}
	if ext := strings.ToLower(filepath.Ext(out)); ext == ".yaml" || ext == ".yml" {
		if raw, err = yaml.JSONToYAML(raw); err != nil {
			return err
		}
	}
	if err := atomicfile.Write(out, raw, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%s: %d tenants written\n", out, set.Len())
	return nil
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// readTenantsObject reads a tenants file as a plain object (JSON or YAML),
// without normalisation, so that merging keeps what was there.
func readTenantsObject(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		if raw, err = yaml.YAMLToJSON(raw); err != nil {
			return nil, fmt.Errorf("%s: not valid YAML: %w", path, err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("%s: expected an object keyed by tenant id: %w", path, err)
	}
	if obj == nil {
		obj = map[string]any{}
	}
	return obj, nil
}

func newImportEntraExporterCmd(e env) *cobra.Command {
	var out, merge string
	cmd := &cobra.Command{
		Use:   "entraexporter DIR... [-o FILE] [--merge FILE]",
		Short: "Turn EntraExporter output trees (Export-Entra, one per tenant) into a tenants file",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, dirs []string) error {
			imported, err := entraexporter.Import(dirs)
			if err != nil {
				return usageError{err}
			}
			return writeImported(e, imported, out, merge)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "tenants file to write (.json, .yaml); default stdout, or the --merge file")
	cmd.Flags().StringVar(&merge, "merge", "", "existing tenants file to merge the imported tenants into")
	return cmd
}

func newImportM365DSCCmd(e env) *cobra.Command {
	var out, merge string
	var opts m365dsc.Options
	cmd := &cobra.Command{
		Use:   "m365dsc REPORT.json... [--tenant-id ID] [--display-name NAME] [-o FILE] [--merge FILE]",
		Short: "Turn Microsoft365DSC JSON reports (one per tenant) into a tenants file",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, files []string) error {
			imported, err := m365dsc.Import(files, opts)
			if err != nil {
				return usageError{err}
			}
			return writeImported(e, imported, out, merge)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "tenants file to write (.json, .yaml); default stdout, or the --merge file")
	cmd.Flags().StringVar(&merge, "merge", "", "existing tenants file to merge the imported tenants into")
	cmd.Flags().StringVar(&opts.TenantID, "tenant-id", "", "the tenant's id, when no instance's TenantId is a GUID (one report only)")
	cmd.Flags().StringVar(&opts.DisplayName, "display-name", "", "the tenant's display name (reports do not carry it)")
	return cmd
}
