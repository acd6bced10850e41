// Package evaluate is the third step of the data path: every selected
// target × os × arch cell is evaluated with its Jsonnet template. Cells are
// independent, so a pool of workers (one go-jsonnet VM each) runs them; the
// results are stored by cell index, so the output never depends on the
// number of workers or on scheduling.
package evaluate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"runtime"
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

// Input is everything templates may see.
type Input struct {
	Repo      fs.FS
	Lib       fs.FS
	Manifest  *manifest.Manifest
	Selection *selection.Result
	Pipeline  Pipeline
	Vars      map[string]string
	// Workers is the pool size; 0 means GOMAXPROCS.
	Workers int
}

// runData is the part of ctx every cell shares. It is served to the VMs as
// a virtual import, so each worker parses it once instead of once per cell
// (with thousands of targets, ctx.selected alone is large).
const runDataName = "<generate-config>/run.json"

type selectedCells struct {
	OS   []string `json:"os"`
	Arch []string `json:"arch"`
}

type targetCtx struct {
	Name     string   `json:"name"`
	Paths    []string `json:"paths"`
	Deps     []string `json:"deps"`
	Dir      string   `json:"dir"`
	Template string   `json:"template"`
	Changed  []string `json:"changed"`
}

// Evaluate runs every cell. Errors from all failing cells are returned
// together, in cell order, each naming its cell.
func Evaluate(ctx context.Context, in Input, cells []Cell) ([]Result, error) {
	selected := map[string]selectedCells{}
	changed := map[string][]string{}
	for _, st := range in.Selection.Targets {
		if st.Selected {
			t := in.Manifest.Target(st.Name)
			selected[st.Name] = selectedCells{OS: t.Matrix.OS, Arch: t.Matrix.Arch}
			changed[st.Name] = st.Changed
		}
	}
	run, err := json.Marshal(map[string]any{"pipeline": in.Pipeline, "vars": in.Vars, "selected": selected})
	if err != nil {
		return nil, err
	}
	imp := &runImporter{Importer: jsonnetvm.NewImporter(in.Repo, in.Lib), run: jsonnet.MakeContentsRaw(run)}

	workers := in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(len(cells), 1))
	results := make([]Result, len(cells))
	errs := make([]*diag.Error, len(cells))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := &evaluator{vm: jsonnetvm.NewVM(imp), checked: map[string]error{}}
			for i := range next {
				c := cells[i]
				jobs, err := e.cell(c, changed[c.Target.Name])
				if err != nil {
					errs[i] = err
					continue
				}
				results[i] = Result{Cell: c, Jobs: jobs}
			}
		}()
	}
	for i := range cells {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
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

// runImporter serves the shared run data under runDataName.
type runImporter struct {
	*jsonnetvm.Importer
	run jsonnet.Contents
}

func (r *runImporter) Import(from, p string) (jsonnet.Contents, string, error) {
	if p == runDataName {
		return r.run, runDataName, nil
	}
	return r.Importer.Import(from, p)
}

type evaluator struct {
	vm      *jsonnet.VM
	checked map[string]error // template → whether it evaluates to a function
}

func (e *evaluator) cell(c Cell, changed []string) (map[string]any, *diag.Error) {
	fail := func(de *diag.Error) *diag.Error {
		id := c.ID()
		de.Cell = &id
		de.Notes = append(de.Notes, ctxSummary(c, changed))
		return de
	}
	tpl := c.Target.Template
	if err := e.checkFunction(tpl); err != nil {
		return nil, fail(jsonnetvm.Convert(err))
	}
	t := targetCtx{Name: c.Target.Name, Paths: c.Target.Paths, Deps: c.Target.Deps, Dir: c.Target.Dir, Template: tpl, Changed: changed}
	tj, err := json.Marshal(t)
	if err != nil {
		return nil, fail(&diag.Error{Msg: err.Error()})
	}
	osj, _ := json.Marshal(c.OS)
	archj, _ := json.Marshal(c.Arch)
	e.vm.TLAReset()
	e.vm.TLACode("ctx", fmt.Sprintf("local run = import %q; run { target: %s, os: %s, arch: %s }", runDataName, tj, osj, archj))
	node, _, err := e.vm.ImportAST("", tpl)
	if err != nil {
		return nil, fail(jsonnetvm.Convert(err))
	}
	out, err := e.vm.Evaluate(node)
	if err != nil {
		return nil, fail(jsonnetvm.Convert(err))
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(out)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fail(&diag.Error{Pos: diag.Pos{File: tpl}, Msg: err.Error()})
	}
	jobs, ok := v.(map[string]any)
	if !ok {
		return nil, fail(diag.Errorf(diag.Pos{File: tpl}, "the template must return an object of jobs, but returned %s", jsonType(v)))
	}
	return jobs, nil
}

// checkFunction verifies once per template and worker that the template
// evaluates to a function: go-jsonnet silently ignores top-level arguments
// otherwise, and every cell would get the same jobs.
func (e *evaluator) checkFunction(tpl string) error {
	if err, ok := e.checked[tpl]; ok {
		return err
	}
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
	t := targetCtx{Name: c.Target.Name, Paths: c.Target.Paths, Deps: c.Target.Deps, Dir: c.Target.Dir, Template: c.Target.Template, Changed: shown}
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
