package schema

import (
	"math"
	"math/big"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/internal/yaml11"
)

// RuleYAML11Reading: a plain scalar GitLab's YAML 1.1 parser (Ruby's Psych)
// reads otherwise than a YAML 1.2 parser (and this validator) does: `on`
// is the boolean true, `12:30` the integer 45000, `:x` a Symbol; or one that
// makes Psych refuse the file (`2001-01-01` is a Date, a class safe_load
// does not permit). Also a quoted `<<` key holding a mapping or a list,
// which Psych still merges.
const RuleYAML11Reading = "yaml11-reading"

// checkYAML11 walks every scalar of the document as written (keys
// included, aliases not followed) and reports the ones GitLab reads
// differently, with Psych's exact reading (internal/yaml11). It only needs
// the yaml.Node tree; root is the top-level mapping, whose keys are jobs.
func (v *validator) checkYAML11(doc, root *yaml.Node, mergeKeys bool) {
	// onPath holds the mappings and sequences being walked: Parse applies
	// merge keys by copying the merged entries in place, so a mapping that
	// merges an anchor enclosing it (`&a {n: {<<: *a}}`) contains itself;
	// the walk stops there instead of recursing until the stack overflows.
	// Without merge keys (cidoc.Document.MergeKeys) the walk is over a tree.
	onPath := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node, job string)
	walk = func(n *yaml.Node, job string) {
		if mergeKeys && n.Kind != yaml.ScalarNode {
			if onPath[n] {
				return
			}
			onPath[n] = true
			defer delete(onPath, n)
		}
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, job)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, val := n.Content[i], n.Content[i+1]
				j := job
				if n == root && k.Kind == yaml.ScalarNode {
					j = k.Value
				}
				if k.Kind == yaml.ScalarNode {
					v.checkYAML11Scalar(k, j, true)
				} else {
					walk(k, j)
				}
				if k.Kind == yaml.ScalarNode && k.Value == yaml11.MergeKey && k.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 && k.Style&yaml.TaggedStyle == 0 {
					if t := cidoc.Resolve(val); t != nil && (t.Kind == yaml.MappingNode || t.Kind == yaml.SequenceNode) {
						v.warnf(k, RuleYAML11Reading, j, "the quoted key `<<` is still a merge key for GitLab's YAML parser (Psych): its value is merged into the enclosing mapping; rename the key")
					}
				}
				walk(val, j)
			}
		case yaml.ScalarNode:
			v.checkYAML11Scalar(n, job, false)
		}
	}
	walk(doc, "")
}

// checkYAML11Scalar reports a plain scalar whose Psych reading differs
// from yaml.v3's, or that makes Psych refuse the file.
func (v *validator) checkYAML11Scalar(n *yaml.Node, job string, key bool) {
	if n.Style != 0 || n.Value == yaml11.MergeKey {
		// Quoted, block and explicitly tagged scalars are strings or what
		// their tag says; a plain `<<` is a merge key (or, as a value, the
		// string "<<") for both parsers.
		return
	}
	psych := yaml11.Resolve(n.Value)
	if !psych.Rejected() && sameReading(psych, n) {
		return
	}
	what := "`" + n.Value + "`"
	if key {
		what = "the key " + what
	}
	if psych.Kind == yaml11.String {
		// A YAML 1.2 number (0o17, 1e3) that YAML 1.1 does not know.
		var x any
		_ = n.Decode(&x)
		v.warnf(n, RuleYAML11Reading, job, "%s is read by GitLab as the string %q, not as the number %v (YAML 1.1 has no such number); quote it, or write the number as GitLab reads it", what, n.Value, x)
		return
	}
	if psych.Rejected() {
		v.errorf(n, RuleYAML11Reading, job, "%s is read by GitLab as %s; quote it", what, psych.Describe())
		return
	}
	if psych.Kind == yaml11.Bool {
		v.warnf(n, RuleYAML11Reading, job, "%s is read by GitLab as %s; quote it, or write %t if the boolean is meant", what, psych.Describe(), psych.Bool)
		return
	}
	v.warnf(n, RuleYAML11Reading, job, "%s is read by GitLab as %s; quote it", what, psych.Describe())
}

// sameReading reports whether yaml.v3 resolved the plain scalar to the
// same type and value as Psych.
func sameReading(p yaml11.Value, n *yaml.Node) bool {
	if p.Kind == yaml11.String && n.Tag == "!!str" {
		// yaml.v3 resolved the plain scalar as a string, which is its
		// text (the common case: decoding it is most of this check's
		// time).
		return n.Value == p.Text
	}
	var x any
	if n.Decode(&x) != nil {
		return false
	}
	switch p.Kind {
	case yaml11.String:
		s, ok := x.(string)
		return ok && s == p.Text
	case yaml11.Null:
		return x == nil
	case yaml11.Bool:
		b, ok := x.(bool)
		return ok && b == p.Bool
	case yaml11.Int:
		switch i := x.(type) {
		case int:
			return p.Int.Cmp(big.NewInt(int64(i))) == 0
		case int64:
			return p.Int.Cmp(big.NewInt(i)) == 0
		case uint64:
			return p.Int.Cmp(new(big.Int).SetUint64(i)) == 0
		}
	case yaml11.Float:
		f, ok := x.(float64)
		return ok && (f == p.Float || math.IsNaN(f) && math.IsNaN(p.Float))
	}
	return false
}
