// Command ginfloor is the HTTP floor of the load harness: a bare gin server
// that decodes the same request body as `POST /v1/evaluate` into
// engine.Request and answers a fixed decision. No policy runs, so its
// throughput bounds what any gin-based PDP can reach on this machine.
//
//	ginfloor -addr 127.0.0.1:18184
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/benchmarks/floor"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18184", "listen address")
	flag.Parse()
	gin.SetMode(gin.ReleaseMode)
	if err := http.ListenAndServe(*addr, floor.Router()); err != nil {
		fmt.Fprintln(os.Stderr, "ginfloor:", err)
		os.Exit(1)
	}
}
