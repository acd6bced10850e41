package schema

import (
	"bytes"
	"errors"
	"fmt"

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
	if v.checkEncoding(data) { // gitlabci_hook.go
		v.run(data)
		v.checkGitLabSchema(data)
	}
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
	cfg  *cidoc.Document
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

func (v *validator) run(data []byte) {
	v.checkFileSize(len(data))
	if len(bytes.TrimSpace(data)) == 0 {
		// GitLab: lib/gitlab/ci/config/external/file/base.rb
		v.errorf(nil, RuleEmptyFile, "", "File `%s` is empty!", v.file)
		return
	}
	doc, err := cidoc.Parse(data)
	if err != nil {
		line := 1
		var se *cidoc.SyntaxError
		if errors.As(err, &se) && se.Line > 0 {
			line = se.Line
		}
		v.errorf(&yaml.Node{Line: line, Column: 1}, RuleYAMLSyntax, "",
			"Included file `%s` does not have valid YAML syntax! %s", v.file, err)
		return
	}
	content := doc.Content
	if content == nil || len(content.Content) == 0 || cidoc.KindOf(content) == cidoc.KindNull {
		// Psych loads a comments-only file as nil; the loader then says
		// "Invalid configuration format" (lib/gitlab/config/loader/yaml.rb).
		v.errorf(content, RuleNotAMapping, "", "Invalid configuration format: the file has no content, only comments or `---`")
		return
	}
	if doc.Root == nil {
		root := cidoc.Resolve(content.Content[0])
		v.errorf(root, RuleNotAMapping, "", "Invalid configuration format: the top level must be a mapping of keywords and jobs, not %s", kindPhrase([]string{cidoc.KindOf(root)}))
		return
	}
	v.checkDuplicateKeys(doc)
	v.checkYAML11(content, doc.Root)
	if !v.checkParsedSize(content) {
		return // GitLab stops at "The parsed YAML is too big"
	}
	v.cfg = doc
	v.checkGlobals()
	v.checkJobs()
	v.checkGraph()
	v.checkPitfalls()
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
