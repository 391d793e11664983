// Command startprof measures what `xtenant serve --tenants FILE` does before
// it is ready (load and validate the tenants, build the policy, activate it),
// phase by phase, with optional CPU and heap profiles:
//
//	go run ./benchmarks/scale/startprof -tenants DIR/tenants.json -cpuprofile cpu.out
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

func main() {
	file := flag.String("tenants", "", "tenants file or directory")
	cpu := flag.String("cpuprofile", "", "write a CPU profile")
	mem := flag.String("memprofile", "", "write an allocation profile (after activation)")
	flag.Parse()
	if *file == "" {
		log.Fatal("-tenants is required")
	}
	if *mem != "" {
		runtime.MemProfileRate = 64 << 10
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	phase := func(name string) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("%-10s %6.2fs  heap %5d MB  total alloc %6d MB  sys %5d MB\n", name,
			time.Since(start).Seconds(), ms.HeapAlloc>>20, ms.TotalAlloc>>20, ms.Sys>>20)
	}
	set, err := tenants.Load(*file)
	if err != nil {
		log.Fatal(err)
	}
	phase("load")
	// The content hash names the data a run loaded: equal hashes, equal data.
	fmt.Printf("tenants    %d, %d warnings, content hash %s\n", set.Len(), len(set.Warnings()), set.Hash())
	p, err := bundles.Builtin(set)
	if err != nil {
		log.Fatal(err)
	}
	phase("build")
	eng := engine.New()
	if err := eng.Activate(context.Background(), p); err != nil {
		log.Fatal(err)
	}
	phase("activate")
	runtime.GC()
	phase("after GC")
	if *mem != "" {
		f, err := os.Create(*mem)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}
	runtime.KeepAlive(set)
	runtime.KeepAlive(eng)
}
