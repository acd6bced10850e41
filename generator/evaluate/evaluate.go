// Package evaluate is the third step of the data path: every selected
// target × os × arch cell is evaluated with its Jsonnet template. Cells are
// independent, so a pool of workers (one go-jsonnet VM each) runs them; the
// results are stored by cell index, so the output never depends on the
// number of workers or on scheduling.
package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"sync"

	jsonnet "github.com/google/go-jsonnet"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/generator/selection"
	"gitlab.com/generate-config/generate-config/internal/jsonnetvm"
)

// Pipeline describes the pipeline being generated for (ctx.pipeline). Every
// field is a string, empty when unknown.
type Pipeline struct {
	Ref           string `json:"ref"`
	SHA           string `json:"sha"`
	Source        string `json:"source"`
	DefaultBranch string `json:"defaultBranch"`
	MRIID         string `json:"mrIid"`
	Tag           string `json:"tag"`
	Base          string `json:"base"`
	Head          string `json:"head"`
	Rule          string `json:"rule"`
}

// PipelineFromEnv reads GitLab's predefined variables.
func PipelineFromEnv(lookup func(string) (string, bool)) Pipeline {
	get := func(k string) string { v, _ := lookup(k); return v }
	return Pipeline{
		Ref:           get("CI_COMMIT_REF_NAME"),
		SHA:           get("CI_COMMIT_SHA"),
		Source:        get("CI_PIPELINE_SOURCE"),
		DefaultBranch: get("CI_DEFAULT_BRANCH"),
		MRIID:         get("CI_MERGE_REQUEST_IID"),
		Tag:           get("CI_COMMIT_TAG"),
	}
}

// Cell is one evaluation.
type Cell struct {
	Target *manifest.Target
	OS     string
	Arch   string
}

// ID names the cell in errors and provenance.
func (c Cell) ID() diag.Cell { return diag.Cell{Target: c.Target.Name, OS: c.OS, Arch: c.Arch} }

// Result is what one cell produced: its jobs, decoded once from go-jsonnet's
// JSON (numbers kept exact as json.Number).
type Result struct {
	Cell Cell
	Jobs map[string]any
}

// Cells lists the cells of the selected targets: targets by name, then os and
// arch in the order the manifest lists them.
func Cells(m *manifest.Manifest, sel *selection.Result) []Cell {
	var cells []Cell
	for _, st := range sel.Targets {
		if !st.Selected {
			continue
		}
		t := m.Target(st.Name)
		for _, os := range t.Matrix.OS {
			for _, arch := range t.Matrix.Arch {
				cells = append(cells, Cell{Target: t, OS: os, Arch: arch})
			}
		}
	}
	return cells
}

// Selection returns what templates see of the selection: ctx.selected (the
// os and arch lists of every selected target, by name) and the changed files
// of each selected target (ctx.target.changed).
func Selection(m *manifest.Manifest, sel *selection.Result) (map[string]Matrix, map[string][]string) {
	selected := map[string]Matrix{}
	changed := map[string][]string{}
	for _, st := range sel.Targets {
		if st.Selected {
			t := m.Target(st.Name)
			selected[st.Name] = Matrix{OS: t.Matrix.OS, Arch: t.Matrix.Arch}
			changed[st.Name] = st.Changed
		}
	}
	return selected, changed
}

// Matrix is one entry of ctx.selected: the cells of a selected target.
type Matrix struct {
	OS   []string `json:"os"`
	Arch []string `json:"arch"`
}

// Input is everything templates may see.
type Input struct {
	Repo fs.FS
	Lib  fs.FS
	// Selected is ctx.selected, by target name (see Selection). It lists
	// every selected target, also those whose cells are not evaluated.
	Selected map[string]Matrix
	// Changed is ctx.target.changed, by target name (see Selection).
	Changed  map[string][]string
	Pipeline Pipeline
	Vars     map[string]string
	// Workers is the pool size; 0 means GOMAXPROCS.
	Workers int
	// MaxCellBytes bounds what one cell may return, checked on go-jsonnet's
	// output before it is decoded: a cell whose jobs cannot fit in a file
	// of that size (limits.maxFileBytes) fails with a positioned error
	// instead of being decoded and rendered. 0 means no bound.
	MaxCellBytes int
}

// runData is the part of ctx every cell shares (pipeline, vars, selected).
// It is served to the VMs as a virtual import, so each worker parses it
// once instead of once per cell; ctx.selected, which lists every selected
// target, is an import of its own inside it, parsed only if a template
// reads it. A batch carries the ctx.target of its own cells' targets.
const (
	runDataName      = "<generate-config>/run.jsonnet"
	selectedDataName = "<generate-config>/selected.json"
	batchName        = "<generate-config>/batch"
)

type targetCtx struct {
	Name     string   `json:"name"`
	Paths    []string `json:"paths"`
	Deps     []string `json:"deps"`
	Dir      string   `json:"dir"`
	Template string   `json:"template"`
	Changed  []string `json:"changed"`
}

func newTargetCtx(t *manifest.Target, changed []string) targetCtx {
	return targetCtx{Name: t.Name, Paths: t.Paths, Deps: t.Deps, Dir: t.Dir, Template: t.Template, Changed: changed}
}

// maxChunk bounds the cells of one batch. Each go-jsonnet evaluation builds
// the interpreter and its std object anew (about as costly as a small
// cell), so a batch of many cells amortises that; the bound keeps the
// workers balanced and a failing batch cheap to re-run cell by cell.
const maxChunk = 64

// Evaluate runs every cell. Errors from all failing cells are returned
// together, in cell order, each naming its cell.
//
// Cells are evaluated in batches: one go-jsonnet evaluation maps the
// templates over a chunk of cells and returns an array of their jobs. A
// batch that fails is evaluated again cell by cell, each cell on its own as
// a top-level function call, so the errors (position, trace, the field
// being written out) are exactly those of evaluating that cell alone.
func Evaluate(ctx context.Context, in Input, cells []Cell) ([]Result, error) {
	pipeline, err := json.Marshal(in.Pipeline)
	if err != nil {
		return nil, err
	}
	vars, err := json.Marshal(in.Vars)
	if err != nil {
		return nil, err
	}
	selected, err := json.Marshal(in.Selected)
	if err != nil {
		return nil, err
	}
	run := fmt.Sprintf("{\"pipeline\": %s, \"vars\": %s, \"selected\": import %q}\n", pipeline, vars, selectedDataName)
	targets := map[string][]byte{} // ctx.target of each target with cells, as JSON
	for _, c := range cells {
		if _, ok := targets[c.Target.Name]; !ok {
			tj, err := json.Marshal(newTargetCtx(c.Target, in.Changed[c.Target.Name]))
			if err != nil {
				return nil, err
			}
			targets[c.Target.Name] = tj
		}
	}
	// The same ctx.target as Go values, for the batches (chunkData): go-jsonnet
	// converts them to Jsonnet values without parsing any text.
	targetValues := make(map[string]any, len(targets))
	for name, tj := range targets {
		var v any
		if err := json.Unmarshal(tj, &v); err != nil {
			return nil, err
		}
		targetValues[name] = v
	}
	imp := &runImporter{Importer: jsonnetvm.NewImporter(in.Repo, in.Lib), run: jsonnet.MakeContents(run), selected: jsonnet.MakeContentsRaw(selected)}

	workers := in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(len(cells), 1))
	// Four chunks per worker at least, so that a slow chunk does not leave
	// the other workers idle at the end.
	size := min(maxChunk, max(1, len(cells)/(4*workers)))
	results := make([]Result, len(cells))
	errs := make([]*diag.Error, len(cells))
	next := make(chan [2]int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := &evaluator{vm: jsonnetvm.NewVM(imp), checked: map[string]error{}, bounded: map[string]bool{}, in: &in, targets: targets, targetValues: targetValues}
			e.vm.NativeFunction(e.chunkData())
			for r := range next {
				e.chunk(cells, r[0], r[1], results, errs)
			}
		}()
	}
feed:
	for lo := 0; lo < len(cells); lo += size {
		select {
		case next <- [2]int{lo, min(lo+size, len(cells))}:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	// go-jsonnet cannot interrupt an evaluation: when ctx is done, return
	// at once and let the chunks in flight finish in the background (their
	// results are dropped), so SIGTERM stops a run within moments, not
	// after a chunk of slow cells.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var l diag.List
	for _, e := range errs {
		if e != nil {
			l = append(l, e)
		}
	}
	return results, l.Err()
}

// runImporter serves the shared run data under runDataName and
// ctx.selected under selectedDataName.
type runImporter struct {
	*jsonnetvm.Importer
	run, selected jsonnet.Contents
}

func (r *runImporter) Import(from, p string) (jsonnet.Contents, string, error) {
	switch p {
	case runDataName:
		return r.run, runDataName, nil
	case selectedDataName:
		return r.selected, selectedDataName, nil
	}
	return r.Importer.Import(from, p)
}

type evaluator struct {
	vm      *jsonnet.VM
	checked map[string]error // template → whether it evaluates to a function
	bounded map[string]bool  // files whose tail calls now count (boundRecursion)
	in      *Input
	targets map[string][]byte // ctx.target by target name, as JSON
	// targetValues is targets decoded; pending is what chunkData hands
	// the batch being evaluated.
	targetValues map[string]any
	pending      map[string]any
}

// chunkDataName is the native function through which a batch receives its
// data: the ctx.target of its targets and its cells' rows. A native
// function's result is converted to Jsonnet values directly, where the
// same data written into the batch's snippet cost go-jsonnet's lexer and
// parser about a tenth of the run's allocations.
const chunkDataName = "generate-config/chunk"

func (e *evaluator) chunkData() *jsonnet.NativeFunction {
	// It answers once per batch: the batch's snippet calls it before any
	// template runs, so a template that calls it gets an error, never
	// data that depends on how the cells were batched.
	return &jsonnet.NativeFunction{Name: chunkDataName, Func: func([]any) (any, error) {
		p := e.pending
		e.pending = nil
		if p == nil {
			return nil, fmt.Errorf("%s is internal to generate-config", chunkDataName)
		}
		return p, nil
	}}
}

// chunk evaluates cells[lo:hi] into results and errs.
func (e *evaluator) chunk(cells []Cell, lo, hi int, results []Result, errs []*diag.Error) {
	defer func() {
		// A panic outside go-jsonnet (which recovers its own) fails the
		// cells of the chunk not yet done, naming them, instead of the
		// process.
		if r := recover(); r != nil {
			for i := lo; i < hi; i++ {
				if c := cells[i]; results[i].Jobs == nil && errs[i] == nil {
					errs[i] = e.fail(c, &diag.Error{Pos: diag.Pos{File: c.Target.Template}, Msg: fmt.Sprintf("internal error while evaluating this template: %v", r)})
				}
			}
		}
	}()
	var batch []int
	for i := lo; i < hi; i++ {
		c := cells[i]
		if err := e.checkFunction(c.Target.Template); err != nil {
			errs[i] = e.fail(c, e.convert(c.Target.Template, err))
			continue
		}
		batch = append(batch, i)
	}
	if len(batch) > 1 {
		if jobs, ok := e.batch(cells, batch); ok {
			for k, i := range batch {
				c := cells[i]
				if jobs[k].err != nil {
					errs[i] = e.fail(c, jobs[k].err)
					continue
				}
				results[i] = Result{Cell: c, Jobs: jobs[k].jobs}
			}
			return
		}
	}
	// One cell, or a batch that failed: each cell on its own names the
	// failing ones with their own errors.
	for _, i := range batch {
		c := cells[i]
		jobs, err := e.cell(c)
		if err != nil {
			errs[i] = e.fail(c, err)
			continue
		}
		results[i] = Result{Cell: c, Jobs: jobs}
	}
}

type cellOut struct {
	jobs map[string]any
	err  *diag.Error
}

// batch evaluates the cells at idx in one go-jsonnet evaluation. ok is
// false when the evaluation failed (or anything about it is unexpected):
// the caller then evaluates the cells one by one.
func (e *evaluator) batch(cells []Cell, idx []int) (out []cellOut, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			out, ok = nil, false
		}
	}()
	var b strings.Builder
	fmt.Fprintf(&b, "local run = import %q;\nlocal data = std.native(%q)();\nlocal t = [", runDataName, chunkDataName)
	tpls := map[string]int{}
	targets := map[string]any{}
	rows := make([]any, 0, len(idx))
	for _, i := range idx {
		c := cells[i]
		tpl := c.Target.Template
		if _, ok := tpls[tpl]; !ok {
			tj, _ := json.Marshal(tpl)
			if len(tpls) > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "import %s", tj)
			tpls[tpl] = len(tpls)
		}
		targets[c.Target.Name] = e.targetValues[c.Target.Name]
		rows = append(rows, []any{float64(tpls[tpl]), c.Target.Name, c.OS, c.Arch})
	}
	b.WriteString("];\n[t[c[0]](ctx=run { target: data.targets[c[1]], os: c[2], arch: c[3] }) for c in data.cells]\n")
	e.pending = map[string]any{"targets": targets, "cells": rows}
	defer func() { e.pending = nil }()
	e.vm.TLAReset()
	res, err := e.vm.EvaluateAnonymousSnippet(batchName, b.String())
	if err != nil {
		return nil, false
	}
	elems, ok := splitArray(res)
	if !ok || len(elems) != len(idx) {
		return nil, false
	}
	out = make([]cellOut, len(idx))
	for k, i := range idx {
		out[k].jobs, out[k].err = e.decode(cells[i].Target.Template, elems[k])
	}
	return out, true
}

// cell evaluates one cell on its own: the template called as a top-level
// function with ctx, as `jsonnet --tla-code ctx=...` would.
func (e *evaluator) cell(c Cell) (jobs map[string]any, de *diag.Error) {
	tpl := c.Target.Template
	defer func() {
		if r := recover(); r != nil {
			jobs, de = nil, &diag.Error{Pos: diag.Pos{File: tpl}, Msg: fmt.Sprintf("internal error while evaluating this template: %v", r)}
		}
	}()
	tj := e.targets[c.Target.Name]
	osj, _ := json.Marshal(c.OS)
	archj, _ := json.Marshal(c.Arch)
	e.vm.TLAReset()
	e.vm.TLACode("ctx", fmt.Sprintf("local run = import %q; run { target: %s, os: %s, arch: %s }", runDataName, tj, osj, archj))
	node, _, err := e.vm.ImportAST("", tpl)
	if err != nil {
		return nil, e.convert(tpl, err)
	}
	out, err := e.vm.Evaluate(node)
	if err != nil {
		return nil, e.convert(tpl, err)
	}
	return e.decode(tpl, out)
}

// decode checks the size of one cell's jobs and decodes them, numbers kept
// exact as json.Number.
func (e *evaluator) decode(tpl, out string) (map[string]any, *diag.Error) {
	// minYAMLLen counts at most one per byte, so only a text longer than
	// the limit can be over it: the count is skipped for all others.
	if limit := e.in.MaxCellBytes; limit > 0 && len(out) > limit {
		if n := minYAMLLen(out); n > limit {
			return nil, diag.Errorf(diag.Pos{File: tpl}, "the jobs the template returned for this cell take at least %d bytes of YAML, more than the whole generated file may have (%d bytes, limits.maxFileBytes)", n, limit)
		}
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &diag.Error{Pos: diag.Pos{File: tpl}, Msg: err.Error()}
	}
	jobs, ok := v.(map[string]any)
	if !ok {
		return nil, diag.Errorf(diag.Pos{File: tpl}, "the template must return an object of jobs, but returned %s", jsonType(v))
	}
	return jobs, nil
}

// fail names the cell in de and adds the ctx an author needs to reproduce
// it.
func (e *evaluator) fail(c Cell, de *diag.Error) *diag.Error {
	id := c.ID()
	de.Cell = &id
	de.Notes = append(de.Notes, ctxSummary(c, e.in.Changed[c.Target.Name]))
	return de
}

// convert turns a go-jsonnet error into a positioned one. go-jsonnet turns
// a panic inside it into an error whose text starts with "(CRASH)" and
// holds a Go stack dump: that becomes one line at the template.
func (e *evaluator) convert(tpl string, err error) *diag.Error {
	if msg, ok := strings.CutPrefix(err.Error(), "(CRASH) "); ok {
		msg, _, _ = strings.Cut(msg, "\n")
		return &diag.Error{Pos: diag.Pos{File: tpl}, Msg: "go-jsonnet crashed while evaluating this template: " + msg}
	}
	return jsonnetvm.Convert(err)
}

// checkFunction verifies once per template and worker that the template
// evaluates to a function: go-jsonnet silently ignores top-level arguments
// otherwise, and every cell would get the same jobs.
func (e *evaluator) checkFunction(tpl string) error {
	if err, ok := e.checked[tpl]; ok {
		return err
	}
	e.boundRecursion(tpl)
	e.vm.TLAReset()
	out, err := e.vm.EvaluateAnonymousSnippet("<generate-config>", fmt.Sprintf("std.type(import %q)", tpl))
	if err == nil && out != "\"function\"\n" {
		err = &diag.Error{Pos: diag.Pos{File: tpl, Line: 1, Col: 1}, Msg: fmt.Sprintf("a template must evaluate to a function of ctx, e.g. function(ctx) { ... }, but this one is a %s", stringsTrim(out))}
	} else if err == nil {
		err = checkParams(e.vm, tpl) // params.go
	} else if err != nil {
		// Re-evaluate through the AST to keep the positioned error.
		if node, _, ierr := e.vm.ImportAST("", tpl); ierr != nil {
			err = ierr
		} else if _, eerr := e.vm.Evaluate(node); eerr != nil {
			err = eerr
		}
	}
	e.checked[tpl] = err
	return err
}

// ctxSummary is the part of ctx an author needs to reproduce a failing
// cell: the target fields (changed files shortened) with os and arch. The
// shared parts (pipeline, vars, selected) are the same for every cell.
func ctxSummary(c Cell, changed []string) string {
	shown := changed
	more := ""
	if len(shown) > 5 {
		shown, more = shown[:5], fmt.Sprintf(" (+%d more)", len(changed)-5)
	}
	t := newTargetCtx(c.Target, shown)
	data, _ := json.Marshal(map[string]any{"target": t, "os": c.OS, "arch": c.Arch})
	return "ctx: " + string(data) + more
}

func stringsTrim(s string) string {
	var v string
	if json.Unmarshal([]byte(s), &v) == nil {
		return v
	}
	return s
}

func jsonType(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
