package cidoc

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/yaml11"
)

// This file is the project's one YAML-to-JSON conversion: GitLab's JSON
// schema (schema/gitlabci) and the tests' schema helper
// (internal/gitlabschema) both judge the values it builds. It reads the
// document the way GitLab loads it, as Ruby's Psych (YAML 1.1) with
// `YAML.safe_load(..., aliases: true)` (Gitlab::Config::Loader::Yaml): merge
// keys as Entries applies them (plus the quoted `<<` Psych also merges, see
// psychMergeKey), plain scalars typed by internal/yaml11, and !reference
// tags keeping the node's shape.

// ErrJSONTooBig is ToJSON's error for a tree too large or too deep to
// convert (an alias bomb, a cyclic alias): the validator reports those as
// yaml-size or yaml-depth before any schema sees the values.
var ErrJSONTooBig = errors.New("yaml: too many nodes, too deep, or a cyclic alias")

// Bounds of ToJSON: nodes visited (aliases included, each at most once
// past its first conversion) and nesting.
const (
	jsonMaxNodes = 2_000_000
	jsonMaxDepth = 200
)

// JSONPlace reports where the value at a JSON pointer (RFC 6901: "" for the
// root, "/build/script/0" below it) came from: the key node of a mapping
// entry (nil for the root and for sequence items) and the value node. The
// value node is an alias node when the value was already converted where
// its anchor stands. A pointer may be reported more than once (a repeated
// key): the last report is the entry Psych keeps.
type JSONPlace func(pointer string, key, value *yaml.Node)

// ToJSON converts a YAML node (a document node, or any node of one) to the
// values encoding/json produces: map[string]any, []any, string, bool, nil,
// int64 numbers (json.Number for an integer past int64) and float64. The
// node is best a part of a Parsed document (merge keys are then already
// applied), but a raw yaml.v3 tree converts the same.
//
// A node is converted once and its value shared by every alias of it, so
// that an alias graph costs its size, not its expansion; within its budget
// (ErrJSONTooBig). at, when not nil, is told where each value came from.
// A value reached only through an alias or a merge key is reported where
// it was first converted, not again under the alias: a finding about it is
// then placed on the nearest reported parent (the alias, or the mapping
// that merged it).
func ToJSON(n *yaml.Node, at JSONPlace) (any, error) {
	c := &jsonConverter{
		at:     at,
		memo:   map[*yaml.Node]any{},
		active: map[*yaml.Node]bool{},
		keys:   map[*yaml.Node]bool{},
		merger: merger{budget: mergeBudget, visiting: map[*yaml.Node]bool{}, psych: true},
	}
	if n != nil && n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, nil
		}
		n = n.Content[0]
	}
	// Only an anchor lets a node be reached twice (through an alias, or as
	// an entry a merge key copied); a tree without anchors or aliases needs
	// no memo and no cycle check. With at set, the memo also decides what
	// is reported, so it stays.
	budget := jsonMaxNodes
	c.tree = at == nil && plainTree(n, &budget)
	return c.value("", nil, n, 0, true)
}

// plainTree reports whether no node under n is an alias or anchored,
// visiting at most *budget nodes (false past it: the converter's own
// bounds then apply).
func plainTree(n *yaml.Node, budget *int) bool {
	if n == nil {
		return true
	}
	if *budget--; *budget < 0 || n.Kind == yaml.AliasNode || n.Anchor != "" {
		return false
	}
	for _, c := range n.Content {
		if !plainTree(c, budget) {
			return false
		}
	}
	return true
}

type jsonConverter struct {
	at     JSONPlace
	memo   map[*yaml.Node]any  // converted nodes
	active map[*yaml.Node]bool // nodes being converted: a cycle if met again
	keys   map[*yaml.Node]bool // key nodes whose entry has been converted
	count  int
	merger merger
	tree   bool // no node is reached twice: memo and active are not kept
}

// value converts raw (which may be an alias) at ptr; record says whether
// ptr is reported.
func (c *jsonConverter) value(ptr string, key, raw *yaml.Node, depth int, record bool) (any, error) {
	if c.count++; c.count > jsonMaxNodes || depth > jsonMaxDepth {
		return nil, ErrJSONTooBig
	}
	if raw != nil && raw.Kind == yaml.AliasNode && raw.Alias == nil {
		return nil, errors.New("yaml: unknown alias")
	}
	n := Resolve(raw)
	if n == nil {
		return nil, ErrJSONTooBig // an alias chain too long
	}
	if !c.tree {
		if v, ok := c.memo[n]; ok {
			if record && c.at != nil {
				c.at(ptr, key, raw)
			}
			return v, nil
		}
		if c.active[n] {
			return nil, ErrJSONTooBig
		}
		if record && c.at != nil {
			c.at(ptr, key, n)
		}
		c.active[n] = true
		defer delete(c.active, n)
	}
	var v any
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return c.value(ptr, key, n.Content[0], depth+1, record)
		}
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			x, err := c.value(child(c, ptr, strconv.Itoa, i), nil, item, depth+1, record)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		v = out
	case yaml.MappingNode:
		m, err := c.mapping(ptr, n, depth, record)
		if err != nil {
			return nil, err
		}
		v = m
	case yaml.ScalarNode:
		v = ScalarJSON(n)
	default:
		return nil, fmt.Errorf("yaml: unexpected node kind %v", n.Kind)
	}
	if !c.tree {
		c.memo[n] = v
	}
	return v, nil
}

// mapping builds a mapping's hash as Psych's revive_hash does: later
// entries replace earlier ones, merge keys applied. An entry whose key node
// was converted before came through a merge key (Parse copies the merged
// entries in place): its value is reported where it was first converted.
func (c *jsonConverter) mapping(ptr string, n *yaml.Node, depth int, record bool) (map[string]any, error) {
	content := n.Content
	if needsMerge(n) {
		ps := c.merger.entries(n)
		content = keepAliases(mappingContent(ps), n.Content)
	}
	out := make(map[string]any, len(content)/2)
	for i := 0; i+1 < len(content); i += 2 {
		k, raw := content[i], content[i+1]
		kv, err := c.value("", nil, k, depth+1, false)
		if err != nil {
			return nil, err
		}
		ks := JSONKey(kv)
		rec := false
		if c.at != nil { // keys only decide what is reported
			rec = record && !c.keys[k]
			c.keys[k] = true
		}
		v, err := c.value(child(c, ptr, EscapePointer, ks), k, raw, depth+1, rec)
		if err != nil {
			return nil, err
		}
		out[ks] = v
	}
	return out, nil
}

// child is the pointer of an item or entry of the value at ptr: token(t)
// appended; "" when no one is told the pointers (at is nil), which spares
// building one string per value of the file.
func child[T any](c *jsonConverter, ptr string, token func(T) string, t T) string {
	if c.at == nil {
		return ""
	}
	return ptr + "/" + token(t)
}

// needsMerge reports whether a mapping still holds a key Psych merges:
// a plain `<<` Parse did not apply (a raw tree, the `spec:` header), or a
// quoted one.
func needsMerge(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; isMergeKey(k) || psychMergeKey(k) {
			if t := Resolve(m.Content[i+1]); t != nil && (t.Kind == yaml.MappingNode || t.Kind == yaml.SequenceNode) {
				return true
			}
		}
	}
	return false
}

// psychMergeKey is a `<<` key that yaml.v3 reads as a string but Psych
// still merges: revive_hash merges on `key == '<<'` unless the key is
// tagged !!str, so a quoted '<<' merges too (the validator warns about it:
// yaml11-reading). The document model (Entries) keeps it as a key, as YAML
// 1.2 does; the JSON GitLab's schema judges merges it (merger.psych), in
// merged mappings too.
func psychMergeKey(k *yaml.Node) bool {
	if k.Kind != yaml.ScalarNode || k.Value != yaml11.MergeKey || isMergeKey(k) {
		return false
	}
	return !(k.Style&yaml.TaggedStyle != 0 && (k.Tag == "!!str" || k.Tag == "tag:yaml.org,2002:str"))
}

// pointerEscaper escapes a JSON Pointer reference token (RFC 6901): built
// once, since building a Replacer costs far more than using it, and the
// converter escapes every key of the file.
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// EscapePointer escapes one reference token of a JSON Pointer (RFC 6901),
// as the pointers ToJSON reports places by.
func EscapePointer(t string) string {
	if !strings.ContainsAny(t, "~/") {
		return t
	}
	return pointerEscaper.Replace(t)
}

// JSONKey is the name a converted key has in JSON, as GitLab turns keys
// into names (`on:` is the key true, "true"; a null key is ""); a
// mapping or sequence used as a key has no name a keyword could match.
func JSONKey(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(k)
	case int64:
		return strconv.FormatInt(k, 10)
	case json.Number:
		return k.String()
	case float64:
		return strconv.FormatFloat(k, 'g', -1, 64)
	}
	return fmt.Sprint(k)
}

// ScalarJSON is the JSON value Psych gives a scalar node. A plain scalar
// is typed by yaml11.Resolve; what Psych would make a Ruby object JSON has
// no form for (a Symbol, a Date or a Time, which safe_load refuses, a
// scalar Psych cannot read, ±infinity, NaN) is kept as its text: the schema
// then sees a string, which GitLab's own checks reject too, and the
// validator's yaml11-reading rule says what Psych reads.
func ScalarJSON(n *yaml.Node) any {
	quoted := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.Tag {
		case "!!str", "tag:yaml.org,2002:str", "!":
			return n.Value
		case "!!int", "tag:yaml.org,2002:int":
			if r := yaml11.Resolve(n.Value); r.Kind == yaml11.Int {
				return intJSON(r)
			}
			return n.Value
		case "!!float", "tag:yaml.org,2002:float":
			if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return f
			}
			return n.Value
		case "!!null", "tag:yaml.org,2002:null":
			return nil
		case "!!bool", "tag:yaml.org,2002:bool":
			if r := yaml11.Resolve(n.Value); r.Kind == yaml11.Bool {
				return r.Bool
			}
			return n.Value
		}
		// Other tags (!reference on a scalar, a custom tag): Psych
		// tokenizes an unquoted one.
	}
	if quoted {
		return n.Value
	}
	r := yaml11.Resolve(n.Value)
	switch r.Kind {
	case yaml11.Null:
		return nil
	case yaml11.Bool:
		return r.Bool
	case yaml11.Int:
		return intJSON(r)
	case yaml11.Float:
		if !math.IsInf(r.Float, 0) && !math.IsNaN(r.Float) {
			return r.Float
		}
	}
	return n.Value
}

// intJSON is an Integer as int64, or as its exact digits past int64.
func intJSON(r yaml11.Value) any {
	if r.Int.IsInt64() {
		return r.Int.Int64()
	}
	return json.Number(r.Int.String())
}
