// Package render is the fourth step of the data path: the jobs of every
// cell are merged into one child-pipeline document and encoded as YAML by the
// encoder (never by text templates), in a stable, readable order, so the
// same inputs always give the same bytes.
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/internal/compact"
	"gitlab.com/generate-config/generate-config/internal/par"
	"gitlab.com/generate-config/generate-config/internal/yaml11"
	"gitlab.com/generate-config/generate-config/schema"
	"gitlab.com/generate-config/generate-config/schema/keywords"
)

// Origin says which cell made a job and from which template.
type Origin struct {
	Cell     diag.Cell
	Template string
}

// Header is the information written as a comment at the top of the file.
type Header struct {
	Version  string
	Base     string
	Head     string
	Rule     string
	Reason   string // why everything was selected, when it was
	Selected int
	Targets  int
}

// Document is a rendered child pipeline.
type Document struct {
	YAML    []byte
	Jobs    []string          // job names, sorted (hidden ones included; VisibleJobs counts the others)
	Origins map[string]Origin // job → cell (absent for the no-op job)
	Stages  []string
	Noop    bool // no target was selected: the file holds the no-op job
	// More are the second and third output files when the manifest's
	// output.files asks for more than one (YAML is the first); the
	// generator names them (generator.OutputFiles).
	More [][]byte
	// Entries are, for each file (YAML, then More), the byte offsets where
	// the entries of its top-level mapping begin: the validator reads a
	// large file in parts with them (cidoc.ParseEntries).
	Entries [][]int
	// whole encodes the pipeline as one document, when it has several
	// files (nil otherwise): see Whole.
	whole func() []byte
	// Compaction says what compaction did; nil when it did nothing.
	Compaction *Compaction
}

// Compaction is what internal/compact did to the document: the hidden jobs
// it added and the estimated parsed size of the jobs (schema.ValueSize)
// before and after.
type Compaction struct {
	Templates     []string
	Before, After int
}

// Whole is the pipeline as one YAML document, whatever the number of
// files: what GitLab builds by merging them.
// Only what reads the pipeline whole (diagrams, diffs, scenario goldens)
// pays for encoding it once more.
func (d *Document) Whole() []byte {
	if d.whole != nil {
		return d.whole()
	}
	return d.YAML
}

// VisibleJobs is the number of jobs GitLab runs: hidden templates (`.name`)
// are not jobs. Every job count a run prints (the file's header, the
// summary, the dotenv report) is this one.
func (d *Document) VisibleJobs() int {
	n := 0
	for _, j := range d.Jobs {
		if !cidoc.IsHidden(j) {
			n++
		}
	}
	return n
}

// DefaultNoopName is the no-op job's name unless the manifest sets one.
const DefaultNoopName = "generate-config:nothing-to-do"

// Render merges the results of the cells and encodes the document.
func Render(m *manifest.Manifest, results []evaluate.Result, h Header) (*Document, error) {
	jobs := map[string]any{}
	origins := map[string]Origin{}
	var errs diag.List
	refused := mergeKeys(results)
	for ri, r := range results {
		id := r.Cell.ID()
		names := make([]string, 0, len(r.Jobs))
		for n := range r.Jobs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			job := r.Jobs[name]
			pos := diag.Pos{File: r.Cell.Target.Template}
			if err := checkJobName(name); err != nil {
				errs = append(errs, &diag.Error{Pos: pos, Msg: err.Error(), Cell: &id})
				continue
			}
			if path, ok := refused[ri][name]; ok {
				errs = append(errs, &diag.Error{Pos: pos, Cell: &id, Msg: mergeKeyMsg(path)})
				continue
			}
			if _, ok := job.(map[string]any); !ok {
				errs = append(errs, &diag.Error{Pos: pos, Msg: fmt.Sprintf("job %q must be an object", name), Cell: &id})
				continue
			}
			if prev, dup := origins[name]; dup {
				// Hidden jobs (".base") are templates for `extends`; every
				// cell of a template may define the same one.
				if strings.HasPrefix(name, ".") && reflect.DeepEqual(jobs[name], job) {
					continue
				}
				errs = append(errs, &diag.Error{Pos: pos, Cell: &id, Msg: fmt.Sprintf(
					"job %q is produced twice: by cell %s (%s) and by cell %s (%s); put the target, os and arch in the job name (gc.jobName)",
					name, prev.Cell, prev.Template, id, r.Cell.Target.Template)})
				continue
			}
			jobs[name] = job
			origins[name] = Origin{Cell: id, Template: r.Cell.Target.Template}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}

	doc := &Document{Origins: origins}
	if !hasVisibleJob(jobs) {
		name, job := noopJob(m, h)
		jobs[name] = job
		doc.Noop = true
	}

	stages := m.Stages
	if len(stages) == 0 {
		stages = inferStages(jobs)
	}
	doc.Stages = stages
	if wantCompaction(m, jobs) {
		if c := compact.Jobs(jobs); c.Compacted() {
			jobs = c.Jobs
			doc.Compaction = &Compaction{Templates: c.Templates, Before: c.Before, After: c.After}
		}
	}

	for name := range jobs {
		doc.Jobs = append(doc.Jobs, name)
	}
	sort.Strings(doc.Jobs)

	globals := map[string]any{"stages": toAny(stages)}
	for k, v := range m.Pipeline {
		globals[k] = v
	}
	var first topLevel
	for _, k := range topLevelOrder {
		if v, ok := globals[k]; ok {
			first.add(k, v, k == "default")
		}
	}
	files := splitJobs(doc.Jobs, jobs, max(m.Output.Files, 1), schema.ValueSize(globals))
	if len(files) > 1 {
		// The pipeline as one document, as GitLab merges the files, encoded
		// when asked for. It cannot fail where the files did not.
		globals := topLevel{
			keys:     slices.Clone(first.keys),
			values:   slices.Clone(first.values),
			jobLevel: slices.Clone(first.jobLevel),
		}
		head := header(h, doc.VisibleJobs(), doc.Compaction)
		doc.whole = sync.OnceValue(func() []byte {
			all := globals
			for _, name := range doc.Jobs {
				all.add(name, jobs[name], true)
			}
			out, err := encodeDocument(head, all)
			if err != nil {
				panic(fmt.Sprintf("render: encoding the merged document: %v", err))
			}
			return out
		})
	}
	for i, names := range files {
		top := topLevel{}
		if i == 0 {
			top = first
		}
		visible := 0
		for _, name := range names {
			top.add(name, jobs[name], true)
			if !cidoc.IsHidden(name) {
				visible++
			}
		}
		if len(top.keys) == 0 {
			// GitLab refuses an empty included file ("File `…` is empty!"),
			// and a hidden job is the smallest content it accepts: its
			// value must be present (lib/gitlab/ci/config/entry/hidden.rb).
			top.add(fmt.Sprintf("%sfile-%d", compact.Prefix, i+1), emptyFileJob(i+1, len(files)), true)
		}
		head := header(h, doc.VisibleJobs(), doc.Compaction)
		if len(files) > 1 {
			head += fmt.Sprintf("\n# file %d of %d: %d of the jobs", i+1, len(files), visible)
		}
		out, starts, err := encodeEntries(head, top)
		if err != nil {
			return nil, fmt.Errorf("encoding YAML: %w", err)
		}
		doc.Entries = append(doc.Entries, starts)
		if i == 0 {
			doc.YAML = out
		} else {
			doc.More = append(doc.More, out)
		}
	}
	return doc, nil
}

// splitJobs spreads the jobs, in name order, over n files of about the
// same parsed size (schema.ValueSize); the first file also holds the
// global keywords (first bytes) and, as their names sort first, the hidden
// jobs. A job's needs and extends may name a job in another file: GitLab
// resolves them after merging the files. A file may come out empty.
func splitJobs(names []string, jobs map[string]any, n, first int) [][]string {
	if n <= 1 {
		return [][]string{names}
	}
	sizes := make([]int, len(names))
	total := first
	for i, name := range names {
		sizes[i] = schema.ValueSize(name) + schema.ValueSize(jobs[name])
		total += sizes[i]
	}
	out := make([][]string, n)
	k, acc := 0, first
	for i, name := range names {
		// On to the next file once this one holds its share.
		for k < n-1 && acc >= (k+1)*total/n {
			k++
		}
		out[k] = append(out[k], name)
		acc += sizes[i]
	}
	return out
}

// emptyFileJob is the content of an output file that holds no job this
// time: the parent's trigger job includes every file, so each must exist
// and be one GitLab accepts.
func emptyFileJob(i, n int) map[string]any {
	return map[string]any{"variables": map[string]any{
		"GENERATE_CONFIG_FILE": fmt.Sprintf("%d of %d, without jobs this time", i, n),
	}}
}

// wantCompaction applies the manifest's output.compact. "auto" compacts
// when the jobs' estimated parsed size is more than half of what the output
// files may hold (max_yaml_size_bytes per file); the parsed size is the
// binding measure, far above the file size for any realistic file, whose
// own limit the validator checks.
func wantCompaction(m *manifest.Manifest, jobs map[string]any) bool {
	switch m.Output.Compact {
	case manifest.CompactNever:
		return false
	case manifest.CompactAlways:
		return true
	}
	files := max(m.Output.Files, 1)
	return compact.Size(jobs) > files*m.Limits.WithDefaults().MaxYAMLSizeBytes/2
}

// topLevel is the document's top-level mapping in file order; jobLevel
// marks the values whose keys follow GitLab's conventional job key order.
type topLevel struct {
	keys     []string
	values   []any
	jobLevel []bool
}

func (t *topLevel) add(k string, v any, jobLevel bool) {
	t.keys = append(t.keys, k)
	t.values = append(t.values, v)
	t.jobLevel = append(t.jobLevel, jobLevel)
}

// encodeDocument writes the document: the head comment, then the mapping
// (emit.go).
func encodeDocument(head string, top topLevel) ([]byte, error) {
	out, _, err := encodeEntries(head, top)
	return out, err
}

// encodeEntries is encodeDocument that also returns where each top-level
// entry begins (Document.Entries).
func encodeEntries(head string, top topLevel) ([]byte, []int, error) {
	return emitDocument(head, top.keys, top.values, top.jobLevel, 512*len(top.keys))
}

func hasVisibleJob(jobs map[string]any) bool {
	for name := range jobs {
		if !cidoc.IsHidden(name) {
			return true
		}
	}
	return false
}

// inferStages lists the stages the visible jobs run in, after extends (a
// stage a job inherits from a hidden template counts), resolved by
// internal/cidoc exactly as the validator resolves it in the written file.
func inferStages(jobs map[string]any) []string {
	stages := cidoc.JobStages(jobs)
	used := map[string]bool{}
	for name := range jobs {
		if cidoc.IsHidden(name) {
			continue
		}
		s := stages[name]
		if s == "" {
			// No string stage: the validator reports the value; the
			// renderer declares GitLab's default job stage as before.
			s = keywords.DefaultJobStage()
		}
		used[s] = true
	}
	return orderStages(used)
}

// checkJobName refuses names GitLab would read as something else.
func checkJobName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("a job name is empty")
	case keywords.IsReservedJobName(name):
		return fmt.Errorf("job name %q is a global keyword; set global keywords in the manifest's `pipeline` field", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("job name %q contains a control character", name)
		}
	}
	return nil
}

var shaLike = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// noopJob is the visible job of an empty selection, so GitLab never fails
// with "jobs config should contain at least one visible job". It clones
// nothing (GIT_STRATEGY: none). Only SHAs reach its script: a branch name
// could carry shell syntax.
func noopJob(m *manifest.Manifest, h Header) (string, any) {
	name := m.Noop.Name
	if name == "" {
		name = DefaultNoopName
	}
	job := map[string]any{}
	for k, v := range m.Noop.Job {
		job[k] = v
	}
	if _, ok := job["script"]; !ok {
		msg := "No target is affected by the changes"
		if shaLike.MatchString(h.Base) && shaLike.MatchString(h.Head) {
			msg += " between " + h.Base + " and " + h.Head
		}
		job["script"] = []any{"echo '" + msg + " (generate-config).'"}
	}
	if _, ok := job["stage"]; !ok {
		if len(m.Stages) > 0 {
			job["stage"] = m.Stages[0]
		} else {
			job["stage"] = keywords.DefaultJobStage()
		}
	}
	if _, ok := job["variables"]; !ok {
		job["variables"] = map[string]any{"GIT_STRATEGY": "none"}
	}
	return name, job
}

// header is the comment at the top of the file. Values are sanitised: a
// newline in a ref or reason must not be able to end the comment and start
// YAML.
func header(h Header, jobs int, c *Compaction) string {
	lines := []string{
		"Generated by generate-config " + clean(h.Version) + ". Do not edit: change the manifest or the templates.",
	}
	if h.Base != "" || h.Head != "" || h.Rule != "" {
		lines = append(lines, fmt.Sprintf("base: %s  head: %s  rule: %s", orUnknown(h.Base), orUnknown(h.Head), orUnknown(h.Rule)))
	}
	if h.Reason != "" {
		lines = append(lines, "everything selected: "+h.Reason)
	}
	lines = append(lines, fmt.Sprintf("targets: %d of %d selected, jobs: %d", h.Selected, h.Targets, jobs))
	if c != nil {
		jobs := "hidden jobs hold"
		if len(c.Templates) == 1 {
			jobs = "hidden job holds"
		}
		lines = append(lines, fmt.Sprintf("compacted: %d %s (%s…) values that jobs share, through extends; parsed size about %d → %d bytes (-%d %%)",
			len(c.Templates), jobs, compact.Prefix, c.Before, c.After, 100-c.After*100/max(c.Before, 1)))
	}
	for i, l := range lines {
		lines[i] = "# " + clean(l)
	}
	return strings.Join(lines, "\n")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return ' '
		}
		return r
	}, s)
}

// mergeKeyPath finds a `<<` key whose value is a mapping or a sequence in
// v (a job named name). Psych merges such a key into its mapping even when
// it is quoted (Psych::Visitors::ToRuby#revive_hash only spares a key
// tagged !!str), so no quoting can write it: a job named `<<` would be
// merged into the top level. It returns the key's path.
// mergeKeys runs mergeKeyPath over every job of every result, the results
// shared among GOMAXPROCS goroutines (a walk of every value): for each
// result, the jobs that hold a `<<` key, with its path.
func mergeKeys(results []evaluate.Result) []map[string]string {
	out := make([]map[string]string, len(results))
	par.Stride(len(results), 64, func(_, i int) {
		for name, job := range results[i].Jobs {
			if path, ok := mergeKeyPath(job, name); ok {
				if out[i] == nil {
					out[i] = map[string]string{}
				}
				out[i][name] = path
			}
		}
	})
	return out
}

func mergeKeyPath(v any, path string) (string, bool) {
	if path == yaml11.MergeKey {
		return path, true
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == yaml11.MergeKey {
				switch x[k].(type) {
				case map[string]any, []any:
					return path + "." + k, true
				}
			}
			if p, ok := mergeKeyPath(x[k], path+"."+k); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range x {
			if p, ok := mergeKeyPath(e, fmt.Sprintf("%s[%d]", path, i)); ok {
				return p, true
			}
		}
	}
	return "", false
}

func mergeKeyMsg(path string) string {
	if path == yaml11.MergeKey {
		return "job name `<<` cannot be written: GitLab's YAML parser (Psych) reads the key `<<` as a merge key even when quoted, so the job's keys would be merged into the top level; rename the job"
	}
	return fmt.Sprintf("key %q cannot be written: GitLab's YAML parser (Psych) reads a `<<` key whose value is a mapping or a list as a merge key even when quoted; rename the key", path)
}

// viaJSON converts a Go value of a type decoded JSON never holds into its
// decoded-JSON form (numbers as json.Number).
func viaJSON(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var w any
	if err := dec.Decode(&w); err != nil {
		return nil, err
	}
	return w, nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}
