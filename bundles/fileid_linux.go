package bundles

import (
	"syscall"
	"time"
)

func inodeChanged(st *syscall.Stat_t) time.Time { return time.Unix(st.Ctim.Unix()) }
