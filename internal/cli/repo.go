package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/cilog"
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

func (c confinedFS) ReadLink(name string) (string, error) {
	t, err := fs.ReadLink(c.fsys, name)
	return t, confined(err)
}

func (c confinedFS) Lstat(name string) (fs.FileInfo, error) {
	st, err := fs.Lstat(c.fsys, name)
	return st, confined(err)
}

// printManifestWarnings shows what loading the manifest skipped.
func printManifestWarnings(w io.Writer, m *manifest.Manifest) {
	for _, msg := range m.Warnings {
		fmt.Fprintf(w, "%s: warning: %s\n", cilog.Quote(m.File), cilog.Escape(msg))
	}
}

// checkConfig refuses a --config that names no file inside the repository:
// the manifest is read through the repository's os.Root, so an absolute
// path or one leading up and out could only fail, and with a vaguer error.
func checkConfig(config string) error {
	slash := filepath.ToSlash(config)
	switch {
	case filepath.IsAbs(config) || strings.HasPrefix(slash, "/"):
		return fmt.Errorf("--config %s: give the manifest relative to the repository root (-C DIR), not absolute, e.g. --config ci/generate-config.jsonnet", config)
	case path.Clean(slash) == ".." || strings.HasPrefix(path.Clean(slash), "../"):
		return fmt.Errorf("--config %s: leads outside the repository (-C DIR); the manifest must be a file inside it", config)
	}
	return nil
}

// checkNotDir refuses an output path that is a directory, before any work.
func checkNotDir(f *Factory, flag, name, base string) error {
	if st, err := os.Stat(resolvePath(f, name)); err == nil && st.IsDir() {
		return fmt.Errorf("%s %s: is a directory, not a file; name the file to write, e.g. %s %s", flag, filepath.ToSlash(name), flag, path.Join(filepath.ToSlash(name), base))
	}
	return nil
}
