package authoring

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeManifestIsStrictClean lints the manifest example of the README
// (the jsonnet block under "The manifest") over a small tree that has the
// files it names: it must pass lint --strict, so the documentation never
// shows a manifest with an overlap, a dead pattern or a bad key.
func TestReadmeManifestIsStrictClean(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "## The manifest")
	if start < 0 {
		t.Fatal("README has no manifest section")
	}
	text = text[start:]
	open := strings.Index(text, "```jsonnet\n")
	if open < 0 {
		t.Fatal("no jsonnet block in the README's manifest section")
	}
	body := text[open+len("```jsonnet\n"):]
	manifest := body[:strings.Index(body, "```")]
	got := lintFS(t, map[string]string{
		"generate-config.jsonnet":  manifest,
		"ci/go.jsonnet":            goodTemplate,
		".gitlab-ci.yml":           "",
		"libs/core/core.go":        "",
		"libs/core/go.mod":         "module example.com/libs/core\n",
		"services/api/main.go":     "",
		"services/api/README.md":   "",
		"services/api/go.mod":      "module example.com/services/api\n\nrequire example.com/libs/core v0.0.0\n\nreplace example.com/libs/core => ../../libs/core\n",
		"services/billing/main.go": "",
	})
	if len(got) != 0 {
		t.Errorf("the README's manifest example fails lint --strict:\n%s", dump(got))
	}
	if !strings.Contains(manifest, "'services/api'") {
		t.Errorf("the extracted block is not the manifest example:\n%s", manifest)
	}
}
