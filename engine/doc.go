// Package engine decides cross-tenant access by evaluating the Rego policy
// (data.xtenant.access.decision) with OPA embedded as a library.
//
// The request path is: DecodeRequest (strict JSON checked against the
// contract as it is decoded, *InputError with a JSON pointer; the result is
// canonical) ▸ decorators (decision cache, engine.Observe for the decision
// log and the console), none of which checks the request again ▸ input built
// directly as an AST value ▸ prepared query of the active snapshot ▸ strict
// decoding of the result. A request built in Go is checked once, by the first
// Canonical on its way. Any error denies. No OPA type appears in the exported
// API.
package engine
