package generator_test

import (
	"bytes"
	"context"
	"flag"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/gitlabschema"
	"gitlab.com/generate-config/generate-config/internal/textdiff"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	exampleDir = "../testdata/example"
	goldenDir  = "../testdata/golden/example"
)

// scenarioEnv is a fixed pipeline environment so goldens do not depend on
// the machine's.
var scenarioEnv = map[string]string{
	"CI_PIPELINE_SOURCE": "merge_request_event",
	"CI_COMMIT_REF_NAME": "feature",
	"CI_DEFAULT_BRANCH":  "main",
	"CI_PROJECT_PATH":    "acme/monorepo",
}

func lookup(k string) (string, bool) { v, ok := scenarioEnv[k]; return v, ok }

// readScenario reads a .changed file: one path per line, or "*" for all.
func readScenario(t *testing.T, name string) changes.Resolution {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goldenDir, name+".changed"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(data)) == "*" {
		return changes.Resolution{Rule: "--all", All: true, Reason: "--all was given"}
	}
	paths, err := changes.ParseList(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return changes.Explicit(paths, "--changed")
}

func loadExample(t testing.TB) *manifest.Manifest {
	t.Helper()
	m, err := generator.LoadManifest(os.DirFS(exampleDir), manifest.DefaultFile)
	if err != nil {
		t.Fatalf("loading the example manifest: %v", err)
	}
	return m
}

func generate(t testing.TB, m *manifest.Manifest, res changes.Resolution, workers int) []byte {
	t.Helper()
	r, err := generator.Generate(context.Background(), generator.Input{
		Repo: os.DirFS(exampleDir), Manifest: m, Changes: res,
		Pipeline: evaluate.PipelineFromEnv(lookup), LookupEnv: lookup,
		Version: "test", Workers: workers,
	})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return r.Document.YAML
}

// TestGoldenExample renders every scenario of testdata/golden/example and
// compares it with its .yml golden file (go test -run Golden -update
// rewrites them; review the diff before committing).
func TestGoldenExample(t *testing.T) {
	m := loadExample(t)
	scenarios, _ := filepath.Glob(filepath.Join(goldenDir, "*.changed"))
	if len(scenarios) < 8 {
		t.Fatalf("expected the example scenarios in %s, found %d", goldenDir, len(scenarios))
	}
	for _, s := range scenarios {
		name := strings.TrimSuffix(filepath.Base(s), ".changed")
		t.Run(name, func(t *testing.T) {
			got := generate(t, m, readScenario(t, name), 0)
			golden := filepath.Join(goldenDir, name+".yml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./generator -run Golden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the generated config:\n%s", golden, textdiff.Unified(golden, "generated", want, got, 3))
			}
		})
	}
}

// TestGoldenPassesGitLabSchema: every golden output passes GitLab's
// official JSON schema (../shared/gitlab-ci-schema/ci.json), a check written
// by no one here. Skips without ../shared; required when CI=true.
func TestGoldenPassesGitLabSchema(t *testing.T) {
	s := gitlabschema.MustLoad(t)
	goldens, _ := filepath.Glob(filepath.Join(goldenDir, "*.yml"))
	if len(goldens) == 0 {
		t.Fatal("no golden files")
	}
	for _, g := range goldens {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		if err := gitlabschema.ValidateYAML(s, data); err != nil {
			t.Errorf("%s does not pass GitLab's schema: %v", g, err)
		}
	}
}

// TestParentPipelinesPassGitLabSchema: the example's parent pipeline and
// this project's own pipeline are what users copy; they must be valid too.
func TestParentPipelinesPassGitLabSchema(t *testing.T) {
	s := gitlabschema.MustLoad(t)
	for _, f := range []string{"../.gitlab-ci.yml", exampleDir + "/.gitlab-ci.yml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := gitlabschema.ValidateYAML(s, data); err != nil {
			t.Errorf("%s does not pass GitLab's schema: %v", f, err)
		}
	}
}

// TestDeterministic: the same inputs give byte-identical output whatever the
// order of the change list and the number of workers.
func TestDeterministic(t *testing.T) {
	m := loadExample(t)
	paths := []string{"libs/core/core.go", "apps/web/src/app.js", "docs/index.md", "services/api/handlers/health.go", "tools/cli/main.go", "ci/node.jsonnet"}
	want := generate(t, m, changes.Explicit(paths, "--changed"), 1)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 10; i++ {
		shuffled := append([]string(nil), paths...)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		got := generate(t, m, changes.Explicit(shuffled, "--changed"), 1+i%8)
		if !bytes.Equal(got, want) {
			t.Fatalf("run %d (order %v, %d workers) differs:\n%s", i, shuffled, 1+i%8, textdiff.Unified("first run", "this run", want, got, 3))
		}
	}
}
