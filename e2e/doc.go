// Package e2e holds end-to-end tests that run xtenant behind real gateways
// (NGINX auth_request and Caddy forward_auth, each running the file shipped
// in deploy/). A test needing a gateway binary that is not installed is
// skipped, unless XTENANT_E2E=1 (CI), where that is a failure.
package e2e
