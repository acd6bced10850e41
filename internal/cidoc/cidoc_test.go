package cidoc

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/schema/keywords"
)

func parse(t *testing.T, src string) *Document {
	t.Helper()
	d, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// encode renders a job's effective entries as flow YAML, for comparisons.
func encode(t *testing.T, ps []Pair) string {
	t.Helper()
	n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: mappingContent(ps)}
	b, err := yaml.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestSpecHeader(t *testing.T) {
	d := parse(t, "spec:\n  inputs: {x: {}}\n---\nstages: [a]\njob: {stage: a, script: x}\n")
	if d.Header == nil || d.Root == nil || !d.StagesDeclared {
		t.Fatalf("header %v root %v", d.Header, d.Root)
	}
	if got := names(d.Visible()); !slices.Equal(got, []string{"job"}) {
		t.Errorf("jobs %q", got)
	}
	// A first document with more than spec: is the configuration.
	d = parse(t, "spec: {}\njob: {script: x}\n---\nother: {script: y}\n")
	if d.Header != nil || !slices.Equal(names(d.Visible()), []string{"job"}) {
		t.Errorf("not a header: %q", names(d.Visible()))
	}
}

func names(js []*Job) []string {
	var out []string
	for _, j := range js {
		out = append(out, j.Name)
	}
	return out
}

func TestGlobalsHiddenAndJobs(t *testing.T) {
	d := parse(t, "variables: {A: b}\n.tmpl: {script: x}\ndefault: {image: y}\nbuild: {script: z}\n")
	if _, ok := d.Globals["variables"]; !ok || len(d.Globals) != 2 {
		t.Errorf("globals %v", d.Globals)
	}
	if !slices.Equal(names(d.Jobs), []string{".tmpl", "build"}) || !slices.Equal(names(d.Visible()), []string{"build"}) {
		t.Errorf("jobs %q visible %q", names(d.Jobs), names(d.Visible()))
	}
	if !d.ByName[".tmpl"].Hidden || d.ByName["build"].Hidden {
		t.Error("hidden flags")
	}
}

func TestMergeKeysAsPsych(t *testing.T) {
	d := parse(t, ".a: &a {x: 1, y: 1}\n.b: &b {y: 2, z: 2}\njob:\n  <<: [*a, *b]\n  z: 3\n  script: s\n")
	// Earlier mappings of a merge list win among themselves; the job's own
	// keys win over merged ones.
	if got := encode(t, d.ByName["job"].Own); got != "{x: 1, y: 1, z: 3, script: s}" {
		t.Errorf("got %s", got)
	}
}

func TestExtendsMergeRules(t *testing.T) {
	d := parse(t, `
.one: {stage: build, variables: {A: "1", B: "1"}, script: [one], tags: [a]}
.two: {variables: {B: "2", C: "2"}, tags: [b], image: two}
job:
  extends: [.one, .two]
  variables: {C: "3"}
  script: [own]
`)
	got := encode(t, d.Effective(d.ByName["job"]))
	// Hashes deep-merge, arrays and scalars are replaced, later bases win
	// over earlier ones, the job's own keys win over all.
	want := `{stage: build, variables: {A: "1", B: "2", C: "3"}, script: [own], tags: [b], image: two, extends: [.one, .two]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if s, _, ok := d.StageOf(d.ByName["job"]); !ok || s != "build" {
		t.Errorf("stage %q", s)
	}
}

func TestExtendsDepthAndCycles(t *testing.T) {
	var b strings.Builder
	b.WriteString(".l0: {script: x}\n")
	for i := 1; i <= 12; i++ {
		b.WriteString(".l" + strconv.Itoa(i) + ": {extends: .l" + strconv.Itoa(i-1) + "}\n")
	}
	b.WriteString("job: {extends: .l12}\n.c1: {extends: .c2}\n.c2: {extends: .c1}\n")
	d := parse(t, b.String())
	if got := d.Extends(d.ByName["job"]); got.Depth != 13 || got.OnCycle || got.Extended {
		t.Errorf("job: %+v", got)
	}
	if got := d.Extends(d.ByName[".l12"]); got.Depth != 12 || !got.Extended {
		t.Errorf(".l12: %+v", got)
	}
	if !d.Extends(d.ByName[".c1"]).OnCycle || !d.Extends(d.ByName[".c2"]).OnCycle {
		t.Error("cycle not detected")
	}
	// A cycle does not loop: the job is used as written.
	if got := encode(t, d.Effective(d.ByName[".c1"])); got != "{extends: .c2}" {
		t.Errorf("cyclic effective %s", got)
	}
}

func TestStages(t *testing.T) {
	d := parse(t, "a: {script: x}\n")
	if !slices.Equal(d.Stages, keywords.DefaultStages()) || d.StagesDeclared {
		t.Errorf("default stages %q", d.Stages)
	}
	if s, at, ok := d.StageOf(d.ByName["a"]); s != "test" || !ok || at != d.ByName["a"].Key {
		t.Errorf("default job stage %q %v", s, at)
	}
	d = parse(t, "stages: [.post, deploy, build, deploy, .pre]\na: {script: x}\n")
	if want := []string{".pre", "deploy", "build", ".post"}; !slices.Equal(d.Stages, want) {
		t.Errorf("declared stages %q, want %q", d.Stages, want)
	}
	if d.StageIndex("build") != 2 || d.StageIndex("nope") != -1 {
		t.Error("StageIndex")
	}
}

func TestPositions(t *testing.T) {
	d := parse(t, "job:\n  script: x\n  stage: build\n")
	p, ok := d.Entry(d.ByName["job"], "stage")
	if !ok || p.Key.Line != 3 || p.Key.Column != 3 || p.Value.Line != 3 || p.Value.Column != 10 {
		t.Errorf("stage at %d:%d value %d:%d", p.Key.Line, p.Key.Column, p.Value.Line, p.Value.Column)
	}
}

func TestDuplicatesAndReferences(t *testing.T) {
	d := parse(t, "a: {script: x}\na: {script: y, variables: {V: 1, V: 2}}\nb: {script: !reference [.x, script]}\n")
	if len(d.Duplicates) != 2 || !d.Duplicates[0].TopLevel || d.Duplicates[1].TopLevel || d.Duplicates[0].First.Line != 1 {
		t.Errorf("duplicates %+v", d.Duplicates)
	}
	p, _ := d.Entry(d.ByName["b"], "script")
	if KindOf(p.Value) != KindRef {
		t.Errorf("kind %s", KindOf(p.Value))
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := Parse([]byte("a: 1\nb: [\n"))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line == 0 {
		t.Errorf("got %v", err)
	}
}

func TestKindOfFollowsPsych(t *testing.T) {
	d := parse(t, "a: [on, 'on', 1:30, 1:30.5, ~, null, 1, 1.5, x, !!str 1]\n")
	var got []string
	for _, it := range Items(d.ByName["a"].Value) {
		got = append(got, KindOf(it))
	}
	want := []string{KindBool, KindString, KindInt, KindFloat, KindNull, KindNull, KindInt, KindFloat, KindString, KindString}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestKindNamesAreKeywordTypes: keywords.json types values with cidoc's kind
// names, so the two lists must agree.
func TestKindNamesAreKeywordTypes(t *testing.T) {
	kinds := []string{KindString, KindInt, KindBool, KindMap, KindSeq, KindNull}
	if !reflect.DeepEqual(kinds, keywords.Types) {
		t.Errorf("cidoc kinds %q, keywords.Types %q", kinds, keywords.Types)
	}
}

func TestJobStagesFollowExtends(t *testing.T) {
	jobs := map[string]any{
		".base":       map[string]any{"stage": "release"},
		".other":      map[string]any{"stage": "deploy"},
		"release:svc": map[string]any{"extends": ".base", "script": []any{"x"}},
		"both":        map[string]any{"extends": []any{".base", ".other"}},
		"own":         map[string]any{"extends": ".base", "stage": "build"},
		"plain":       map[string]any{"script": []any{"x"}},
		"bad":         map[string]any{"stage": map[string]any{}},
	}
	want := map[string]string{"release:svc": "release", "both": "deploy", "own": "build", "plain": "test"}
	if got := JobStages(jobs); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestExpand(t *testing.T) {
	d := parse(t, ".v: &v {A: 1}\njob: {variables: *v, script: [x]}\n")
	n, err := Expand(d.ByName["job"].Value)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := yaml.Marshal(n)
	if got := strings.TrimSpace(string(b)); got != "{variables: {A: 1}, script: [x]}" {
		t.Errorf("got %s", got)
	}
	// An alias bomb stops at the budget instead of eating the memory.
	var src strings.Builder
	src.WriteString("a0: &a0 [x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		prev := "*a" + strconv.Itoa(i-1)
		src.WriteString("a" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [" + strings.Repeat(prev+", ", 7) + prev + "]\n")
	}
	src.WriteString("bomb: *a8\n")
	d = parse(t, src.String())
	if _, err := Expand(d.ByName["bomb"].Value); !errors.Is(err, ErrTooLarge) {
		t.Errorf("alias bomb: %v", err)
	}
}

// FuzzParse: no input makes the model panic or loop, whatever its merges,
// extends and stages.
func FuzzParse(f *testing.F) {
	f.Add([]byte("a: &a {<<: *a, extends: a, stage: x}\n"))
	f.Add([]byte(".b: {extends: [.c, b]}\n.c: {extends: .b}\nb: {extends: .b, needs: [b]}\n"))
	f.Add([]byte("spec: {}\n---\nstages: [a, .pre]\nj: {stage: a}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		for _, j := range d.Jobs {
			d.Effective(j)
			d.StageOf(j)
			d.Extends(j)
			d.FindJob(j.Name + " 1/2")
		}
		if len(d.Stages) < 2 {
			t.Fatalf("stages %q", d.Stages)
		}
	})
}
