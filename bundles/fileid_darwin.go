package bundles

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// fileID: see fileid_linux.go.
func fileID(fi os.FileInfo) (id string, changed time.Time) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", fi.ModTime()
	}
	ctime := time.Unix(st.Ctimespec.Unix())
	return fmt.Sprintf("%d/%d/%d", st.Dev, st.Ino, ctime.UnixNano()), ctime
}
