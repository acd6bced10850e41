package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// outputSchemas compiles the published schemas of the --format json and
// codequality outputs (schema/output), resolving their relative $refs among
// themselves.
func outputSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	dir := "../../schema/output"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const base = "https://gitlab.com/generate-config/generate-config/schema/output/"
	var names []string
	for _, e := range entries {
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if err := c.AddResource(base+e.Name(), doc); err != nil {
			t.Fatal(err)
		}
		names = append(names, e.Name())
	}
	out := map[string]*jsonschema.Schema{}
	for _, n := range names {
		s, err := c.Compile(base + n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out[strings.TrimSuffix(n, ".schema.json")] = s
	}
	return out
}

// runCLI runs the command line in the repository's root directory with an
// empty environment and returns stdout and the exit code.
func runCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	wd, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:        IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		LookupEnv: func(string) (string, bool) { return "", false },
		Environ:   func() []string { return nil },
		WorkDir:   wd,
	}
	code := Run(f, args)
	if code == ExitUsage {
		t.Fatalf("%q: usage error: %s", args, errOut.String())
	}
	return out.String(), code
}

// TestOutputSchemas runs every command with a JSON output on the example
// (and on inputs with findings) and validates the real output against its
// published schema: a renamed or retyped field fails here.
func TestOutputSchemas(t *testing.T) {
	schemas := outputSchemas(t)
	bad := t.TempDir()
	for name, data := range map[string]string{
		"generate-config.jsonnet": `{ targets: { a: { paths: ['a/**'], template: 't.jsonnet' }, gone: { paths: ['nowhere/**'], template: 't.jsonnet' } } }`,
		"t.jsonnet":               `function(ctx) { ['build:' + ctx.target.name]: { script: ['make'] } }`,
		"a/x.go":                  "package a\n",
	} {
		p := filepath.Join(bad, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ex := "testdata/example"
	for _, c := range []struct {
		schema string
		args   []string
		// nonEmpty is a JSON key whose array must not be empty, so the
		// item schemas are exercised too.
		nonEmpty string
	}{
		{"report", []string{"explain", "-C", ex, "--changed", "libs/core/core.go", "--changed", "unowned.txt", "--changed", "services/api/README.md", "--format", "json"}, "targets"},
		{"report", []string{"preview", "-C", ex, "--all", "--format", "json"}, "targets"},
		{"changed", []string{"changed", "-C", ex, "--changed", "a.go", "--format", "json"}, "changes"},
		{"diff", []string{"diff", "-C", ex, "--against", "testdata/golden/example/core-lib.yml", "--format", "json"}, "added"},
		{"validate", []string{"validate", "--format", "json", "testdata/golden/example/all.yml"}, ""},
		{"validate", []string{"validate", "--format", "json", "schema/testdata/invalid/job-name-length.yml", "schema/testdata/invalid/file-size-warning.yml"}, "findings"},
		{"lint", []string{"lint", "-C", ex, "--format", "json"}, ""},
		{"lint", []string{"lint", "-C", bad, "--format", "json"}, "findings"},
		{"codequality", []string{"lint", "-C", bad, "--format", "codequality"}, "."},
		{"codequality", []string{"validate", "--format", "codequality", "schema/testdata/invalid/job-name-length.yml"}, "."},
		{"codequality", []string{"validate", "--format", "codequality", "testdata/golden/example/all.yml"}, ""},
	} {
		out, _ := runCLI(t, c.args...)
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
		if err != nil {
			t.Errorf("%q: not JSON: %v\n%s", c.args, err, out)
			continue
		}
		if err := schemas[c.schema].Validate(doc); err != nil {
			t.Errorf("%q does not match %s.schema.json: %v", c.args, c.schema, err)
		}
		if c.nonEmpty != "" {
			var v any
			json.Unmarshal([]byte(out), &v)
			if c.nonEmpty != "." {
				v = v.(map[string]any)[c.nonEmpty]
			}
			if a, ok := v.([]any); !ok || len(a) == 0 {
				t.Errorf("%q: %s is empty: the item schema was not exercised\n%s", c.args, c.nonEmpty, out)
			}
		}
	}
}
