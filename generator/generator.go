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
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

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

// LoadManifest evaluates the manifest at file (repository-relative) with
// the project's Jsonnet VM, whose importer reads repo and the embedded
// library, and checks it (manifest.Decode; discovery globs run over repo).
// Evaluating lives here, not in package manifest, so that the manifest's
// types and checks do not depend on go-jsonnet.
func LoadManifest(repo fs.FS, file string) (*manifest.Manifest, error) {
	if _, err := fs.Stat(repo, file); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, diag.Errorf(diag.Pos{File: file}, "manifest not found (run 'generate-config init' to create one, or pass --config)")
		}
		return nil, diag.Errorf(diag.Pos{File: file}, "cannot read the manifest: %v", err)
	}
	vm := jsonnetvm.NewVM(jsonnetvm.NewImporter(repo, templates.Library))
	out, err := jsonnetvm.EvaluateFile(vm, file)
	if err != nil {
		return nil, yamlHint(repo, file, err) // manifest_hint.go
	}
	return manifest.Decode(repo, file, []byte(out))
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
	// Environ lists the job's environment ("NAME=value"): the values of
	// its secret-named variables must appear neither in an allowed
	// variable nor in the output. Nil means none is searched for.
	Environ []string
	Version string
	Workers int
	// OutputName is the file name findings are reported against
	// (default generated-config.yml).
	OutputName string
	// Files is the repository's file listing (TreeFiles). When set,
	// targets whose paths match none of them are warned about.
	Files []string
}

// Result is what a generation produced, for the file, the summary and
// explain alike.
type Result struct {
	Selection *selection.Result
	Cells     []evaluate.Result
	Document  *render.Document
	// Findings are the validator's warnings (a run with errors fails).
	Findings []schema.Finding
	// Warnings are about the manifest and the change set: unowned changed
	// files, targets that match no file.
	Warnings []Warning
	// Files are the files to write, named: one, or output.files of them.
	Files []schema.File
	// Sizes are the files' sizes and estimated parsed sizes, with the
	// limits they are measured against.
	Sizes []schema.FileSize
}

// DefaultOutput is the generated file's name: what generate writes by
// default, what the parent pipeline's trigger job includes as an artifact,
// and the name findings are reported against.
const DefaultOutput = "generated-config.yml"

// Generate selects, evaluates, renders and validates. It writes nothing.
// When the validator finds an error, the error returned lists every finding
// with its position in the would-be file and the cell that made the job, and
// the Result still carries the document for inspection.
func Generate(ctx context.Context, in Input) (*Result, error) {
	m := in.Manifest
	limits := m.Limits // checked by name and type when the manifest loaded
	sel := selection.Select(m, in.Changes)
	warnings, err := unowned(m, sel)
	if err != nil {
		return nil, err
	}
	// Targets that match no file are found while the cells evaluate.
	dead := make(chan []Warning, 1)
	if in.Files != nil {
		go func() { dead <- deadTargets(m, in.Files) }()
	} else {
		dead <- nil
	}
	secrets := evaluate.FindSecrets(in.Environ)
	vars, err := evaluate.AllowedVars(in.LookupEnv, m.Vars, secrets)
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
	warnings = append(warnings, <-dead...)
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
	name := in.OutputName
	if name == "" {
		name = DefaultOutput
	}
	files := Files(name, doc)
	for _, f := range files {
		if err := secrets.Check(results, f.Name, f.Data); err != nil {
			return nil, err
		}
	}
	r := &Result{Selection: sel, Cells: results, Document: doc, Warnings: warnings, Files: files}
	origins := make(map[string]schema.Origin, len(doc.Origins))
	for job, o := range doc.Origins {
		origins[job] = schema.Origin{Cell: o.Cell, Template: o.Template}
	}
	// Validate the bytes GitLab will read, not the tree they came from: the
	// encoder's output is what must pass.
	checked := schema.Check(files, schema.Options{Limits: limits, Origins: origins})
	r.Findings, r.Sizes = checked.Findings, checked.Sizes
	if schema.HasErrors(r.Findings) {
		return r, FindingsError(r.Findings)
	}
	return r, nil
}

// OutputFiles names the n files of a child pipeline whose first file is
// first: generated-config.yml, generated-config-2.yml, generated-config-3.yml.
// The parent's trigger job includes all of them (manifest output.files).
func OutputFiles(first string, n int) []string {
	names := []string{first}
	ext := path.Ext(first)
	for i := 2; i <= n; i++ {
		names = append(names, fmt.Sprintf("%s-%d%s", strings.TrimSuffix(first, ext), i, ext))
	}
	return names
}

// Files pairs the rendered files with their names (OutputFiles).
func Files(first string, doc *render.Document) []schema.File {
	names := OutputFiles(first, 1+len(doc.More))
	files := []schema.File{{Name: names[0], Data: doc.YAML}}
	for i, data := range doc.More {
		files = append(files, schema.File{Name: names[i+1], Data: data})
	}
	if len(doc.Entries) == len(files) {
		for i := range files {
			files[i].Entries = doc.Entries[i]
		}
	}
	return files
}

// FindingsError turns the validator's error findings into positioned
// errors: the place in the generated file, the rule, and the cell and
// template that produced the job.
func FindingsError(fs []schema.Finding) error {
	var errs []schema.Finding
	for _, f := range fs {
		if f.Severity == schema.SeverityError {
			errs = append(errs, f)
		}
	}
	var l diag.List
	// One cause is one error, however many jobs have it (schema.Group).
	for _, g := range schema.Group(errs) {
		f := g[0]
		e := &diag.Error{Pos: f.Pos, Msg: fmt.Sprintf("%s (%s)", f.Message, f.Rule)}
		if f.Origin != nil {
			cell := f.Origin.Cell
			e.Cell = &cell
			if f.Origin.Template != "" {
				e.Notes = append(e.Notes, "job "+f.Job+" comes from template "+f.Origin.Template)
			}
		}
		if lines := schema.Lines(g); len(lines) > 1 {
			e.Msg += strings.TrimPrefix(lines[0], f.String())
			e.Notes = append(e.Notes, lines[1:]...)
		}
		l = append(l, e)
	}
	return l.Err()
}
