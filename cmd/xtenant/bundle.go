package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/xtenant/xtenant/atomicfile"
	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/policies"
	"github.com/xtenant/xtenant/tenants"
)

func newBundleCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Build, sign, verify and inspect OPA bundles",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usagef("bundle: a subcommand is required (build, sign, verify, inspect, keygen)")
		},
	}
	cmd.AddCommand(newBundleBuildCmd(e), newBundleSignCmd(e), newBundleVerifyCmd(e), newBundleInspectCmd(e), newBundleKeygenCmd(e))
	return cmd
}

// signFlags are the signing flags of `opa build`.
type signFlags struct{ key, alg, keyID string }

func (f *signFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.key, "signing-key", "", "private key: a PEM file (or the HMAC secret's file), PEM text, env:NAME or literal:TEXT")
	cmd.Flags().StringVar(&f.alg, "signing-alg", "RS256", "signing algorithm (RS256, ES256, HS256, PS256, …)")
	cmd.Flags().StringVar(&f.keyID, "signing-key-id", bundles.DefaultKeyID, "key id placed in the signature (opa's --verification-key-id)")
}

func (f *signFlags) signingKey() *bundles.SigningKey {
	if f.key == "" {
		return nil
	}
	return &bundles.SigningKey{Key: f.key, Algorithm: f.alg, KeyID: f.keyID}
}

// verifyFlags are the verification flags of `opa run`.
type verifyFlags struct{ key, alg, keyID, scope string }

func (f *verifyFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.key, "verification-key", "", "public key: a PEM file (or the HMAC secret's file), PEM text, env:NAME or literal:TEXT")
	cmd.Flags().StringVar(&f.alg, "signing-alg", "RS256", "algorithm of the verification key")
	cmd.Flags().StringVar(&f.keyID, "verification-key-id", bundles.DefaultKeyID, "key id the signature must name")
	cmd.Flags().StringVar(&f.scope, "scope", "", "scope the signature must carry")
}

func (f *verifyFlags) verificationKey() *bundles.VerificationKey {
	if f.key == "" {
		return nil
	}
	return &bundles.VerificationKey{Key: f.key, Algorithm: f.alg, KeyID: f.keyID, Scope: f.scope}
}

func newBundleBuildCmd(e env) *cobra.Command {
	var (
		policyDir, tenantsPath, revision, out string
		sign                                  signFlags
	)
	cmd := &cobra.Command{
		Use:   "build -o FILE.tar.gz",
		Short: "Write an OPA bundle of the policy and tenants (signed with --signing-key)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("bundle build: -o FILE.tar.gz is required")
			}
			opts := bundles.BuildOptions{Revision: revision, Signing: sign.signingKey()}
			switch policyDir {
			case "builtin":
				opts.Policies = policies.FS
			case "none":
			default:
				st, err := os.Stat(policyDir)
				if err != nil || !st.IsDir() {
					return usagef("--policies %s: not a directory", policyDir)
				}
				opts.Policies = os.DirFS(policyDir)
			}
			if tenantsPath != "" {
				set, err := tenants.Load(tenantsPath)
				if err != nil {
					return usageError{err}
				}
				opts.Tenants = set
				for _, w := range set.Warnings() {
					fmt.Fprintln(e.stderr, "warning:", w)
				}
			}
			if opts.Revision == "" {
				opts.Revision = defaultRevision(opts)
			}
			b, err := bundles.Build(opts)
			if err != nil {
				return usageError{err}
			}
			if err := writeBundleFile(out, b); err != nil {
				return err
			}
			info := b.Info()
			fmt.Fprintf(e.stdout, "%s: revision %s, roots %v, %d modules, %d tenants, signed %v\n",
				out, info.Revision, info.Roots, len(info.Modules), info.Tenants, info.Signed)
			return nil
		},
	}
	cmd.Flags().StringVar(&policyDir, "policies", "builtin", `policy folder laid out like policies/ ("builtin": the embedded policy, "none": a data-only bundle)`)
	cmd.Flags().StringVar(&tenantsPath, "tenants", "", "tenants file or directory to put under data.xtenant.tenants")
	cmd.Flags().StringVar(&revision, "revision", "", "manifest revision (default: policy version and tenants hash)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "bundle file to write (.tar.gz)")
	sign.register(cmd)
	return cmd
}

func defaultRevision(opts bundles.BuildOptions) string {
	rev := "data"
	if opts.Policies != nil {
		rev = policies.Version
	}
	if opts.Tenants != nil {
		rev += "+tenants:" + opts.Tenants.ShortHash()
	}
	return rev
}

// writeBundleFile writes next to the target and renames, so that a bundle
// server or a watching xtenant never reads half a file.
func writeBundleFile(path string, b *bundles.Bundle) error {
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes(), 0o644)
}

func newBundleSignCmd(e env) *cobra.Command {
	var (
		out  string
		sign signFlags
	)
	cmd := &cobra.Command{
		Use:   "sign --signing-key PEM [-o OUT] FILE",
		Short: "Sign (or re-sign) an existing bundle",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if sign.key == "" {
				return usagef("bundle sign: --signing-key is required")
			}
			b, err := bundles.ReadPath(args[0], nil)
			if err != nil {
				return usageError{err}
			}
			if err := b.Sign(*sign.signingKey()); err != nil {
				return usageError{err}
			}
			if out == "" {
				out = args[0]
			}
			if err := writeBundleFile(out, b); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: signed (revision %s)\n", out, b.Revision())
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "signed bundle to write (default: FILE in place)")
	sign.register(cmd)
	return cmd
}

func newBundleVerifyCmd(e env) *cobra.Command {
	var verify verifyFlags
	cmd := &cobra.Command{
		Use:   "verify --verification-key PEM FILE",
		Short: "Check a bundle's signature against a key (exit 2 when it does not verify)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if verify.key == "" {
				return usagef("bundle verify: --verification-key is required")
			}
			b, err := bundles.ReadPath(args[0], verify.verificationKey())
			if err != nil {
				return usageError{err}
			}
			fmt.Fprintf(e.stdout, "%s: signature valid (revision %s)\n", args[0], b.Revision())
			return nil
		},
	}
	verify.register(cmd)
	return cmd
}

func newBundleInspectCmd(e env) *cobra.Command {
	var verify verifyFlags
	cmd := &cobra.Command{
		Use:   "inspect FILE",
		Short: "Print a bundle's manifest, modules and data summary as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			b, err := bundles.ReadPath(args[0], verify.verificationKey())
			if err != nil {
				return usageError{err}
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(b.Info())
		},
	}
	verify.register(cmd)
	return cmd
}

// composeBundles reads local bundles (verified when key is set) and layers
// them over base, as serve does with --bundle.
// baseTenants names the tenants files base holds ("" for none): a bundle
// carrying tenants too is refused.
func composeBundles(base engine.Policy, baseTenants string, paths []string, key *bundles.VerificationKey) (engine.Policy, error) {
	named := make([]bundles.Named, 0, len(paths))
	for _, p := range paths {
		b, err := bundles.ReadPath(p, key)
		if err != nil {
			return engine.Policy{}, err
		}
		named = append(named, bundles.Named{Name: p, Bundle: b})
	}
	c, err := bundles.Compose(base, named)
	if err != nil {
		return engine.Policy{}, err
	}
	if err := c.Conflict(baseTenants); err != nil {
		return engine.Policy{}, err
	}
	return c.Policy, nil
}
