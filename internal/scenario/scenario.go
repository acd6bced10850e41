// Package scenario runs the golden tests of a repository's CI configuration:
// each scenario file names a change set (and the CI variables of the run) and
// the child pipeline it must produce, inline or in a golden file. This is
// what `generate-config test` runs; template authors review a golden file's
// diff the way they review code.
//
// A scenario file is Jsonnet (or JSON) evaluating to an object:
//
//	{
//	  changed: ['libs/core/core.go'],      // or all: true
//	  vars: { CI_PIPELINE_SOURCE: 'push' }, // optional: the run's CI variables
//	  expect: 'ci/scenarios/core.golden.yml', // or expected: '...yaml...'
//	}
//
// Runs are reproducible: templates see only the scenario's vars (nothing of
// the real environment), and the header of the generated file names the fixed
// version Version instead of the tool's, so a golden file does not change
// when the tool is upgraded or built from a dirty tree.
package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/jsonnetvm"
	"gitlab.com/generate-config/generate-config/internal/textdiff"
	"gitlab.com/generate-config/generate-config/templates"
)

// Version is the tool version written in the header of every config a
// scenario generates, so golden files do not depend on the build.
const Version = "test"

// DefaultDir is where scenarios live unless told otherwise (init creates it).
const DefaultDir = "ci/scenarios"

// Rule is the change rule named in the header of a scenario's config.
const Rule = "scenario"

// GoldenSuffix is the suffix of the default golden file beside a scenario.
const GoldenSuffix = ".golden.yml"

// Scenario is one parsed scenario file.
type Scenario struct {
	// Name is the file's path below the scenario directory, without
	// ".jsonnet" ("core", "mr/docs-only").
	Name string
	// File is the scenario file, relative to the repository root.
	File    string
	All     bool
	Changed []string
	// Vars are the CI variables of the run; templates see nothing else.
	Vars map[string]string
	// Inline is set when the expectation is the scenario's `expected`
	// string; Expected holds it.
	Inline   bool
	Expected string
	// Golden is the golden file (repository-relative) when not Inline.
	Golden string
}

// LookupEnv serves the scenario's variables, and only those.
func (s *Scenario) LookupEnv(k string) (string, bool) {
	v, ok := s.Vars[k]
	return v, ok
}

// Resolution is the change set of the scenario.
func (s *Scenario) Resolution() changes.Resolution {
	if s.All {
		return changes.Resolution{Rule: Rule, All: true, Reason: "the scenario sets all: true"}
	}
	return changes.Explicit(s.Changed, Rule)
}

var knownFields = []string{"all", "changed", "description", "expect", "expected", "vars"}

// Load evaluates the scenario at file (repository-relative) in repo. name is
// its name below the scenario directory. Imports resolve like templates'.
func Load(repo fs.FS, file, name string) (*Scenario, error) {
	vm := jsonnetvm.NewVM(jsonnetvm.NewImporter(repo, templates.Library))
	out, err := jsonnetvm.EvaluateFile(vm, file)
	if err != nil {
		return nil, err
	}
	return Decode(file, name, []byte(out))
}

// Decode checks and decodes a scenario's JSON.
func Decode(file, name string, data []byte) (*Scenario, error) {
	at := func(format string, args ...any) error {
		return diag.Errorf(diag.Pos{File: file}, format, args...)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, at("a scenario must be an object with changed (or all: true) and expect or expected")
	}
	var unknown []string
	for k := range raw {
		if !contains(knownFields, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, at("unknown field %q in the scenario (known: %s)", unknown[0], strings.Join(knownFields, ", "))
	}
	s := &Scenario{Name: name, File: file, Vars: map[string]string{}}
	field := func(key string, v any, want string) error {
		r, ok := raw[key]
		if !ok {
			return nil
		}
		if err := json.Unmarshal(r, v); err != nil {
			return at("%s must be %s", key, want)
		}
		return nil
	}
	var changed *[]string
	if err := field("changed", &changed, "an array of paths"); err != nil {
		return nil, err
	}
	if err := field("all", &s.All, "a boolean"); err != nil {
		return nil, err
	}
	if err := field("vars", &s.Vars, "an object of strings ({CI_PIPELINE_SOURCE: 'push'})"); err != nil {
		return nil, err
	}
	var expected, expect *string
	if err := field("expected", &expected, "a string holding the expected YAML"); err != nil {
		return nil, err
	}
	if err := field("expect", &expect, "a string: the golden file, relative to the repository root"); err != nil {
		return nil, err
	}
	switch {
	case changed != nil && s.All:
		return nil, at("changed and all: true exclude each other")
	case changed == nil && !s.All:
		return nil, at("the scenario needs changed: [paths] or all: true")
	}
	if changed != nil {
		s.Changed = *changed
		if s.Changed == nil {
			s.Changed = []string{}
		}
		for i, p := range s.Changed {
			if err := changes.CheckPath(p); err != nil {
				return nil, at("changed[%d]: %v", i, err)
			}
		}
	}
	if s.Vars == nil {
		s.Vars = map[string]string{}
	}
	switch {
	case expected != nil && expect != nil:
		return nil, at("expect (a golden file) and expected (inline YAML) exclude each other")
	case expected != nil:
		s.Inline, s.Expected = true, *expected
	case expect != nil:
		if err := checkGolden(*expect); err != nil {
			return nil, at("expect: %v", err)
		}
		s.Golden = *expect
	default:
		s.Golden = strings.TrimSuffix(file, ".jsonnet") + GoldenSuffix
	}
	return s, nil
}

// checkGolden refuses golden paths that could overwrite something else on
// --update: outside the repository, or not a YAML file.
func checkGolden(p string) error {
	switch {
	case !fs.ValidPath(p) || p == ".":
		return fmt.Errorf("%q must be a path relative to the repository root, with '/' and without '..'", p)
	case !strings.HasSuffix(p, ".yml") && !strings.HasSuffix(p, ".yaml"):
		return fmt.Errorf("%q must end in .yml or .yaml", p)
	}
	return nil
}

// Find lists the scenario files (*.jsonnet) below dir in repo, sorted, as
// repository-relative paths.
func Find(repo fs.FS, dir string) ([]string, error) {
	dir = path.Clean(dir)
	st, err := fs.Stat(repo, dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no scenario directory %s (create one with scenarios, or pass --dir)", dir)
		}
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	var files []string
	err = fs.WalkDir(repo, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(p, ".jsonnet") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// Status is the verdict on one scenario.
type Status string

const (
	Pass    Status = "PASS"
	Fail    Status = "FAIL"
	Updated Status = "UPDATED" // --update rewrote the golden file
)

// Result is one scenario's outcome.
type Result struct {
	Scenario *Scenario
	// File is the scenario file (repository-relative), also when it could
	// not be loaded.
	File   string
	Name   string
	Status Status
	// Got is the generated config (nil when generation failed).
	Got []byte
	// Diff is the unified diff expected → generated, on a mismatch.
	Diff string
	// Err is why the scenario could not run (bad file, generation error).
	Err error
	// Note says more: a missing golden file, an inline expectation that
	// --update does not rewrite.
	Note string
	// Duration is how long the scenario took (for the JUnit report only).
	Duration time.Duration
}

// Options configure Run.
type Options struct {
	Repo     fs.FS
	Manifest string // manifest file, repository-relative
	Dir      string // scenario directory, repository-relative
	// Run selects scenarios whose name matches (as go test -run); nil for
	// all.
	Run *regexp.Regexp
	// Update rewrites golden files that differ or are missing.
	Update bool
	// WriteGolden writes a golden file (repository-relative path); needed
	// with Update.
	WriteGolden func(file string, data []byte) error
	// Show turns a repository-relative path into the form shown in diffs
	// and notes (relative to the user's working directory); nil shows it
	// as it is.
	Show    func(file string) string
	Workers int
}

func (o *Options) show(file string) string {
	if o.Show == nil {
		return file
	}
	return o.Show(file)
}

// Summary is the outcome of a run.
type Summary struct {
	Results []Result
	Passed  int // including Updated
	Failed  int
	Updated int
}

// ErrNoScenarios is returned when the directory (or --run) selects nothing:
// a test job that silently tests nothing should not pass.
var ErrNoScenarios = errors.New("no scenarios")

// Run loads the manifest once and runs every selected scenario in name
// order. A scenario that fails does not stop the others; the error return is
// for problems with the run itself (manifest, directory).
func Run(ctx context.Context, opts Options) (*Summary, error) {
	if opts.Update && opts.WriteGolden == nil {
		return nil, errors.New("scenario: Update needs WriteGolden")
	}
	files, err := Find(opts.Repo, opts.Dir)
	if err != nil {
		return nil, err
	}
	dir := path.Clean(opts.Dir)
	var selected []string
	for _, f := range files {
		if opts.Run == nil || opts.Run.MatchString(nameOf(dir, f)) {
			selected = append(selected, f)
		}
	}
	if len(selected) == 0 {
		if opts.Run != nil && len(files) > 0 {
			return nil, fmt.Errorf("%w: no scenario in %s matches --run %q", ErrNoScenarios, dir, opts.Run.String())
		}
		return nil, fmt.Errorf("%w in %s (a scenario is a .jsonnet file with changed and expect)", ErrNoScenarios, dir)
	}
	m, err := generator.LoadManifest(opts.Repo, opts.Manifest)
	if err != nil {
		return nil, err
	}
	sum := &Summary{}
	for _, f := range selected {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		r := runOne(ctx, opts, m, f, nameOf(dir, f))
		r.Duration = time.Since(start)
		switch r.Status {
		case Fail:
			sum.Failed++
		case Updated:
			sum.Updated++
			sum.Passed++
		default:
			sum.Passed++
		}
		sum.Results = append(sum.Results, r)
	}
	return sum, nil
}

func nameOf(dir, file string) string {
	rel := strings.TrimPrefix(file, dir+"/")
	if dir == "." {
		rel = file
	}
	return strings.TrimSuffix(rel, ".jsonnet")
}

func runOne(ctx context.Context, opts Options, m *manifest.Manifest, file, name string) Result {
	r := Result{File: file, Name: name, Status: Fail}
	s, err := Load(opts.Repo, file, name)
	if err != nil {
		r.Err = err
		return r
	}
	r.Scenario = s
	got, err := Generate(ctx, opts.Repo, m, s, opts.Workers)
	if err != nil {
		r.Err = err
		return r
	}
	r.Got = got

	if s.Inline {
		if s.Expected == string(got) {
			r.Status = Pass
			return r
		}
		r.Diff = textdiff.Unified(opts.show(s.File)+": expected", "generated", []byte(s.Expected), got, 3)
		if opts.Update {
			r.Note = "the expectation is inline (expected: in " + opts.show(s.File) + "): --update rewrites golden files only; edit it, or replace it with expect: a golden file"
		}
		return r
	}

	want, err := fs.ReadFile(opts.Repo, s.Golden)
	missing := errors.Is(err, fs.ErrNotExist)
	switch {
	case err != nil && !missing:
		r.Err = fmt.Errorf("reading the golden file %s: %w", opts.show(s.Golden), err)
		return r
	case err == nil && bytes.Equal(want, got):
		r.Status = Pass
		return r
	case opts.Update:
		if err := opts.WriteGolden(s.Golden, got); err != nil {
			r.Err = fmt.Errorf("writing the golden file %s: %w", opts.show(s.Golden), err)
			return r
		}
		r.Status = Updated
		if missing {
			r.Note = "created " + opts.show(s.Golden)
		} else {
			r.Note = "rewrote " + opts.show(s.Golden)
		}
		return r
	case missing:
		r.Note = "the golden file " + opts.show(s.Golden) + " does not exist: run with --update to create it, then review it"
		return r
	}
	r.Diff = textdiff.Unified(opts.show(s.Golden), "generated", want, got, 3)
	return r
}

// Generate produces the config of one scenario: the data path of generate,
// with the scenario's change set, its variables as the only environment and
// the fixed header version.
func Generate(ctx context.Context, repo fs.FS, m *manifest.Manifest, s *Scenario, workers int) ([]byte, error) {
	res, err := generator.Generate(ctx, generator.Input{
		Repo: repo, Manifest: m, Changes: s.Resolution(),
		Pipeline: evaluate.PipelineFromEnv(s.LookupEnv), LookupEnv: s.LookupEnv,
		Version: Version, Workers: workers,
	})
	if err != nil {
		return nil, err
	}
	return res.Document.Whole(), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
