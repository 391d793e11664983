package bundles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// fileSet fingerprints the files a source reads: each one's name, size,
// modification time and identity (fileID). Equal fingerprints before and
// after a read mean nothing was written meanwhile; equal to the last read's,
// that there is nothing new to read.
type fileSet struct {
	b       strings.Builder
	changed time.Time // the latest change among the files
}

func (f *fileSet) add(name string, fi os.FileInfo) {
	id, at := fileID(fi)
	fmt.Fprintf(&f.b, "%s/%d/%d/%s;", name, fi.Size(), fi.ModTime().UnixNano(), id)
	if at.After(f.changed) {
		f.changed = at
	}
}

// treeFingerprint fingerprints the file root, or every file below the
// directory root: a superset of what a bundle read takes from it. A root
// that is a symbolic link is resolved first, so a link swapped to another
// directory is a change.
func treeFingerprint(root string) (fp string, changed time.Time, err error) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", time.Time{}, err
	}
	var f fileSet
	f.b.WriteString(real + ":")
	err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			var fi os.FileInfo
			if fi, err = os.Stat(p); err == nil { // through a link, to what is read
				f.add(p, fi)
			}
		}
		if p != real && errors.Is(err, fs.ErrNotExist) {
			return nil // gone meanwhile (a ConfigMap's old copy), or a dangling link: not read either
		}
		return err
	})
	return f.b.String(), f.changed, err
}
