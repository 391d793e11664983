//go:build linux || darwin

package bundles

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// fileID is what tells a file's content may have changed beyond its size
// and modification time, which copies and package managers set at will (cp
// -p, rsync -t, a Nix store's mtime of 1): the device and inode (a
// replacement, a symlink swapped to another file) and the inode's change
// time, which no tool can set. changed is that change time.
func fileID(fi os.FileInfo) (id string, changed time.Time) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", fi.ModTime()
	}
	ctime := inodeChanged(st)
	return fmt.Sprintf("%d/%d/%d", st.Dev, st.Ino, ctime.UnixNano()), ctime
}
