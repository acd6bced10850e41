package scenario

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/manifest"
)

// repo is a small repository: two targets, one template that prints the
// cell, the target's changed files and two CI variables, so each scenario
// input visibly reaches the output.
func repo(extra map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"generate-config.jsonnet": {Data: []byte(`{
  targets: {
    a: { paths: ['a/**'], template: 'ci/t.jsonnet' },
    b: { paths: ['b/**'], deps: ['a'], template: 'ci/t.jsonnet' },
  },
}`)},
		"ci/t.jsonnet": {Data: []byte(`function(ctx) {
  ['job:' + ctx.target.name]: {
    script: ['echo ' + std.join(',', ctx.target.changed)],
    variables: { SRC: ctx.pipeline.source, PROJECT: ctx.vars.CI_PROJECT_NAME },
  },
}`)},
		"a/x.go": {Data: []byte("package a\n")},
		"b/y.go": {Data: []byte("package b\n")},
	}
	for k, v := range extra {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name, src string
		check     func(t *testing.T, s *Scenario)
		err       string
	}{
		{name: "default golden beside the scenario", src: `{"changed": ["a/x.go"]}`, check: func(t *testing.T, s *Scenario) {
			if s.Golden != "ci/scenarios/s.golden.yml" || s.Inline {
				t.Errorf("golden %q inline %v", s.Golden, s.Inline)
			}
		}},
		{name: "explicit golden", src: `{"all": true, "expect": "x/y.yml"}`, check: func(t *testing.T, s *Scenario) {
			if s.Golden != "x/y.yml" || !s.All {
				t.Errorf("golden %q all %v", s.Golden, s.All)
			}
		}},
		{name: "inline", src: `{"changed": [], "expected": "a: 1\n"}`, check: func(t *testing.T, s *Scenario) {
			if !s.Inline || s.Expected != "a: 1\n" || s.Changed == nil || len(s.Changed) != 0 {
				t.Errorf("%+v", s)
			}
		}},
		{name: "vars", src: `{"changed": [], "vars": {"CI_PIPELINE_SOURCE": "push"}}`, check: func(t *testing.T, s *Scenario) {
			if v, ok := s.LookupEnv("CI_PIPELINE_SOURCE"); !ok || v != "push" {
				t.Errorf("lookup gave %q %v", v, ok)
			}
			if _, ok := s.LookupEnv("HOME"); ok {
				t.Error("a variable the scenario does not set was found")
			}
		}},
		{name: "neither changed nor all", src: `{"expect": "x.yml"}`, err: "needs changed: [paths] or all: true"},
		{name: "both changed and all", src: `{"changed": ["a"], "all": true}`, err: "exclude each other"},
		{name: "both expectations", src: `{"all": true, "expect": "x.yml", "expected": ""}`, err: "expect (a golden file) and expected (inline YAML) exclude each other"},
		{name: "typo", src: `{"all": true, "expects": "x.yml"}`, err: `unknown field "expects"`},
		{name: "golden escaping the repository", src: `{"all": true, "expect": "../x.yml"}`, err: "relative to the repository root"},
		{name: "golden not YAML", src: `{"all": true, "expect": "generate-config.jsonnet"}`, err: "must end in .yml"},
		{name: "var not a string", src: `{"all": true, "vars": {"CI_PIPELINE_IID": 3}}`, err: "vars must be an object of strings"},
		{name: "bad path", src: `{"changed": ["/abs"]}`, err: "changed[0]"},
		{name: "not an object", src: `[1]`, err: "must be an object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Decode("ci/scenarios/s.jsonnet", "s", []byte(c.src))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got error %v, want one containing %q", err, c.err)
				}
				if !strings.HasPrefix(err.Error(), "ci/scenarios/s.jsonnet: ") {
					t.Errorf("error %q does not name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, s)
		})
	}
}

// writer records golden files written by --update into the MapFS, so a
// second run reads them back.
func writer(fsys fstest.MapFS, written *[]string) func(string, []byte) error {
	return func(name string, data []byte) error {
		*written = append(*written, name)
		fsys[name] = &fstest.MapFile{Data: data}
		return nil
	}
}

func run(t *testing.T, fsys fstest.MapFS, opts Options) *Summary {
	t.Helper()
	opts.Repo = fsys
	if opts.Manifest == "" {
		opts.Manifest = "generate-config.jsonnet"
	}
	if opts.Dir == "" {
		opts.Dir = DefaultDir
	}
	sum, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func byName(sum *Summary) map[string]Result {
	out := map[string]Result{}
	for _, r := range sum.Results {
		out[r.Name] = r
	}
	return out
}

func TestRunUpdateThenPass(t *testing.T) {
	fsys := repo(map[string]string{
		"ci/scenarios/core.jsonnet":     `{ changed: ['a/x.go'], vars: { CI_PIPELINE_SOURCE: 'push', CI_PROJECT_NAME: 'demo' } }`,
		"ci/scenarios/nested/b.jsonnet": `{ changed: ['b/y.go'], expect: 'golden/b.yml' }`,
	})
	// The real environment must not leak into templates: only the
	// scenario's vars are seen.
	t.Setenv("CI_PROJECT_NAME", "from-the-environment")
	t.Setenv("CI_PIPELINE_SOURCE", "schedule")

	var written []string
	sum := run(t, fsys, Options{Update: true, WriteGolden: writer(fsys, &written)})
	if sum.Updated != 2 || sum.Passed != 2 || sum.Failed != 0 {
		t.Fatalf("first --update: %+v", sum)
	}
	if strings.Join(written, " ") != "ci/scenarios/core.golden.yml golden/b.yml" {
		t.Fatalf("wrote %v", written)
	}
	core := string(fsys["ci/scenarios/core.golden.yml"].Data)
	for _, want := range []string{
		"# Generated by generate-config test.",
		"rule: scenario",
		"job:a:", "job:b:", // b depends on a
		"- echo a/x.go",
		"SRC: push",
		"PROJECT: demo",
	} {
		if !strings.Contains(core, want) {
			t.Errorf("golden file lacks %q:\n%s", want, core)
		}
	}
	if strings.Contains(core, "from-the-environment") || strings.Contains(core, "schedule") {
		t.Errorf("the process environment leaked into the scenario:\n%s", core)
	}
	if b := string(fsys["golden/b.yml"].Data); strings.Contains(b, "job:a:") || !strings.Contains(b, "job:b:") {
		t.Errorf("b selects only b:\n%s", b)
	}

	sum = run(t, fsys, Options{})
	if sum.Passed != 2 || sum.Failed != 0 || sum.Updated != 0 {
		t.Fatalf("second run: %+v", sum)
	}
	for _, r := range sum.Results {
		if r.Status != Pass {
			t.Errorf("%s: %s %v", r.Name, r.Status, r.Err)
		}
	}
	if names := byName(sum); names["nested/b"].File != "ci/scenarios/nested/b.jsonnet" {
		t.Errorf("names: %v", names)
	}
}

func TestRunFailShowsDiff(t *testing.T) {
	fsys := repo(map[string]string{
		"ci/scenarios/core.jsonnet": `{ changed: ['a/x.go'] }`,
	})
	var written []string
	run(t, fsys, Options{Update: true, WriteGolden: writer(fsys, &written)})
	// The template changes: the golden file is now stale.
	fsys["ci/t.jsonnet"].Data = []byte(strings.Replace(string(fsys["ci/t.jsonnet"].Data), "'echo '", "'echo changed-'", 1))
	sum := run(t, fsys, Options{})
	r := sum.Results[0]
	if sum.Failed != 1 || r.Status != Fail || r.Err != nil {
		t.Fatalf("%+v", r)
	}
	for _, want := range []string{
		"--- ci/scenarios/core.golden.yml\n+++ generated\n",
		"\n-    - echo a/x.go\n",
		"\n+    - echo changed-a/x.go\n",
	} {
		if !strings.Contains(r.Diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, r.Diff)
		}
	}
}

func TestRunMissingGolden(t *testing.T) {
	fsys := repo(map[string]string{"ci/scenarios/core.jsonnet": `{ all: true }`})
	sum := run(t, fsys, Options{})
	r := sum.Results[0]
	if r.Status != Fail || !strings.Contains(r.Note, "does not exist: run with --update") {
		t.Fatalf("%+v", r)
	}
	if _, ok := fsys["ci/scenarios/core.golden.yml"]; ok {
		t.Fatal("a run without --update wrote a golden file")
	}
}

func TestRunInline(t *testing.T) {
	fsys := repo(map[string]string{
		"ci/scenarios/none.jsonnet":  `{ changed: ['README.md'], expected: importstr 'none.want' }`,
		"ci/scenarios/wrong.jsonnet": `{ changed: ['README.md'], expected: 'stages: []\n' }`,
	})
	// The expected text is what generation gives for no selected target:
	// produce it once, then embed it.
	s, err := Decode("ci/scenarios/none.jsonnet", "none", []byte(`{"changed": ["README.md"]}`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := loadManifest(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Generate(context.Background(), fsys, m, s, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "generate-config:nothing-to-do:") {
		t.Fatalf("expected the no-op job:\n%s", got)
	}
	fsys["ci/scenarios/none.want"] = &fstest.MapFile{Data: got}

	var written []string
	sum := run(t, fsys, Options{Update: true, WriteGolden: writer(fsys, &written)})
	res := byName(sum)
	if res["none"].Status != Pass {
		t.Errorf("none: %+v", res["none"])
	}
	w := res["wrong"]
	if w.Status != Fail || !strings.Contains(w.Diff, "--- ci/scenarios/wrong.jsonnet: expected") || !strings.Contains(w.Note, "--update rewrites golden files only") {
		t.Errorf("wrong: %+v", w)
	}
	if len(written) != 0 {
		t.Errorf("--update wrote %v for inline expectations", written)
	}
}

func TestRunSelectAndErrors(t *testing.T) {
	fsys := repo(map[string]string{
		"ci/scenarios/a-one.jsonnet": `{ changed: ['a/x.go'], expected: '' }`,
		"ci/scenarios/b-two.jsonnet": `{ changed: ['b/y.go'], expected: '' }`,
		"ci/scenarios/bad.jsonnet":   `{ changed: ['a/x.go'] `, // syntax error
		"ci/scenarios/lib.libsonnet": `{}`,                     // not a scenario
	})
	sum := run(t, fsys, Options{Run: regexp.MustCompile(`^b`)})
	if len(sum.Results) != 2 {
		t.Fatalf("--run ^b selected %d scenarios", len(sum.Results))
	}
	res := byName(sum)
	if bad := res["bad"]; bad.Status != Fail || bad.Err == nil || !strings.Contains(bad.Err.Error(), "ci/scenarios/bad.jsonnet:1:") {
		t.Errorf("bad: %+v", bad)
	}
	if res["b-two"].Status != Fail || sum.Failed != 2 {
		t.Errorf("%+v", sum)
	}

	_, err := Run(context.Background(), Options{Repo: fsys, Manifest: "generate-config.jsonnet", Dir: DefaultDir, Run: regexp.MustCompile("nothing")})
	if !errors.Is(err, ErrNoScenarios) || !strings.Contains(err.Error(), `matches --run "nothing"`) {
		t.Errorf("--run matching nothing: %v", err)
	}
	_, err = Run(context.Background(), Options{Repo: fsys, Manifest: "generate-config.jsonnet", Dir: "elsewhere"})
	if err == nil || !strings.Contains(err.Error(), "no scenario directory elsewhere") {
		t.Errorf("missing dir: %v", err)
	}
	empty := repo(map[string]string{"ci/scenarios/README": "x"})
	_, err = Run(context.Background(), Options{Repo: empty, Manifest: "generate-config.jsonnet", Dir: DefaultDir})
	if !errors.Is(err, ErrNoScenarios) {
		t.Errorf("empty dir: %v", err)
	}
}

// TestRunTemplateError: a template failing in one cell fails that scenario
// with the positioned error and the cell, and the others still run.
func TestRunTemplateError(t *testing.T) {
	fsys := repo(map[string]string{
		"ci/scenarios/broken.jsonnet": `{ changed: ['a/x.go'], expected: '' }`,
		"ci/scenarios/ok.jsonnet":     `{ changed: ['b/y.go'], expected: '' }`,
		"ci/t.jsonnet": `function(ctx)
  if ctx.target.name == 'a' then error 'a is broken' else { ['job:' + ctx.target.name]: { script: ['x'] } }`,
	})
	res := byName(run(t, fsys, Options{}))
	if e := res["broken"].Err; e == nil || !strings.Contains(e.Error(), "ci/t.jsonnet:2:34: a is broken (in cell target=a os=linux arch=amd64)") {
		t.Errorf("broken: %v", e)
	}
	if ok := res["ok"]; ok.Err != nil || ok.Status != Fail || ok.Diff == "" {
		t.Errorf("ok: %+v", ok)
	}
}

func loadManifest(fsys fstest.MapFS) (*manifest.Manifest, error) {
	return generator.LoadManifest(fsys, "generate-config.jsonnet")
}
