// Package atomicfile writes a file so that a reader never sees half of it:
// a bundle server or a watching xtenant reads either the old content or the
// new, and a crash leaves no partial file behind.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to a temporary file next to path, with permissions
// perm, and renames it over path.
func Write(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".xtenant-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, perm)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
