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

// gitlabSchema is GitLab's schema check of one parsed file, run on its own
// goroutine while the validator's other checks run (the check reads the
// document and nothing else; it is about half of the validator's time on
// a large file).
type gitlabSchema struct {
	done     chan struct{}
	problems []gitlabci.Problem
	err      error
}

// startGitLabSchema starts GitLab's schema check of doc, the file being
// checked, unless the checks so far stopped at the file (syntax, size, not
// a mapping, inputs), in which case it returns nil.
func (v *validator) startGitLabSchema(doc *cidoc.Document) *gitlabSchema {
	if v.stoppedAt() {
		return nil
	}
	g := &gitlabSchema{done: make(chan struct{})}
	go func() {
		defer close(g.done)
		g.problems, g.err = gitlabci.CheckDocument(doc)
	}()
	return g
}

// stoppedAt reports whether the checks so far stopped at the file being
// checked: GitLab's schema is not applied to it then.
func (v *validator) stoppedAt() bool {
	for _, f := range v.out {
		if f.Pos.File != v.file || f.Severity != SeverityError {
			continue
		}
		switch f.Rule {
		case RuleYAMLSyntax, RuleEmptyFile, RuleNotAMapping, RuleYAMLSize, RuleYAMLDepth, RuleFileSize, RuleSpecInputs, RuleInputsInterpolation:
			return true
		}
	}
	return false
}

// finishGitLabSchema reports what GitLab's schema found in the file being
// checked, after the other checks, keeping only what they did not already
// say: a line another rule reported, and a job another rule found an error
// in, are left to those rules, whose messages use GitLab's wording.
func (v *validator) finishGitLabSchema(g *gitlabSchema) {
	if g == nil {
		return
	}
	<-g.done
	if v.stoppedAt() { // the files together too big, found since the start
		return
	}
	lines := map[int]bool{}
	jobs := map[string]bool{}
	for _, f := range v.out {
		if f.Pos.File != v.file || f.Severity != SeverityError {
			continue // another file of the same pipeline; a warning on the line (yaml11-reading says how GitLab reads a value) does not explain away the schema's error
		}
		if f.Job != "" {
			jobs[f.Job] = true
		}
		lines[f.Pos.Line] = true
	}
	if g.err != nil {
		v.errorf(nil, RuleGitLabSchema, "", "GitLab's CI schema cannot be used: %v", g.err)
		return
	}
	for _, p := range g.problems {
		if lines[p.Line] || jobs[p.Job] {
			continue
		}
		v.errorf(&yaml.Node{Line: p.Line, Column: p.Col}, p.Rule, p.Job, "%s", p.Message)
	}
}
