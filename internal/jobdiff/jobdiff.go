// Package jobdiff compares two generated child pipelines job by job: which
// jobs a change to the manifest or the templates adds, removes or modifies,
// with a YAML diff of each modified job. It is what `generate-config diff`
// prints for the reviewer of a template merge request.
//
// Both documents are read by internal/cidoc, the project's one reader of CI
// YAML, so aliases and merge keys are resolved as GitLab resolves them, and
// each top-level entry is re-encoded on its own, comments dropped, so the header (tool version, base, head) and layout
// differences of a file written by another version never show as changes.
package jobdiff

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/internal/textdiff"
	"gitlab.com/generate-config/generate-config/schema/keywords"
)

// Change is a job (or global keyword) whose YAML differs.
type Change struct {
	Name string `json:"name"`
	// Diff is the unified diff of the job's YAML, old → new.
	Diff string `json:"diff"`
}

// Result is the job-level difference between two configs.
type Result struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []Change `json:"changed"`
	// Globals are the top-level keywords (stages, variables, default,
	// workflow, include, ...) that differ, added or removed ones included.
	Globals   []Change `json:"globals"`
	Unchanged int      `json:"unchanged"`
}

// Empty reports whether the two configs hold the same jobs and globals.
func (r *Result) Empty() bool {
	return len(r.Added) == 0 && len(r.Removed) == 0 && len(r.Changed) == 0 && len(r.Globals) == 0
}

// Compare diffs the config oldYAML (labelled oldName in diffs) against
// newYAML (newName).
func Compare(oldName, newName string, oldYAML, newYAML []byte) (*Result, error) {
	oldDoc, err := parse(oldYAML)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", oldName, err)
	}
	newDoc, err := parse(newYAML)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", newName, err)
	}
	r := &Result{Added: []string{}, Removed: []string{}, Changed: []Change{}, Globals: []Change{}}
	for _, k := range union(oldDoc, newDoc) {
		o, inOld := oldDoc[k]
		n, inNew := newDoc[k]
		global := keywords.IsGlobal(k)
		switch {
		case inOld && inNew && bytes.Equal(o, n):
			if !global {
				r.Unchanged++
			}
		case global:
			r.Globals = append(r.Globals, Change{Name: k, Diff: textdiff.Unified(oldName+" "+k, newName+" "+k, o, n, 3)})
		case !inOld:
			r.Added = append(r.Added, k)
		case !inNew:
			r.Removed = append(r.Removed, k)
		default:
			r.Changed = append(r.Changed, Change{Name: k, Diff: textdiff.Unified(oldName+" "+k, newName+" "+k, o, n, 3)})
		}
	}
	return r, nil
}

func union(a, b map[string][]byte) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string][]byte{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// parse reads a config with internal/cidoc (the project's one reader of CI
// YAML: aliases and merge keys resolved as GitLab resolves them, a `spec:`
// header skipped) and encodes each top-level entry on its own, as a
// one-key mapping, so its diff shows the job's name as context.
func parse(data []byte) (map[string][]byte, error) {
	doc, err := cidoc.Parse(data)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	if doc.Root == nil {
		if cidoc.KindOf(doc.Content) == cidoc.KindNull { // empty file
			return out, nil
		}
		return nil, fmt.Errorf("the config is not a mapping of jobs")
	}
	for _, d := range doc.Duplicates {
		if d.TopLevel {
			return nil, fmt.Errorf("line %d: key %q appears twice", d.Key.Line, d.Key.Value)
		}
	}
	for _, p := range doc.Top {
		name := cidoc.KeyString(p.Key)
		if name == cidoc.ComplexKey {
			return nil, fmt.Errorf("line %d: a top-level key is not a string", p.Key.Line)
		}
		enc, err := encode(p)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", p.Key.Line, err)
		}
		out[name] = enc
	}
	return out, nil
}

// encode writes the entry with aliases expanded, so the job stands alone.
func encode(p cidoc.Pair) ([]byte, error) {
	v, err := cidoc.Expand(p.Value)
	if err != nil {
		return nil, err
	}
	key := *p.Key
	m := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{&key, v}}
	normalize(m)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// normalize drops comments and anchors (the header of a generated file is
// attached to its first key, and neither is part of a job) and the source's
// styles (flow or block, quoting), which mean the same to GitLab: only
// multi-line strings keep the literal block style, for readable diffs.
func normalize(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment, n.Anchor = "", "", "", ""
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.Contains(n.Value, "\n") {
		n.Style = yaml.LiteralStyle
	}
	for _, c := range n.Content {
		normalize(c)
	}
}
