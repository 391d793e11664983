//go:build race

package engine

// raceDetector: the race detector is on. It makes sync.Pool drop some of
// what is put in it, and ristretto records lookups through one.
const raceDetector = true
