package keywords

import (
	"slices"
	"testing"
)

func TestLoadRejectsBrokenData(t *testing.T) {
	if _, err := Load([]byte(`{"global": {"x": ["strnig"]}, "job": {}, "defaultStages": ["test"], "defaultJobStage": "test"}`)); err == nil {
		t.Error("an unknown type in keywords.json must be rejected")
	}
	if _, err := Load([]byte(`{"globl": {}}`)); err == nil {
		t.Error("an unknown field in keywords.json must be rejected")
	}
	if _, err := Load([]byte(`{"global": {"x": []}, "defaultStages": ["test"], "defaultJobStage": "test"}`)); err == nil {
		t.Error("a keyword without types must be rejected")
	}
	if _, err := Load([]byte(`{"global": {}}`)); err == nil {
		t.Error("missing default stages must be rejected")
	}
}

func TestKeywordData(t *testing.T) {
	k := Data()
	for _, name := range k.ReservedJobNames {
		if !IsGlobal(name) {
			t.Errorf("reserved job name %q is not a global keyword", name)
		}
	}
	if !slices.Contains(k.DefaultStages, k.DefaultJobStage) {
		t.Errorf("the default job stage %q is not a default stage", k.DefaultJobStage)
	}
	if k.DefaultStages[0] != ".pre" || k.DefaultStages[len(k.DefaultStages)-1] != ".post" {
		t.Errorf("default stages %q must start with .pre and end with .post", k.DefaultStages)
	}
	// Data is a copy: changing it does not change what the checks read.
	k.DefaultStages[0] = "changed"
	if KW.DefaultStages[0] != ".pre" || DefaultStages()[0] != ".pre" {
		t.Error("Data must return a copy")
	}
}
