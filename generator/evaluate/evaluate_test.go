package evaluate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	yaml "go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/jsonnetvm"
)

// fixture builds n targets alternating between two templates, each with two
// arch cells.
func fixture(n int, files map[string]string) (fstest.MapFS, Input, []Cell) {
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	in := Input{Repo: fsys, Lib: fstest.MapFS{}, Selected: map[string]Matrix{}, Changed: map[string][]string{}, Vars: map[string]string{"CI_COMMIT_SHA": "abc"}}
	tpls := []string{"ci/a.jsonnet", "ci/b.jsonnet"}
	var cells []Cell
	for i := 0; i < n; i++ {
		t := &manifest.Target{Name: fmt.Sprintf("t%02d", i), Paths: []string{fmt.Sprintf("t%02d/**", i)}, Deps: []string{}, Dir: fmt.Sprintf("t%02d", i), Template: tpls[i%len(tpls)]}
		t.Matrix = manifest.Matrix{OS: []string{"linux"}, Arch: []string{"amd64", "arm64"}}
		in.Selected[t.Name] = Matrix{OS: t.Matrix.OS, Arch: t.Matrix.Arch}
		in.Changed[t.Name] = []string{t.Dir + "/main.go"}
		for _, arch := range t.Matrix.Arch {
			cells = append(cells, Cell{Target: t, OS: "linux", Arch: arch})
		}
	}
	return fsys, in, cells
}

var templatesOK = map[string]string{
	"ci/a.jsonnet": `function(ctx) {
  ['build:' + ctx.target.name + ':' + ctx.arch]: {
    script: ['make -C %s' % ctx.target.dir, std.join(' ', ctx.target.changed)],
    tags: [ctx.os, ctx.arch], sha: ctx.vars.CI_COMMIT_SHA, n: std.length(ctx.selected), x: 1.50,
    nums: [1e30, -0.5, 0.1 + 0.2, 1 / 3, -0, 1e-7, 123456789012345678, 2e-308], s: ['é', '\u2028', '\ud83d\ude00', '\u0000'],
  },
}`,
	"ci/b.jsonnet": `local lib = import 'lib.libsonnet';
function(ctx) { [lib.name(ctx)]: { script: ['echo "%s"' % ctx.arch], big: 12345678901234567890 } }`,
	"ci/lib.libsonnet": `{ name(ctx):: 'test:' + ctx.target.name + ':' + ctx.arch }`,
}

// TestBatchesMatchSingleCells: evaluating the cells in batches, with any
// number of workers, gives exactly the jobs of evaluating each cell alone.
func TestBatchesMatchSingleCells(t *testing.T) {
	_, in, cells := fixture(40, templatesOK)
	var want []Result
	for _, c := range cells {
		r, err := Evaluate(context.Background(), in, []Cell{c}) // one cell: no batch
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r...)
	}
	for _, w := range []int{1, 2, 3, 8} {
		in.Workers = w
		got, err := Evaluate(context.Background(), in, cells)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%d workers: batched results differ from single-cell results", w)
		}
	}
	if got := want[0].Jobs["build:t00:amd64"].(map[string]any)["n"]; fmt.Sprint(got) != "40" {
		t.Errorf("ctx.selected has %v targets, want 40", got)
	}
}

// TestBatchErrorNamesCell: one failing cell in a batch is reported alone,
// with the error it gets when evaluated on its own; the other cells of the
// batch still produce their jobs.
func TestBatchErrorNamesCell(t *testing.T) {
	files := map[string]string{
		"ci/a.jsonnet": `function(ctx) { ['j:' + ctx.target.name + ctx.arch]: { script: [if ctx.target.name == 't04' && ctx.arch == 'arm64' then error 'boom ' + ctx.arch else 'ok'] } }`,
	}
	files["ci/b.jsonnet"] = files["ci/a.jsonnet"]
	_, in, cells := fixture(10, files)
	in.Workers = 1
	res, err := Evaluate(context.Background(), in, cells)
	var l diag.List
	if !errors.As(err, &l) || len(l) != 1 {
		t.Fatalf("want one error, got %v", err)
	}
	e := l[0]
	if e.Cell == nil || *e.Cell != (diag.Cell{Target: "t04", OS: "linux", Arch: "arm64"}) {
		t.Errorf("error names cell %v, want t04 linux arm64", e.Cell)
	}
	if e.Pos.File != "ci/a.jsonnet" || e.Pos.Line != 1 || e.Msg != "boom arm64" {
		t.Errorf("error %q at %v, want \"boom arm64\" at ci/a.jsonnet:1", e.Msg, e.Pos)
	}
	_, alone := Evaluate(context.Background(), in, []Cell{cells[9]})
	if alone == nil || alone.Error() != err.Error() {
		t.Errorf("batched error\n%v\ndiffers from the cell's own error\n%v", err, alone)
	}
	for i, r := range res {
		if i != 9 && len(r.Jobs) != 1 {
			t.Errorf("cell %d: %d jobs, want 1", i, len(r.Jobs))
		}
	}
}

// TestCellOutputBound: a cell returning more than the file may hold fails
// before its JSON is decoded, positioned at its template and naming the
// cell, in a batch or alone.
func TestCellOutputBound(t *testing.T) {
	files := map[string]string{
		"ci/a.jsonnet": `function(ctx) { ['j:' + ctx.target.name + ctx.arch]: { script: [std.repeat('x', if ctx.target.name == 't02' then 5000 else 10)] } }`,
	}
	files["ci/b.jsonnet"] = files["ci/a.jsonnet"]
	_, in, cells := fixture(6, files)
	in.MaxCellBytes = 1000
	for _, cs := range [][]Cell{cells, cells[4:5]} {
		_, err := Evaluate(context.Background(), in, cs)
		var l diag.List
		if !errors.As(err, &l) {
			t.Fatalf("want errors, got %v", err)
		}
		want := 0
		for _, c := range cs {
			if c.Target.Name == "t02" {
				want++
			}
		}
		if len(l) != want {
			t.Fatalf("want the %d cells of t02 to fail, got %v", want, err)
		}
		for _, e := range l {
			if e.Cell == nil || e.Cell.Target != "t02" || e.Pos.File != "ci/a.jsonnet" || !strings.Contains(e.Msg, "more than the whole generated file may have (1000 bytes, limits.maxFileBytes)") {
				t.Errorf("unexpected error %v (cell %v)", e, e.Cell)
			}
		}
	}
	in.MaxCellBytes = 0
	if _, err := Evaluate(context.Background(), in, cells); err != nil {
		t.Errorf("no bound: %v", err)
	}
}

// TestRunawayRecursion: a tail-recursive call that never ends is a
// positioned error naming the cell, not Go's fatal stack overflow (which
// would end the test binary).
func TestRunawayRecursion(t *testing.T) {
	files := map[string]string{
		"ci/a.jsonnet": "local f(n) = f(n + 1) tailstrict;\nfunction(ctx) { j: { script: [f(0)] } }",
		"ci/b.jsonnet": "local lib = import 'lib.libsonnet';\nfunction(ctx) { j: { script: [lib.g(0)] } }",
		// The bound holds in imported files too.
		"ci/lib.libsonnet": "{\n  g(n):: self.g(n + 1) tailstrict,\n}",
	}
	_, in, cells := fixture(4, files)
	_, err := Evaluate(context.Background(), in, cells)
	var l diag.List
	if !errors.As(err, &l) || len(l) != len(cells) {
		t.Fatalf("want an error per cell, got %v", err)
	}
	for _, e := range l {
		want := diag.Pos{File: "ci/a.jsonnet", Line: 1, Col: 14}
		if e.Cell.Target == "t01" || e.Cell.Target == "t03" {
			want = diag.Pos{File: "ci/lib.libsonnet", Line: 2, Col: 10}
		}
		if e.Msg != "max stack frames exceeded." || e.Pos != want || e.Cell == nil {
			t.Errorf("got %q at %v in %v, want max stack frames exceeded at %v", e.Msg, e.Pos, e.Cell, want)
		}
	}
}

func TestMinYAMLLen(t *testing.T) {
	for in, want := range map[string]int{
		// a(1) :(1) "b ]"(3) x"(2) 1.5e3(1) null(1) c:(2) d:(2) true(1)
		"{\n   \"a\": [\n      \"b ]\",\n      \"x\\\"\", 1.5e3, null\n   ],\n   \"c\": {\"d\": true}\n}\n": 14,
		"\"\"":           0,
		"[ ]\n":          0,
		"123\n":          1,
		"\"\\u00e9\\n\"": 2,
		"\"é\u2028\"":    2, // characters, not bytes
	} {
		if got := minYAMLLen(in); got != want {
			t.Errorf("minYAMLLen(%q) = %d, want %d", in, got, want)
		}
		// decode counts only texts longer than the limit: the count never
		// exceeds the text's length.
		if got := minYAMLLen(in); got > len(in) {
			t.Errorf("minYAMLLen(%q) = %d, more than its %d bytes", in, got, len(in))
		}
	}
}

// TestMinYAMLLenIsALowerBound: for real cells, the bound is never above the
// size of the same jobs written by a block-style YAML encoder.
func TestMinYAMLLenIsALowerBound(t *testing.T) {
	files := map[string]string{
		"ci/a.jsonnet": `function(ctx) {
  [ctx.arch]: { a: 1, b: '', c: [], d: {}, e: null, f: true, g: ['x', 'y: z', '- w', '\t', 'é', "multi\nline\n"], h: 1e30, i: -0.5 },
  ['k' + ctx.target.name]: { script: ['make'], needs: [{ pipeline: '$P', job: 'g' }] },
}`,
	}
	files["ci/b.jsonnet"] = files["ci/a.jsonnet"]
	_, in, cells := fixture(2, files)
	e := &evaluator{vm: jsonnetvm.NewVM(jsonnetvm.NewImporter(in.Repo, in.Lib)), in: &in}
	for _, c := range cells {
		tj, _ := json.Marshal(newTargetCtx(c.Target, nil))
		e.vm.TLACode("ctx", fmt.Sprintf("{ target: %s, os: %q, arch: %q }", tj, c.OS, c.Arch))
		out, err := e.vm.EvaluateFile(c.Target.Template)
		if err != nil {
			t.Fatal(err)
		}
		jobs, de := e.decode(c.Target.Template, out)
		if de != nil {
			t.Fatal(de)
		}
		y, err := yaml.Marshal(jobs)
		if err != nil {
			t.Fatal(err)
		}
		if n := minYAMLLen(out); n > len(y) || n < len(y)/5 || n > len(out) {
			t.Errorf("minYAMLLen = %d for %d bytes of YAML:\n%s", n, len(y), y)
		}
	}
}
func TestSplitArray(t *testing.T) {
	for in, want := range map[string][]string{
		"[\n   {\n      \"a,]\": [1, 2]\n   },\n   \"s\\\"]\",\n   3,\n   [ ]\n]\n": {"{\n      \"a,]\": [1, 2]\n   }", "\"s\\\"]\"", "3", "[ ]\n"},
		"[ ]\n":  nil,
		"[1]":    {"1"},
		"{}":     nil,
		"[1,]":   nil,
		"[1] x":  nil,
		"[[1],2": nil,
	} {
		got, ok := splitArray(in)
		if !reflect.DeepEqual(got, want) || ok != (want != nil || in == "[ ]\n") {
			t.Errorf("splitArray(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// panicFS panics when a file is opened, as a broken fs.FS might.
type panicFS struct{ fstest.MapFS }

func (p panicFS) Open(name string) (fs.File, error) {
	if name == "ci/a.jsonnet" {
		panic("disk on fire")
	}
	return p.MapFS.Open(name)
}

func (p panicFS) ReadFile(name string) ([]byte, error) {
	if name == "ci/a.jsonnet" {
		panic("disk on fire")
	}
	return p.MapFS.ReadFile(name)
}

// TestPanicNamesCell: a panic while evaluating is an error naming each
// cell it hit, not a crash of the process.
func TestPanicNamesCell(t *testing.T) {
	fsys, in, cells := fixture(4, templatesOK)
	in.Repo = panicFS{fsys}
	_, err := Evaluate(context.Background(), in, cells)
	var l diag.List
	if !errors.As(err, &l) || len(l) != 4 {
		t.Fatalf("want an error for each of the 4 cells of ci/a.jsonnet, got %v", err)
	}
	for _, e := range l {
		if e.Cell == nil || e.Pos.File != "ci/a.jsonnet" || !strings.Contains(e.Msg, "disk on fire") {
			t.Errorf("unexpected error %v", e)
		}
	}
}

// TestChunkDataIsInternal: a template that calls the batches' native
// function gets an error in every cell, never data that depends on the
// batching.
func TestChunkDataIsInternal(t *testing.T) {
	files := map[string]string{
		"ci/a.jsonnet": `function(ctx) { ['j' + ctx.arch]: { script: [std.toString(std.native('` + chunkDataName + `')())] } }`,
	}
	_, in, cells := fixture(8, files)
	_, err := Evaluate(context.Background(), in, cells)
	if err == nil || !strings.Contains(err.Error(), "internal to generate-config") {
		t.Fatalf("err = %v, want the native function refused", err)
	}
	var l diag.List
	if !errors.As(err, &l) || len(l) != len(cells) {
		t.Errorf("%d errors for %d cells: %v", len(l), len(cells), err)
	}
}
