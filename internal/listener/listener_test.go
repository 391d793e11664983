package listener_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/internal/listener"
)

// A unix: address replaces a stale socket file left by a crash, and Remove
// deletes it after the server.
func TestListenUnixReplacesStaleSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "x.sock")
	stale, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	// Close without unlinking, as a killed process leaves the file.
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("no stale socket to replace: %v", err)
	}
	ln, err := listener.Listen("unix:" + sock)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	listener.Remove("unix:" + sock)
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket file left: %v", err)
	}

	tcp, err := listener.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcp.Close()
}

// No certificate is no TLS; a bad key pair or a CA file without a PEM
// certificate is an error naming the flag.
func TestTLSConfig(t *testing.T) {
	if conf, err := listener.TLSConfig("", "", ""); conf != nil || err != nil {
		t.Fatalf("no certificate: %v, %v", conf, err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := listener.TLSConfig(bad, bad, ""); err == nil || !strings.Contains(err.Error(), "--tls-cert/--tls-key") {
		t.Errorf("bad key pair: %v", err)
	}
}
