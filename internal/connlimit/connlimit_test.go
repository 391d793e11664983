package connlimit_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/xtenant/xtenant/internal/connlimit"
)

// TestIdleEvictedNewServed: at the limit, a new connection takes an idle
// one's place; with every connection busy, the new one is closed at once.
func TestIdleEvictedNewServed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lim := connlimit.New(ln, 2)
	release := make(chan struct{})
	srv := &http.Server{ConnState: lim.ConnState, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			<-release
		}
		fmt.Fprint(w, "ok")
	})}
	go func() { _ = srv.Serve(lim) }()
	defer srv.Close()
	addr := ln.Addr().String()

	get := func(c net.Conn, path string) error {
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	var idle []net.Conn
	for range 5 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := get(c, "/"); err != nil {
			t.Fatalf("connection %d not served: %v", len(idle), err)
		}
		idle = append(idle, c)
	}
	if st := lim.Stats(); st.Open > 2 || st.Evicted != 3 {
		t.Fatalf("after 5 sequential clients, limit 2: %+v", st)
	}

	// The server marks a connection idle just after writing its answer:
	// let the last one settle.
	time.Sleep(200 * time.Millisecond)

	// Two busy connections: a third is refused, not queued.
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprint(c, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	deadline := time.Now().Add(5 * time.Second)
	for lim.Stats().Open != 2 || lim.Stats().Evicted < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("busy connections not admitted: %+v", lim.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // both handlers running
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if err := get(c, "/"); err == nil {
		t.Fatal("a connection beyond the limit was served while every slot was busy")
	}
	if st := lim.Stats(); st.Refused != 1 {
		t.Fatalf("refused = %d, want 1", st.Refused)
	}
	close(release)
}
