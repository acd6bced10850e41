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
	return WriteFiles(File{Name: name, Data: data})
}

// File is one file for WriteFiles: a path and its new content.
type File struct {
	// Root, when set, confines the write: Name is then '/'-separated and
	// relative to it, and a symbolic link leading out of Root is refused
	// (ErrOutside). Without it, Name is a path of the file system.
	Root *os.Root
	Name string
	Data []byte
}

// WriteFiles writes several files as one step: every temporary file is
// written and synced first, and only when all of them are ready are they
// renamed into place. A failure while writing (a blocked path, a full disk,
// the file-size limit, a target that is a directory) therefore changes
// nothing: the temporary files are removed and every target keeps its old
// content. Each file's directory must exist.
func WriteFiles(files ...File) (err error) {
	type pending struct {
		root            *os.Root
		own             bool // opened here, closed here
		name, base, tmp string
	}
	var ready []pending
	defer func() {
		for _, p := range ready {
			if err != nil {
				removeTemp(p.root, p.tmp)
			}
			if p.own {
				p.root.Close()
			}
		}
	}()
	for _, f := range files {
		root, base, own := f.Root, f.Name, false
		if root == nil {
			root, err = os.OpenRoot(filepath.Dir(f.Name))
			if err != nil {
				return pathError(f.Name, err)
			}
			base, own = filepath.Base(f.Name), true
		}
		closeOwn := func() {
			if own {
				root.Close()
			}
		}
		if err := checkReplaceable(root, base); err != nil {
			closeOwn()
			return pathError(f.Name, err)
		}
		tmp, err := writeTemp(root, base, f.Data, modeOf(root, base))
		if err != nil {
			closeOwn()
			return pathError(f.Name, err)
		}
		ready = append(ready, pending{root, own, f.Name, base, tmp})
	}
	for _, p := range ready {
		if err := p.root.Rename(p.tmp, p.base); err != nil {
			return pathError(p.name, err)
		}
		untrack(p.root, p.tmp)
	}
	return nil
}

// pathError is err about the file name: an *fs.PathError whose Path is
// name as the caller gave it, so it can tell which file failed.
func pathError(name string, err error) error {
	err = Confine(err)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &fs.PathError{Op: "write", Path: name, Err: err}
}

// checkReplaceable refuses a target that a rename could not replace: a
// directory (the one case found before writing anything).
func checkReplaceable(root *os.Root, name string) error {
	st, err := root.Lstat(name)
	if err == nil && st.IsDir() {
		return errors.New("is a directory")
	}
	return nil
}

// modeOf is the permission bits of the existing file name, or 0644.
func modeOf(root *os.Root, name string) fs.FileMode {
	if st, err := root.Stat(name); err == nil {
		return st.Mode().Perm()
	}
	return 0o644
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
	if err := checkReplaceable(root, name); err != nil {
		return &fs.PathError{Op: "write", Path: name, Err: err}
	}
	tmp, err := writeTemp(root, name, data, mode)
	if err != nil {
		return err
	}
	if err := root.Rename(tmp, name); err != nil {
		removeTemp(root, tmp)
		return err
	}
	untrack(root, tmp)
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
	return CreateFileInRoot(root, filepath.Base(name), data)
}

// CreateFileInRoot is CreateFile for name ('/'-separated, relative to
// root), confined to root.
func CreateFileInRoot(root *os.Root, name string, data []byte) error {
	tmp, err := writeTemp(root, name, data, 0o644)
	if err != nil {
		return err
	}
	defer removeTemp(root, tmp)
	return root.Link(tmp, name)
}

// writeData writes the temporary file's content; tests replace it to
// simulate a full disk or a slow write.
var writeData = func(f *os.File, data []byte) error {
	_, err := f.Write(data)
	return err
}

// writeTemp writes data, synced and with mode, to a new temporary file
// beside name (an unguessable name, created exclusively) and returns it.
// On any failure the temporary file is removed. Until it is renamed or
// removed, it is tracked, so that SIGINT or SIGTERM removes it too.
func writeTemp(root *os.Root, name string, data []byte, mode fs.FileMode) (string, error) {
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	dir, base := path.Split(name)
	tmp := dir + "." + base + "." + hex.EncodeToString(rnd[:]) + ".tmp"
	track(root, tmp)
	f, err := root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		untrack(root, tmp)
		return "", err
	}
	err = writeData(f, data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// OpenFile's mode is filtered by the umask; set the intended one.
		err = root.Chmod(tmp, mode)
	}
	if err != nil {
		removeTemp(root, tmp)
		return "", err
	}
	return tmp, nil
}
