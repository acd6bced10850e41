// Package generator runs the data path of generate-config as a pure function
// of in-memory input:
//
//	changes → selection → evaluate → render → validate → output
//
// Each step is its own package below this one. Nothing here reads the
// environment or the process's files except through the fs.FS and the values
// in Input, so the library can be used (and tested) without the command line.
package generator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"

	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/generator/render"
	"gitlab.com/generate-config/generate-config/generator/selection"
	"gitlab.com/generate-config/generate-config/internal/jsonnetvm"
	"gitlab.com/generate-config/generate-config/schema"
	"gitlab.com/generate-config/generate-config/templates"
)

// LoadManifest evaluates and checks the manifest at file inside repo.
func LoadManifest(repo fs.FS, file string) (*manifest.Manifest, error) {
	vm := jsonnetvm.NewVM(jsonnetvm.NewImporter(repo, templates.Library))
	return manifest.Load(vm, repo, file)
}

// Input is everything one generation depends on.
type Input struct {
	Repo     fs.FS
	Manifest *manifest.Manifest
	Changes  changes.Resolution
	Pipeline evaluate.Pipeline
	// LookupEnv gives the values of the allow-listed CI variables; nothing
	// else of the environment reaches templates.
	LookupEnv func(string) (string, bool)
	Version   string
	Workers   int
	// OutputName is the file name findings are reported against
	// (default generated-config.yml).
	OutputName string
}

// Result is what a generation produced, for the file, the summary and
// explain alike.
type Result struct {
	Selection *selection.Result
	Cells     []evaluate.Result
	Document  *render.Document
	// Findings are the validator's warnings (a run with errors fails).
	Findings []schema.Finding
}

// Generate selects, evaluates, renders and validates. It writes nothing.
// When the validator finds an error, the error returned lists every finding
// with its position in the would-be file and the cell that made the job, and
// the Result still carries the document for inspection.
func Generate(ctx context.Context, in Input) (*Result, error) {
	m := in.Manifest
	limits, err := Limits(m)
	if err != nil {
		return nil, err
	}
	sel := selection.Select(m, in.Changes)
	vars, err := evaluate.AllowedVars(in.LookupEnv, m.Vars)
	if err != nil {
		return nil, err
	}
	p := in.Pipeline
	p.Base, p.Head, p.Rule = in.Changes.Base, in.Changes.Head, in.Changes.Rule
	cells := evaluate.Cells(m, sel)
	selected, changed := evaluate.Selection(m, sel)
	results, err := evaluate.Evaluate(ctx, evaluate.Input{
		Repo: in.Repo, Lib: templates.Library, Selected: selected, Changed: changed,
		Pipeline: p, Vars: vars, Workers: in.Workers,
		MaxCellBytes: limits.WithDefaults().MaxFileBytes,
	}, cells)
	if err != nil {
		return nil, err
	}
	doc, err := render.Render(m, results, render.Header{
		Version: in.Version, Base: in.Changes.Base, Head: in.Changes.Head, Rule: in.Changes.Rule,
		Reason: in.Changes.Reason, Selected: len(sel.Selected()), Targets: len(m.Targets),
	})
	if err != nil {
		return nil, err
	}
	r := &Result{Selection: sel, Cells: results, Document: doc}
	name := in.OutputName
	if name == "" {
		name = "generated-config.yml"
	}
	origins := make(map[string]schema.Origin, len(doc.Origins))
	for job, o := range doc.Origins {
		origins[job] = schema.Origin{Cell: o.Cell, Template: o.Template}
	}
	// Validate the bytes GitLab will read, not the tree they came from: the
	// encoder's output is what must pass.
	r.Findings = schema.Validate(name, doc.YAML, schema.Options{Limits: limits, Origins: origins})
	if schema.HasErrors(r.Findings) {
		return r, FindingsError(r.Findings)
	}
	return r, nil
}

// Limits decodes the manifest's `limits` overrides; unknown names are errors
// so a typo cannot silently keep GitLab's default.
func Limits(m *manifest.Manifest) (schema.Limits, error) {
	var l schema.Limits
	if len(m.Limits) == 0 {
		return l, nil
	}
	dec := json.NewDecoder(bytes.NewReader(m.Limits))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return l, diag.Errorf(diag.Pos{File: m.File}, "limits: %v (see docs/validation.md for the names)", err)
	}
	return l, nil
}

// FindingsError turns the validator's error findings into positioned
// errors: the place in the generated file, the rule, and the cell and
// template that produced the job.
func FindingsError(fs []schema.Finding) error {
	var l diag.List
	for _, f := range fs {
		if f.Severity != schema.SeverityError {
			continue
		}
		e := &diag.Error{Pos: f.Pos, Msg: fmt.Sprintf("%s (%s)", f.Message, f.Rule)}
		if f.Origin != nil {
			cell := f.Origin.Cell
			e.Cell = &cell
			if f.Origin.Template != "" {
				e.Notes = append(e.Notes, "job "+f.Job+" comes from template "+f.Origin.Template)
			}
		}
		l = append(l, e)
	}
	return l.Err()
}
