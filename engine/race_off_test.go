//go:build !race

package engine_test

// raceEnabled: the race detector is on (it slows evaluation several fold).
const raceEnabled = false
