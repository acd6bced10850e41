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
	"context"
	"io/fs"

	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/generator/jsonnetvm"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/generator/render"
	"gitlab.com/generate-config/generate-config/generator/selection"
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
}

// Result is what a generation produced, for the file, the summary and
// explain alike.
type Result struct {
	Selection *selection.Result
	Cells     []evaluate.Result
	Document  *render.Document
}

// Generate selects, evaluates and renders. It writes nothing.
func Generate(ctx context.Context, in Input) (*Result, error) {
	m := in.Manifest
	sel := selection.Select(m, in.Changes)
	vars, err := evaluate.AllowedVars(in.LookupEnv, m.Vars)
	if err != nil {
		return nil, err
	}
	p := in.Pipeline
	p.Base, p.Head, p.Rule = in.Changes.Base, in.Changes.Head, in.Changes.Rule
	cells := evaluate.Cells(m, sel)
	results, err := evaluate.Evaluate(ctx, evaluate.Input{
		Repo: in.Repo, Lib: templates.Library, Manifest: m, Selection: sel,
		Pipeline: p, Vars: vars, Workers: in.Workers,
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
	return &Result{Selection: sel, Cells: results, Document: doc}, nil
}
