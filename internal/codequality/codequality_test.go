package codequality

import (
	"encoding/json"
	"testing"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/schema"
)

// TestEncode: GitLab's documented fields with their types; fingerprints
// are unique, stable across line moves, and distinct for repeats.
func TestEncode(t *testing.T) {
	issues := []Issue{
		New("no-files", Minor, "generate-config.jsonnet", 3, "dead"),
		New("no-files", Minor, "generate-config.jsonnet", 9, "dead"),
		New("syntax", Major, "ci/t.jsonnet", 0, "bad"),
	}
	data, err := Encode(issues)
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != 3 {
		t.Fatalf("%d issues", len(raw))
	}
	fps := map[string]bool{}
	for _, is := range raw {
		for _, k := range []string{"description", "check_name", "fingerprint", "severity"} {
			if _, ok := is[k].(string); !ok {
				t.Errorf("%s is not a string in %v", k, is)
			}
		}
		loc := is["location"].(map[string]any)
		if _, ok := loc["path"].(string); !ok {
			t.Errorf("location.path in %v", is)
		}
		begin, ok := loc["lines"].(map[string]any)["begin"].(float64)
		if !ok || begin < 1 || begin != float64(int(begin)) {
			t.Errorf("location.lines.begin in %v", is)
		}
		fps[is["fingerprint"].(string)] = true
	}
	if len(fps) != 3 {
		t.Errorf("fingerprints are not unique: %v", fps)
	}
	// The same issue on another line keeps its fingerprint.
	moved, _ := Encode([]Issue{New("syntax", Major, "ci/t.jsonnet", 40, "bad")})
	var m []Issue
	json.Unmarshal(moved, &m)
	if m[0].Fingerprint != raw[2]["fingerprint"] {
		t.Errorf("a moved issue changed fingerprint")
	}
	if empty, _ := Encode(nil); string(empty) != "[]\n" {
		t.Errorf("empty report %q, want []", empty)
	}
}

// TestFromFindings: a job's finding names the job, once; a finding
// without a file goes to the fallback path; line 0 becomes 1.
func TestFromFindings(t *testing.T) {
	fs := []schema.Finding{
		{Pos: diag.Pos{File: "g.yml", Line: 3}, Severity: schema.SeverityError, Rule: "r", Job: "build", Message: "bad key"},
		{Pos: diag.Pos{File: "g.yml", Line: 4}, Severity: schema.SeverityWarning, Rule: "r", Job: "build", Message: "build job: bad"},
		{Severity: schema.SeverityWarning, Rule: "m", Message: "manifest"},
	}
	got := FromFindings(fs, "generate-config.jsonnet")
	if got[0].Description != "build: bad key" || got[0].Severity != Major || got[0].Location.Lines.Begin != 3 {
		t.Errorf("first: %+v", got[0])
	}
	if got[1].Description != "build job: bad" || got[1].Severity != Minor {
		t.Errorf("second: %+v", got[1])
	}
	if got[2].Location.Path != "generate-config.jsonnet" || got[2].Location.Lines.Begin != 1 {
		t.Errorf("third: %+v", got[2])
	}
}
