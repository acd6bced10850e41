// Package output is the last step of the data path, and the one way the
// project writes a file: a temporary file in the same directory, synced,
// then renamed over the target, so a reader (GitLab, an editor, a test) sees
// the old content or the new, never a mix, and a failure leaves the old file
// exactly as it was.
package output

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// CheckName enforces what GitLab needs from an include: artifact path: '/'
// separators and a lowercase .yml extension.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the output file name is empty")
	case strings.Contains(name, `\`):
		return fmt.Errorf("output %q: use '/' separators; GitLab parses the include: artifact path with '/' even for Windows runners", name)
	case !strings.HasSuffix(name, ".yml"):
		return fmt.Errorf("output %q: the name must end in lowercase .yml (GitLab's include: artifact accepts only YAML extensions, and its schema only lowercase)", name)
	}
	return nil
}

// WriteFile writes data to the file name atomically. Its directory must
// exist. An existing file keeps its permission bits; a new one gets 0644.
func WriteFile(name string, data []byte) error {
	root, err := os.OpenRoot(filepath.Dir(name))
	if err != nil {
		return err
	}
	defer root.Close()
	return WriteFileInRoot(root, filepath.Base(name), data)
}

// WriteFileInRoot is WriteFile for name ('/'-separated, relative to root):
// root confines the write, symlinks included, so a name from a scenario or
// a manifest cannot write outside the repository.
func WriteFileInRoot(root *os.Root, name string, data []byte) error {
	mode := fs.FileMode(0o644)
	if st, err := root.Stat(name); err == nil {
		mode = st.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmp, err := writeTemp(root, name, data, mode)
	if err != nil {
		return err
	}
	if err := root.Rename(tmp, name); err != nil {
		root.Remove(tmp)
		return err
	}
	return nil
}

// CreateFile writes a new file name (mode 0644) atomically and never
// replaces one: the content is hard-linked into place, which fails with
// fs.ErrExist if name exists, even if it appeared meanwhile.
func CreateFile(name string, data []byte) error {
	root, err := os.OpenRoot(filepath.Dir(name))
	if err != nil {
		return err
	}
	defer root.Close()
	base := filepath.Base(name)
	tmp, err := writeTemp(root, base, data, 0o644)
	if err != nil {
		return err
	}
	defer root.Remove(tmp)
	return root.Link(tmp, base)
}

// writeTemp writes data, synced and with mode, to a new temporary file
// beside name (an unguessable name, created exclusively) and returns it.
func writeTemp(root *os.Root, name string, data []byte, mode fs.FileMode) (tmp string, err error) {
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	dir, base := path.Split(name)
	tmp = dir + "." + base + "." + hex.EncodeToString(rnd[:]) + ".tmp"
	f, err := root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			root.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	// OpenFile's mode is filtered by the umask; set the intended one.
	if err := root.Chmod(tmp, mode); err != nil {
		return "", err
	}
	return tmp, nil
}
