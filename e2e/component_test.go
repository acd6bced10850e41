//go:build linux

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/schema"
)

// componentInclude is how a project includes the component from its own
// repository at the pipeline's commit, as GitLab's docs suggest for testing
// a component; gitlab-ci-local resolves it from the checkout, since
// gcl-origin names the same project.
const componentInclude = "$CI_SERVER_FQDN/$CI_PROJECT_PATH/generate-config@$CI_COMMIT_SHA"

// buildStaticBinary builds generate-config as the Dockerfile's build stage
// does (CGO_ENABLED=0, -trimpath, the version by -ldflags) into dir.
func buildStaticBinary(t *testing.T, root, dir, version string) string {
	t.Helper()
	return buildBinary(t, root, dir, []string{"CGO_ENABLED=0"}, "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -X gitlab.com/generate-config/generate-config/internal/cli.Version="+version)
}

// TestComponentInGitLabCILocal includes templates/generate-config.yml as a
// CI/CD component, the way a project would, and runs the parent pipeline
// and the child pipeline it triggers in gitlab-ci-local (which interpolates
// the inputs itself), with the binary on PATH as the component's image
// provides it. Once with the default inputs, once with every input given.
// The given inputs are also interpolated by the validator's
// schema.Interpolate and compared with gitlab-ci-local's own result.
func TestComponentInGitLabCILocal(t *testing.T) {
	tl := findTools(t)
	root := moduleRoot(t)
	tmp := t.TempDir()
	component, err := os.ReadFile(filepath.Join(root, "templates", "generate-config.yml"))
	if err != nil {
		t.Fatal(err)
	}
	binDir := filepath.Join(tmp, "bin")
	buildStaticBinary(t, root, binDir, "v0.0.0-component-test")
	env := cleanEnv(tmp, binDir, filepath.Dir(tl.node))

	worker := []string{"build:services/worker:linux-amd64", "test:services/worker:linux-amd64"}

	t.Run("default inputs", func(t *testing.T) {
		dir := filepath.Join(tmp, "defaults")
		repo := newExampleRemote(t, root, mkdir(t, dir), env, map[string][]byte{
			"templates/generate-config.yml": component,
			".gitlab-ci.yml":                []byte("include:\n  - component: " + componentInclude + "\n"),
		})
		clone := repo.clone(t, "defaults")
		// As in the example's push test: the second push of the branch,
		// so only the worker changed.
		res := runPipeline(t, tl, env, clone, "--variable", "CI_COMMIT_BEFORE_SHA="+repo.firstPush)
		checkComponentRun(t, res, []string{"generate-config", "child-pipeline"}, worker, "generated-config.yml")
		if strings.Contains(res.stdout, "generate-config:check") {
			t.Errorf("the check job ran without check: true")
		}
	})

	t.Run("given inputs", func(t *testing.T) {
		inputs := map[string]any{
			"generate-stage": "prepare",
			"trigger-stage":  "children",
			"output":         "ci/out/child.yml",
			// An explicit change list, as an earlier job could write it.
			"changed-from": "changed-paths.txt",
			"check":        true,
			"strategy":     "depend",
			"expire-in":    "2 days",
			"version":      "v0.1.0",
		}
		incl, err := yaml.Marshal(map[string]any{
			"stages":  []string{"prepare", "children"},
			"include": []any{map[string]any{"component": componentInclude, "inputs": inputs}},
		})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(tmp, "given")
		repo := newExampleRemote(t, root, mkdir(t, dir), env, map[string][]byte{
			"templates/generate-config.yml": component,
			".gitlab-ci.yml":                incl,
			"changed-paths.txt":             []byte("services/worker/main.go\n"),
		})
		clone := repo.clone(t, "given")

		// gitlab-ci-local's interpolation, and ours.
		preview := previewPipeline(t, tl, env, clone)
		ours, fs := schema.Interpolate("templates/generate-config.yml", component, inputs)
		if len(fs) > 0 {
			t.Fatalf("schema.Interpolate: %v", fs)
		}
		var mine map[string]any
		if err := yaml.Unmarshal(ours, &mine); err != nil {
			t.Fatal(err)
		}
		for _, job := range []string{"generate-config", "child-pipeline", "generate-config:check"} {
			for _, key := range []string{"stage", "variables", "script", "artifacts", "trigger", "rules"} {
				a, b := dig(mine, job, key), dig(preview, job, key)
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s.%s: schema.Interpolate gives %#v, gitlab-ci-local %#v", job, key, a, b)
				}
			}
		}
		if got := dig(preview, "generate-config", "image", "name"); got != "registry.gitlab.com/generate-config/generate-config:v0.1.0" {
			t.Errorf("image: %v", got)
		}

		// No CI_COMMIT_BEFORE_SHA: without the change list the merge-base
		// with main would select apps/web too.
		res := runPipeline(t, tl, env, clone)
		checkComponentRun(t, res, []string{"generate-config", "generate-config:check", "child-pipeline"}, worker, "ci/out/child.yml")
		for _, step := range []string{"generate-config fmt --check", "generate-config lint --strict", "generate-config test"} {
			if !regexp.MustCompile(`(?m)^\s*generate-config:check\s+\$ ` + regexp.QuoteMeta(step)).MatchString(res.stdout) {
				t.Errorf("the check job did not run %q", step)
			}
		}
	})
}

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkComponentRun asserts the parent jobs and the child's jobs passed,
// the generate job printed the binary's version, and the child ran the
// generate job's artifact at output.
func checkComponentRun(t *testing.T, r pipelineResult, parentJobs, childJobs []string, output string) {
	t.Helper()
	r.checkPassed(t, parentJobs, childJobs)
	if !regexp.MustCompile(`(?m)^\s*generate-config\s+> generate-config version v0\.0\.0-component-test$`).MatchString(r.stdout) {
		t.Errorf("the generate-config job did not print the binary's version")
	}
	state := filepath.Join(r.dir, ".gitlab-ci-local")
	artifact, err := os.ReadFile(filepath.Join(state, "artifacts", "generate-config", filepath.FromSlash(output)))
	if err != nil {
		t.Fatalf("the generate-config job's artifact: %v", err)
	}
	if got := jobNames(t, artifact); !slices.Equal(got, childJobs) {
		t.Errorf("jobs in the artifact: %q, want %q", got, childJobs)
	}
	r.checkChildIsArtifact(t, artifact)
}

// previewPipeline is gitlab-ci-local's view of the parent pipeline after
// includes and inputs (--preview).
func previewPipeline(t *testing.T, tl tools, env []string, dir string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tl.node, tl.gcl, "--no-color", "--home", filepath.Join(filepath.Dir(dir), "home"), "--preview")
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("gitlab-ci-local --preview in %s: %v\n%s\n%s", dir, err, stdout.String(), stderr.String())
	}
	// The expanded configuration follows the progress lines, from the
	// first "---" line.
	_, out, ok := strings.Cut("\n"+stdout.String(), "\n---\n")
	if !ok {
		t.Fatalf("gitlab-ci-local --preview in %s printed no document:\n%s", dir, stdout.String())
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("gitlab-ci-local --preview output in %s: %v\n%s", dir, err, out)
	}
	return doc
}

// dig returns the value at the path of keys, or nil.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
