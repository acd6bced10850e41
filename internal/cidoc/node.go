package cidoc

import (
	"errors"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/yaml11"
)

// Value kinds as GitLab sees them. GitLab loads YAML with Ruby's Psych
// (YAML 1.1), so a plain `on` is a boolean there even though YAML 1.2
// parsers read a string; KindOf follows Psych. The names are the type names
// of schema/keywords/keywords.json (keywords.Types).
const (
	KindString = "string"
	KindInt    = "int"
	// KindSymbol is a plain `:name`, a Ruby Symbol for Psych: no keyword
	// takes one.
	KindSymbol = "symbol"
	KindFloat  = "float"
	KindBool   = "bool"
	KindNull   = "null"
	KindMap    = "map"
	KindSeq    = "seq"
	// KindRef is a `!reference [job, key]` tag. GitLab replaces it before
	// validating, with a value a reader of this file alone cannot know.
	KindRef = "reference"
)

// maxAliasHops bounds alias chains; yaml.v3 never builds an alias to an
// alias, so one hop is the norm.
const maxAliasHops = 8

// Resolve follows aliases; nil for a broken alias chain.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasHops; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// KindOf classifies a node the way Psych would load it. It is the one
// scalar classifier of the project.
func KindOf(n *yaml.Node) string {
	n = Resolve(n)
	if n == nil {
		return KindNull
	}
	switch n.Kind {
	case yaml.MappingNode:
		if n.Tag == "!reference" {
			return KindRef
		}
		return KindMap
	case yaml.SequenceNode:
		if n.Tag == "!reference" {
			return KindRef
		}
		return KindSeq
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return KindNull
		}
		return KindOf(n.Content[0])
	case yaml.ScalarNode:
	default:
		return KindNull
	}
	if n.Tag == "!reference" {
		return KindRef
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return KindString
	}
	tag := n.ShortTag()
	if n.Style&yaml.TaggedStyle == 0 {
		// A plain scalar: what Psych's ScalarScanner makes of it. A date or
		// a scalar Psych cannot read makes GitLab refuse the file; the
		// validator's yaml11-reading check says so, and here it is text.
		switch yaml11.Resolve(n.Value).Kind {
		case yaml11.Null:
			return KindNull
		case yaml11.Bool:
			return KindBool
		case yaml11.Int:
			return KindInt
		case yaml11.Float:
			return KindFloat
		case yaml11.Symbol:
			return KindSymbol
		}
		return KindString
	}
	switch tag {
	case "!!int":
		return KindInt
	case "!!float":
		return KindFloat
	case "!!bool":
		return KindBool
	case "!!null":
		return KindNull
	}
	return KindString
}

// IsTrue reports whether a boolean scalar is true for Psych.
func IsTrue(n *yaml.Node) bool {
	n = Resolve(n)
	if n == nil || KindOf(n) != KindBool {
		return false
	}
	switch strings.ToLower(n.Value) {
	case "yes", "true", "on":
		return true
	}
	return false
}

// Pair is one resolved mapping entry: Key is the key node as written, Value
// the value with aliases followed (nil for a broken alias). Both carry their
// position (Line, Column).
type Pair struct {
	Key   *yaml.Node
	Value *yaml.Node
}

// ValueOrKey is where to point at an entry: its value, or its key when the
// value has no position (an implicit null).
func (p Pair) ValueOrKey() *yaml.Node {
	if p.Value != nil && p.Value.Line > 0 {
		return p.Value
	}
	return p.Key
}

// Entries returns a mapping's entries the way Psych builds the hash: merge
// keys (`<<: *anchor` or `<<: [*a, *b]`) copy the merged mappings' entries
// in place, overwriting what came before (earlier mappings of a merge list
// win among themselves), and a later key overwrites an earlier one while
// keeping its position. As in Psych's revive_hash, a `<<` whose value is
// not a mapping, an alias to one, or a sequence (written in place) of
// mappings stays a key. Cyclic merges stop at the cycle.
//
// Parse has already applied every merge key of the document in place, so
// that merges cost nothing here however often an anchor is merged.
func Entries(m *yaml.Node) []Pair {
	mg := merger{budget: mergeBudget, visiting: map[*yaml.Node]bool{}}
	return mg.entries(Resolve(m))
}

// mergeBudget bounds the work merge keys can cause (entries copied), so
// that crafted merge graphs cannot stall a reader; past it, merge keys are
// left as they are (and a validator reports them as unknown keys).
const mergeBudget = 1 << 20

type merger struct {
	budget   int
	visiting map[*yaml.Node]bool
	// psych also merges the quoted `<<` keys Psych merges (ToJSON's
	// reading); the document model keeps them as keys, as YAML 1.2 does.
	psych bool
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
		n.Content = keepAliases(mappingContent(ps), n.Content)
	}
	visit(n)
}

// keepAliases puts back, in content built from a mapping's Entries, the
// alias nodes the mapping's own entries were written with (Entries
// resolves them), so that a value used through an alias keeps the alias's
// position, where it is used, rather than its anchor's.
func keepAliases(content, written []*yaml.Node) []*yaml.Node {
	aliases := map[*yaml.Node]*yaml.Node{}
	for i := 0; i+1 < len(written); i += 2 {
		if v := written[i+1]; v.Kind == yaml.AliasNode {
			aliases[written[i]] = v
		}
	}
	for i := 0; i+1 < len(content) && len(aliases) > 0; i += 2 {
		if a, ok := aliases[content[i]]; ok && Resolve(a) == content[i+1] {
			content[i+1] = a
		}
	}
	return content
}

func mappingContent(ps []Pair) []*yaml.Node {
	content := make([]*yaml.Node, 0, 2*len(ps))
	for _, p := range ps {
		v := p.Value
		if v == nil {
			v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: p.Key.Line, Column: p.Key.Column}
		}
		content = append(content, p.Key, v)
	}
	return content
}

// scanTree reports whether a mapping under n has a merge key, and whether
// n holds an alias. Aliases are not followed: the node an alias names is
// under n too, where its anchor is. It spares flattenMerges (a map entry
// per node) on the many files that have no merge key.
func scanTree(n *yaml.Node) (mergeKey, alias bool) {
	if n.Kind == yaml.AliasNode {
		return false, true
	}
	mergeKey = n.Kind == yaml.MappingNode && hasMergeKey(n)
	for _, c := range n.Content {
		m, a := scanTree(c)
		mergeKey, alias = mergeKey || m, alias || a
		if mergeKey && alias {
			break
		}
	}
	return mergeKey, alias
}

func hasMergeKey(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if isMergeKey(m.Content[i]) {
			return true
		}
	}
	return false
}

func isMergeKey(k *yaml.Node) bool { return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" }

func (mg *merger) entries(m *yaml.Node) []Pair {
	if m == nil || m.Kind != yaml.MappingNode || mg.visiting[m] {
		return nil
	}
	mg.visiting[m] = true
	defer delete(mg.visiting, m)
	var out []Pair
	index := map[string]int{}
	set := func(p Pair) {
		k := KeyString(p.Key)
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
		if (isMergeKey(k) || mg.psych && psychMergeKey(k)) && mg.budget > 0 {
			src := Resolve(v)
			switch {
			case src != nil && src.Kind == yaml.MappingNode:
				for _, p := range mg.entries(src) {
					set(p)
				}
				continue
			case src != nil && src.Kind == yaml.SequenceNode && v.Kind != yaml.AliasNode && allMappings(src):
				// Psych merges a written sequence of mappings only: an alias
				// to a sequence, or a sequence holding anything else, raises
				// a TypeError in revive_hash and stays a `<<` key.
				var merged []Pair
				seen := map[string]bool{}
				for _, item := range src.Content {
					for _, p := range mg.entries(Resolve(item)) {
						if !seen[KeyString(p.Key)] {
							seen[KeyString(p.Key)] = true
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
		set(Pair{Key: k, Value: Resolve(v)})
	}
	return out
}

func allMappings(seq *yaml.Node) bool {
	for _, item := range seq.Content {
		if it := Resolve(item); it == nil || it.Kind != yaml.MappingNode {
			return false
		}
	}
	return true
}

// ComplexKey is what KeyString returns for a mapping or a sequence used as
// a key; no keyword or job name matches it.
const ComplexKey = "<complex key>"

// KeyString is the key as a string.
func KeyString(k *yaml.Node) string {
	k = Resolve(k)
	if k == nil || k.Kind != yaml.ScalarNode {
		return ComplexKey
	}
	return k.Value
}

// Lookup returns the entry named key.
func Lookup(ps []Pair, key string) (Pair, bool) {
	for _, p := range ps {
		if KeyString(p.Key) == key {
			return p, true
		}
	}
	return Pair{}, false
}

// Items returns a sequence's resolved elements; a single non-sequence value
// is one item (GitLab wraps single values with Array.wrap in most places).
func Items(n *yaml.Node) []*yaml.Node {
	n = Resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.SequenceNode && n.Tag != "!reference" {
		out := make([]*yaml.Node, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, Resolve(c))
		}
		return out
	}
	return []*yaml.Node{n}
}

// Scalar returns a scalar's text and whether the node is a string scalar.
func Scalar(n *yaml.Node) (string, bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	return n.Value, KindOf(n) == KindString
}

// expandBudget bounds the nodes Expand may create: aliases can make a
// small file expand exponentially (a "billion laughs" document).
const expandBudget = 1 << 20

// ErrTooLarge is Expand's error for a value that expands past its budget or
// through an alias cycle.
var ErrTooLarge = errors.New("yaml: the value expands too far through aliases (or an alias refers to itself)")

// Expand returns a deep copy of n that stands alone: every alias is
// replaced by a copy of its anchor's node, and anchors are dropped. Merge
// keys of a parsed Document are already applied.
func Expand(n *yaml.Node) (*yaml.Node, error) {
	budget := expandBudget
	var cp func(n *yaml.Node, depth int) (*yaml.Node, error)
	cp = func(n *yaml.Node, depth int) (*yaml.Node, error) {
		n = Resolve(n)
		if n == nil {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
		}
		if budget--; budget < 0 || depth > 10000 {
			return nil, ErrTooLarge
		}
		c := *n
		c.Anchor = ""
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, x := range n.Content {
			y, err := cp(x, depth+1)
			if err != nil {
				return nil, err
			}
			c.Content[i] = y
		}
		return &c, nil
	}
	return cp(n, 0)
}
