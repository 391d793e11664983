// Package engine decides cross-tenant access by evaluating the Rego policy
// (data.xtenant.access.decision) with OPA embedded as a library.
//
// The request path is: DecodeRequest (strict JSON, *InputError with a JSON
// pointer) ▸ Validate ▸ Canonicalize ▸ input built directly as an AST value
// ▸ prepared query of the active snapshot ▸ strict decoding of the result.
// Any error denies. No OPA type appears in the exported API.
package engine
