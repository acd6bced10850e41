//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cli"
	"gitlab.com/generate-config/generate-config/schema"
)

// The docs are executed: TestDocs runs every shell command of README.md and
// docs/*.md, validates every YAML block, generates from every manifest and
// template block and lints the result, and runs the parent-pipeline
// snippets in gitlab-ci-local; TestHelpExamples runs every example of every
// command's --help. A README command or snippet that stops working fails
// the test.
//
// A fenced block may be preceded by an HTML comment (invisible on GitLab,
// visible in the source) that says how to run it:
//
//	<!-- not-run: REASON -->         skipped, for illustrative blocks; the
//	                                 reason is required
//	<!-- run-in: checkout -->        sh: in this repository, with a
//	                                 temporary GOBIN first on PATH
//	<!-- run-in: new-monorepo -->    sh: in the example monorepo without its
//	                                 generate-config files (a repository
//	                                 that does not use it yet)
//	<!-- run-in: gitlab-ci-local --> yaml: also run as the .gitlab-ci.yml of
//	                                 the example, parent and child, in
//	                                 gitlab-ci-local under CI=true
//
// Without one, a sh/console block runs in a clone of the example monorepo
// (testdata/example, with origin/main); a block with lines starting "$ "
// runs only those lines (the others are output). Fences without a
// language, and other languages (json, text output), are not run.
// A jsonnet block is a file of the example when its first line is a
// comment naming it (`// ci/scenarios/x.jsonnet`: a scenario, which must
// pass `test`), a manifest (it has `targets:`), a manifest fragment (it
// starts with a top-level key, added to the example's manifest) or a
// template (a function of ctx, used for the example's Go targets); each is
// generated with --all and must pass lint --strict.

// docFiles are the Markdown files whose blocks are run.
func docFiles(t *testing.T, root string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{filepath.Join(root, "README.md")}, files...)
}

// block is a fenced code block of a Markdown file.
type block struct {
	file       string // relative to the module root
	line       int    // of the opening fence
	lang       string
	annotation string // "not-run: reason", "run-in: checkout", ...
	body       string
}

func (b block) String() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

var annotationRE = regexp.MustCompile(`^<!--\s*((?:not-run|run-in):.*?)\s*-->$`)

// parseBlocks reads the fenced blocks of a Markdown file. The annotation is
// the HTML comment on the last non-blank line before the fence.
func parseBlocks(t *testing.T, root, path string) []block {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(root, path)
	var out []block
	var cur *block
	var body strings.Builder
	last := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if cur != nil {
			if strings.TrimSpace(line) == "```" {
				cur.body = body.String()
				out = append(out, *cur)
				cur = nil
				last = ""
				continue
			}
			body.WriteString(line)
			body.WriteByte('\n')
			continue
		}
		if strings.HasPrefix(line, "```") {
			cur = &block{file: filepath.ToSlash(rel), line: n, lang: strings.TrimSpace(strings.TrimPrefix(line, "```"))}
			if m := annotationRE.FindStringSubmatch(strings.TrimSpace(last)); m != nil {
				cur.annotation = m[1]
			}
			body.Reset()
			continue
		}
		if strings.TrimSpace(line) != "" {
			last = line
		}
	}
	if cur != nil {
		t.Fatalf("%s:%d: unclosed code fence", rel, cur.line)
	}
	return out
}

// docEnv is what the doc commands run with.
type docEnv struct {
	root   string // module root
	tmp    string
	binDir string // the generate-config under test
	env    []string
}

func newDocEnv(t *testing.T) *docEnv {
	t.Helper()
	root := moduleRoot(t)
	tmp := t.TempDir()
	binDir := filepath.Join(tmp, "bin")
	buildStaticBinary(t, root, binDir, "v0.0.0-docs-test")
	home := filepath.Join(tmp, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "CI" || name == "HOME" || name == "PATH" || name == "NO_COLOR" ||
			strings.HasPrefix(name, "CI_") || strings.HasPrefix(name, "GITLAB_") || strings.HasPrefix(name, "GIT_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+home,
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=Ada Developer", "GIT_AUTHOR_EMAIL=ada@example.com",
		"GIT_COMMITTER_NAME=Ada Developer", "GIT_COMMITTER_EMAIL=ada@example.com",
	)
	return &docEnv{root: root, tmp: tmp, binDir: binDir, env: env}
}

// exampleClone is a clone of the example monorepo (origin/main and
// origin/HEAD exist), in a new directory. newMonorepo drops the files that
// make it a generate-config user.
func (d *docEnv) exampleClone(t *testing.T, newMonorepo bool) string {
	t.Helper()
	base, err := os.MkdirTemp(d.tmp, "repo-")
	if err != nil {
		t.Fatal(err)
	}
	seed := filepath.Join(base, "seed")
	copyExample(t, filepath.Join(d.root, "testdata", "example"), seed)
	if newMonorepo {
		for _, p := range []string{"generate-config.jsonnet", "ci", ".gitlab-ci.yml"} {
			if err := os.RemoveAll(filepath.Join(seed, p)); err != nil {
				t.Fatal(err)
			}
		}
	}
	git(t, d.env, seed, "init", "-q", "-b", "main")
	git(t, d.env, seed, "add", "-A")
	git(t, d.env, seed, "commit", "-q", "-m", "The monorepo")
	git(t, d.env, base, "clone", "-q", "--bare", seed, "origin.git")
	git(t, d.env, base, "clone", "-q", "origin.git", "work")
	return filepath.Join(base, "work")
}

// sh runs a shell script in dir with bash -euo pipefail.
func (d *docEnv) sh(t *testing.T, dir, script string, extraEnv ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(slices.Clone(d.env), extraEnv...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// commands returns the script of a sh/console block: the "$ " lines when
// there are any (the others are output), else the whole block.
func commands(body string) string {
	var cmds []string
	for _, l := range strings.Split(body, "\n") {
		if c, ok := strings.CutPrefix(l, "$ "); ok {
			cmds = append(cmds, c)
		}
	}
	if len(cmds) == 0 {
		return body
	}
	return strings.Join(cmds, "\n") + "\n"
}

func TestDocs(t *testing.T) {
	d := newDocEnv(t)
	var blocks []block
	for _, f := range docFiles(t, d.root) {
		blocks = append(blocks, parseBlocks(t, d.root, f)...)
	}
	ran := map[string]int{}
	for _, b := range blocks {
		kind, arg, _ := strings.Cut(b.annotation, ":")
		arg = strings.TrimSpace(arg)
		if kind == "not-run" {
			if arg == "" {
				t.Errorf("%s: <!-- not-run: --> needs a reason", b)
			}
			continue
		}
		switch b.lang {
		case "sh", "bash", "shell", "console":
			t.Run(b.String(), func(t *testing.T) { d.runShell(t, b, arg) })
			ran["sh"]++
		case "yaml", "yml":
			t.Run(b.String(), func(t *testing.T) { d.checkYAML(t, b, arg) })
			ran["yaml"]++
		case "jsonnet":
			t.Run(b.String(), func(t *testing.T) { d.checkJsonnet(t, b) })
			ran["jsonnet"]++
		default:
			if b.annotation != "" {
				t.Errorf("%s: %q on a %q block, which is never run", b, b.annotation, b.lang)
			}
		}
	}
	// The README's own blocks are there: a parse that finds nothing would
	// make this test pass vacuously.
	for _, kind := range []string{"sh", "yaml", "jsonnet"} {
		if ran[kind] < 2 {
			t.Errorf("only %d %s blocks found in the docs", ran[kind], kind)
		}
	}
	t.Logf("ran %v", ran)
}

func (d *docEnv) runShell(t *testing.T, b block, runIn string) {
	var dir string
	var extra []string
	switch runIn {
	case "":
		dir = d.exampleClone(t, false)
	case "new-monorepo":
		dir = d.exampleClone(t, true)
	case "checkout":
		dir = d.root
		gobin := filepath.Join(t.TempDir(), "gobin")
		sep := string(os.PathListSeparator)
		extra = append(extra, "GOBIN="+gobin, "PATH="+gobin+sep+d.binDir+sep+os.Getenv("PATH"))
	default:
		t.Fatalf("%s: unknown run-in %q", b, runIn)
	}
	script := commands(b.body)
	out, err := d.sh(t, dir, script, extra...)
	if err != nil {
		t.Fatalf("%s: the commands fail: %v\n%s\n--- output\n%s", b, err, script, out)
	}
}

// checkYAML validates a YAML block (a parent pipeline or a job: it must
// have no error; warnings are fine) and, for run-in: gitlab-ci-local, runs
// it as the example's parent pipeline.
func (d *docEnv) checkYAML(t *testing.T, b block, runIn string) {
	for _, f := range schema.Validate(b.String(), []byte(b.body), schema.Options{}) {
		if f.Severity == schema.SeverityError {
			t.Errorf("%s", f)
		}
	}
	// A job that runs generate-config says where it comes from: the
	// README's snippets once failed with "command not found" in a real job.
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(b.body), &doc); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	defaultImage := dig(doc, "default", "image") != nil
	for name, job := range doc {
		script, _ := dig(job, "script").([]any)
		runs := false
		for _, line := range script {
			if l, ok := line.(string); ok && strings.HasPrefix(strings.TrimSpace(l), "generate-config ") {
				runs = true
			}
		}
		if runs && dig(job, "image") == nil && !defaultImage {
			t.Errorf("%s: job %s runs generate-config but sets no image:", b, name)
		}
	}
	switch runIn {
	case "":
		return
	case "gitlab-ci-local":
	default:
		t.Fatalf("%s: unknown run-in %q", b, runIn)
	}
	tl := findTools(t)
	pipeline := b.body
	extra := map[string][]byte{".gitlab-ci.yml": []byte(pipeline)}
	if strings.Contains(pipeline, "component: gitlab.com/generate-config/generate-config/generate-config@") {
		// The published component, from this checkout instead: the same
		// file at the pipeline's commit, as GitLab's docs suggest for
		// testing a component in its own project.
		comp, err := os.ReadFile(filepath.Join(d.root, "templates", "generate-config.yml"))
		if err != nil {
			t.Fatal(err)
		}
		pipeline = regexp.MustCompile(`gitlab\.com/generate-config/generate-config/generate-config@\S+`).
			ReplaceAllLiteralString(pipeline, componentInclude)
		extra = map[string][]byte{".gitlab-ci.yml": []byte(pipeline), "templates/generate-config.yml": comp}
	}
	tmp := t.TempDir()
	env := cleanEnv(tmp, d.binDir, filepath.Dir(tl.node))
	repo := newExampleRemote(t, d.root, tmp, env, extra)
	clone := repo.clone(t, "docs")
	res := runPipeline(t, tl, env, clone, "--variable", "CI_COMMIT_BEFORE_SHA="+repo.firstPush)
	if res.exitErr != nil {
		t.Errorf("gitlab-ci-local: %v", res.exitErr)
	}
	passed, failed := jobResults(res.stdout)
	if len(failed) > 0 {
		t.Errorf("failed jobs: %q", failed)
	}
	// The parent's jobs and the child's, which only the worker change of
	// the second push selects.
	for _, want := range []string{"generate-config", "child-pipeline",
		childPrefix + "build:services/worker:linux-amd64", childPrefix + "test:services/worker:linux-amd64"} {
		if !slices.Contains(passed, want) {
			t.Errorf("job %q did not pass; passed: %q", want, passed)
		}
	}
}

var (
	manifestRE = regexp.MustCompile(`(?m)^\s*targets:`)
	fragmentRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*:`)
	templateRE = regexp.MustCompile(`(?m)^function\s*\(\s*ctx\s*\)`)
	// fileCommentRE: a first line naming the file the block is.
	fileCommentRE = regexp.MustCompile(`^//\s*([a-zA-Z0-9_./-]+\.(?:jsonnet|libsonnet))\s*\n`)
)

// checkJsonnet generates from a manifest, manifest fragment or template
// block in a clone of the example, and lints the result strictly.
func (d *docEnv) checkJsonnet(t *testing.T, b block) {
	dir := d.exampleClone(t, false)
	manifest := filepath.Join(dir, "generate-config.jsonnet")
	body := strings.TrimSpace(b.body)
	var after []string
	switch {
	case fileCommentRE.MatchString(body):
		// "// ci/scenarios/x.jsonnet" first: the block is that file of
		// the example; a scenario must pass.
		name := fileCommentRE.FindStringSubmatch(body)[1]
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(name, "ci/scenarios/") {
			after = append(after, "generate-config test --run '^"+regexp.QuoteMeta(strings.TrimSuffix(strings.TrimPrefix(name, "ci/scenarios/"), ".jsonnet"))+"$'")
		}
	case templateRE.MatchString(body):
		// The example's Go targets use it instead of ci/go.jsonnet (which
		// goes, so lint sees no unused template).
		if err := os.WriteFile(filepath.Join(dir, "ci", "go.jsonnet"), []byte(body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	case manifestRE.MatchString(body) && strings.HasPrefix(body, "{"):
		if err := os.WriteFile(manifest, []byte(body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	case fragmentRE.MatchString(body):
		old, err := os.ReadFile(manifest)
		if err != nil {
			t.Fatal(err)
		}
		merged := strings.TrimRight(string(old), "\n") + " + {\n" + strings.TrimSuffix(body, ",") + "\n}\n"
		if err := os.WriteFile(manifest, []byte(merged), 0o644); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("%s: a jsonnet block that is neither a manifest, a manifest fragment nor a template; mark it <!-- not-run: reason -->", b)
	}
	for _, script := range append([]string{
		"generate-config generate --all --output out/all.yml",
		"generate-config lint --strict",
		"generate-config validate --strict out/all.yml",
	}, after...) {
		if out, err := d.sh(t, dir, script); err != nil {
			t.Errorf("%s: %s: %v\n%s", b, script, err, out)
		}
	}
}

// TestHelpExamples runs the examples of every command's --help. The
// examples of one command run in order in one clone of the example
// monorepo, in which `generate --all` has written generated-config.yml
// (the file several examples read); an `init` example starts over in a
// repository that does not use generate-config yet.
func TestHelpExamples(t *testing.T) {
	d := newDocEnv(t)
	f := &cli.Factory{
		IO:        cli.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
		LookupEnv: func(string) (string, bool) { return "", false },
		Environ:   func() []string { return nil },
		WorkDir:   d.root,
	}
	root := cli.NewCmdRoot(f)
	cmds := []*cobra.Command{root}
	for _, c := range root.Commands() {
		if c.Name() != "help" && c.Name() != "completion" {
			cmds = append(cmds, c)
		}
	}
	total := 0
	for _, c := range cmds {
		examples := exampleCommands(c.Example)
		if len(examples) == 0 {
			t.Errorf("%s --help has no example", c.CommandPath())
			continue
		}
		total += len(examples)
		t.Run(c.CommandPath(), func(t *testing.T) {
			dir := ""
			for _, ex := range examples {
				if dir == "" || strings.HasPrefix(ex, "generate-config init") {
					dir = d.exampleClone(t, strings.HasPrefix(ex, "generate-config init"))
					if !strings.HasPrefix(ex, "generate-config init") {
						if out, err := d.sh(t, dir, "generate-config generate --all"); err != nil {
							t.Fatalf("setup: %v\n%s", err, out)
						}
					}
				}
				if out, err := d.sh(t, dir, ex); err != nil {
					t.Errorf("%s --help example %q: %v\n%s", c.CommandPath(), ex, err, out)
				}
			}
		})
	}
	if total < 20 {
		t.Errorf("only %d help examples found", total)
	}
}

// exampleCommands are the command lines of a cobra Example: indented lines
// starting with generate-config (comments and blank lines are prose).
func exampleCommands(example string) []string {
	var out []string
	for _, l := range strings.Split(example, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "generate-config ") {
			out = append(out, l)
		}
	}
	return out
}
