package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/internal/gitlabschema"
	"gitlab.com/generate-config/generate-config/schema/keywords"
)

// TestDifferentialValidFixtures: every valid fixture also passes GitLab's
// official schema, so the fixtures are not merely what this validator
// happens to accept.
func TestDifferentialValidFixtures(t *testing.T) {
	s := gitlabschema.MustLoad(t)
	for _, file := range fixtures(t, "valid") {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := gitlabschema.ValidateYAML(s, data); err != nil {
			t.Errorf("%s: GitLab's schema rejects a valid fixture:\n%v", file, err)
		}
	}
}

// schemaRejects lists invalid fixtures the official schema is known to
// reject; the test checks the schema really does, so that a loader that
// relaxed the schema into accepting everything would be caught.
var schemaRejects = []string{
	"needs-pipeline-type", "not-a-mapping", "parallel-limit", "trigger-artifact-job",
	"trigger-artifact-path", "trigger-include-count", "unknown-key", "unknown-key-top-level",
	"wrong-type", "yaml-syntax",
}

// TestDifferentialInvalidFixtures: whatever the official schema rejects,
// this validator rejects too (with at least one error).
func TestDifferentialInvalidFixtures(t *testing.T) {
	s := gitlabschema.MustLoad(t)
	rejected := map[string]bool{}
	for _, file := range fixtures(t, "invalid") {
		name := strings.TrimSuffix(filepath.Base(file), ".yml")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		schemaErr := gitlabschema.ValidateYAML(s, data)
		if schemaErr == nil {
			continue
		}
		rejected[name] = true
		if fs := Validate(file, data, fixtureOptions(t, data)); !HasErrors(fs) {
			t.Errorf("%s: GitLab's schema rejects it but the validator reports no error:\n%v\nfindings:\n%s", file, schemaErr, render(fs))
		}
	}
	for _, name := range schemaRejects {
		if !rejected[name] {
			t.Errorf("GitLab's schema accepts testdata/invalid/%s.yml; the schema loader is too lax", name)
		}
	}
}

// samples are YAML values of each kind, with values GitLab's schema accepts
// for keys that need more than the default sample.
var samples = map[string]map[string]string{
	cidoc.KindString: {"": `"x"`, "trigger": "group/project", "identity": "google_cloud", "coverage": "/x/", "when": "manual"},
	cidoc.KindInt:    {"": "1", "parallel": "2"},
	cidoc.KindBool:   {"": "true"},
	cidoc.KindMap: {"": "{}", "trigger": "{include: a.yml}", "release": "{tag_name: v1, description: d}",
		"parallel": "{matrix: [{A: [b]}]}", "allow_failure": "{exit_codes: 1}", "retry": "{max: 1}",
		"environment": "{name: prod}", "image": "{name: alpine}", "cache": "{key: k, paths: [p]}",
		"only": "{refs: [main]}", "except": "{refs: [main]}", "inherit": "{default: true}"},
	cidoc.KindSeq: {"": "[x]", "rules": "[{when: always}]", "run": "[{name: s, script: x}]",
		"cache": "[{key: k, paths: [p]}]", "only": "[main]", "except": "[main]"},
	cidoc.KindNull: {"": "null"},
}

func sample(kind, key string) string {
	if s, ok := samples[kind][key]; ok {
		return s
	}
	return samples[kind][""]
}

func jobWith(key, value string) string {
	doc := "job:\n"
	if key != "script" && key != "run" && key != "trigger" {
		doc += "  script: make\n"
	}
	return doc + fmt.Sprintf("  %s: %s\n", key, value)
}

// TestDifferentialKeywordTypes cross-checks keywords.json with the official
// schema, key by key: each type the table allows has a value the schema
// accepts, and each type it does not allow is reported as wrong-type.
func TestDifferentialKeywordTypes(t *testing.T) {
	s := gitlabschema.MustLoad(t)
	keys := make([]string, 0, len(keywords.KW.Job))
	for k := range keywords.KW.Job {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		for _, kind := range []string{cidoc.KindString, cidoc.KindInt, cidoc.KindBool, cidoc.KindMap, cidoc.KindSeq, cidoc.KindNull} {
			doc := jobWith(key, sample(kind, key))
			schemaErr := gitlabschema.ValidateYAML(s, []byte(doc))
			fs := Validate("job.yml", []byte(doc), Options{})
			if slices.Contains(keywords.KW.Job[key], kind) {
				if schemaErr != nil {
					t.Errorf("keywords.json allows %s to be %s, but GitLab's schema rejects\n%s%v", key, kind, doc, schemaErr)
				}
				continue
			}
			wrong := false
			for _, f := range fs {
				wrong = wrong || (f.Rule == RuleWrongType && f.Severity == SeverityError)
			}
			if !wrong {
				t.Errorf("%s as %s: no wrong-type error for\n%sfindings:\n%s", key, kind, doc, render(fs))
			}
		}
	}
}
