// Package jobdiff compares two generated child pipelines job by job: which
// jobs a change to the manifest or the templates adds, removes or modifies,
// with a YAML diff of each modified job. It is what `generate-config diff`
// prints for the reviewer of a template merge request.
//
// Both documents are read as YAML and each job is re-encoded on its own,
// comments dropped, so the header (tool version, base, head) and layout
// differences of a file written by another version never show as changes.
package jobdiff

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/textdiff"
	"gitlab.com/generate-config/generate-config/schema"
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
		global := schema.IsReservedJobName(k)
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

// parse reads a config and encodes each top-level entry on its own, as a
// one-key mapping, so its diff shows the job's name as context.
func parse(data []byte) (map[string][]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	if doc.Kind == 0 { // empty file
		return out, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the config is not a mapping of jobs")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: a top-level key is not a string", k.Line)
		}
		if _, dup := out[k.Value]; dup {
			return nil, fmt.Errorf("line %d: key %q appears twice", k.Line, k.Value)
		}
		enc, err := encode(k, v)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", k.Line, err)
		}
		out[k.Value] = enc
	}
	return out, nil
}

func encode(k, v *yaml.Node) ([]byte, error) {
	if hasAlias(v) {
		// An alias refers to an anchor elsewhere in the file: resolve it
		// by decoding, so the job stands alone.
		var val any
		if err := v.Decode(&val); err != nil {
			return nil, err
		}
		var n yaml.Node
		if err := n.Encode(val); err != nil {
			return nil, err
		}
		v = &n
	}
	key := *k
	m := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{&key, deepCopy(v)}}
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

func hasAlias(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c) {
			return true
		}
	}
	return false
}

func deepCopy(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = deepCopy(x)
	}
	return &c
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
