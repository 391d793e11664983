package replay

import (
	"fmt"
	"io"
	"strings"
)

// ProgressBar returns a Progress callback that redraws one line on w (a
// terminal): a bar over the bytes read, the entries so far and the rate.
func ProgressBar(w io.Writer) func(Progress) {
	return func(p Progress) {
		const width = 30
		frac := 0.0
		if p.BytesTotal > 0 {
			frac = float64(p.BytesRead) / float64(p.BytesTotal)
		}
		if p.Done || frac > 1 {
			frac = 1
		}
		n := int(frac * width)
		rate := 0.0
		if s := p.Elapsed.Seconds(); s > 0 {
			rate = float64(p.Entries) / s
		}
		fmt.Fprintf(w, "\r[%s%s] %3.0f%% %d entries, %.0f/s ", strings.Repeat("#", n), strings.Repeat(".", width-n), frac*100, p.Entries, rate)
		if p.Done {
			fmt.Fprintln(w)
		}
	}
}
