// Package policies embeds the built-in Rego policy of xtenant: package
// xtenant.access (the decision) and the data it ships with
// (data.xtenant.catalog). The same files are read by `opa test policies/`.
package policies

import "embed"

// FS holds every .rego and data.json file below this directory, tests
// included; callers that build bundles leave out the *_test.rego files.
//
//go:embed xtenant
var FS embed.FS

// Version is the version of the built-in policy, part of every revision.
const Version = "0.1.0"
