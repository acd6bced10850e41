// Command bench measures generate-config against the go-jsonnet CLI on a
// synthetic monorepo and prints one Markdown table (docs/performance.md
// records it). `make bench` runs it; `make bench-smoke` runs it once at
// N = 100, as CI does.
//
// For each size N and each way of writing the template (with `%` and with
// `+`) it
//   - writes a monorepo of N targets × 4 arch cells into a temporary
//     directory: a manifest that raises limits.maxYamlSizeBytes and
//     limits.maxFileBytes (4,000 such jobs exceed GitLab.com's 2 MB parsed
//     YAML limit; self-managed instances can raise it), a realistic template
//     (image, tags, variables, before_script, script, rules with changes,
//     needs: pipeline, artifacts with reports, retry), and a git history
//     whose last commit changes a file of every target;
//   - runs the built binary, `generate --all`, end to end (wall time, CPU
//     time and peak RSS of the child from its rusage);
//   - runs the go-jsonnet CLI, installed at the version go.mod pins, on the
//     same jobs written as one Jsonnet program with YAML out
//     (std.manifestYamlDoc), and checks it made the same jobs;
//   - times each phase of the library in a child process (manifest,
//     changes from git, selection, evaluation, rendering, validation,
//     write), calling the steps the way generator.Generate and the
//     generate command do.
//
// Every measurement is the median of -runs runs. Nothing here asserts a
// timing: the table is for people.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/changes/fromgit"
	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/generator/render"
	"gitlab.com/generate-config/generate-config/generator/selection"
	"gitlab.com/generate-config/generate-config/internal/cli"
	"gitlab.com/generate-config/generate-config/internal/output"
	"gitlab.com/generate-config/generate-config/schema"
	"gitlab.com/generate-config/generate-config/templates"
)

func main() {
	sizes := flag.String("n", envOr("BENCH_N", "100,1000"), "comma-separated numbers of targets (env BENCH_N)")
	runs := flag.Int("runs", envInt("BENCH_RUNS", 3), "runs per measurement; the table shows the median (env BENCH_RUNS)")
	bin := flag.String("bin", "bin/generate-config", "the generate-config binary to time")
	jsonnetBin := flag.String("jsonnet", "", "a go-jsonnet CLI to compare with (default: go install the version go.mod pins into a temporary GOBIN)")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	phases := flag.String("phases", "", "internal: time the library's phases once in `dir` and print them as JSON")
	cpuProfile := flag.String("cpuprofile", "", "with -phases: write a CPU profile of the phases to `file` (go tool pprof)")
	memProfile := flag.String("memprofile", "", "with -phases: write a heap profile (after the phases) to `file`")
	traceFile := flag.String("trace", "", "with -phases: write an execution trace of the phases to `file` (go tool trace)")
	showCPU := flag.Bool("cpu", false, "with -phases: also print each phase's wall and CPU time to standard error")
	flag.Parse()
	if *phases != "" {
		cli.TuneGC(os.LookupEnv) // as cmd/generate-config runs the library
		d, err := profiled(*cpuProfile, *memProfile, *traceFile, func() ([]time.Duration, error) { return timePhases(*phases) })
		if err == nil {
			err = json.NewEncoder(os.Stdout).Encode(d)
		}
		if err == nil && *showCPU {
			for k, name := range phaseNames {
				fmt.Fprintf(os.Stderr, "%-10s wall %4d ms  CPU %4d ms  (%.2f cores)\n", name,
					d[k].Milliseconds(), phaseCPU[k].Milliseconds(), float64(phaseCPU[k])/float64(d[k]))
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*sizes, *runs, *bin, *jsonnetBin, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// profiled runs f, writing a CPU profile of it to cpu and a heap profile
// taken right after it to mem when they are not empty.
func profiled(cpu, mem, tr string, f func() ([]time.Duration, error)) ([]time.Duration, error) {
	if tr != "" {
		tf, err := os.Create(tr)
		if err != nil {
			return nil, err
		}
		defer tf.Close()
		if err := trace.Start(tf); err != nil {
			return nil, err
		}
		defer trace.Stop()
	}
	if cpu != "" {
		pf, err := os.Create(cpu)
		if err != nil {
			return nil, err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	d, err := f()
	if err == nil && mem != "" {
		mf, merr := os.Create(mem)
		if merr != nil {
			return nil, merr
		}
		defer mf.Close()
		if merr := pprof.Lookup("allocs").WriteTo(mf, 0); merr != nil {
			return nil, merr
		}
	}
	return d, err
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envInt(k string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
		return n
	}
	return def
}

func run(sizes string, runs int, bin, jsonnetBin string, keep bool) error {
	tmp, err := os.MkdirTemp("", "generate-config-bench-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintln(os.Stderr, "bench: keeping", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	if jsonnetBin == "" {
		if jsonnetBin, err = installJsonnet(tmp); err != nil {
			return err
		}
	}
	var rows []row
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("-n: %q is not a positive number", s)
		}
		for _, style := range []string{"%", "+"} {
			dir := filepath.Join(tmp, fmt.Sprintf("n%d-%s", n, map[string]string{"%": "percent", "+": "plus"}[style]))
			if err := writeRepo(dir, n, style); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "bench: N=%d, template with %s: %d runs each\n", n, style, runs)
			ours, cli, err := measure(dir, bin, jsonnetBin, runs)
			if err != nil {
				return err
			}
			ours.style, cli.style = style, style
			rows = append(rows, ours, cli)
		}
	}
	printTable(os.Stdout, rows, runs)
	return nil
}

// installJsonnet installs the go-jsonnet CLI at the version go.mod pins.
func installJsonnet(tmp string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/google/go-jsonnet").Output()
	if err != nil {
		return "", fmt.Errorf("finding the pinned go-jsonnet version: %w", err)
	}
	version := strings.TrimSpace(string(out))
	gobin := filepath.Join(tmp, "gobin")
	cmd := exec.Command("go", "install", "github.com/google/go-jsonnet/cmd/jsonnet@"+version)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	cmd.Stderr = os.Stderr
	fmt.Fprintf(os.Stderr, "bench: go install github.com/google/go-jsonnet/cmd/jsonnet@%s\n", version)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("installing the go-jsonnet CLI: %w", err)
	}
	return filepath.Join(gobin, "jsonnet"), nil
}

var arches = []string{"amd64", "arm64", "ppc64le", "s390x"}

// The template, in two spellings that make the same jobs: with `%`
// (std.format, written in Jsonnet in go-jsonnet 0.22) and with `+`.
const templatePercent = `function(ctx)
  local t = ctx.target;
  local cell = '%s-%s' % [ctx.os, ctx.arch];
  {
    ['build:%s:%s' % [t.name, cell]]: {
      stage: 'build',
      image: 'registry.example.com/ci/%s-builder:%s' % [ctx.os, ctx.arch],
      tags: ['%s-%s' % [ctx.os, ctx.arch], 'docker'],
      variables: {
        TARGET: t.name,
        TARGET_DIR: t.dir,
        GOOS: ctx.os,
        GOARCH: ctx.arch,
        CACHE_KEY: '%s-%s' % [t.name, cell],
      },
      before_script: ['cd %s' % t.dir, 'echo "building %s for %s"' % [t.name, cell]],
      script: [
        'make -C %s build GOOS=%s GOARCH=%s' % [t.dir, ctx.os, ctx.arch],
        'make -C %s test REPORT=%s/report-%s.xml' % [t.dir, t.dir, cell],
      ],
      rules: [
        { 'if': '$CI_PIPELINE_SOURCE == "merge_request_event"', changes: ['%s/**/*' % t.dir, 'ci/t.jsonnet'] },
        { 'if': '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' },
      ],
      needs: [{ pipeline: '$PARENT_PIPELINE_ID', job: 'generate-config' }],
      artifacts: {
        paths: ['%s/bin/%s/' % [t.dir, cell]],
        reports: { junit: '%s/report-%s.xml' % [t.dir, cell] },
        expire_in: '1 week',
      },
      retry: { max: 2, when: ['runner_system_failure', 'stuck_or_timeout_failure'] },
    },
  }
`

const templatePlus = `function(ctx)
  local t = ctx.target;
  local cell = ctx.os + '-' + ctx.arch;
  {
    ['build:' + t.name + ':' + cell]: {
      stage: 'build',
      image: 'registry.example.com/ci/' + ctx.os + '-builder:' + ctx.arch,
      tags: [ctx.os + '-' + ctx.arch, 'docker'],
      variables: {
        TARGET: t.name,
        TARGET_DIR: t.dir,
        GOOS: ctx.os,
        GOARCH: ctx.arch,
        CACHE_KEY: t.name + '-' + cell,
      },
      before_script: ['cd ' + t.dir, 'echo "building ' + t.name + ' for ' + cell + '"'],
      script: [
        'make -C ' + t.dir + ' build GOOS=' + ctx.os + ' GOARCH=' + ctx.arch,
        'make -C ' + t.dir + ' test REPORT=' + t.dir + '/report-' + cell + '.xml',
      ],
      rules: [
        { 'if': '$CI_PIPELINE_SOURCE == "merge_request_event"', changes: [t.dir + '/**/*', 'ci/t.jsonnet'] },
        { 'if': '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' },
      ],
      needs: [{ pipeline: '$PARENT_PIPELINE_ID', job: 'generate-config' }],
      artifacts: {
        paths: [t.dir + '/bin/' + cell + '/'],
        reports: { junit: t.dir + '/report-' + cell + '.xml' },
        expire_in: '1 week',
      },
      retry: { max: 2, when: ['runner_system_failure', 'stuck_or_timeout_failure'] },
    },
  }
`

// The go-jsonnet CLI's program: the same template over the same ctx of
// every cell (ctx.json holds what generate-config gives templates), the
// jobs merged into one object and written out as YAML.
const cliProgram = `local t = import 'ci/t.jsonnet';
local data = import 'ctx.json';
local jobs = [
  t(data.run { target: data.targets[c[0]], os: c[1], arch: c[2] })
  for c in data.cells
];
std.manifestYamlDoc({ [k]: j[k] for j in jobs for k in std.objectFields(j) })
`

// writeRepo writes the synthetic monorepo of n services (each depending on
// one of 20 libraries) into dir and commits it twice: the second commit
// changes one file of every target, for the changes phase.
func writeRepo(dir string, n int, style string) error {
	targets := map[string]any{}
	libs := min(20, n)
	var names []string
	for i := 0; i < libs; i++ {
		name := fmt.Sprintf("libs/l%02d", i)
		targets[name] = map[string]any{"paths": []string{name + "/**"}, "template": "ci/t.jsonnet"}
		names = append(names, name)
	}
	for i := 0; i < n-libs; i++ {
		name := fmt.Sprintf("services/s%05d", i)
		targets[name] = map[string]any{
			"paths":    []string{name + "/**", "!" + name + "/**/*.md"},
			"deps":     []string{fmt.Sprintf("libs/l%02d", i%libs)},
			"template": "ci/t.jsonnet",
		}
		names = append(names, name)
	}
	manifest, err := json.MarshalIndent(map[string]any{
		"matrix": map[string]any{"os": []string{"linux"}, "arch": arches},
		// Self-managed instances can raise both (GitLab docs,
		// https://docs.gitlab.com/administration/cicd/limits/: "Maximum
		// size and depth of CI/CD configuration YAML files" and "Maximum
		// size of the CI artifacts archive").
		"limits":  map[string]any{"maxYamlSizeBytes": 1 << 30, "maxFileBytes": 1 << 30},
		"targets": targets,
	}, "", "  ")
	if err != nil {
		return err
	}
	tpl := templatePercent
	if style == "+" {
		tpl = templatePlus
	}
	files := map[string][]byte{
		"generate-config.jsonnet": manifest,
		"ci/t.jsonnet":            []byte(tpl),
		"cli.jsonnet":             []byte(cliProgram),
	}
	for _, name := range names {
		files[name+"/main.go"] = []byte("package main\n")
	}
	if err := writeFiles(dir, files); err != nil {
		return err
	}
	if err := writeCLIData(dir, names); err != nil {
		return err
	}
	if err := git(dir, "init", "-q", "-b", "main"); err != nil {
		return err
	}
	if err := git(dir, "add", "-A"); err != nil {
		return err
	}
	if err := git(dir, "commit", "-q", "-m", "base"); err != nil {
		return err
	}
	changed := map[string][]byte{}
	for _, name := range names {
		changed[name+"/main.go"] = []byte("package main\n\nfunc main() {}\n")
	}
	if err := writeFiles(dir, changed); err != nil {
		return err
	}
	if err := git(dir, "commit", "-q", "-am", "change every target"); err != nil {
		return err
	}
	return nil
}

// writeCLIData writes ctx.json for the CLI program: the ctx fields
// generate-config gives every cell of `generate --all` (no changed files,
// every target selected, the pipeline fields empty outside CI).
func writeCLIData(dir string, names []string) error {
	sort.Strings(names)
	sel := map[string]any{}
	tgts := map[string]any{}
	var cells [][]string
	for _, name := range names {
		sel[name] = map[string]any{"os": []string{"linux"}, "arch": arches}
		var deps []string
		if strings.HasPrefix(name, "services/") {
			i, _ := strconv.Atoi(strings.TrimPrefix(name, "services/s"))
			deps = []string{fmt.Sprintf("libs/l%02d", i%min(20, len(names)))}
		} else {
			deps = []string{}
		}
		paths := []string{name + "/**"}
		if strings.HasPrefix(name, "services/") {
			paths = append(paths, "!"+name+"/**/*.md")
		}
		tgts[name] = map[string]any{"name": name, "paths": paths, "deps": deps, "dir": name, "template": "ci/t.jsonnet", "changed": []string{}}
		for _, a := range arches {
			cells = append(cells, []string{name, "linux", a})
		}
	}
	p := evaluate.Pipeline{Rule: "all"}
	data, err := json.Marshal(map[string]any{
		"run":     map[string]any{"pipeline": p, "vars": map[string]string{}, "selected": sel},
		"targets": tgts,
		"cells":   cells,
	})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "ctx.json"), data, 0o644)
}

func writeFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func git(dir string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=bench@example.com",
		"GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=bench@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// sample is one run of a child process.
type sample struct {
	wall, cpu time.Duration
	rssKB     int64
}

// row is one line of the table.
type row struct {
	style   string
	tool    string
	jobs    int
	wall    time.Duration
	cpu     time.Duration
	rssKB   int64
	phases  []time.Duration // ours only
	cliWall time.Duration
}

var phaseNames = []string{"manifest", "changes", "selection", "evaluation", "rendering", "validation", "write"}

// measure runs both tools (alternating, so that load on the machine hits
// both alike) and the in-process phases.
func measure(dir, bin, jsonnetBin string, runs int) (ours, cli row, err error) {
	var os1, cs []sample
	var ourOut, cliOut []byte
	for i := 0; i < runs; i++ {
		s, _, err := child(dir, bin, "generate", "--all", "--output", "generated-config.yml")
		if err != nil {
			return ours, cli, err
		}
		os1 = append(os1, s)
		s, out, err := child(dir, jsonnetBin, "-S", "cli.jsonnet")
		if err != nil {
			return ours, cli, err
		}
		cs = append(cs, s)
		cliOut = out
	}
	if ourOut, err = os.ReadFile(filepath.Join(dir, "generated-config.yml")); err != nil {
		return ours, cli, err
	}
	jobs, err := sameJobs(ourOut, cliOut)
	if err != nil {
		return ours, cli, err
	}
	// The phases run in a child process too: Linux counts the RSS of the
	// process that starts a child in the child's peak RSS (the child's
	// memory is the parent's until it calls exec), so this process must
	// stay small for the columns above to be right.
	self, err := os.Executable()
	if err != nil {
		return ours, cli, err
	}
	phases := make([][]time.Duration, len(phaseNames))
	for i := 0; i < runs; i++ {
		_, out, err := child(dir, self, "-phases", dir)
		if err != nil {
			return ours, cli, err
		}
		var ph []time.Duration
		if err := json.Unmarshal(out, &ph); err != nil {
			return ours, cli, err
		}
		for k, d := range ph {
			phases[k] = append(phases[k], d)
		}
	}
	ours = row{tool: "generate-config", jobs: jobs}
	cli = row{tool: "go-jsonnet CLI", jobs: jobs}
	ours.wall, ours.cpu, ours.rssKB = medians(os1)
	cli.wall, cli.cpu, cli.rssKB = medians(cs)
	for _, p := range phases {
		ours.phases = append(ours.phases, median(p))
	}
	ours.cliWall, cli.cliWall = cli.wall, cli.wall
	return ours, cli, nil
}

// child runs one command in dir and reports its wall time, CPU time and
// peak RSS (from its rusage).
func child(dir, name string, args ...string) (sample, []byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")} // not in CI: no CI variables
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, nil, fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, tail(stderr.String()))
	}
	s := sample{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rssKB = ru.Maxrss // kilobytes on Linux
	}
	return s, stdout.Bytes(), nil
}

func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

// sameJobs checks that both tools made the same jobs and returns how many.
// generate-config's file has more than jobs at the top (stages, and what
// the renderer adds); every job of the CLI must be there, equal.
func sameJobs(ours, cli []byte) (int, error) {
	var a, b map[string]any
	if err := yaml.Unmarshal(ours, &a); err != nil {
		return 0, fmt.Errorf("generate-config's output: %w", err)
	}
	if err := yaml.Unmarshal(cli, &b); err != nil {
		return 0, fmt.Errorf("the CLI's output: %w", err)
	}
	for k, v := range b {
		if !reflect.DeepEqual(a[k], v) {
			return 0, fmt.Errorf("job %q differs between generate-config and the CLI:\n%v\n%v", k, a[k], v)
		}
	}
	return len(b), nil
}

// timePhases runs the library's steps in this process, the way
// generator.Generate and the generate command chain them, and times each.
// The changes phase asks git for the last commit's changes (`generate
// --all` needs no git, so the end-to-end runs do not include it).
// phaseCPU is the CPU time (user and system, all threads) of each phase of
// the last timePhases.
var phaseCPU []time.Duration

func timePhases(dir string) ([]time.Duration, error) {
	var d []time.Duration
	phaseCPU = nil
	cpu0 := processCPU()
	lap := func(start time.Time) {
		d = append(d, time.Since(start))
		c := processCPU()
		phaseCPU, cpu0 = append(phaseCPU, c-cpu0), c
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	repo := root.FS()

	t := time.Now()
	m, err := generator.LoadManifest(repo, "generate-config.jsonnet")
	if err != nil {
		return nil, err
	}
	lap(t)

	t = time.Now()
	res, err := fromgit.Resolve(context.Background(), fromgit.ResolveOptions{
		Dir: dir, Base: "HEAD~1", NoFetch: true,
		PolicyOnUnknownBase: m.Changes.OnUnknownBase, Sources: m.Changes.Sources, MaxFetchDepth: m.Changes.MaxFetchDepth,
		LookupEnv: func(string) (string, bool) { return "", false },
	})
	if err != nil {
		return nil, err
	}
	lap(t)

	t = time.Now()
	sel := selection.Select(m, res)
	lap(t)
	if got, want := len(sel.Selected()), len(m.Targets); got != want {
		return nil, fmt.Errorf("the last commit selects %d targets, want all %d", got, want)
	}

	t = time.Now()
	limits := m.Limits
	selected, changed := evaluate.Selection(m, sel)
	results, err := evaluate.Evaluate(context.Background(), evaluate.Input{
		Repo: repo, Lib: templates.Library, Selected: selected, Changed: changed,
		Pipeline:     evaluate.Pipeline{Base: res.Base, Head: res.Head, Rule: res.Rule},
		MaxCellBytes: limits.WithDefaults().MaxFileBytes,
	}, evaluate.Cells(m, sel))
	if err != nil {
		return nil, err
	}
	lap(t)

	t = time.Now()
	doc, err := render.Render(m, results, render.Header{Version: "bench", Base: res.Base, Head: res.Head, Rule: res.Rule, Selected: len(sel.Selected()), Targets: len(m.Targets)})
	if err != nil {
		return nil, err
	}
	lap(t)

	t = time.Now()
	// As generator.Generate validates: the secret scan, then the files
	// with the offsets of their entries.
	files := generator.Files("generated-config.yml", doc)
	for _, f := range files {
		if err := evaluate.FindSecrets(os.Environ()).Check(results, f.Name, f.Data); err != nil {
			return nil, err
		}
	}
	findings := schema.Check(files, schema.Options{Limits: limits}).Findings
	if schema.HasErrors(findings) {
		return nil, generator.FindingsError(findings)
	}
	lap(t)

	t = time.Now()
	if err := output.WriteFile(filepath.Join(dir, "phases-config.yml"), doc.YAML); err != nil {
		return nil, err
	}
	lap(t)
	return d, nil
}

// processCPU is the CPU time the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func medians(s []sample) (wall, cpu time.Duration, rss int64) {
	var w, c []time.Duration
	var r []int64
	for _, x := range s {
		w, c, r = append(w, x.wall), append(c, x.cpu), append(r, x.rssKB)
	}
	sort.Slice(r, func(i, j int) bool { return r[i] < r[j] })
	return median(w), median(c), r[len(r)/2]
}

func median(d []time.Duration) time.Duration {
	d = append([]time.Duration(nil), d...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

func printTable(w io.Writer, rows []row, runs int) {
	fmt.Fprintf(w, "| targets × cells | template | tool | jobs | wall (median of %d) | CPU | jobs/s | peak RSS | CLI wall ÷ wall |", runs)
	for _, p := range phaseNames {
		fmt.Fprintf(w, " %s |", p)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "|---|---|---|--:|--:|--:|--:|--:|--:|")
	for range phaseNames {
		fmt.Fprint(w, "--:|")
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		fmt.Fprintf(w, "| %d × %d | `%s` | %s | %d | %s | %s | %.0f | %d MB | %.2f× |",
			r.jobs/len(arches), len(arches), r.style, r.tool, r.jobs, secs(r.wall), secs(r.cpu),
			float64(r.jobs)/r.wall.Seconds(), r.rssKB/1024, r.cliWall.Seconds()/r.wall.Seconds())
		for k := range phaseNames {
			if k < len(r.phases) {
				fmt.Fprintf(w, " %s |", secs(r.phases[k]))
			} else {
				fmt.Fprint(w, " — |")
			}
		}
		fmt.Fprintln(w)
	}
}

func secs(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
