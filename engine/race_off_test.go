//go:build !race

package engine

// RaceEnabled: the race detector is on (race_on_test.go).
const RaceEnabled = false
