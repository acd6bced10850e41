package schema

import (
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Value kinds as GitLab sees them. GitLab loads YAML with Ruby's Psych
// (YAML 1.1), so a plain `on` is a boolean there even though YAML 1.2
// parsers read a string; kindOf follows Psych.
const (
	kindString = "string"
	kindInt    = "int"
	kindFloat  = "float"
	kindBool   = "bool"
	kindNull   = "null"
	kindMap    = "map"
	kindSeq    = "seq"
	// kindRef is a `!reference [job, key]` tag. GitLab replaces it before
	// validating, with a value this validator cannot know, so every check
	// accepts it.
	kindRef = "reference"
)

// maxAliasHops bounds alias chains; yaml.v3 never builds an alias to an
// alias, so one hop is the norm.
const maxAliasHops = 8

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasHops; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// Psych's sexagesimal integers (`1:30` is 90) and floats; yaml.v3 reads
// them as strings.
var (
	sexagesimalInt   = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+$`)
	sexagesimalFloat = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*$`)
)

// kindOf classifies a node the way Psych would load it.
func kindOf(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return kindNull
	}
	switch n.Kind {
	case yaml.MappingNode:
		if n.Tag == "!reference" {
			return kindRef
		}
		return kindMap
	case yaml.SequenceNode:
		if n.Tag == "!reference" {
			return kindRef
		}
		return kindSeq
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return kindNull
		}
		return kindOf(n.Content[0])
	case yaml.ScalarNode:
	default:
		return kindNull
	}
	if n.Tag == "!reference" {
		return kindRef
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return kindString
	}
	tag := n.ShortTag()
	if n.Style&yaml.TaggedStyle == 0 {
		// Plain scalar: YAML 1.1 resolution as in Psych.
		v := n.Value
		if v == "" || v == "~" || v == "null" || v == "Null" || v == "NULL" {
			return kindNull
		}
		if kw.isYAML11Bool(v) {
			return kindBool
		}
		if sexagesimalInt.MatchString(v) {
			return kindInt
		}
		if sexagesimalFloat.MatchString(v) {
			return kindFloat
		}
	}
	switch tag {
	case "!!int":
		return kindInt
	case "!!float":
		return kindFloat
	case "!!bool":
		return kindBool
	case "!!null":
		return kindNull
	}
	return kindString
}

// pair is one resolved mapping entry: Key is the key node as written, Value
// the value with aliases followed (nil for a broken alias).
type pair struct {
	Key   *yaml.Node
	Value *yaml.Node
}

// entries returns a mapping's entries the way Psych builds the hash: merge
// keys (`<<: *anchor` or `<<: [*a, *b]`) copy the merged mappings' entries
// in place, overwriting what came before (earlier mappings of a merge list
// win among themselves), and a later key overwrites an earlier one while
// keeping its position. Cyclic merges stop at the cycle.
//
// Validate first rewrites the document with flattenMerges, so that merges
// cost nothing here however often an anchor is merged.
func entries(m *yaml.Node) []pair {
	mg := merger{budget: mergeBudget, visiting: map[*yaml.Node]bool{}}
	return mg.entries(resolve(m))
}

// mergeBudget bounds the work merge keys can cause (entries copied), so
// that crafted merge graphs cannot stall the validator; past it, merge
// keys are left as they are (and reported as unknown keys).
const mergeBudget = 1 << 20

type merger struct {
	budget   int
	visiting map[*yaml.Node]bool
}

// flattenMerges applies every merge key under n in place, mappings before
// the mappings that merge them, each once.
func flattenMerges(n *yaml.Node) {
	mg := merger{budget: mergeBudget, visiting: map[*yaml.Node]bool{}}
	done := map[*yaml.Node]bool{}
	var visit func(*yaml.Node)
	visit = func(n *yaml.Node) {
		if n == nil || done[n] {
			return
		}
		done[n] = true
		if n.Kind == yaml.AliasNode {
			visit(n.Alias)
			return
		}
		for _, c := range n.Content {
			visit(c)
		}
		if n.Kind != yaml.MappingNode || !hasMergeKey(n) {
			return
		}
		ps := mg.entries(n)
		if mg.budget <= 0 {
			return
		}
		content := make([]*yaml.Node, 0, 2*len(ps))
		for _, p := range ps {
			v := p.Value
			if v == nil {
				v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: p.Key.Line, Column: p.Key.Column}
			}
			content = append(content, p.Key, v)
		}
		n.Content = content
	}
	visit(n)
}

func hasMergeKey(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			return true
		}
	}
	return false
}

func (mg *merger) entries(m *yaml.Node) []pair {
	if m == nil || m.Kind != yaml.MappingNode || mg.visiting[m] {
		return nil
	}
	mg.visiting[m] = true
	defer delete(mg.visiting, m)
	var out []pair
	index := map[string]int{}
	set := func(p pair) {
		k := keyString(p.Key)
		if i, ok := index[k]; ok {
			out[i] = p
			return
		}
		index[k] = len(out)
		out = append(out, p)
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		mg.budget--
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" && mg.budget > 0 {
			src := resolve(v)
			switch {
			case src != nil && src.Kind == yaml.MappingNode:
				for _, p := range mg.entries(src) {
					set(p)
				}
				continue
			case src != nil && src.Kind == yaml.SequenceNode:
				var merged []pair
				seen := map[string]bool{}
				for _, item := range src.Content {
					for _, p := range mg.entries(resolve(item)) {
						if !seen[keyString(p.Key)] {
							seen[keyString(p.Key)] = true
							merged = append(merged, p)
						}
					}
				}
				for _, p := range merged {
					set(p)
				}
				continue
			}
		}
		set(pair{Key: k, Value: resolve(v)})
	}
	return out
}

// keyString is the key as a string; complex keys (a mapping or a sequence
// used as a key) get a marker no keyword matches.
func keyString(k *yaml.Node) string {
	k = resolve(k)
	if k == nil || k.Kind != yaml.ScalarNode {
		return "<complex key>"
	}
	return k.Value
}

// lookup returns the entry named key.
func lookup(ps []pair, key string) (pair, bool) {
	for _, p := range ps {
		if keyString(p.Key) == key {
			return p, true
		}
	}
	return pair{}, false
}

// items returns a sequence's resolved elements; a single non-sequence value
// is one item (GitLab wraps single values with Array.wrap in most places).
func items(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.SequenceNode && n.Tag != "!reference" {
		out := make([]*yaml.Node, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, resolve(c))
		}
		return out
	}
	return []*yaml.Node{n}
}

// scalar returns a scalar's text and whether the node is a string scalar.
func scalar(n *yaml.Node) (string, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	return n.Value, kindOf(n) == kindString
}

// kindPhrase renders allowed kinds as GitLab phrases them ("a string or an array").
func kindPhrase(kinds []string) string {
	names := map[string]string{
		kindString: "a string", kindInt: "an integer", kindBool: "a boolean",
		kindMap: "a hash", kindSeq: "an array", kindNull: "null", kindFloat: "a number",
	}
	var parts []string
	for _, k := range kinds {
		if k == kindNull && len(kinds) > 1 {
			continue // "should be a hash" reads better than "a hash or null"
		}
		if name, ok := names[k]; ok {
			parts = append(parts, name)
		} else {
			parts = append(parts, k)
		}
	}
	return strings.Join(parts, " or ")
}

// kindAllowed reports whether the node's kind is one of kinds; references
// and (where listed) nulls pass.
func kindAllowed(n *yaml.Node, kinds []string) (string, bool) {
	k := kindOf(n)
	if k == kindRef {
		return k, true
	}
	for _, want := range kinds {
		if k == want {
			return k, true
		}
	}
	return k, false
}
