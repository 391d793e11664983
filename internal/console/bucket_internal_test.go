package console

import (
	"testing"
	"time"
)

// TestBuckets: every duration falls in a bucket whose bound is at least it
// and less than 25% above it, and buckets grow with durations.
func TestBuckets(t *testing.T) {
	prev := 0
	for _, d := range []time.Duration{1, 2, 7, 8, 9, 15, 16, 100, 999, time.Microsecond, time.Millisecond, 1234567, 37 * time.Millisecond, time.Second, 10 * time.Second, time.Minute} {
		b := bucketOf(d)
		if b < prev {
			t.Errorf("bucket of %v = %d, below the previous %d", d, b, prev)
		}
		prev = b
		bound := bucketBound(b)
		if bound < d || float64(bound) > 1.25*float64(d) {
			t.Errorf("%v in bucket %d bounded by %v", d, b, bound)
		}
		if b > 0 && bucketBound(b-1) >= d {
			t.Errorf("%v also fits bucket %d (bound %v)", d, b-1, bucketBound(b-1))
		}
	}
}
