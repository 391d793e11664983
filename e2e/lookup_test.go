package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// probeEnv names a gateway for TestMissingGateway's child process to look up.
const probeEnv = "XTENANT_E2E_PROBE_GATEWAY"

// TestMissingGateway runs this test binary again, looking up a gateway that
// is not installed: with XTENANT_E2E=1 that must fail the test, without it
// the test is skipped.
func TestMissingGateway(t *testing.T) {
	if name := os.Getenv(probeEnv); name != "" {
		gateway(t, name)
		return
	}
	for _, tt := range []struct {
		e2e      string
		fails    bool
		wantText string
	}{
		{"1", true, "XTENANT_E2E=1 requires the end-to-end tests"},
		{"", false, "--- SKIP"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingGateway$", "-test.v")
		cmd.Env = append(os.Environ(), probeEnv+"=xtenant-no-such-gateway", "XTENANT_E2E="+tt.e2e)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tt.fails || !strings.Contains(string(out), tt.wantText) {
			t.Errorf("XTENANT_E2E=%q: failed=%v, want %v, and output containing %q:\n%s", tt.e2e, failed, tt.fails, tt.wantText, out)
		}
	}
}
