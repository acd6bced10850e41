//go:build linux

package e2e

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestVersionOfEveryBuild builds the module as its users do, in a git
// repository holding a copy of its sources with a release tag, and checks
// what --version prints:
//   - `go build` / `go install ./cmd/generate-config` (no -ldflags): the
//     version the go command stamps from git, v0.7.0, and v0.7.0+dirty with
//     local changes;
//   - `make install`: the tag from git describe, and the describe form
//     (v0.7.0-1-gHASH) on a later commit.
//
// The ldflags build of the Dockerfile and goreleaser are checked by
// TestDockerfile and .ci/check-snapshot.sh; `go install module@version`
// by internal/cli's TestVersionFromBuildInfo.
func TestVersionOfEveryBuild(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("make is required when CI=true")
		}
		t.Skip("make is not installed")
	}
	root := moduleRoot(t)
	tmp := t.TempDir()
	repo := filepath.Join(tmp, "repo")
	for _, name := range []string{"go.mod", "go.sum", "Makefile", "cmd", "generator", "internal", "schema", "templates"} {
		copySources(t, filepath.Join(root, name), filepath.Join(repo, name))
	}
	env := []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name != "GOFLAGS" && !strings.HasPrefix(name, "GIT_") {
			env = append(env, kv)
		}
	}
	// The go command's default; a GOFLAGS=-buildvcs=false in the
	// environment or in `go env` (as on the machine this is developed on,
	// and in this project's CI) would hide the stamp this test is about.
	env = append(env, "GOFLAGS=-buildvcs=auto")
	git(t, env, repo, "init", "-q", "-b", "main")
	git(t, env, repo, "add", "-A")
	git(t, env, repo, "commit", "-q", "-m", "sources")
	git(t, env, repo, "tag", "v0.7.0")

	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = repo
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	bin := filepath.Join(tmp, "generate-config")
	gobuild := func() string {
		t.Helper()
		run("go", "build", "-o", bin, "./cmd/generate-config")
		return run(bin, "--version")
	}
	makeInstall := func() string {
		t.Helper()
		gobin := filepath.Join(tmp, "gobin")
		run("make", "install", "GOBIN="+gobin)
		return run(filepath.Join(gobin, "generate-config"), "--version")
	}

	if got := gobuild(); got != "generate-config version v0.7.0" {
		t.Errorf("go build at the tag: %q", got)
	}
	if got := makeInstall(); got != "generate-config version v0.7.0" {
		t.Errorf("make install at the tag: %q", got)
	}

	main := filepath.Join(repo, "cmd", "generate-config", "main.go")
	f, err := os.OpenFile(main, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n// a local change\n")
	f.Close()
	if got := gobuild(); got != "generate-config version v0.7.0+dirty" {
		t.Errorf("go build with a local change: %q", got)
	}

	git(t, env, repo, "commit", "-q", "-am", "later")
	head := git(t, env, repo, "rev-parse", "--short", "HEAD")
	if got := makeInstall(); got != "generate-config version v0.7.0-1-g"+head {
		t.Errorf("make install after the tag: %q, want v0.7.0-1-g%s", got, head)
	}
	// go's own stamp for an untagged commit is a pseudo-version.
	if got := gobuild(); !regexp.MustCompile(`^generate-config version v0\.7\.1-0\.\d{14}-[0-9a-f]{12}$`).MatchString(got) {
		t.Errorf("go build after the tag: %q, want a v0.7.1-0.* pseudo-version", got)
	}
}

// copySources copies a file or a directory tree without tests and test data.
func copySources(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
}
