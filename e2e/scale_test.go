package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/internal/gitlabschema"
	"gitlab.com/generate-config/generate-config/schema"
)

// scaleTargets × 4 cells is the child pipeline of issue 10's target: at
// least 2,000 realistic jobs in one child pipeline under GitLab.com's
// default limits.
const scaleTargets = 500

// TestGitLabScale generates 500 targets × 4 cells (2,000 jobs) of a
// realistic template with GitLab.com's default limits and output.files: 3
// (compaction on its default, auto), and checks that:
//   - generate accepts it (the validator finds no error);
//   - every file is under max_yaml_size_bytes (2 MB) by Ruby's own measure
//     (shared/oracles/deepsize.rb: GitLab's DeepSize walk), and our estimate
//     is not below Ruby's;
//   - compaction alone takes the parsed size to at most 0.6 of the plain
//     form;
//   - the jobs GitLab builds from the three files (merged, extends
//     resolved) are exactly those of the plain, single-file render.
func TestGitLabScale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and generates 2,000 jobs twice")
	}
	root := moduleRoot(t)
	tmp := t.TempDir()
	bin := buildBinary(t, root, tmp, nil)
	repo := filepath.Join(tmp, "repo")
	writeScaleRepo(t, repo, scaleTargets)

	generate := func(config, output string) string {
		t.Helper()
		return runGenerate(t, bin, repo, "--all", "--config", config, "--output", output)
	}
	log := generate("generate-config.jsonnet", "out/generated-config.yml")
	t.Logf("generate with GitLab.com's limits, output.files: 3:\n%s", tail(log, 1500))
	generate("plain.jsonnet", "plain/generated-config.yml")

	files := []string{"out/generated-config.yml", "out/generated-config-2.yml", "out/generated-config-3.yml"}
	var docs []*cidoc.Document
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(repo, f))
		if err != nil {
			t.Fatal(err)
		}
		d, err := cidoc.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}

	// Compaction alone: the header says the parsed size before and after.
	head := regexp.MustCompile(`parsed size about (\d+) → (\d+) bytes`).FindStringSubmatch(readFile(t, filepath.Join(repo, files[0])))
	if head == nil {
		t.Fatal("the first file's header does not say that it was compacted")
	}
	before, _ := strconv.Atoi(head[1])
	after, _ := strconv.Atoi(head[2])
	if ratio := float64(after) / float64(before); ratio > 0.6 {
		t.Errorf("compaction took the parsed size from %d to %d bytes (%.2f); want at most 0.60", before, after, ratio)
	} else {
		t.Logf("compaction: parsed size %d → %d bytes (%.2f)", before, after, ratio)
	}

	// Ruby's measure of each file.
	sizes := deepSizes(t, repo, files)
	for i, f := range files {
		est, _, err := schema.ParsedSize([]byte(readFile(t, filepath.Join(repo, f))))
		if err != nil {
			t.Fatal(err)
		}
		if est < sizes[i] {
			t.Errorf("%s: our estimate %d is below Ruby's %d", f, est, sizes[i])
		}
		if sizes[i] >= 2<<20 {
			t.Errorf("%s: Ruby measures %d bytes, over GitLab.com's 2 MB max_yaml_size_bytes", f, sizes[i])
		}
		t.Logf("%s: %d bytes parsed by Ruby (%.0f %% of 2 MB)", f, sizes[i], 100*float64(sizes[i])/(2<<20))
	}

	// The jobs GitLab builds, both ways.
	plainData, err := os.ReadFile(filepath.Join(repo, "plain", "generated-config.yml"))
	if err != nil {
		t.Fatal(err)
	}
	plainDoc, err := cidoc.Parse(plainData)
	if err != nil {
		t.Fatal(err)
	}
	want, got := expandedJobs(t, plainDoc), expandedJobs(t, cidoc.Merge(docs...))
	if len(want) != 4*scaleTargets {
		t.Fatalf("the plain render has %d jobs, want %d", len(want), 4*scaleTargets)
	}
	if len(got) != len(want) {
		t.Fatalf("%d jobs in the three files, %d in the plain render", len(got), len(want))
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || !reflect.DeepEqual(w, g) {
			wj, _ := json.Marshal(w)
			gj, _ := json.Marshal(g)
			t.Fatalf("job %q differs:\nplain:  %s\nsplit:  %s", name, wj, gj)
		}
	}
}

// expandedJobs is every visible job after extends, as JSON values.
func expandedJobs(t *testing.T, d *cidoc.Document) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, j := range d.Visible() {
		m := map[string]any{}
		for _, p := range d.Effective(j) {
			k := cidoc.KeyString(p.Key)
			if k == "extends" {
				continue
			}
			v, err := cidoc.ToJSON(p.Value, nil)
			if err != nil {
				t.Fatal(err)
			}
			m[k] = v
		}
		out[j.Name] = m
	}
	return out
}

// deepSizes runs GitLab's parsed-size walk in Ruby on files.
func deepSizes(t *testing.T, dir string, files []string) []int {
	t.Helper()
	shared, ok := gitlabschema.SharedDir()
	script := filepath.Join(shared, "oracles", "deepsize.rb")
	_, rubyErr := exec.LookPath("ruby")
	if _, err := os.Stat(script); !ok || err != nil || rubyErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true needs ruby and %s for Ruby's measure of the files", script)
		}
		t.Skip("no ruby or no ../shared/oracles/deepsize.rb: the files' parsed sizes are not measured")
	}
	cmd := exec.Command("ruby", append([]string{script}, files...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("deepsize.rb: %v\n%s", err, out)
	}
	var sizes []int
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		n, err := strconv.Atoi(strings.Fields(sc.Text())[0])
		if err != nil {
			t.Fatalf("deepsize.rb printed %q", sc.Text())
		}
		sizes = append(sizes, n)
	}
	if len(sizes) != len(files) {
		t.Fatalf("deepsize.rb measured %d of %d files:\n%s", len(sizes), len(files), out)
	}
	return sizes
}

// writeScaleRepo writes n services with the realistic template of issue
// 10: image, tags, variables, script, rules with changes, needs on the
// parent pipeline, artifacts with reports, retry, before_script.
func writeScaleRepo(t *testing.T, dir string, n int) {
	t.Helper()
	files := map[string]string{
		"generate-config.jsonnet": `{
  matrix: { os: ['linux', 'windows'], arch: ['amd64', 'arm64'] },
  stages: ['build'],
  output: { files: 3 },
  discover: [{ glob: 'services/*', template: 'ci/service.jsonnet' }],
}
`,
		// The same jobs as one plain file: no compaction, one file, limits
		// raised as a self-managed instance could.
		"plain.jsonnet": `(import 'generate-config.jsonnet') + {
  output: { files: 1, compact: 'never' },
  limits: { maxYamlSizeBytes: 104857600, maxFileBytes: 104857600 },
}
`,
		"ci/service.jsonnet": `function(ctx) {
  ['build:%s:%s-%s' % [ctx.target.name, ctx.os, ctx.arch]]: {
    stage: 'build',
    image: 'registry.example.com/ci/go-builder-%s:1.22' % ctx.os,
    interruptible: true,
    tags: ['%s-%s' % [ctx.os, ctx.arch]],
    retry: { max: 2, when: ['runner_system_failure', 'stuck_or_timeout_failure'] },
    variables: { TARGET: ctx.target.name, GOOS: ctx.os, GOARCH: ctx.arch, CGO_ENABLED: '0' },
    before_script: ['git config --global url."https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/".insteadOf https://gitlab.example.com/'],
    script: ['cd ' + ctx.target.dir, 'go build -trimpath -o bin/%s-%s ./...' % [ctx.os, ctx.arch], 'go test ./...'],
    rules: [{ changes: [ctx.target.dir + '/**/*', 'go.mod', 'go.sum'] }],
    needs: [{ pipeline: '$PARENT_PIPELINE_ID', job: 'generate-config' }],
    artifacts: { paths: [ctx.target.dir + '/bin/'], expire_in: '1 week', reports: { junit: ctx.target.dir + '/report.xml' } },
  },
}
`,
	}
	for i := 0; i < n; i++ {
		files[fmt.Sprintf("services/svc-%04d/main.go", i)] = "package main\n"
	}
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

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
