package gitfs

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// gitEnv isolates the test repositories from the user's configuration.
var gitEnv = append(os.Environ(),
	"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
	"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
	"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = gitEnv
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// repo makes a repository with two commits: the first holds v1 contents,
// the second changes, adds and removes files, so a test can tell them apart.
func repo(t *testing.T) string { return repoWith(t, true) }

// repoWith makes the repository, with or without a symlink leaving it
// (which fstest.TestFS, opening every listed entry, cannot accept).
func repoWith(t *testing.T, escape bool) string {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write(t, dir, map[string]string{
		"generate-config.jsonnet": "{ v: 1 }\n",
		"ci/go.jsonnet":           "function(ctx) {}\n",
		"sub/app/main.go":         "package main // v1\n",
		"sub/gone.txt":            "removed later\n",
		"name with space.txt":     "spaces\n",
	})
	if err := os.Symlink("../ci/go.jsonnet", filepath.Join(dir, "sub", "link.jsonnet")); err != nil {
		t.Fatal(err)
	}
	if escape {
		if err := os.Symlink("../../outside", filepath.Join(dir, "sub", "escape")); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "ci", "go.jsonnet"), 0o755); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "v1")
	git(t, dir, "tag", "v1")
	write(t, dir, map[string]string{
		"generate-config.jsonnet": "{ v: 2 }\n",
		"sub/app/main.go":         "package main // v2\n",
		"sub/new.txt":             "new\n",
	})
	os.Remove(filepath.Join(dir, "sub", "gone.txt"))
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "v2")
	// Uncommitted work must not show through.
	write(t, dir, map[string]string{"generate-config.jsonnet": "{ v: 'dirty' }\n", "untracked.txt": "x"})
	return dir
}

func open(t *testing.T, dir, rev string) *FS {
	t.Helper()
	f, err := Open(context.Background(), dir, rev, gitEnv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestRevisionContents(t *testing.T) {
	dir := repo(t)
	for rev, want := range map[string]string{"HEAD": "{ v: 2 }\n", "v1": "{ v: 1 }\n", "HEAD~1": "{ v: 1 }\n", "main": "{ v: 2 }\n"} {
		f := open(t, dir, rev)
		got, err := fs.ReadFile(f, "generate-config.jsonnet")
		if err != nil || string(got) != want {
			t.Errorf("%s: got %q, %v; want %q", rev, got, err, want)
		}
		if len(f.Commit()) < 40 {
			t.Errorf("%s: commit %q is not a full object name", rev, f.Commit())
		}
	}
	f := open(t, dir, "v1")
	if _, err := fs.Stat(f, "sub/new.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("v1 has no sub/new.txt, got %v", err)
	}
	if _, err := fs.Stat(f, "untracked.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("untracked files are not in a commit, got %v", err)
	}
	st, err := fs.Stat(f, "ci/go.jsonnet")
	if err != nil || st.Mode().Perm() != 0o755 || st.Size() != int64(len("function(ctx) {}\n")) {
		t.Errorf("ci/go.jsonnet: %v %v", st, err)
	}
}

// TestConformance runs the standard library's fs.FS checks (Open, ReadDir,
// Stat, ReadFile, Seek, directory reads in chunks) on a commit.
func TestConformance(t *testing.T) {
	dir := repoWith(t, false)
	f := open(t, dir, "HEAD")
	if err := fstest.TestFS(f, "generate-config.jsonnet", "ci/go.jsonnet", "sub/app/main.go", "sub/new.txt", "name with space.txt", "sub/link.jsonnet"); err != nil {
		t.Fatal(err)
	}
}

// TestSubdirectory: opened in a subdirectory (generate-config -C sub), the
// FS is rooted there, as the working-tree side is.
func TestSubdirectory(t *testing.T) {
	dir := repo(t)
	f := open(t, filepath.Join(dir, "sub"), "v1")
	got, err := fs.ReadFile(f, "app/main.go")
	if err != nil || string(got) != "package main // v1\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	entries, err := fs.ReadDir(f, ".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "app escape gone.txt link.jsonnet" {
		t.Errorf("root entries %v", names)
	}
	if _, err := fs.Stat(f, "generate-config.jsonnet"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file above the subdirectory is visible: %v", err)
	}
	// The symlink points above the subdirectory: outside this FS.
	if _, err := fs.ReadFile(f, "link.jsonnet"); err == nil || !strings.Contains(err.Error(), "leaves the tree") {
		t.Errorf("link.jsonnet: %v", err)
	}
	if _, err := Open(context.Background(), filepath.Join(dir, "sub"), "HEAD", gitEnv); err != nil {
		t.Errorf("sub exists at HEAD: %v", err)
	}
	os.MkdirAll(filepath.Join(dir, "later"), 0o755)
	if _, err := Open(context.Background(), filepath.Join(dir, "later"), "HEAD", gitEnv); err == nil || !strings.Contains(err.Error(), "does not exist at HEAD") {
		t.Errorf("a directory missing at the revision: %v", err)
	}
}

func TestSymlinks(t *testing.T) {
	dir := repo(t)
	f := open(t, dir, "HEAD")
	got, err := fs.ReadFile(f, "sub/link.jsonnet")
	if err != nil || string(got) != "function(ctx) {}\n" {
		t.Errorf("link inside the tree: %q %v", got, err)
	}
	if _, err := fs.ReadFile(f, "sub/escape"); err == nil || !strings.Contains(err.Error(), "leaves the tree") {
		t.Errorf("link leaving the tree: %v", err)
	}
}

// TestRevisionsAreNotOptions: a revision can never become an option of git.
func TestRevisionsAreNotOptions(t *testing.T) {
	dir := repo(t)
	marker := filepath.Join(t.TempDir(), "written")
	for _, rev := range []string{"--output=" + marker, "-h", "", "--end-of-options", "no-such-branch", "HEAD:generate-config.jsonnet"} {
		_, err := Open(context.Background(), dir, rev, gitEnv)
		if err == nil {
			t.Errorf("Open(%q) succeeded", rev)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a revision was read as an option")
	}
	if _, err := Open(context.Background(), t.TempDir(), "HEAD", gitEnv); err == nil || !strings.Contains(err.Error(), "not inside a git work tree") {
		t.Errorf("outside a repository: %v", err)
	}
}

// TestConcurrentReads: evaluation reads templates from several workers.
func TestConcurrentReads(t *testing.T) {
	dir := repo(t)
	f := open(t, dir, "HEAD")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name, want := "sub/app/main.go", "package main // v2\n"
			if i%2 == 0 {
				name, want = "generate-config.jsonnet", "{ v: 2 }\n"
			}
			got, err := f.ReadFile(name)
			if err != nil || string(got) != want {
				errs <- errors.New(name + ": " + string(got))
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// After Close a read starts a new process.
	if got, err := f.ReadFile("sub/new.txt"); err != nil || string(got) != "new\n" {
		t.Errorf("read after Close: %q %v", got, err)
	}
}

// An inherited GIT_DIR (or GIT_WORK_TREE, GIT_INDEX_FILE) names another
// repository; the commit served must still be the one of the directory
// given (issue 8, bug 3: `GIT_DIR=/other/.git generate-config diff`).
func TestInheritedGitDirIsIgnored(t *testing.T) {
	dir := repo(t)
	other := t.TempDir()
	git(t, other, "init", "-q", "-b", "main")
	write(t, other, map[string]string{"generate-config.jsonnet": "{ other: true }\n"})
	git(t, other, "add", "-A")
	git(t, other, "commit", "-q", "-m", "other")
	env := append(append([]string(nil), gitEnv...),
		"GIT_DIR="+filepath.Join(other, ".git"), "GIT_WORK_TREE="+other)
	f, err := Open(context.Background(), dir, "HEAD", env)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if want := git(t, dir, "rev-parse", "HEAD"); f.Commit() != want {
		t.Errorf("commit %s, want %s of %s (GIT_DIR was followed)", f.Commit(), want, dir)
	}
	data, err := f.ReadFile("generate-config.jsonnet")
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "{ v: 2 }\n" {
		t.Errorf("read %q from another repository", data)
	}
}

// A git call that does not answer is stopped: the caller's deadline ends
// Open instead of hanging on it.
func TestOpenHonoursContext(t *testing.T) {
	dir := repo(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, dir, "HEAD", gitEnv); err == nil {
		t.Fatal("Open with an ended context succeeded")
	}
}

// A cat-file read that does not finish within the runner's deadline kills
// the process: the read fails instead of hanging.
func TestCatFileReadHasDeadline(t *testing.T) {
	dir := repo(t)
	f := open(t, dir, "HEAD")
	// From now on "git" is a process that never answers.
	hang := filepath.Join(t.TempDir(), "git")
	if err := os.WriteFile(hang, []byte("#!/bin/sh\nexec sleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	f.git.git.Path, f.git.git.Timeout = hang, 300*time.Millisecond
	start := time.Now()
	_, err := f.ReadFile("generate-config.jsonnet")
	if err == nil {
		t.Fatal("a read from a git that never answers succeeded")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the read took %s with a 300ms deadline", took)
	}
}
