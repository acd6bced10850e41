// Package gitlabschema checks YAML against GitLab's official CI/CD JSON
// schema (ci.json), for tests: the differential test of package schema and
// golden outputs elsewhere. The schema is the copy embedded in the product
// (schema/gitlabci); ../shared holds the other test oracles (SharedDir).
//
// The YAML is read by internal/cidoc, the project's one reader of CI YAML
// (spec: header, aliases, merge keys and Psych's scalar types), and
// converted to JSON values by cidoc.ToJSON, the conversion the product's
// schema check (schema/gitlabci) uses too, so tests and product judge the
// same values. The package does not import testing: MustLoad takes the
// small TB interface that *testing.T satisfies.
package gitlabschema

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
		v, err := cidoc.ToJSON(n, nil)
		if err != nil {
			return err
		}
		if err := s.Validate(v); err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", i+1, err))
		}
	}
	return errors.Join(errs...)
}
