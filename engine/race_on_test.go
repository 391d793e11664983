//go:build race

package engine

// RaceEnabled: the race detector is on. It slows evaluation several fold,
// and makes sync.Pool drop some of what is put in it (ristretto records
// lookups through one). Exported for the engine_test package too.
const RaceEnabled = true
