package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/yaml11"
)

// The renderer's former encoder, kept for the tests only: a yaml.Node tree
// encoded by go-yaml v3 with SetIndent(2). The emitter (emit.go) must
// write the same bytes (FuzzEmitterMatchesYAMLv3).

// encodeDocumentYAMLv3 is encodeDocument the old way.
func encodeDocumentYAMLv3(head string, top topLevel) ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	for i, k := range top.keys {
		root.Content = append(root.Content, keyNode(k), valueNode(top.values[i], top.jobLevel[i]))
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: head, Content: []*yaml.Node{root}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func keyNode(k string) *yaml.Node {
	return stringNode(k)
}

// stringNode is a string scalar GitLab reads back as the same string:
// multi-line text is a literal block, and text Psych (YAML 1.1) would
// resolve to something else (`on`, `NO`, `12:30`, `:x`, `2001-01-01`) is
// double-quoted, the style yaml.v3 itself picks for YAML 1.2 look-alikes.
//
// Multi-line text that starts with a tab is double-quoted too: in a block
// scalar without an indentation indicator (yaml.v3 writes one only for a
// leading space or line break) libyaml, and so Psych, refuses a tab on the
// first line ("found a tab character where an indentation space is
// expected", yaml_parser_scan_block_scalar_breaks in libyaml's scanner.c).
func stringNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case strings.HasPrefix(s, "\t") && strings.Contains(s, "\n"):
		n.Style = yaml.DoubleQuotedStyle
	case strings.Contains(s, "\n"):
		n.Style = yaml.LiteralStyle
	case yaml11.NeedsQuote(s):
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// valueNode converts decoded JSON into a YAML node. jobLevel selects
// GitLab's conventional key order for the mapping itself (nested mappings are
// alphabetical, as Jsonnet prints them).
func valueNode(v any, jobLevel bool) *yaml.Node {
	switch x := v.(type) {
	case map[string]any:
		keys := mappingKeys(x, jobLevel)
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range keys {
			n.Content = append(n.Content, keyNode(k), valueNode(x[k], false))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range x {
			n.Content = append(n.Content, valueNode(e, false))
		}
		return n
	case string:
		return stringNode(x)
	case json.Number:
		v := psychNumber(x.String())
		tag := "!!int"
		if strings.ContainsAny(v, ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(x)}
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	w, err := viaJSON(v)
	if err != nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v)}
	}
	return valueNode(w, jobLevel)
}
