package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/generator/manifest"
)

type manifestT = manifest.Manifest

func testManifestTB(t testing.TB) *manifest.Manifest { return testManifestExtra(t, "") }

func testManifest(t *testing.T, extra string) *manifest.Manifest { return testManifestExtra(t, extra) }

func testManifestExtra(t testing.TB, extra string) *manifest.Manifest {
	t.Helper()
	fsys := fstest.MapFS{"t.jsonnet": {Data: []byte("function(ctx) {}")}}
	src := `{"targets": {"a": {"paths": ["a/**"], "template": "t.jsonnet"}, "b": {"paths": ["b/**"], "template": "t.jsonnet"}}` + extra + `}`
	m, err := manifest.Decode(fsys, "generate-config.jsonnet", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func cell(m *manifest.Manifest, target, jobsJSON string) evaluate.Result {
	dec := json.NewDecoder(strings.NewReader(jobsJSON))
	dec.UseNumber()
	var jobs map[string]any
	if err := dec.Decode(&jobs); err != nil {
		panic(err)
	}
	return evaluate.Result{Cell: evaluate.Cell{Target: m.Target(target), OS: "linux", Arch: "amd64"}, Jobs: jobs}
}

func render(t *testing.T, m *manifest.Manifest, results ...evaluate.Result) *Document {
	t.Helper()
	doc, err := Render(m, results, Header{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// topKeys returns the top-level keys of a YAML document in file order.
func topKeys(t *testing.T, data []byte) []string {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, data)
	}
	var keys []string
	for i := 0; i < len(n.Content[0].Content); i += 2 {
		keys = append(keys, n.Content[0].Content[i].Value)
	}
	return keys
}

func TestKeyOrder(t *testing.T) {
	m := testManifest(t, `, "pipeline": {"workflow": {"name": "w"}, "variables": {"A": "1"}, "default": {"retry": 1}, "include": [{"local": "x.yml"}]}`)
	doc := render(t, m, cell(m, "a", `{
		"z-job": {"script": ["z"], "zzz": 1, "artifacts": {"paths": ["p"]}, "stage": "build", "image": "i",
		          "after_script": ["a"], "needs": [], "tags": ["t"], "before_script": ["b"], "rules": [{"when": "always"}],
		          "variables": {"V": "1"}, "extends": [".x"], "cache": {"key": "k"}, "services": ["s"], "dependencies": [], "allow_failure": true},
		"a-job": {"script": ["a"]},
		".x": {"image": "i"}}`))
	if got, want := topKeys(t, doc.YAML), []string{"stages", "include", "variables", "default", "workflow", ".x", "a-job", "z-job"}; !reflect.DeepEqual(got, want) {
		t.Errorf("top-level order = %v, want %v", got, want)
	}
	var n yaml.Node
	yaml.Unmarshal(doc.YAML, &n)
	job := n.Content[0].Content[len(n.Content[0].Content)-1]
	var keys []string
	for i := 0; i < len(job.Content); i += 2 {
		keys = append(keys, job.Content[i].Value)
	}
	want := []string{"stage", "extends", "image", "services", "tags", "variables", "needs", "dependencies", "rules",
		"before_script", "script", "after_script", "artifacts", "cache", "allow_failure", "zzz"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("job key order = %v, want %v", keys, want)
	}
}

func TestStagesDerived(t *testing.T) {
	m := testManifest(t, "")
	doc := render(t, m, cell(m, "a", `{
		"p": {"stage": "package", "script": ["x"]}, "d": {"stage": "deploy", "script": ["x"]},
		"l": {"stage": "lint", "script": ["x"]}, "t": {"script": ["x"]}, "pre": {"stage": ".pre", "script": ["x"]},
		"post": {"stage": ".post", "script": ["x"]}, "b": {"stage": "build", "script": ["x"]},
		".hidden": {"stage": "never-listed"}}`))
	want := []string{".pre", "build", "test", "deploy", "lint", "package", ".post"}
	if !reflect.DeepEqual(doc.Stages, want) {
		t.Errorf("stages = %v, want %v (defaults in order, others alphabetically after deploy, hidden jobs ignored)", doc.Stages, want)
	}
}

func TestDeclaredStagesWin(t *testing.T) {
	m := testManifest(t, `, "stages": ["lint", "build"]`)
	doc := render(t, m, cell(m, "a", `{"j": {"stage": "build", "script": ["x"]}}`))
	if !reflect.DeepEqual(doc.Stages, []string{"lint", "build"}) {
		t.Errorf("stages = %v", doc.Stages)
	}
}

// Strings that YAML would read as something else stay strings, multi-line
// scripts become block scalars, and numbers keep their exact form.
func TestScalars(t *testing.T) {
	m := testManifest(t, "")
	doc := render(t, m, cell(m, "a", `{"j": {"script": ["line1\nline2\n", "yes", "1.0", "null", "~", "0x10", "- item", "key: value", "#comment", "*alias", "&anchor", "!tag", "@at", "%pct"],
		"parallel": 3, "timeout": "1h", "x": 1.5, "big": 12345678901234567890, "flag": false}}`))
	if !strings.Contains(string(doc.YAML), "    - |\n      line1\n      line2\n") {
		t.Errorf("multi-line script is not a block scalar:\n%s", doc.YAML)
	}
	var back map[string]any
	if err := yaml.Unmarshal(doc.YAML, &back); err != nil {
		t.Fatal(err)
	}
	j := back["j"].(map[string]any)
	wantScript := []any{"line1\nline2\n", "yes", "1.0", "null", "~", "0x10", "- item", "key: value", "#comment", "*alias", "&anchor", "!tag", "@at", "%pct"}
	if !reflect.DeepEqual(j["script"], wantScript) {
		t.Errorf("script round trip = %#v", j["script"])
	}
	if j["parallel"] != 3 || j["x"] != 1.5 || j["flag"] != false {
		t.Errorf("numbers/bools changed: %#v", j)
	}
	if !strings.Contains(string(doc.YAML), "big: 12345678901234567890") {
		t.Errorf("a large integer lost precision:\n%s", doc.YAML)
	}
}

// Names and values from file or branch names cannot inject YAML: whatever
// they hold, the document parses back to exactly the same jobs.
func TestNoInjection(t *testing.T) {
	m := testManifest(t, "")
	hostile := []string{
		"a\nevil: {script: [rm -rf /]}", "x: y", "- z", "'quote", "\"dq", "# c", "{a: b}", "[1]", "&a", "*a", "!!binary", "ü — ✓", "\u2028line",
	}
	jobs := map[string]any{}
	for i, h := range hostile {
		name := "job " + h
		if strings.ContainsAny(h, "\n\u2028") {
			name = "job" + string(rune('A'+i)) // control characters in names are refused separately
		}
		jobs[name] = map[string]any{"script": []any{h}, "variables": map[string]any{h: h}}
	}
	res := evaluate.Result{Cell: evaluate.Cell{Target: m.Target("a"), OS: "linux", Arch: "amd64"}, Jobs: jobs}
	doc := render(t, m, res)
	var back map[string]any
	if err := yaml.Unmarshal(doc.YAML, &back); err != nil {
		t.Fatalf("does not parse: %v\n%s", err, doc.YAML)
	}
	delete(back, "stages")
	if !reflect.DeepEqual(back, jobs) {
		t.Errorf("round trip changed the jobs:\n%s", doc.YAML)
	}
	if _, ok := back["evil"]; ok {
		t.Error("a value injected a job")
	}
}

func TestControlCharacterInJobNameRefused(t *testing.T) {
	m := testManifest(t, "")
	_, err := Render(m, []evaluate.Result{cell(m, "a", `{"a\nb": {"script": ["x"]}}`)}, Header{})
	if err == nil || !strings.Contains(err.Error(), "control character") {
		t.Fatalf("err = %v", err)
	}
}

func TestGlobalKeywordAsJobRefused(t *testing.T) {
	m := testManifest(t, "")
	_, err := Render(m, []evaluate.Result{cell(m, "a", `{"variables": {"A": "1"}}`)}, Header{})
	if err == nil || !strings.Contains(err.Error(), "global keyword") || !strings.Contains(err.Error(), "target=a") {
		t.Fatalf("err = %v", err)
	}
}

func TestIdenticalHiddenJobsMerge(t *testing.T) {
	m := testManifest(t, "")
	doc := render(t, m, cell(m, "a", `{".base": {"image": "i"}, "ja": {"script": ["a"]}}`), cell(m, "b", `{".base": {"image": "i"}, "jb": {"script": ["b"]}}`))
	if strings.Count(string(doc.YAML), ".base:") != 1 {
		t.Errorf("hidden job written %d times", strings.Count(string(doc.YAML), ".base:"))
	}
	_, err := Render(m, []evaluate.Result{cell(m, "a", `{".base": {"image": "i"}}`), cell(m, "b", `{".base": {"image": "other"}}`)}, Header{})
	if err == nil || !strings.Contains(err.Error(), `".base" is produced twice`) {
		t.Errorf("differing hidden jobs: err = %v", err)
	}
}

func TestNoopJob(t *testing.T) {
	m := testManifest(t, "")
	doc, err := Render(m, nil, Header{Base: "0123456789abcdef", Head: "fedcba9876543210", Rule: "push"})
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Noop || !reflect.DeepEqual(doc.Jobs, []string{DefaultNoopName}) {
		t.Fatalf("jobs = %v noop=%v", doc.Jobs, doc.Noop)
	}
	if !strings.Contains(string(doc.YAML), "between 0123456789abcdef and fedcba9876543210") {
		t.Errorf("noop script does not name the base:\n%s", doc.YAML)
	}
	// Only SHAs reach the script: a ref with shell syntax does not.
	doc, _ = Render(m, nil, Header{Base: "$(rm -rf /)", Head: "abc"})
	var back map[string]any
	yaml.Unmarshal(doc.YAML, &back)
	if script := back[DefaultNoopName].(map[string]any)["script"]; strings.Contains(toString(script), "rm -rf") {
		t.Errorf("a non-SHA base reached the script:\n%s", doc.YAML)
	}
	// Hidden jobs alone do not make a pipeline: the noop job is added.
	doc = render(t, m, cell(m, "a", `{".only-hidden": {"image": "i"}}`))
	if !doc.Noop {
		t.Error("only hidden jobs: no noop job")
	}
}

func TestHeaderCannotInject(t *testing.T) {
	m := testManifest(t, "")
	doc, err := Render(m, nil, Header{Version: "v1", Rule: "r\nevil: true", Reason: "x\r\ny: 1"})
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	yaml.Unmarshal(doc.YAML, &back)
	if _, ok := back["evil"]; ok {
		t.Errorf("header injected a key:\n%s", doc.YAML)
	}
	if _, ok := back["y"]; ok {
		t.Errorf("header injected a key:\n%s", doc.YAML)
	}
	if !strings.HasPrefix(string(doc.YAML), "# Generated by generate-config v1.") {
		t.Errorf("header:\n%s", doc.YAML)
	}
}

func toString(v any) string { b, _ := json.Marshal(v); return string(b) }

// Strings Psych (YAML 1.1) would read as something else are quoted: the
// values of issue 11 were written plain and read by GitLab as false, true,
// 45000 and true, and a job named `on` became the key true.
func TestPsychLookalikesQuoted(t *testing.T) {
	m := testManifest(t, "")
	doc := render(t, m, cell(m, "a", `{"on": {"variables": {"C": "NO", "F": "on", "T": "12:30", "S": ":sym", "D": "2001-01-01", "K": "keep"}, "script": ["yes"]}}`))
	for _, want := range []string{"\n\"on\":\n", `C: "NO"`, `F: "on"`, `T: "12:30"`, `S: ":sym"`, `D: "2001-01-01"`, "K: keep", `- "yes"`} {
		if !strings.Contains(string(doc.YAML), want) {
			t.Errorf("output lacks %s:\n%s", want, doc.YAML)
		}
	}
}

// A multi-line string starting with a tab cannot be a block scalar without
// an indentation indicator: Psych refuses the file.
func TestTabLeadingMultilineQuoted(t *testing.T) {
	m := testManifest(t, "")
	doc := render(t, m, cell(m, "a", `{"j": {"script": ["\tx\ny"]}}`))
	if !strings.Contains(string(doc.YAML), `- "\tx\ny"`) {
		t.Errorf("tab-leading multi-line string not double-quoted:\n%s", doc.YAML)
	}
}

// `<<` is a merge key to Psych even quoted: a job of that name would be
// merged into the top level, so it is refused, naming the cell.
func TestMergeKeyRefused(t *testing.T) {
	m := testManifest(t, "")
	_, err := Render(m, []evaluate.Result{cell(m, "a", `{"<<": {"script": ["x"]}}`)}, Header{})
	if err == nil || !strings.Contains(err.Error(), "job name `<<`") || !strings.Contains(err.Error(), "target=a") || !strings.Contains(err.Error(), "t.jsonnet") {
		t.Fatalf("err = %v", err)
	}
	_, err = Render(m, []evaluate.Result{cell(m, "a", `{"j": {"script": ["x"], "variables": {"<<": {"A": "1"}}}}`)}, Header{})
	if err == nil || !strings.Contains(err.Error(), `key "j.variables.<<"`) {
		t.Fatalf("nested merge key: err = %v", err)
	}
	// A scalar value under `<<` is kept by Psych as an ordinary key.
	render(t, m, cell(m, "a", `{"j": {"script": ["x"], "variables": {"<<": "1"}}}`))

	// Many cells (their jobs are searched on several goroutines): the
	// refused ones, in cell order.
	var results []evaluate.Result
	for i := 0; i < 100; i++ {
		job := fmt.Sprintf(`{"j%d": {"script": ["x"]}}`, i)
		if i == 17 || i == 83 {
			job = fmt.Sprintf(`{"j%d": {"script": ["x"], "cache": {"<<": {"key": "k"}}}}`, i)
		}
		results = append(results, cell(m, "a", job))
	}
	_, err = Render(m, results, Header{})
	if err == nil || !strings.Contains(err.Error(), `key "j17.cache.<<"`) || !strings.Contains(err.Error(), `key "j83.cache.<<"`) ||
		strings.Index(err.Error(), "j17") > strings.Index(err.Error(), "j83") {
		t.Fatalf("many cells: err = %v", err)
	}
}

// TestWholeMergesTheFiles: with output.files, Whole is the one document
// GitLab builds by merging the files: every file's jobs, the globals once,
// and it is the same whenever asked (it is encoded when first asked for).
func TestWholeMergesTheFiles(t *testing.T) {
	m := testManifest(t, `, "output": {"files": 3}, "stages": ["build"]`)
	doc := render(t, m,
		cell(m, "a", `{"ja": {"stage": "build", "script": ["a"]}, "ja2": {"stage": "build", "script": ["a2"]}}`),
		cell(m, "b", `{"jb": {"stage": "build", "script": ["b"]}}`))
	if len(doc.More) != 2 {
		t.Fatalf("%d more files, want 2", len(doc.More))
	}
	var inFiles []string
	for _, f := range append([][]byte{doc.YAML}, doc.More...) {
		for _, k := range topKeys(t, f) {
			if k != "stages" && !strings.HasPrefix(k, ".") {
				inFiles = append(inFiles, k)
			}
		}
	}
	whole := doc.Whole()
	if got, want := topKeys(t, whole), []string{"stages", "ja", "ja2", "jb"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Whole has %v, want %v (the files hold %v)", got, want, inFiles)
	}
	if !bytes.Equal(whole, doc.Whole()) {
		t.Error("Whole differs from one call to the next")
	}
	if !bytes.Contains(doc.YAML, []byte("# file 1 of 3")) || bytes.Contains(whole, []byte("# file 1 of 3")) {
		t.Errorf("the file header belongs to the files only:\n%s", whole)
	}
}
