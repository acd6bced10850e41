package schema

import (
	"gitlab.com/generate-config/generate-config/internal/cidoc"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/schema/gitlabci"
)

// This file hooks package gitlabci (GitLab's published CI JSON schema, and
// the UTF-8 check) into Validate.

// Rule ids of gitlabci's findings (docs/validation.md).
const (
	RuleGitLabSchema = gitlabci.RuleSchema
	RuleEncoding     = gitlabci.RuleEncoding
)

// checkEncoding reports a file that is not UTF-8; nothing else is checked
// then, since GitLab reads none of it.
func (v *validator) checkEncoding(data []byte) bool {
	p := gitlabci.CheckEncoding(data)
	if p == nil {
		return true
	}
	v.errorf(&yaml.Node{Line: p.Line, Column: p.Col}, p.Rule, "", "%s", p.Message)
	return false
}

// checkGitLabSchema validates the file against GitLab's schema, after the
// other checks, and keeps only what they did not already say: a line
// another rule reported, and a job another rule found an error in, are
// left to those rules, whose messages use GitLab's wording. A file those checks stopped at (syntax, size, not a
// mapping) is not checked.
func (v *validator) checkGitLabSchema(doc *cidoc.Document) {
	lines := map[int]bool{}
	jobs := map[string]bool{}
	for _, f := range v.out {
		if f.Pos.File != v.file {
			continue // another file of the same pipeline
		}
		if f.Severity == SeverityError && f.Job != "" {
			jobs[f.Job] = true
		}
		switch f.Rule {
		case RuleYAMLSyntax, RuleEmptyFile, RuleNotAMapping, RuleYAMLSize, RuleYAMLDepth, RuleFileSize, RuleSpecInputs, RuleInputsInterpolation:
			if f.Severity == SeverityError {
				return
			}
		}
		if f.Severity == SeverityError {
			// A warning on the line (yaml11-reading says how GitLab reads
			// a value) does not explain away the schema's error.
			lines[f.Pos.Line] = true
		}
	}
	problems, err := gitlabci.CheckDocument(doc)
	if err != nil {
		v.errorf(nil, RuleGitLabSchema, "", "GitLab's CI schema cannot be used: %v", err)
		return
	}
	for _, p := range problems {
		if lines[p.Line] || jobs[p.Job] {
			continue
		}
		v.errorf(&yaml.Node{Line: p.Line, Column: p.Col}, p.Rule, p.Job, "%s", p.Message)
	}
}
