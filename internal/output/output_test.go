package output

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "new.yml")
	if err := WriteFile(p, []byte("a\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "a\n" {
		t.Errorf("content %q", b)
	}
	if st, _ := os.Stat(p); runtime.GOOS != "windows" && st.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", st.Mode().Perm())
	}
	// An existing file keeps its mode and gets the new content.
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("b\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "b\n" {
		t.Errorf("content %q", b)
	}
	if st, _ := os.Stat(p); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("existing file mode %v, want 0600 kept", st.Mode().Perm())
	}
	// Into a directory that does not exist: an error, and nothing created.
	if err := WriteFile(filepath.Join(dir, "missing", "x"), []byte("a")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only new.yml (no temporary file left)", len(entries))
	}
}

// A failed rename (the target is a directory) leaves no temporary file and
// the target as it was.
func TestWriteFileFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "out.yml"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "out.yml"), []byte("x")); err == nil {
		t.Fatal("replacing a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || !entries[0].IsDir() {
		t.Errorf("directory holds %v", entries)
	}
}

func TestWriteFileInRootStaysInside(t *testing.T) {
	outside := t.TempDir()
	repo := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(repo, "link")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	root, err := os.OpenRoot(repo)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, name := range []string{"../escape.yml", "link/escape.yml"} {
		if err := WriteFileInRoot(root, name, []byte("x")); err == nil {
			t.Errorf("%s: written outside the root", name)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("files appeared outside the root: %v", entries)
	}
	if err := os.Mkdir(filepath.Join(repo, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileInRoot(root, "sub/golden.yml", []byte("g")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(repo, "sub", "golden.yml")); string(b) != "g" {
		t.Errorf("content %q", b)
	}
	if entries, _ := os.ReadDir(filepath.Join(repo, "sub")); len(entries) != 1 || strings.HasSuffix(entries[0].Name(), ".tmp") {
		t.Errorf("sub holds %v", entries)
	}
}

func TestCreateFileNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	if err := CreateFile(p, []byte("first")); err != nil {
		t.Fatal(err)
	}
	err := CreateFile(p, []byte("second"))
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("second create: err = %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "first" {
		t.Errorf("content %q: an existing file was replaced", b)
	}
	if st, _ := os.Stat(p); runtime.GOOS != "windows" && st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want 1 (no temporary file left)", len(entries))
	}
}
