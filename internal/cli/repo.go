package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gitlab.com/generate-config/generate-config/internal/output"
)

// openRoot opens the repository root. Every command reads and writes the
// repository through it: os.Root confines each access, symlinks included,
// to the directory, so no manifest, template, import, golden file or
// formatted file can reach outside it. Reads go through rootFS(root), which
// names such an escape plainly.
func openRoot(repoDir string) (*os.Root, error) {
	root, err := os.OpenRoot(repoDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("repository root %s: no such directory (see -C/--dir)", repoDir)
	case err != nil:
		return nil, fmt.Errorf("repository root %s: %w", repoDir, err)
	}
	return root, nil
}

// confined reports a path os.Root refused as leaving the repository
// (output.ErrOutside).
func confined(err error) error { return output.Confine(err) }

// rootFS is root.FS() with escapes reported as errOutside.
func rootFS(root *os.Root) fs.FS { return confinedFS{root.FS()} }

type confinedFS struct{ fsys fs.FS }

func (c confinedFS) Open(name string) (fs.File, error) {
	f, err := c.fsys.Open(name)
	return f, confined(err)
}

func (c confinedFS) ReadFile(name string) ([]byte, error) {
	b, err := fs.ReadFile(c.fsys, name)
	return b, confined(err)
}

func (c confinedFS) Stat(name string) (fs.FileInfo, error) {
	st, err := fs.Stat(c.fsys, name)
	return st, confined(err)
}

func (c confinedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	es, err := fs.ReadDir(c.fsys, name)
	return es, confined(err)
}

// repoRel turns p (relative to the working directory, or absolute) into a
// '/'-separated path relative to repoDir, refusing one outside it: the
// paths a command is given are confined like the ones it finds.
func repoRel(f *Factory, repoDir, p string) (string, error) {
	abs := resolvePath(f, p)
	rel, err := filepath.Rel(repoDir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", fmt.Errorf("%s: outside the repository %s (-C); generate-config reads and writes nothing outside it", filepath.ToSlash(p), workRel(f, repoDir))
	}
	return filepath.ToSlash(rel), nil
}
