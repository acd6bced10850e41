// Package gitlabschema checks YAML against GitLab's official CI/CD JSON
// schema (ci.json), for tests: the differential test of package schema and
// golden outputs elsewhere. The schema is the copy embedded in the product
// (schema/gitlabci); ../shared holds the other test oracles (SharedDir).
package gitlabschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/schema/gitlabci"
)

// SharedDir finds ../shared beside the module root (the directory holding
// go.mod, searched upwards from the working directory).
func SharedDir() (dir string, ok bool) {
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			shared := filepath.Join(filepath.Dir(d), "shared")
			if fi, err := os.Stat(shared); err == nil && fi.IsDir() {
				return shared, true
			}
			return shared, false
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

// MustLoad returns GitLab's official schema for a test: the copy embedded
// in the product (schema/gitlabci, pinned and cited in its SOURCE.md),
// compiled as the validator compiles it, so tests and product never judge
// by different schemas.
func MustLoad(t testing.TB) *jsonschema.Schema {
	t.Helper()
	s, err := gitlabci.Schema()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ValidateYAML validates every document of data (a `spec:` header and the
// configuration are separate documents) against s.
func ValidateYAML(s *jsonschema.Schema, data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var errs []error
	for i := 0; ; i++ {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
		v, err := ToJSON(&doc)
		if err != nil {
			return err
		}
		if err := s.Validate(v); err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", i+1, err))
		}
	}
	return errors.Join(errs...)
}

// maxDepth bounds conversion of (possibly cyclic) alias graphs.
const maxDepth = 200

// ToJSON converts a YAML node to the values encoding/json produces:
// map[string]any, []any, string, float64 or int64 numbers, bool, nil.
// Aliases are followed and merge keys (`<<`) applied, explicit keys winning.
// Tags other than the core ones (such as !reference) keep the node's shape.
func ToJSON(n *yaml.Node) (any, error) { return toJSON(n, 0) }

func toJSON(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("yaml: nesting too deep (or a cyclic alias)")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toJSON(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, errors.New("yaml: unknown alias")
		}
		return toJSON(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toJSON(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return mapping(n, depth)
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("yaml: unexpected node kind %v", n.Kind)
}

func mapping(n *yaml.Node, depth int) (map[string]any, error) {
	out := map[string]any{}
	var merged []map[string]any
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			src := v
			for src.Kind == yaml.AliasNode && src.Alias != nil {
				src = src.Alias
			}
			sources := []*yaml.Node{src}
			if src.Kind == yaml.SequenceNode {
				sources = src.Content
			}
			for _, s := range sources {
				m, err := toJSON(s, depth+1)
				if err != nil {
					return nil, err
				}
				mm, ok := m.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("yaml: line %d: merge of a non-mapping", k.Line)
				}
				merged = append(merged, mm)
			}
			continue
		}
		key, err := toJSON(k, depth+1)
		if err != nil {
			return nil, err
		}
		val, err := toJSON(v, depth+1)
		if err != nil {
			return nil, err
		}
		out[keyString(key)] = val
	}
	for _, m := range merged {
		for k, v := range m {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	return out, nil
}

func keyString(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case nil:
		return "null"
	}
	b, _ := json.Marshal(k)
	return string(b)
}

func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, err
		}
		return b, nil
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return i, nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, err
		}
		return f, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, err
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return n.Value, nil // not representable in JSON
		}
		return f, nil
	}
	return n.Value, nil
}
