// Package listener opens what the servers accept connections on: a TCP
// address or a Unix socket, and the TLS configuration of --tls-cert,
// --tls-key and --tls-client-ca. Limits on the connections themselves are
// package connlimit's.
package listener

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
)

// Listen opens host:port or unix:/path (a stale socket file is replaced).
func Listen(addr string) (net.Listener, error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			_ = os.Remove(path)
		}
		return net.Listen("unix", path)
	}
	return net.Listen("tcp", addr)
}

// Remove deletes the socket file of a unix:/path address once its server
// has stopped; other addresses leave nothing behind.
func Remove(addr string) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		_ = os.Remove(path)
	}
}

// TLSConfig loads the server certificate and key (PEM files) and, when
// clientCA is set, requires client certificates chaining to it (mTLS). No
// certificate means no TLS: nil.
func TLSConfig(cert, key, clientCA string) (*tls.Config, error) {
	if cert == "" {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if clientCA != "" {
		pem, err := os.ReadFile(clientCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-client-ca %s: no PEM certificate", clientCA)
		}
		conf.ClientCAs, conf.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return conf, nil
}

// WithTLS serves conf over ln, offering HTTP/2 as http.Server.ServeTLS
// would. TLS goes over the given listener (not ServeTLS) so that a limit on
// ln counts TCP connections.
func WithTLS(ln net.Listener, conf *tls.Config) net.Listener {
	conf = conf.Clone()
	conf.NextProtos = []string{"h2", "http/1.1"}
	return tls.NewListener(ln, conf)
}
