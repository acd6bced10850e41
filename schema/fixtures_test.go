package schema

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden .txt files of testdata/invalid")

// fixtureOptions reads optional directives from a fixture's leading
// comments: "# limits: {json}" (for limits too large to commit a fixture
// for, such as the 5 MB file size), "# level: N" (Options.Level) and
// "# inputs: {json}" (Options.Inputs, the values given to a spec header).
func fixtureOptions(t *testing.T, data []byte) Options {
	t.Helper()
	var opts Options
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "#") {
			break
		}
		line = strings.TrimSpace(strings.TrimPrefix(line, "#"))
		switch {
		case strings.HasPrefix(line, "limits:"):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "limits:")), &opts.Limits); err != nil {
				t.Fatalf("bad limits directive: %v", err)
			}
		case strings.HasPrefix(line, "inputs:"):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "inputs:")), &opts.Inputs); err != nil {
				t.Fatalf("bad inputs directive: %v", err)
			}
		case strings.HasPrefix(line, "level:"):
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "level:")))
			if err != nil {
				t.Fatalf("bad level directive: %v", err)
			}
			opts.Level = n
		}
	}
	return opts
}

func fixtures(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata/%s: %v", dir, err)
	}
	return files
}

func render(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// TestValidFixtures: every valid fixture passes without a finding.
func TestValidFixtures(t *testing.T) {
	for _, file := range fixtures(t, "valid") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if fs := Validate(file, data, fixtureOptions(t, data)); len(fs) > 0 {
				t.Errorf("unexpected findings:\n%s", render(fs))
			}
		})
	}
}

// ruleOf maps a fixture name to the rule it must trip: the longest rule id
// that prefixes the file name.
func ruleOf(name string) (RuleInfo, bool) {
	var best RuleInfo
	for _, r := range RuleTable {
		if strings.HasPrefix(name, r.ID) && len(r.ID) > len(best.ID) {
			best = r
		}
	}
	return best, best.ID != ""
}

// TestInvalidFixtures: each invalid fixture trips the rule its name starts
// with, at the severity the rule has (a warning for "-warning" fixtures), and all its findings (rule, line,
// column, message) match the golden .txt beside it.
func TestInvalidFixtures(t *testing.T) {
	for _, file := range fixtures(t, "invalid") {
		name := strings.TrimSuffix(filepath.Base(file), ".yml")
		t.Run(name, func(t *testing.T) {
			rule, ok := ruleOf(name)
			if !ok {
				t.Fatalf("fixture name %q does not start with a rule id", name)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			fs := Validate(file, data, fixtureOptions(t, data))
			severity := rule.Severity
			if strings.Contains(name, "-warning") {
				severity = SeverityWarning
			}
			tripped := false
			for _, f := range fs {
				if f.Rule == rule.ID && f.Severity == severity {
					tripped = true
				}
			}
			if !tripped {
				t.Errorf("rule %s (%s) not reported; got:\n%s", rule.ID, severity, render(fs))
			}
			golden := strings.TrimSuffix(file, ".yml") + ".txt"
			got := render(fs)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./schema -run TestInvalidFixtures -update)", err)
			}
			if got != string(want) {
				t.Errorf("findings differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

// TestEveryRuleHasAFixture: no rule without a fixture that trips it.
func TestEveryRuleHasAFixture(t *testing.T) {
	have := map[string]bool{}
	for _, file := range fixtures(t, "invalid") {
		if r, ok := ruleOf(filepath.Base(file)); ok {
			have[r.ID] = true
		}
	}
	for _, r := range RuleTable {
		if !have[r.ID] {
			t.Errorf("rule %s has no fixture testdata/invalid/%s*.yml", r.ID, r.ID)
		}
	}
}
