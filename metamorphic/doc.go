// Package metamorphic holds the metamorphic tests of the decision (issue 9,
// docs/semantics.md §8.25): every scenario of testdata/scenarios, transformed in
// ways that must not matter (ids in upper case, arrays reordered, a thousand
// irrelevant tenants and partners added), asked through every path a
// deployment uses (the engine, /v1/evaluate, the batch route, the Data API
// decision and each of its members, AuthZEN, and the stock `opa` serving the
// built bundle with the raw input), must give exactly the same decision,
// denied_by, error code, reasons, controls, step-up, consent prompt and
// report-only results. It has no code of its own.
package metamorphic
