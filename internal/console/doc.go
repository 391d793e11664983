// Package console is xtenant's web console, served by `xtenant serve --ui`
// at /ui/: the status of the server, the partner matrix of each resource
// tenant, a decision playground and the recent decisions.
//
// Pages are rendered on the server with html/template; the one script
// (copy to clipboard) and the style sheet are embedded, and a strict
// Content-Security-Policy allows nothing else, so the console fetches
// nothing from anywhere but itself. It sits behind the API's bearer token:
// a browser, which cannot send that header, trades the token once for a
// session cookie derived from it.
//
// The matrix cells come from the policy itself (data.xtenant.access.matrix,
// the settings resolution decisions use), never from Go re-implementing
// the rules; the playground evaluates through the engine with explain; the
// recent decisions and rates come from a Recorder wrapped around the
// evaluator every transport uses.
package console
