package console

import (
	"fmt"
	"net/http"
	"time"
)

type statusView struct {
	Status
	NotReady string
	Rates    []Rates
	Loads    []Load
	Recorded uint64
	Now      time.Time
}

func (c *Console) statusPage(w http.ResponseWriter, r *http.Request) {
	st := c.cfg.Status()
	v := statusView{Status: st, Rates: c.cfg.Recorder.Rates(10, 60, 300), Now: c.cfg.Now()}
	if st.Ready != nil {
		v.NotReady = st.Ready.Error()
	}
	if c.cfg.History != nil {
		v.Loads = c.cfg.History.Loads()
	}
	c.render(w, r, http.StatusOK, "status", "Status", v)
}

// formatDuration shows a latency with three significant digits.
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.3g µs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.3g ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.3g s", d.Seconds())
}
