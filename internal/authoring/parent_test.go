package authoring

import (
	"bytes"
	"errors"
	"gitlab.com/generate-config/generate-config/internal/gitlabschema"
	"io"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// decode reads the pipeline document (the last one) of a parent file.
func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var last map[string]any
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("the result is not valid YAML: %v\n%s", err, data)
		}
		last = m
	}
	return last
}

// wantGenerate and wantTrigger are the contract of the two jobs (issue 2):
// the artifact, its expiry, the trigger's include, strategy, needs and the
// variable passed to the child.
func wantGenerate(stage string) map[string]any {
	return map[string]any{
		"stage":     stage,
		"image":     "registry.gitlab.com/generate-config/generate-config:latest",
		"variables": map[string]any{"GIT_DEPTH": "20"},
		"script":    []any{"generate-config generate"},
		"artifacts": map[string]any{
			"paths":     []any{"generated-config.yml"},
			"reports":   map[string]any{"dotenv": "generate-config.env"},
			"expire_in": "1 week",
		},
	}
}

func wantCheck(stage string) map[string]any {
	return map[string]any{
		"stage": stage,
		"image": "golang:1.26",
		"script": []any{
			"command -v generate-config || go install gitlab.com/generate-config/generate-config/cmd/generate-config@latest",
			"generate-config test --junit generate-config-junit.xml || failed=1",
			"generate-config lint --format codequality > gl-code-quality-report.json || failed=1",
			`test -z "$failed"`,
		},
		"artifacts": map[string]any{
			"when":    "always",
			"reports": map[string]any{"junit": "generate-config-junit.xml", "codequality": "gl-code-quality-report.json"},
		},
	}
}

func wantTrigger(stage string) map[string]any {
	return map[string]any{
		"stage":     stage,
		"needs":     []any{"generate-config"},
		"variables": map[string]any{"PARENT_PIPELINE_ID": "$CI_PIPELINE_ID"},
		"trigger": map[string]any{
			"include":  []any{map[string]any{"artifact": "generated-config.yml", "job": "generate-config"}},
			"strategy": "depend",
		},
	}
}

func TestPlanParentJobs(t *testing.T) {
	for _, tc := range []struct {
		name              string
		existing          string
		added, present    []string
		genStage, trStage string
	}{
		{name: "no file", existing: "", added: []string{GenerateJob, TriggerJob, CheckJob}, genStage: "build", trStage: "test"},
		{name: "only comments", existing: "# nothing yet\n", added: []string{GenerateJob, TriggerJob, CheckJob}, genStage: "build", trStage: "test"},
		{name: "default stages", existing: "lint:\n  script: [x]\n", added: []string{GenerateJob, TriggerJob, CheckJob}, genStage: "build", trStage: "test"},
		{name: "build before test declared", existing: "stages: [build, test, deploy]\n", added: []string{GenerateJob, TriggerJob, CheckJob}, genStage: "build", trStage: "test"},
		{name: "other stages: .pre and the first declared", existing: "stages: [.pre, lint, deploy]\nl:\n  stage: lint\n  script: [x]", added: []string{GenerateJob, TriggerJob, CheckJob}, genStage: ".pre", trStage: "lint"},
		{name: "test before build", existing: "stages: [test, build]\n", added: []string{GenerateJob, TriggerJob, CheckJob}, genStage: ".pre", trStage: "test"},
		// A job may only need jobs of its own or earlier stages: the trigger
		// goes after an existing generate-config (in test when it has no
		// stage), or beside it in the last stage.
		{name: "generate-config exists", existing: "generate-config:\n  script: [mine]\n", added: []string{TriggerJob, CheckJob}, present: []string{GenerateJob}, trStage: "deploy"},
		{name: "generate-config exists in a declared stage", existing: "stages: [lint, generate, trigger]\ngenerate-config:\n  stage: generate\n  script: [mine]\n", added: []string{TriggerJob, CheckJob}, present: []string{GenerateJob}, trStage: "trigger"},
		{name: "generate-config exists in the last stage", existing: "stages: [a, b]\ngenerate-config:\n  stage: b\n", added: []string{TriggerJob, CheckJob}, present: []string{GenerateJob}, trStage: "b"},
		{name: "generate-config takes its stage through extends", existing: "stages: [lint, generate, trigger]\n.gen: {stage: generate}\ngenerate-config:\n  extends: .gen\n  script: [mine]\n", added: []string{TriggerJob, CheckJob}, present: []string{GenerateJob}, trStage: "trigger"},
		{name: "spec header", existing: "spec:\n  inputs: {}\n---\nstages: [a]\n", added: []string{GenerateJob, TriggerJob, CheckJob}, genStage: ".pre", trStage: "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pj, err := PlanParentJobs([]byte(tc.existing), ParentOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(pj.Added, tc.added) || !reflect.DeepEqual(pj.Present, tc.present) {
				t.Errorf("added %q present %q, want %q %q", pj.Added, pj.Present, tc.added, tc.present)
			}
			// The existing text is kept byte for byte in front.
			if !bytes.HasPrefix(pj.Content, []byte(tc.existing)) {
				t.Errorf("existing text not kept:\n%s", pj.Content)
			}
			if !bytes.HasSuffix(pj.Content, pj.YAML) {
				t.Errorf("the jobs are not at the end:\n%s", pj.Content)
			}
			got := decode(t, pj.Content)
			before := decode(t, []byte(tc.existing))
			for k, v := range before {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("existing key %s changed: %v → %v", k, v, got[k])
				}
			}
			for _, name := range tc.added {
				want := wantTrigger(tc.trStage)
				switch name {
				case GenerateJob:
					want = wantGenerate(tc.genStage)
				case CheckJob: // beside the generate job, wherever that is
					want = wantCheck(pj.GenerateStage)
				}
				if !reflect.DeepEqual(got[name], want) {
					t.Errorf("%s:\n got %v\nwant %v", name, got[name], want)
				}
			}
			if len(got) != len(before)+len(tc.added) {
				t.Errorf("%d keys, want %d + %d", len(got), len(before), len(tc.added))
			}
		})
	}
}

func TestPlanParentJobsBothPresent(t *testing.T) {
	pj, err := PlanParentJobs([]byte("generate-config: {script: [a]}\nchild-pipeline: {trigger: x}\ngenerate-config:check: {script: [b]}\n"), ParentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pj.Content != nil || len(pj.YAML) != 0 || len(pj.Added) != 0 || len(pj.Present) != 3 {
		t.Errorf("want nothing to add, got %+v", pj)
	}
}

func TestPlanParentJobsNoTrailingNewline(t *testing.T) {
	pj, err := PlanParentJobs([]byte("lint:\n  script: [x]"), ParentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pj.Content), "lint:\n  script: [x]\n\n# ") {
		t.Errorf("no newline and blank line before the jobs:\n%s", pj.Content)
	}
}

func TestPlanParentJobsErrors(t *testing.T) {
	for _, tc := range []struct{ existing, want string }{
		{"a: [\n", "not valid YAML"},
		{"- a\n- b\n", "not a mapping"},
		{"stages: build\n", "`stages` is not a list"},
		{"stages: [.pre, .post]\n", "no stage for the trigger job"},
		{"stages: [a]\ngenerate-config: {stage: b}\n", `the stage "b" of job generate-config is not declared`},
		// A flow mapping at the top level cannot be appended to.
		{"{lint: {script: [x]}}\n", "add them by hand"},
		// Nor can a file ending with a document end marker.
		{"lint: {script: [x]}\n...\n", "add them by hand"},
	} {
		_, err := PlanParentJobs([]byte(tc.existing), ParentOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ParentFile) {
			t.Errorf("%q: got %v, want an error about %s containing %q", tc.existing, err, ParentFile, tc.want)
		}
	}
}

// TestParentJobsMatchGitLabSchema: the jobs init writes, the check job with
// its junit and codequality reports included, pass GitLab's own CI schema.
func TestParentJobsMatchGitLabSchema(t *testing.T) {
	s := gitlabschema.MustLoad(t)
	pj, err := PlanParentJobs(nil, ParentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := gitlabschema.ValidateYAML(s, pj.Content); err != nil {
		t.Errorf("%v\n%s", err, pj.Content)
	}
}

// TestPlanParentJobsPinsReleases: a release binary pins the image to its
// own version; anything else (a pseudo-version, dev) uses latest.
func TestPlanParentJobsPinsReleases(t *testing.T) {
	for version, want := range map[string]string{
		"v0.3.0":                               ImageRepository + ":v0.3.0",
		"v0.3.0-rc.1":                          ImageRepository + ":v0.3.0-rc.1",
		"v0.0.0-20261129231500-c6d0165a1b2c":   ImageRepository + ":latest",
		"v0.3.1-0.20261129231500-c6d0165a1b2c": ImageRepository + ":latest",
		"v0.3.0+dirty":                         ImageRepository + ":latest",
		"devel-c6d0165a1b2c":                   ImageRepository + ":latest",
		"dev":                                  ImageRepository + ":latest",
		"":                                     ImageRepository + ":latest",
	} {
		pj, err := PlanParentJobs(nil, ParentOptions{Version: version})
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, pj.Content)[GenerateJob].(map[string]any)["image"]; got != want {
			t.Errorf("version %q: image %v, want %v", version, got, want)
		}
	}
}

// TestPlanParentJobsComponent: --component adds an include of the CI/CD
// component with the stages init chose, pinned like the image.
func TestPlanParentJobsComponent(t *testing.T) {
	for _, tc := range []struct {
		name, existing, version string
		wantRef, wantVersion    string
		genStage, trStage       string
	}{
		{"new file", "", "", "~latest", "latest", "build", "test"},
		{"release", "", "v0.3.0", "v0.3.0", "v0.3.0", "build", "test"},
		{"declared stages", "stages: [lint, deploy]\nl:\n  stage: lint\n  script: [x]\n", "", "~latest", "latest", ".pre", "lint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pj, err := PlanParentJobs([]byte(tc.existing), ParentOptions{Version: tc.version, Component: true})
			if err != nil {
				t.Fatal(err)
			}
			if !pj.Component || pj.ByHand != "" || !reflect.DeepEqual(pj.Added, []string{GenerateJob, TriggerJob}) {
				t.Errorf("got %+v", pj)
			}
			if !bytes.HasPrefix(pj.Content, []byte(tc.existing)) {
				t.Errorf("existing text not kept:\n%s", pj.Content)
			}
			got := decode(t, pj.Content)["include"]
			want := []any{map[string]any{
				"component": ComponentPath + "@" + tc.wantRef,
				"inputs":    map[string]any{"version": tc.wantVersion, "generate-stage": tc.genStage, "trigger-stage": tc.trStage},
			}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("include:\n got %v\nwant %v", got, want)
			}
		})
	}

	// A file with an include of its own: the entry is for adding by hand.
	pj, err := PlanParentJobs([]byte("include:\n  - local: ci/x.yml\n"), ParentOptions{Component: true})
	if err != nil {
		t.Fatal(err)
	}
	if pj.Content != nil || pj.ByHand == "" || !bytes.HasPrefix(pj.YAML, []byte("- component: "+ComponentPath+"@~latest\n")) {
		t.Errorf("got %+v\n%s", pj, pj.YAML)
	}

	// The component defines both jobs: a file defining one is an error.
	if _, err := PlanParentJobs([]byte("generate-config:\n  script: [x]\n"), ParentOptions{Component: true}); err == nil || !strings.Contains(err.Error(), "defines the job generate-config") {
		t.Errorf("got %v", err)
	}
}

// TestPlanParentJobsSeveralFiles: with output.files: 3 the generate job
// keeps the three files and the trigger job includes them all, in order.
func TestPlanParentJobsSeveralFiles(t *testing.T) {
	pj, err := PlanParentJobs(nil, ParentOptions{Files: 3})
	if err != nil {
		t.Fatal(err)
	}
	jobs := decode(t, pj.Content)
	paths := jobs[GenerateJob].(map[string]any)["artifacts"].(map[string]any)["paths"]
	want := []any{"generated-config.yml", "generated-config-2.yml", "generated-config-3.yml"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("artifacts:paths %v, want %v", paths, want)
	}
	include := jobs[TriggerJob].(map[string]any)["trigger"].(map[string]any)["include"].([]any)
	if len(include) != 3 {
		t.Fatalf("trigger:include %v", include)
	}
	for i, inc := range include {
		if got := inc.(map[string]any)["artifact"]; got != want[i] {
			t.Errorf("include[%d] is %v, want %v", i, got, want[i])
		}
	}
	if err := gitlabschema.ValidateYAML(gitlabschema.MustLoad(t), pj.Content); err != nil {
		t.Error(err)
	}
}
