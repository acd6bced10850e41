package output

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrOutside is the error of any read or write that would leave the
// repository: every command opens the repository as an os.Root, which
// refuses such a path (a symbolic link or '..' leading out), and reports it
// with this error.
var ErrOutside = errors.New("leads outside the repository (through a symbolic link or '..'); generate-config reads and writes nothing outside -C DIR")

// Confine rewrites os.Root's "path escapes from parent" as ErrOutside,
// keeping the path; other errors are returned as they are.
func Confine(err error) error {
	if err == nil || !strings.Contains(err.Error(), "path escapes from parent") {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: "open", Path: pe.Path, Err: ErrOutside}
	}
	return ErrOutside
}

// maxLinks bounds symbolic link chains, as the kernel does (ELOOP).
const maxLinks = 40

// ResolveInRoot follows the symbolic links of name ('/'-separated, relative
// to root) and returns the path of the file they lead to, relative to root,
// so that the file can be rewritten in place and the link stay a link. A
// link that leads outside root is ErrOutside; a loop is an error.
func ResolveInRoot(root *os.Root, name string) (string, error) {
	cur := path.Clean(name)
	for i := 0; i < maxLinks; i++ {
		st, err := root.Lstat(cur)
		if err != nil {
			return "", Confine(err)
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			return cur, nil
		}
		target, err := root.Readlink(cur)
		if err != nil {
			return "", Confine(err)
		}
		if filepath.IsAbs(target) {
			rootDir, err := filepath.Abs(root.Name())
			if err == nil {
				rootDir, err = filepath.EvalSymlinks(rootDir)
			}
			if err != nil {
				return "", err
			}
			real, err := filepath.EvalSymlinks(target)
			if err != nil {
				return "", &fs.PathError{Op: "open", Path: name, Err: ErrOutside}
			}
			rel, err := filepath.Rel(rootDir, real)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return "", &fs.PathError{Op: "open", Path: name, Err: ErrOutside}
			}
			cur = filepath.ToSlash(rel)
			continue
		}
		next := path.Join(path.Dir(cur), filepath.ToSlash(target))
		if next == ".." || strings.HasPrefix(next, "../") {
			return "", &fs.PathError{Op: "open", Path: name, Err: ErrOutside}
		}
		cur = next
	}
	return "", &fs.PathError{Op: "open", Path: name, Err: errors.New("too many levels of symbolic links")}
}
