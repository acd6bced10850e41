package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator/diag"
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
	v := &validator{file: filename, opts: opts, lim: opts.Limits.WithDefaults()}
	v.run(data)
	for i := range v.out {
		if o, ok := opts.Origins[v.out[i].Job]; ok && v.out[i].Job != "" {
			o := o
			v.out[i].Origin = &o
		}
	}
	sortFindings(v.out)
	return dedupe(v.out)
}

type validator struct {
	file string
	opts Options
	lim  Limits
	out  []Finding
	cfg  *config
}

func (v *validator) report(n *yaml.Node, sev Severity, rule, job, format string, args ...any) {
	pos := diag.Pos{File: v.file, Line: 1, Col: 1}
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
	if v.cfg != nil && v.cfg.hasInclude {
		return SeverityWarning
	}
	return SeverityError
}

func (v *validator) includedNote() string {
	if v.cfg != nil && v.cfg.hasInclude {
		return " (unless an included file defines it)"
	}
	return ""
}

func (v *validator) run(data []byte) {
	v.checkFileSize(len(data))
	if len(bytes.TrimSpace(data)) == 0 {
		// GitLab: lib/gitlab/ci/config/external/file/base.rb
		v.errorf(nil, RuleEmptyFile, "", "File `%s` is empty!", v.file)
		return
	}
	docs, err := parseDocuments(data)
	if err != nil {
		line := 1
		var le *lineError
		if errors.As(err, &le) {
			line = le.line
		}
		v.errorf(&yaml.Node{Line: line, Column: 1}, RuleYAMLSyntax, "",
			"Included file `%s` does not have valid YAML syntax! %s", v.file, err)
		return
	}
	content := contentDocument(docs)
	if spec := specHeader(docs); spec != nil {
		v.interpolateInputs(spec, content)
	}
	if content == nil || len(content.Content) == 0 || kindOf(content) == kindNull {
		// Psych loads a comments-only file as nil; the loader then says
		// "Invalid configuration format" (lib/gitlab/config/loader/yaml.rb).
		v.errorf(content, RuleNotAMapping, "", "Invalid configuration format: the file has no content, only comments or `---`")
		return
	}
	root := resolve(content.Content[0])
	if root == nil || root.Kind != yaml.MappingNode || root.Tag == "!reference" {
		v.errorf(root, RuleNotAMapping, "", "Invalid configuration format: the top level must be a mapping of keywords and jobs, not %s", kindPhrase([]string{kindOf(root)}))
		return
	}
	v.checkDuplicateKeys(content, root)
	flattenMerges(content)
	if !v.checkParsedSize(content) {
		return // GitLab stops at "The parsed YAML is too big"
	}
	v.cfg = buildConfig(root)
	v.checkGlobals()
	v.checkJobs()
	v.checkGraph()
	v.checkPitfalls()
}

// lineError carries the line yaml.v3 reported ("yaml: line 3: …").
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return e.err.Error() }

var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+):`)

// parseDocuments reads every YAML document. yaml.v3 reports syntax errors
// as errors; anything it panics on is reported the same way so that no
// input crashes the validator.
func parseDocuments(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if e := dec.Decode(&doc); e != nil {
			if errors.Is(e, io.EOF) {
				return docs, nil
			}
			if m := yamlErrLine.FindStringSubmatch(e.Error()); m != nil {
				n, _ := strconv.Atoi(m[1])
				return nil, &lineError{line: n, err: e}
			}
			return nil, e
		}
		docs = append(docs, &doc)
	}
}

// contentDocument picks the pipeline document: a file may start with a
// header document holding only `spec:` (inputs), then `---` and the
// configuration (doc/ci/yaml/_index.md §spec).
func contentDocument(docs []*yaml.Node) *yaml.Node {
	if len(docs) == 0 {
		return nil
	}
	if len(docs) > 1 && len(docs[0].Content) > 0 {
		if ps := entries(docs[0].Content[0]); len(ps) == 1 && keyString(ps[0].Key) == "spec" {
			return docs[1]
		}
	}
	return docs[0]
}

// specHeader returns the value of the header document's `spec:`, or nil
// when the file has no header.
func specHeader(docs []*yaml.Node) *yaml.Node {
	if len(docs) > 1 && len(docs[0].Content) > 0 {
		if ps := entries(docs[0].Content[0]); len(ps) == 1 && keyString(ps[0].Key) == "spec" {
			return ps[0].Value
		}
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
	docs, err := parseDocuments(data)
	if err != nil {
		v.errorf(nil, RuleYAMLSyntax, "", "Included file `%s` does not have valid YAML syntax! %s", filename, err)
		return nil, v.out
	}
	spec := specHeader(docs)
	if spec == nil {
		return data, nil
	}
	content := contentDocument(docs)
	v.interpolateInputs(spec, content)
	sortFindings(v.out)
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
// pipeline"). It walks the written tree only, never through aliases.
func (v *validator) checkDuplicateKeys(n, root *yaml.Node) {
	if n == nil || n.Kind == yaml.AliasNode {
		return
	}
	if n.Kind == yaml.MappingNode {
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				continue
			}
			if first, ok := seen[k.Value]; ok {
				job := ""
				if n == root {
					job = k.Value
				}
				v.warnf(k, RuleDuplicateKey, job, "key `%s` is defined again (first at line %d); GitLab keeps only the last one", k.Value, first.Line)
				continue
			}
			seen[k.Value] = k
		}
	}
	for _, c := range n.Content {
		v.checkDuplicateKeys(c, root)
	}
}
