//go:build linux

package e2e

import (
	"bufio"
	"debug/elf"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

// No container engine runs where these tests run, so the image itself is
// never built here (the release-image job of .gitlab-ci.yml builds it with
// kaniko). What can be checked without one is checked: the Dockerfile's
// stages and the files they copy, the build stage's commands (run on this
// machine, in a copy of the build context), the binary they produce, and
// the final stage's user, labels and packages.

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case
	args string
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	var cur *instruction
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (cur == nil && trimmed == "") {
			continue
		}
		cont := strings.HasSuffix(trimmed, "\\")
		trimmed = strings.TrimSuffix(trimmed, "\\")
		if cur == nil {
			cmd, args, _ := strings.Cut(trimmed, " ")
			cur = &instruction{line: n, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		} else {
			cur.args += " " + strings.TrimSpace(trimmed)
		}
		if !cont {
			out = append(out, *cur)
			cur = nil
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dockerignore is a .dockerignore: patterns in order, the last match wins,
// '!' re-includes.
type dockerignore []string

func (d dockerignore) excluded(rel string) bool {
	ex := false
	for _, p := range d {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimSuffix(strings.TrimPrefix(p, "!"), "/")
		if ok, _ := doublestar.Match(p, rel); ok || strings.HasPrefix(rel, p+"/") && p != "*" {
			ex = !neg
		}
	}
	return ex
}

func readDockerignore(t *testing.T, path string) dockerignore {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d dockerignore
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			d = append(d, l)
		}
	}
	return d
}

// TestDockerfile checks the Dockerfile without a container engine and
// runs its build stage's commands to produce the image's binary.
func TestDockerfile(t *testing.T) {
	root := moduleRoot(t)
	ins := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	ignore := readDockerignore(t, filepath.Join(root, ".dockerignore"))

	// The build context: the repository's files .dockerignore lets through.
	ctxDir := filepath.Join(t.TempDir(), "context")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			if rel == ".git" || rel == "tools" || rel == "bin" || rel == "dist" {
				return filepath.SkipDir
			}
			return nil
		}
		if ignore.excluded(rel) || !d.Type().IsRegular() {
			return nil
		}
		return copyFile(p, filepath.Join(ctxDir, filepath.FromSlash(rel)))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ctxDir, "cmd", "generate-config", "main.go")); err != nil {
		t.Fatalf(".dockerignore leaves out the main package: %v", err)
	}

	// Stages, and what each stage's instructions refer to.
	type stage struct {
		name, base string
		ins        []instruction
	}
	var stages []*stage
	args := map[string]string{} // ARG defaults
	expand := func(s string) string {
		return os.Expand(s, func(k string) string { return args[k] })
	}
	for _, in := range ins {
		switch in.cmd {
		case "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			if _, ok := args[k]; !ok || v != "" {
				args[k] = v
			}
			if len(stages) > 0 {
				stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
			}
		case "FROM":
			f := strings.Fields(expand(in.args))
			st := &stage{base: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
		default:
			if len(stages) == 0 {
				t.Fatalf("Dockerfile:%d: %s before FROM", in.line, in.cmd)
			}
			stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
		}
	}
	if len(stages) != 2 || stages[0].name != "build" {
		t.Fatalf("want two stages, the first named build; got %d", len(stages))
	}
	build, final := stages[0], stages[1]
	if !strings.HasPrefix(build.base, "golang:") {
		t.Errorf("build stage FROM %s, want a golang image", build.base)
	}
	if !regexp.MustCompile(`^alpine:\d+\.\d+$`).MatchString(final.base) {
		t.Errorf("final stage FROM %s, want a pinned alpine:X.Y (small, with a shell for job scripts)", final.base)
	}

	// Every COPY source is in the context; --from names an earlier stage.
	for _, st := range stages {
		for _, in := range st.ins {
			if in.cmd != "COPY" {
				continue
			}
			f := strings.Fields(in.args)
			if strings.HasPrefix(f[0], "--from=") {
				from := strings.TrimPrefix(f[0], "--from=")
				if from != build.name || st == build {
					t.Errorf("Dockerfile:%d: COPY --from=%s names no earlier stage", in.line, from)
				}
				continue
			}
			for _, src := range f[:len(f)-1] {
				if _, err := os.Stat(filepath.Join(ctxDir, filepath.FromSlash(src))); err != nil {
					t.Errorf("Dockerfile:%d: COPY %s: not in the build context (%v)", in.line, src, err)
				}
			}
		}
	}

	// The build stage, run here: WORKDIR and COPY into a directory standing
	// for /src, RUN in sh with the ARGs, /out redirected.
	tmp := t.TempDir()
	src, out := filepath.Join(tmp, "src"), filepath.Join(tmp, "out")
	const version = "v9.9.9-dockerfile-test"
	runArgs := map[string]string{}
	for _, in := range build.ins {
		switch in.cmd {
		case "WORKDIR":
			if in.args != "/src" {
				t.Fatalf("Dockerfile:%d: WORKDIR %s, the test expects /src", in.line, in.args)
			}
			if err := os.MkdirAll(src, 0o755); err != nil {
				t.Fatal(err)
			}
		case "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			runArgs[k] = v
		case "COPY":
			f := strings.Fields(in.args)
			dst := filepath.Join(src, filepath.FromSlash(f[len(f)-1]))
			for _, s := range f[:len(f)-1] {
				if err := copyTree(filepath.Join(ctxDir, filepath.FromSlash(s)), dst, strings.HasSuffix(f[len(f)-1], "/")); err != nil {
					t.Fatalf("Dockerfile:%d: %v", in.line, err)
				}
			}
		case "RUN":
			runArgs["VERSION"] = version
			script := strings.ReplaceAll(in.args, "/out/", out+"/")
			cmd := exec.Command("sh", "-c", script)
			cmd.Dir = src
			cmd.Env = os.Environ()
			for k, v := range runArgs {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("Dockerfile:%d: RUN %s: %v\n%s", in.line, in.args, err, b)
			}
		default:
			t.Errorf("Dockerfile:%d: %s in the build stage is not reproduced by this test", in.line, in.cmd)
		}
	}
	bin := filepath.Join(out, "generate-config")
	checkStatic(t, bin)

	b, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil || string(b) != "generate-config version "+version+"\n" {
		t.Errorf("--version: %v, %q", err, b)
	}
	checkFindsGit(t, bin)

	// The final stage: git installed, non-root, labelled, no entrypoint.
	var user, labels, runs string
	for _, in := range final.ins {
		switch in.cmd {
		case "USER":
			user = in.args
		case "LABEL":
			labels += " " + in.args
		case "RUN":
			runs += " " + in.args
		case "ENTRYPOINT":
			t.Errorf("Dockerfile:%d: an ENTRYPOINT makes every GitLab job override it (entrypoint: [\"\"])", in.line)
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("final stage runs as %q, want a non-root user", user)
	}
	if !regexp.MustCompile(`apk add --no-cache (\S+ )*git\b`).MatchString(runs) {
		t.Errorf("final stage does not install git")
	}
	if !strings.Contains(runs, "safe.directory") {
		t.Errorf("final stage does not let git work in a clone owned by the runner's user (safe.directory)")
	}
	for _, l := range []string{"title", "description", "source", "licenses", "version", "revision", "created"} {
		if !strings.Contains(labels, "org.opencontainers.image."+l+"=") {
			t.Errorf("no org.opencontainers.image.%s label", l)
		}
	}
	if !strings.Contains(labels, `org.opencontainers.image.licenses="Apache-2.0"`) {
		t.Errorf("the licenses label does not say Apache-2.0")
	}
}

// checkStatic: the binary has no program interpreter and needs no shared
// library, so it runs on Alpine's musl, in scratch or anywhere.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has a program interpreter: not static", bin)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs shared libraries %q", bin, libs)
	}
}

// checkFindsGit runs the binary as a job in the image would: git on PATH,
// nothing else of this machine's tools, in a fresh clone it reads the
// change set from.
func checkFindsGit(t *testing.T, bin string) {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	env := []string{"HOME=" + t.TempDir(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
	run := func(name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Dir = repo
		cmd.Env = env
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, b)
		}
		return string(b)
	}
	if err := os.WriteFile(filepath.Join(repo, "generate-config.jsonnet"), []byte("{ targets: { a: { paths: ['a/**'], template: 't.jsonnet' } } }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "t.jsonnet"), []byte("function(ctx) { build: { script: ['true'] } }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(gitPath, "init", "-q", "-b", "main")
	run(gitPath, "add", "-A")
	run(gitPath, "commit", "-q", "-m", "one")
	if err := os.MkdirAll(filepath.Join(repo, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "a", "x.go"), []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(gitPath, "add", "-A")
	run(gitPath, "commit", "-q", "-m", "two")
	before := strings.TrimSpace(run(gitPath, "rev-parse", "HEAD~1"))

	env = append(env, "PATH="+filepath.Dir(gitPath), "CI=true", "CI_COMMIT_BEFORE_SHA="+before, "CI_COMMIT_BRANCH=main", "CI_PIPELINE_SOURCE=push")
	got := run(bin, "changed")
	if !regexp.MustCompile(`(?m)^\s*\S*\s*a/x\.go$`).MatchString(got) {
		t.Errorf("generate-config changed with git on PATH did not list a/x.go:\n%s", got)
	}
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// copyTree copies a file or directory as COPY does: a directory's content
// into dst; a file into dst/ when dst ends in '/'.
func copyTree(src, dst string, dstIsDir bool) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		if dstIsDir {
			dst = filepath.Join(dst, filepath.Base(src))
		}
		return copyFile(src, dst)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		return copyFile(p, filepath.Join(dst, rel))
	})
}
