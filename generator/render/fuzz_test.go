package render

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/schema"
)

// FuzzRenderRoundTrip: whatever job names and values templates produce
// (odd characters, YAML syntax, paths), the renderer never panics, what it
// emits the validator accepts, and it parses back to the same data.
func FuzzRenderRoundTrip(f *testing.F) {
	for _, seed := range [][4]string{
		{"build:api:linux-amd64", "make -C services/api build", "GOOS", "linux"},
		{"job with spaces/ü", "echo 'a: b' # not a comment", "KEY", "yes"},
		{"- dash", "line1\nline2\n", "x: y", "*alias"},
		{"[brackets] {braces}", "  leading spaces", "&anchor", "!tag"},
		{"\"quoted\"", "trailing space ", "NUM", "0x1F"},
		{"#hash", "%percent", "@at", "~"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	m := fuzzManifest(f)
	f.Fuzz(func(t *testing.T, name, script, key, value string) {
		for _, s := range []string{name, script, key, value} {
			if !utf8.ValidString(s) {
				t.Skip("cell jobs are decoded from JSON, which makes every string valid UTF-8")
			}
		}
		if len(name) > 200 || key == "" {
			t.Skip("names past GitLab's length limit and empty keys are the validator's business, tested there")
		}
		jobs := map[string]any{name: map[string]any{
			"script":    []any{script},
			"variables": map[string]any{key: value},
		}}
		res := evaluate.Result{Cell: evaluate.Cell{Target: m.Target("a"), OS: "linux", Arch: "amd64"}, Jobs: jobs}
		doc, err := Render(m, []evaluate.Result{res}, Header{Version: "fuzz", Rule: name})
		if err != nil {
			// Refusals must be the documented ones, never an encoder failure.
			if !strings.Contains(err.Error(), "control character") && !strings.Contains(err.Error(), "global keyword") && !strings.Contains(err.Error(), "is empty") && !strings.Contains(err.Error(), "merge key") {
				t.Fatalf("unexpected refusal: %v", err)
			}
			return
		}
		for _, fd := range schema.Validate("generated-config.yml", doc.YAML, schema.Options{}) {
			if fd.Severity == schema.SeverityError {
				t.Fatalf("validator rejects the renderer's output: %s\n%s", fd, doc.YAML)
			}
			if fd.Rule == schema.RuleYAML11Reading {
				t.Fatalf("the renderer wrote a value GitLab reads otherwise: %s\n%s", fd, doc.YAML)
			}
		}
		var back map[string]any
		if err := yaml.Unmarshal(doc.YAML, &back); err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, doc.YAML)
		}
		delete(back, "stages")
		if doc.Noop {
			delete(back, DefaultNoopName)
		}
		if !reflect.DeepEqual(back, jobs) {
			want, _ := json.Marshal(jobs)
			got, _ := json.Marshal(back)
			t.Fatalf("round trip changed the data:\nwant %s\ngot  %s\n%s", want, got, doc.YAML)
		}
	})
}

func fuzzManifest(f *testing.F) *manifestT {
	f.Helper()
	return testManifestTB(f)
}
