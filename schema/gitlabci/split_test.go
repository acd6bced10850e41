package gitlabci

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSchemaJudgesKeysAlone: the pinned ci.json asserts nothing across
// top-level keys, so large files are validated in parts; a root that does
// turns the split off.
func TestSchemaJudgesKeysAlone(t *testing.T) {
	if _, err := Schema(); err != nil {
		t.Fatal(err)
	}
	if !compiled.perKey {
		t.Fatal("ci.json's root is no longer judged key by key: large files are validated on one goroutine")
	}
	for _, root := range []map[string]any{
		{"type": "object", "required": []any{"stages"}},
		{"type": "object", "maxProperties": 10.0},
		{"type": "array"},
		{"type": "object", "propertyNames": map[string]any{"pattern": "^a"}},
	} {
		if judgesKeysAlone(root) {
			t.Errorf("judgesKeysAlone(%v) = true", root)
		}
	}
}

// TestValidSplitAgrees: on large files (and a few small ones), valid and
// invalid in one job or in several, or in a keyword, the split verdict and
// isValid's are the schema's verdict on the whole file.
func TestValidSplitAgrees(t *testing.T) {
	s, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	bad := []any{
		"not a job",
		map[string]any{"script": 5.0},
		map[string]any{"script": "x", "when": "sometimes"},
		map[string]any{"script": "x", "retry": map[string]any{"max": 9.0}},
		map[string]any{"script": "x", "needs": "a"},
	}
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 40; trial++ {
		doc := map[string]any{"stages": []any{"build", "test"}}
		n := splitMin + rng.Intn(300)
		if trial%5 == 4 {
			n = 1 + rng.Intn(20) // one part: isValid alone
		}
		for i := 0; i < n; i++ {
			doc[fmt.Sprintf("job-%d", i)] = map[string]any{
				"stage": "build", "script": []any{"make"}, "tags": []any{"docker"},
				"rules": []any{map[string]any{"if": "$CI", "changes": []any{"a/**/*"}}},
			}
		}
		doc[".hidden"] = map[string]any{"script": "x"}
		switch trial % 4 {
		case 1:
			doc[fmt.Sprintf("job-%d", rng.Intn(n))] = bad[rng.Intn(len(bad))]
		case 2:
			for k := 0; k < 5; k++ {
				doc[fmt.Sprintf("job-%d", rng.Intn(n))] = bad[rng.Intn(len(bad))]
			}
		case 3:
			doc["stages"] = "build"
		}
		want := s.Validate(doc) == nil
		for _, shared := range []bool{false, true} { // by property; by top-level key
			if got := validSplit(doc, shared); got != want {
				t.Fatalf("trial %d: validSplit(shared %v) = %v, the whole file's validation says %v", trial, shared, got, want)
			}
		}
		if got := isValid(doc); got != want {
			t.Fatalf("trial %d: isValid = %v, the schema says %v", trial, got, want)
		}
		if trial%4 == 0 && !want {
			t.Fatalf("trial %d: the valid document is invalid: %v", trial, s.Validate(doc).(*jsonschema.ValidationError))
		}
	}
}
