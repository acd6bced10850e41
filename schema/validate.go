package schema

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/internal/cidoc"
)

// Options tune a validation run.
type Options struct {
	// Limits override GitLab's defaults; zero fields keep the default.
	Limits Limits
	// Origins maps a job name to the matrix cell and template that
	// produced it, so findings can name them.
	Origins map[string]Origin
	// Inputs are the values given to the file's `spec: inputs:` (as an
	// include:inputs or a component's inputs would give them: string,
	// bool, int or float64, []any); inputs not given take their default.
	// Ignored for a file without a spec header.
	Inputs map[string]any
	// Level is how deep in the pipeline hierarchy the validated file runs:
	// 0 or 1 for a child of the parent pipeline (what generate writes), 2
	// for a grandchild. A trigger of a child pipeline in a file at level
	// Limits.MaxChildDepth would go deeper than GitLab allows.
	Level int
}

// Validate checks one child pipeline file and returns its findings sorted
// by line, column and rule. filename is used as given in positions.
func Validate(filename string, data []byte, opts Options) []Finding {
	return ValidateFiles([]File{{Name: filename, Data: data}}, opts)
}

// File is one file of a child pipeline: trigger:include lists up to three
// (Limits.MaxTriggerIncludes), which GitLab merges into one configuration.
type File struct {
	Name string
	Data []byte
	// Entries optionally gives the byte offsets where the entries of the
	// file's top-level mapping begin, as the program that wrote the file
	// knows them; the validator then parses a large file in parts at once
	// (cidoc.ParseEntries, which checks the offsets and falls back to one
	// parse). The reading is the same either way.
	Entries []int
}

// ValidateFiles checks the files of one child pipeline. What GitLab checks
// per file (encoding, syntax, the file and parsed-YAML size limits, GitLab's
// schema) is checked on each; jobs, stages, needs and extends on their
// merged configuration, since GitLab resolves them after merging; and the
// parsed sizes together against ci_max_total_yaml_size_bytes. Findings name
// the file they are in, sorted by file (in the order given), line, column
// and rule.
func ValidateFiles(files []File, opts Options) []Finding {
	return Check(files, opts).Findings
}

// Checked is what Check found and measured.
type Checked struct {
	Findings []Finding
	// Sizes are each file's size and estimated parsed size, in order, to
	// show against the limits (Limits.WithDefaults).
	Sizes []FileSize
}

// FileSize is one file's size on disk and its estimated parsed size in
// GitLab's memory (ParsedSize); Parsed is 0 when the file did not parse.
type FileSize struct {
	Name           string `json:"name"`
	Bytes          int    `json:"bytes"`
	ParsedBytes    int    `json:"parsed_bytes"`
	MaxBytes       int    `json:"max_bytes"`
	MaxParsedBytes int    `json:"max_parsed_bytes"`
}

// Check is ValidateFiles with the sizes it measured.
func Check(files []File, opts Options) Checked {
	v := &validator{opts: opts, lim: opts.Limits.WithDefaults()}
	sizes := make([]FileSize, len(files))
	var docs []*cidoc.Document
	parsed := make([]*cidoc.Document, len(files))
	gitlab := make([]*gitlabSchema, len(files))
	whole, total := true, 0
	for i, f := range files {
		v.file = f.Name
		v.parsedSize = 0
		var doc *cidoc.Document
		v.early = nil
		if v.checkEncoding(f.Data) { // gitlabci_hook.go
			doc = v.parse(f.Data, f.Entries)
		}
		parsed[i] = doc
		switch {
		case doc == nil && v.early != nil:
			<-v.early.done // the checks stopped at the file: dropped
		case v.early != nil:
			gitlab[i] = v.early
		case doc != nil:
			gitlab[i] = v.startGitLabSchema(doc) // gitlabci_hook.go
		}
		sizes[i] = FileSize{Name: f.Name, Bytes: len(f.Data), ParsedBytes: v.parsedSize, MaxBytes: v.lim.MaxFileBytes, MaxParsedBytes: v.lim.MaxYAMLSizeBytes}
		if doc == nil {
			whole = false
			continue
		}
		docs = append(docs, doc)
		total += v.parsedSize
	}
	if len(files) > 1 && whole {
		v.file = files[0].Name
		v.checkTotalSize(total)
		v.nodeFile = map[*yaml.Node]string{}
		for i, d := range docs {
			d.Nodes(func(n *yaml.Node) { v.nodeFile[n] = files[i].Name })
		}
	}
	if whole && len(docs) > 0 {
		v.cfg = docs[0]
		if len(docs) > 1 {
			v.cfg = cidoc.Merge(docs...)
		}
		v.checkGlobals()
		v.checkJobs()
		v.checkGraph()
		v.checkPitfalls()
	}
	for i, f := range files {
		v.file = f.Name
		v.finishGitLabSchema(gitlab[i])
	}
	order := map[string]int{}
	for i, f := range files {
		if _, ok := order[f.Name]; !ok {
			order[f.Name] = i
		}
	}
	for i := range v.out {
		if o, ok := opts.Origins[v.out[i].Job]; ok && v.out[i].Job != "" {
			o := o
			v.out[i].Origin = &o
		}
	}
	sortFindings(v.out, order)
	return Checked{Findings: dedupe(v.out), Sizes: sizes}
}

type validator struct {
	file string // the file being checked, or the first of several
	opts Options
	lim  Limits
	out  []Finding
	cfg  *cidoc.Document
	// nodeFile names the file of each node when several files are checked
	// together; nodes it lacks (made by extends merging) are in file.
	nodeFile map[*yaml.Node]string
	// parsedSize is the last parsed file's estimated parsed size.
	parsedSize int
	// early is GitLab's schema check of the file being parsed, when parse
	// could start it before its other checks.
	early *gitlabSchema
}

func (v *validator) report(n *yaml.Node, sev Severity, rule, job, format string, args ...any) {
	pos := diag.Pos{File: v.file, Line: 1, Col: 1}
	if f, ok := v.nodeFile[n]; ok && n != nil {
		pos.File = f
	}
	if n != nil && n.Line > 0 {
		pos.Line, pos.Col = n.Line, n.Column
	}
	v.out = append(v.out, Finding{Pos: pos, Severity: sev, Message: fmt.Sprintf(format, args...), Rule: rule, Job: job})
}

func (v *validator) errorf(n *yaml.Node, rule, job, format string, args ...any) {
	v.report(n, SeverityError, rule, job, format, args...)
}

func (v *validator) warnf(n *yaml.Node, rule, job, format string, args ...any) {
	v.report(n, SeverityWarning, rule, job, format, args...)
}

// unlessIncluded is the severity of "X not found": an error, unless the file
// has an include that might define X.
func (v *validator) unlessIncluded() Severity {
	if v.cfg != nil && v.cfg.HasInclude {
		return SeverityWarning
	}
	return SeverityError
}

func (v *validator) includedNote() string {
	if v.cfg != nil && v.cfg.HasInclude {
		return " (unless an included file defines it)"
	}
	return ""
}

// parse checks one file on its own, as GitLab does each included file, and
// returns its document; nil when GitLab would stop at this file.
func (v *validator) parse(data []byte, entries []int) *cidoc.Document {
	v.parsedSize = 0
	v.checkFileSize(len(data))
	if len(bytes.TrimSpace(data)) == 0 {
		// GitLab: lib/gitlab/ci/config/external/file/base.rb
		v.errorf(nil, RuleEmptyFile, "", "File `%s` is empty!", v.file)
		return nil
	}
	doc, err := cidoc.ParseEntries(data, entries)
	if err != nil {
		line := 1
		var se *cidoc.SyntaxError
		if errors.As(err, &se) && se.Line > 0 {
			line = se.Line
		}
		v.errorf(&yaml.Node{Line: line, Column: 1}, RuleYAMLSyntax, "",
			"Included file `%s` does not have valid YAML syntax! %s", v.file, err)
		return nil
	}
	content := doc.Content
	if content == nil || len(content.Content) == 0 || cidoc.KindOf(content) == cidoc.KindNull {
		// Psych loads a comments-only file as nil; the loader then says
		// "Invalid configuration format" (lib/gitlab/config/loader/yaml.rb).
		v.errorf(content, RuleNotAMapping, "", "Invalid configuration format: the file has no content, only comments or `---`")
		return nil
	}
	if doc.Root == nil {
		root := cidoc.Resolve(content.Content[0])
		v.errorf(root, RuleNotAMapping, "", "Invalid configuration format: the top level must be a mapping of keywords and jobs, not %s", kindPhrase([]string{cidoc.KindOf(root)}))
		return nil
	}
	v.checkDuplicateKeys(doc)
	if specHeader(doc) == nil && !doc.Aliases {
		// GitLab's schema reads the document as it is now (no inputs to
		// interpolate), and without aliases its conversion is no larger
		// than the parsed tree: start it while the other checks run. If
		// they stop at the file, its result is dropped.
		v.early = v.startGitLabSchema(doc)
	}
	v.checkYAML11(content, doc.Root, doc.MergeKeys) // as written, before any interpolation
	if spec := specHeader(doc); spec != nil {
		// GitLab interpolates $[[ inputs ]] into the loaded values, then
		// reads the jobs.
		v.interpolateInputs(spec, content)
		doc.Rebuild()
	}
	if !v.checkParsedSize(content) {
		return nil // GitLab stops at "The parsed YAML is too big"
	}
	return doc
}

// specHeader returns the value of the header document's `spec:`, or nil
// when the file has no header.
func specHeader(doc *cidoc.Document) *yaml.Node {
	if doc.Header == nil || len(doc.Header.Content) == 0 {
		return nil
	}
	if p, ok := cidoc.Lookup(cidoc.Entries(doc.Header.Content[0]), "spec"); ok {
		return p.Value
	}
	return nil
}

// Interpolate returns the configuration of a file with a `spec: inputs:`
// header as GitLab would see it with the given inputs (defaults for the
// others): the header dropped and every `$[[ inputs.NAME ]]` replaced. A
// file without a header is returned as it is. The findings are those of
// the header and the interpolation alone; Validate runs every check.
func Interpolate(filename string, data []byte, inputs map[string]any) ([]byte, []Finding) {
	v := &validator{file: filename, opts: Options{Inputs: inputs}}
	doc, err := cidoc.Parse(data)
	if err != nil {
		v.errorf(nil, RuleYAMLSyntax, "", "Included file `%s` does not have valid YAML syntax! %s", filename, err)
		return nil, v.out
	}
	spec := specHeader(doc)
	if spec == nil {
		return data, nil
	}
	content := doc.Content
	v.interpolateInputs(spec, content)
	sortFindings(v.out, nil)
	// The interpolated values are typed by their tags (inputs.go); written
	// out, they are plain YAML again, quoted where YAML needs it.
	cidoc.Walk(content, func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Tag, "!!") {
			n.Style &^= yaml.TaggedStyle
		}
	})
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(content); err != nil {
		v.errorf(nil, RuleYAMLSyntax, "", "%v", err)
		return nil, v.out
	}
	enc.Close()
	return b.Bytes(), dedupe(v.out)
}

// checkDuplicateKeys warns about keys repeated in one mapping: Psych keeps
// the last one silently, so a generator that emits two jobs of the same
// name loses one (doc/ci/jobs/_index.md: "only one is added to the
// pipeline").
func (v *validator) checkDuplicateKeys(doc *cidoc.Document) {
	for _, d := range doc.Duplicates {
		job := ""
		if d.TopLevel {
			job = d.Key.Value
		}
		v.warnf(d.Key, RuleDuplicateKey, job, "key `%s` is defined again (first at line %d); GitLab keeps only the last one", d.Key.Value, d.First.Line)
	}
}
