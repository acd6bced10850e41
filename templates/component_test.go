package templates_test

import (
	"bytes"
	"io/fs"
	"os"
	"slices"
	"testing"

	"gitlab.com/generate-config/generate-config/internal/gitlabschema"
	"gitlab.com/generate-config/generate-config/schema"
	"gitlab.com/generate-config/generate-config/templates"
)

// ComponentFile is the CI/CD Catalog component (the Catalog requires it
// under templates/).
const componentFile = "generate-config.yml"

// TestLibraryEmbedsOnlyJsonnet: the component's YAML sits beside the
// Jsonnet library but is not part of it, so templates cannot import it and
// it never reaches generated pipelines.
func TestLibraryEmbedsOnlyJsonnet(t *testing.T) {
	var got []string
	err := fs.WalkDir(templates.Library, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			got = append(got, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{templates.LibraryName}; !slices.Equal(got, want) {
		t.Errorf("embedded library files = %q, want %q", got, want)
	}
}

// TestComponentValidates: the component passes the validator as its users
// get it, with the default inputs and with others given; inputs outside
// their options are rejected.
func TestComponentValidates(t *testing.T) {
	data, err := os.ReadFile(componentFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		inputs map[string]any
		rules  []string // the rules of the findings, in order
	}{
		{"defaults", nil, nil},
		{"check job and other values", map[string]any{
			"check": true, "strategy": "mirror", "generate-stage": ".pre", "trigger-stage": "deploy",
			"output": "ci/child.yml", "dir": "monorepo", "config": "ci/manifest.jsonnet",
			"changed-from": "changed.txt", "version": "v0.1.0", "expire-in": "2 days",
		}, nil},
		{"same stage for both jobs", map[string]any{"generate-stage": "build", "trigger-stage": "build"}, nil},
		{"strategy outside options", map[string]any{"strategy": "wait"}, []string{schema.RuleSpecInputs}},
		{"check is a boolean", map[string]any{"check": "yes"}, []string{schema.RuleSpecInputs}},
		{"trigger before generate", map[string]any{"generate-stage": "deploy", "trigger-stage": "build"}, []string{schema.RuleNeedsLaterStage, schema.RuleTriggerArtifactJob}},
		{"output not .yml", map[string]any{"output": "child.json"}, []string{schema.RuleTriggerArtifactPath}},
		{"undeclared input", map[string]any{"stages": "build"}, []string{schema.RuleSpecInputs}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rules []string
			fs := schema.Validate(componentFile, data, schema.Options{Inputs: tc.inputs})
			for _, f := range fs {
				rules = append(rules, f.Rule)
			}
			if !slices.Equal(rules, tc.rules) {
				t.Errorf("findings %q, want rules %q:", rules, tc.rules)
				for _, f := range fs {
					t.Log(f)
				}
			}
		})
	}
}

// TestComponentMatchesGitLabSchema: GitLab's official CI schema accepts the
// component's spec header and the configuration its users get, with the
// default inputs and with the check job. (The file's configuration as it
// is, before interpolation, is not for the schema: `$[[ inputs.output ]]`
// is no .yml path.)
func TestComponentMatchesGitLabSchema(t *testing.T) {
	s := gitlabschema.MustLoad(t)
	data, err := os.ReadFile(componentFile)
	if err != nil {
		t.Fatal(err)
	}
	end := bytes.Index(data, []byte("\n---\n"))
	if end < 0 {
		t.Fatal("no spec header")
	}
	if err := gitlabschema.ValidateYAML(s, data[:end+1]); err != nil {
		t.Errorf("the spec header: %v", err)
	}
	for _, inputs := range []map[string]any{nil, {"check": true, "strategy": "mirror"}} {
		out, fs := schema.Interpolate(componentFile, data, inputs)
		if len(fs) > 0 {
			t.Fatalf("%v", fs)
		}
		if err := gitlabschema.ValidateYAML(s, out); err != nil {
			t.Errorf("interpolated with %v: %v\n%s", inputs, err, out)
		}
	}
}
