// Package gitlabschema checks YAML against GitLab's official CI/CD JSON
// schema (ci.json), for tests: the differential test of package schema and
// golden outputs elsewhere. The schema is the copy embedded in the product
// (schema/gitlabci); ../shared holds the other test oracles (SharedDir).
//
// The YAML is read by internal/cidoc, the project's one reader of CI YAML
// (spec: header, aliases, merge keys and Psych's scalar types), and only
// converted to JSON values here. The package does not import testing:
// MustLoad takes the small TB interface that *testing.T satisfies.
package gitlabschema

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
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

// TB is what MustLoad needs of a test; testing.TB has it.
type TB interface {
	Helper()
	Fatal(args ...any)
	Skip(args ...any)
}

// MustLoad returns GitLab's official schema for a test: the copy embedded
// in the product (schema/gitlabci, pinned and cited in its SOURCE.md),
// compiled as the validator compiles it, so tests and product never judge
// by different schemas.
func MustLoad(t TB) *jsonschema.Schema {
	t.Helper()
	s, err := gitlabci.Schema()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ValidateYAML validates the configuration of data, and its `spec:` header
// when it has one (they are separate documents, each checked on its own),
// against s.
func ValidateYAML(s *jsonschema.Schema, data []byte) error {
	doc, err := cidoc.Parse(data)
	if err != nil {
		return err
	}
	var errs []error
	for i, n := range []*yaml.Node{doc.Header, doc.Content} {
		if n == nil {
			continue
		}
		v, err := ToJSON(n)
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
// Aliases are followed and merge keys (`<<`) applied, and scalars typed, as
// internal/cidoc reads them (Psych's YAML 1.1). Tags other than the core
// ones (such as !reference) keep the node's shape.
func ToJSON(n *yaml.Node) (any, error) { return toJSON(n, 0) }

func toJSON(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("yaml: nesting too deep (or a cyclic alias)")
	}
	if n != nil && n.Kind == yaml.AliasNode && n.Alias == nil {
		return nil, errors.New("yaml: unknown alias")
	}
	n = cidoc.Resolve(n)
	if n == nil {
		return nil, errors.New("yaml: alias chain too long")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toJSON(n.Content[0], depth)
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
		out := map[string]any{}
		for _, p := range cidoc.Entries(n) {
			key, err := toJSON(p.Key, depth+1)
			if err != nil {
				return nil, err
			}
			val, err := toJSON(p.Value, depth+1)
			if err != nil {
				return nil, err
			}
			out[keyString(key)] = val
		}
		return out, nil
	case yaml.ScalarNode:
		return scalar(n), nil
	}
	return nil, fmt.Errorf("yaml: unexpected node kind %v", n.Kind)
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

// scalar types a scalar by cidoc.KindOf; a number Go cannot read (Psych's
// sexagesimal `1:30`, say) or JSON cannot hold (.inf, .nan) stays text.
func scalar(n *yaml.Node) any {
	v := strings.ReplaceAll(n.Value, "_", "")
	switch cidoc.KindOf(n) {
	case cidoc.KindNull:
		return nil
	case cidoc.KindBool:
		return cidoc.IsTrue(n)
	case cidoc.KindInt:
		if i, err := strconv.ParseInt(v, 0, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	case cidoc.KindFloat:
		if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value
}
