//go:build !linux

package main

import "time"

// timerPacer waits on a Go timer (see pacer_linux.go for why Linux does not).
type timerPacer struct{}

func newPacer() (pacer, error) { return timerPacer{}, nil }

func (timerPacer) wait(d time.Duration) error {
	if d > 0 {
		time.Sleep(d)
	}
	return nil
}

func (timerPacer) Close() error { return nil }
