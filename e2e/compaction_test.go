package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestCompactionInGitLabCILocal generates the example's child pipeline for
// every target twice, once plain (output.compact 'never') and once
// compacted ('always'), and has gitlab-ci-local expand both (`--preview`
// applies extends the way GitLab does). Every job must come out the same,
// job for job: compaction may only move values into hidden jobs, never
// change what runs.
func TestCompactionInGitLabCILocal(t *testing.T) {
	tl := findTools(t)
	root := moduleRoot(t)
	tmp := t.TempDir()

	bin := buildBinary(t, root, tmp, nil)

	generate := func(mode string) []byte {
		t.Helper()
		repo, manifest := exampleWith(t, root, tmp, "compact-"+mode, "{ output+: { compact: '"+mode+"' } }")
		out := filepath.Join(tmp, mode+".yml")
		runGenerate(t, bin, repo, "--all", "--config", manifest, "--output", out)
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	plain, compacted := generate("never"), generate("always")
	if bytes.Contains(plain, []byte(".generate-config:")) || !bytes.Contains(compacted, []byte("\n.generate-config:1:\n")) {
		t.Fatalf("expected a plain file and a compacted one;\nplain:\n%s\ncompacted:\n%s", plain, compacted)
	}

	env := cleanEnv(tmp, filepath.Dir(bin), filepath.Dir(tl.node))
	want, got := preview(t, tl, env, tmp, "plain", plain), preview(t, tl, env, tmp, "compacted", compacted)
	if len(want) == 0 {
		t.Fatal("gitlab-ci-local's preview of the plain file has no jobs")
	}
	if len(want) != len(got) {
		t.Errorf("%d jobs plain, %d compacted", len(want), len(got))
	}
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("job %q is missing from the compacted preview", name)
		} else if !reflect.DeepEqual(w, g) {
			wj, _ := json.Marshal(w)
			gj, _ := json.Marshal(g)
			t.Errorf("job %q differs:\nplain:     %s\ncompacted: %s", name, wj, gj)
		}
	}
}

// preview runs `gitlab-ci-local --preview` on config as a project's
// .gitlab-ci.yml and returns its visible jobs, expanded.
func preview(t *testing.T, tl tools, env []string, tmp, name string, config []byte, with ...string) map[string]any {
	t.Helper()
	dir := filepath.Join(tmp, "preview-"+name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The files of the directories in with, beside the configuration.
	for _, w := range with {
		es, err := os.ReadDir(w)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			data, err := os.ReadFile(filepath.Join(w, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), config, 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, env, dir, "init", "-q", "-b", "main")
	git(t, env, dir, "add", "-A")
	git(t, env, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "config")
	all := previewPipeline(t, tl, env, dir) // its --home is tmp/home
	jobs := map[string]any{}
	for k, v := range all {
		if _, isMap := v.(map[string]any); isMap && !strings.HasPrefix(k, ".") && k != "default" && k != "workflow" && k != "variables" {
			jobs[k] = v
		}
	}
	return jobs
}

// TestUnusedFileInGitLabCILocal: with output.files: 3 and fewer jobs than
// files, a file holds only a hidden job (GitLab refuses an empty included
// file, and a hidden job's value must be present: lib/gitlab/ci/config/
// entry/hidden.rb). gitlab-ci-local must accept the three files included
// together, and find the jobs of the used ones. (gitlab-ci-local accepts an
// empty included file too, so it cannot show GitLab's refusal of one:
// "File `…` is empty!", lib/gitlab/ci/config/external/file/base.rb; the
// validator's empty-file rule holds that.)
func TestUnusedFileInGitLabCILocal(t *testing.T) {
	tl := findTools(t)
	root := moduleRoot(t)
	tmp := t.TempDir()
	bin := buildBinary(t, root, tmp, nil)
	repo, manifest := exampleWith(t, root, tmp, "three-files", "{ output+: { files: 3 } }")
	dir := filepath.Join(tmp, "child")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	runGenerate(t, bin, repo, "--config", manifest, "--changed", "apps/web/package.json", "--output", filepath.Join(dir, "generated-config.yml"))
	third, err := os.ReadFile(filepath.Join(dir, "generated-config-3.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(third, []byte("\n.generate-config:file-3:\n")) {
		t.Fatalf("the third file holds jobs; the test wants an unused one:\n%s", third)
	}
	parent := "include:\n  - local: generated-config.yml\n  - local: generated-config-2.yml\n  - local: generated-config-3.yml\n"
	env := cleanEnv(tmp, filepath.Dir(bin), filepath.Dir(tl.node))
	jobs := preview(t, tl, env, tmp, "three-files", []byte(parent), dir)
	if _, ok := jobs["check:web:linux-amd64"]; !ok || len(jobs) != 1 {
		t.Errorf("gitlab-ci-local's preview of the three files has jobs %v", jobs)
	}
}
