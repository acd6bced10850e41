package schema

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

// rulesOf returns "rule:severity" for each finding, in order.
func rulesOf(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Rule + ":" + string(f.Severity)
	}
	return out
}

func has(fs []Finding, rule string, sev Severity) bool {
	for _, f := range fs {
		if f.Rule == rule && f.Severity == sev {
			return true
		}
	}
	return false
}

func TestFindingString(t *testing.T) {
	f := Finding{Pos: diag.Pos{File: "gen.yml", Line: 3, Col: 5}, Severity: SeverityError, Message: "bad", Rule: "needs-unknown-job", Job: "test api"}
	if got, want := f.String(), "gen.yml:3:5: error: bad (needs-unknown-job)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	f.Origin = &Origin{Cell: diag.Cell{Target: "api", OS: "linux", Arch: "amd64"}, Template: "ci/go.jsonnet"}
	if got, want := f.String(), "gen.yml:3:5: error: bad (needs-unknown-job) [target=api os=linux arch=amd64, template ci/go.jsonnet]"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestOriginsAreAttachedByJob(t *testing.T) {
	data := []byte("build:\n  stage: nope\n  script: make\nlint:\n  stage: nope\n  script: make lint\n")
	origin := Origin{Cell: diag.Cell{Target: "api", OS: "linux", Arch: "arm64"}, Template: "ci/go.jsonnet"}
	fs := Validate("gen.yml", data, Options{Origins: map[string]Origin{"build": origin}})
	if len(fs) != 2 {
		t.Fatalf("want 2 findings, got:\n%s", render(fs))
	}
	if fs[0].Job != "build" || fs[0].Origin == nil || *fs[0].Origin != origin {
		t.Errorf("build's finding lacks its origin: %+v", fs[0])
	}
	if fs[1].Job != "lint" || fs[1].Origin != nil {
		t.Errorf("lint has no origin, got %+v", fs[1])
	}
}

func TestFindingsAreSortedAndDeterministic(t *testing.T) {
	data := []byte(`z:
  script: make
  needs: [missing-z]
a:
  stage: nowhere
  script: make
  needs: [missing-a, missing-b]
`)
	first := Validate("f.yml", data, Options{})
	for i := 0; i < 20; i++ {
		if again := Validate("f.yml", data, Options{}); !reflect.DeepEqual(first, again) {
			t.Fatalf("run %d differs:\n%s\nvs\n%s", i, render(first), render(again))
		}
	}
	for i := 1; i < len(first); i++ {
		a, b := first[i-1].Pos, first[i].Pos
		if a.Line > b.Line || (a.Line == b.Line && a.Col > b.Col) {
			t.Errorf("not sorted by position:\n%s", render(first))
		}
	}
	if len(first) != 4 {
		t.Errorf("want 4 findings, got:\n%s", render(first))
	}
}

func TestFindingJSON(t *testing.T) {
	fs := Validate("f.yml", []byte("build:\n  image: alpine\n"), Options{})
	b, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	var back []Finding
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fs, back) {
		t.Errorf("JSON round trip changed findings: %s", b)
	}
	if !strings.Contains(string(b), `"rule":"job-no-script"`) || !strings.Contains(string(b), `"pos":{"file":"f.yml","line":1,"col":1}`) {
		t.Errorf("unexpected JSON: %s", b)
	}
}

func TestLimitsDefaultsAndOverrides(t *testing.T) {
	d := DefaultLimits()
	for _, li := range LimitTable {
		p, err := d.Field(li.Name)
		if err != nil || *p != li.Default || li.Default <= 0 || li.Source == "" || li.Setting == "" {
			t.Errorf("%s: default %d, source %q, setting %q, err %v", li.Name, li.Default, li.Source, li.Setting, err)
		}
	}
	if d != (Limits{}).WithDefaults() {
		t.Errorf("zero limits do not mean the defaults")
	}
	var l Limits
	if err := json.Unmarshal([]byte(`{"maxNeeds": 2}`), &l); err != nil {
		t.Fatal(err)
	}
	l = l.WithDefaults()
	if l.MaxNeeds != 2 || l.MaxIncludes != d.MaxIncludes {
		t.Errorf("a partial override changed other limits: %+v", l)
	}
	// Every Limits field is in the table (no limit without a source).
	n := reflect.TypeOf(Limits{}).NumField()
	if n != len(LimitTable) {
		t.Errorf("Limits has %d fields, LimitTable %d entries", n, len(LimitTable))
	}
	for i := 0; i < n; i++ {
		tag := strings.Split(reflect.TypeOf(Limits{}).Field(i).Tag.Get("json"), ",")[0]
		if _, ok := LimitByName(tag); !ok {
			t.Errorf("Limits.%s (%s) is not in LimitTable", reflect.TypeOf(Limits{}).Field(i).Name, tag)
		}
	}
}

func TestLimitOverrideChangesTheVerdict(t *testing.T) {
	data := []byte("a:\n  stage: build\n  script: make\nb:\n  stage: build\n  script: make\nc:\n  script: make\n  needs: [a, b]\n")
	if fs := Validate("f.yml", data, Options{}); len(fs) != 0 {
		t.Fatalf("unexpected findings:\n%s", render(fs))
	}
	fs := Validate("f.yml", data, Options{Limits: Limits{MaxNeeds: 1}})
	if !has(fs, RuleNeedsLimit, SeverityError) || !strings.Contains(fs[0].Message, "one job can only need 1 others, but you have listed 2") {
		t.Errorf("maxNeeds 1 not applied:\n%s", render(fs))
	}
}

// jobs builds a config with n jobs named prefix-NNN in the given stage.
func jobs(prefix string, n int, stage string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s-%03d:\n  stage: %s\n  script: make\n", prefix, i, stage)
	}
	return b.String()
}

func names(prefix string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return strings.Join(parts, ", ")
}

// TestLimitBoundaries: each count limit accepts its maximum and rejects one more.
func TestLimitBoundaries(t *testing.T) {
	d := DefaultLimits()
	cases := []struct {
		rule string
		doc  func(n int) string
		max  int
	}{
		{RuleNeedsLimit, func(n int) string {
			return jobs("b", n, "build") + fmt.Sprintf("t:\n  script: make\n  needs: [%s]\n", names("b", n))
		}, d.MaxNeeds},
		{RuleIncludeCount, func(n int) string {
			var b strings.Builder
			b.WriteString("include:\n")
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, "  - local: ci/%03d.yml\n", i)
			}
			return b.String() + "j:\n  script: make\n"
		}, d.MaxIncludes},
		{RuleParallelLimit, func(n int) string { return fmt.Sprintf("j:\n  script: make\n  parallel: %d\n", n) }, d.MaxParallel},
		{RuleMatrixLimit, func(n int) string {
			// n jobs as 2 entries: a product and a single-value remainder.
			return fmt.Sprintf("j:\n  script: make\n  parallel:\n    matrix:\n      - A: [%s]\n        B: [x, y]\n      - C: z%s\n",
				names("v", (n-1)/2), strings.Repeat("\n      - C: z", (n-1)%2))
		}, d.MaxMatrixJobs},
		{RuleRulesChangesLimit, func(n int) string {
			return fmt.Sprintf("j:\n  script: make\n  rules:\n    - changes: [%s]\n", names("p", n))
		}, d.MaxRulesChanges},
		{RuleJobNameLength, func(n int) string { return strings.Repeat("é", n) + ":\n  script: make\n" }, d.MaxJobNameLength},
		{RuleExtendsDepth, func(n int) string {
			var b strings.Builder
			b.WriteString("j:\n  extends: .t000\n")
			for i := 0; i < n-1; i++ {
				fmt.Fprintf(&b, ".t%03d:\n  extends: .t%03d\n", i, i+1)
			}
			fmt.Fprintf(&b, ".t%03d:\n  script: make\n", n-1)
			return b.String()
		}, d.MaxExtendsDepth},
		{RuleYAMLDepth, func(n int) string {
			// the top-level mapping is level 1
			return "j:\n  script: make\n.deep: " + strings.Repeat("[", n-1) + "x" + strings.Repeat("]", n-1) + "\n"
		}, d.MaxYAMLDepth},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			at := Validate("f.yml", []byte(c.doc(c.max)), Options{})
			if has(at, c.rule, SeverityError) {
				t.Errorf("%d is allowed, got:\n%s", c.max, render(at))
			}
			over := Validate("f.yml", []byte(c.doc(c.max+1)), Options{})
			if !has(over, c.rule, SeverityError) {
				t.Errorf("%d is over the limit, got:\n%s", c.max+1, render(over))
			}
		})
	}
}

func TestMatrixCountsPermutationsNotEntries(t *testing.T) {
	// 3 entries, 2×2×2 + 3×3 + 1 = 18 jobs: fine with a limit of 18, not 17.
	doc := []byte(`j:
  script: make
  parallel:
    matrix:
      - {A: [1, 2], B: [1, 2], C: [1, 2]}
      - {A: [1, 2, 3], B: [x, y, z]}
      - {A: solo}
`)
	if fs := Validate("f.yml", doc, Options{Limits: Limits{MaxMatrixJobs: 18}}); len(fs) != 0 {
		t.Errorf("18 jobs within 18:\n%s", render(fs))
	}
	fs := Validate("f.yml", doc, Options{Limits: Limits{MaxMatrixJobs: 17}})
	if !has(fs, RuleMatrixLimit, SeverityError) || !strings.Contains(fs[0].Message, "it generates 18") {
		t.Errorf("18 jobs over 17:\n%s", render(fs))
	}
}

func TestDefaultFileSizeLimit(t *testing.T) {
	d := DefaultLimits()
	doc := func(size int) []byte {
		head := "j:\n  script: |\n"
		line := "    " + strings.Repeat("x", 95) + "\n"
		var b strings.Builder
		b.WriteString(head)
		for b.Len()+len(line) <= size {
			b.WriteString(line)
		}
		b.WriteString(strings.Repeat("#", size-b.Len()))
		return []byte(b.String())
	}
	over := doc(d.MaxFileBytes + 1)
	if len(over) != d.MaxFileBytes+1 {
		t.Fatalf("built %d bytes", len(over))
	}
	fs := Validate("big.yml", over, Options{})
	if !has(fs, RuleFileSize, SeverityError) {
		t.Errorf("5 MB + 1 byte:\n%s", render(fs))
	}
	near := doc(d.MaxFileBytes * 95 / 100)
	fs = Validate("big.yml", near, Options{Limits: Limits{MaxYAMLSizeBytes: 100 << 20}})
	if !has(fs, RuleFileSize, SeverityWarning) || has(fs, RuleFileSize, SeverityError) || !strings.Contains(fs[0].Message, "95 %") {
		t.Errorf("95 %% of 5 MB:\n%s", render(fs))
	}
	fine := doc(d.MaxFileBytes * 80 / 100)
	if fs := Validate("big.yml", fine, Options{Limits: Limits{MaxYAMLSizeBytes: 100 << 20}}); len(fs) != 0 {
		t.Errorf("80 %% of 5 MB:\n%s", render(fs))
	}
}

// TestParsedSizeEstimate: a sequence of n strings of 100 bytes costs, by
// the model of rubysize.go, the largest of the Ruby versions' totals; here
// that is 3.2's: two one-entry hashes (168 each), two short keys (40 each),
// an array of 1,000 elements (40 + 8 × 1,475 of capacity) and 1,000 strings
// in 160-byte slots. The limit and the 90 % warning apply to that estimate.
func TestParsedSizeEstimate(t *testing.T) {
	n := 1000
	var b strings.Builder
	b.WriteString("j:\n  script:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    - %s\n", strings.Repeat("y", 100))
	}
	data := []byte(b.String())
	estimate := 168 + 40 + 168 + 40 + (40 + 8*1475) + 160*n
	if fs := Validate("f.yml", data, Options{Limits: Limits{MaxYAMLSizeBytes: estimate}}); len(fs) != 1 || !has(fs, RuleYAMLSize, SeverityWarning) {
		t.Errorf("at exactly the estimate, want one warning:\n%s", render(fs))
	}
	if fs := Validate("f.yml", data, Options{Limits: Limits{MaxYAMLSizeBytes: estimate - 1}}); !has(fs, RuleYAMLSize, SeverityError) {
		t.Errorf("one byte under the estimate, want an error:\n%s", render(fs))
	}
	if fs := Validate("f.yml", data, Options{Limits: Limits{MaxYAMLSizeBytes: estimate * 2}}); len(fs) != 0 {
		t.Errorf("at 50 %%, want nothing:\n%s", render(fs))
	}
}

func TestAliasesCountOncePerUse(t *testing.T) {
	once := []byte("j:\n  script: make\n.a: &a [" + strings.Repeat("\"0123456789012345678901234567890\", ", 20) + "x]\n")
	twice := append(append([]byte{}, once...), []byte(".b: *a\n.c: *a\n")...)
	lim := Limits{MaxYAMLSizeBytes: 3000}
	if fs := Validate("f.yml", once, Options{Limits: lim}); has(fs, RuleYAMLSize, SeverityError) {
		t.Fatalf("one use fits:\n%s", render(fs))
	}
	if fs := Validate("f.yml", twice, Options{Limits: lim}); !has(fs, RuleYAMLSize, SeverityError) {
		t.Errorf("three uses do not:\n%s", render(fs))
	}
}

func TestAnchorsMergeKeysAndReferences(t *testing.T) {
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"merge provides script", "base: &b {script: make}\nj:\n  <<: *b\n  stage: build\n", nil},
		{"merge list, earlier wins", ".x: &x {stage: build}\n.y: &y {stage: nowhere}\nj:\n  <<: [*x, *y]\n  script: make\n", nil},
		{"explicit key after merge wins", ".x: &x {stage: build}\nj:\n  <<: *x\n  stage: nowhere\n  script: make\n", []string{"stage-unknown:error"}},
		{"reference as script", ".s: {script: [make]}\nj:\n  script: !reference [.s, script]\n", nil},
		{"reference as whole rules entry", ".r: {if: $X}\nj:\n  script: make\n  rules:\n    - !reference [.r]\n", nil},
		{"alias as job", ".t: &t {script: make}\nj: *t\n", nil},
		{"cyclic merge", "j: &j\n  script: make\n  <<: *j\n", nil},
		{"cyclic alias", "j:\n  script: make\n.c: &c [*c]\n", []string{"yaml-depth:error"}},
		{"unknown anchor", "j: *nope\n", []string{"yaml-syntax:error"}},
		{"quoted merge key is a key", "j:\n  script: make\n  \"<<\": {stage: build}\n", []string{"unknown-key:error", "yaml11-reading:warning"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := Validate("f.yml", []byte(c.doc), Options{})
			if got := rulesOf(fs); !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("got %v, want %v\n%s", got, c.want, render(fs))
			}
		})
	}
}

func TestYAML11Scalars(t *testing.T) {
	// GitLab's Psych reads these as booleans and integers, not strings.
	for _, doc := range []string{
		"j:\n  script: make\n  stage: off\n",
		"j:\n  script: make\n  stage: Yes\n",
		"j:\n  script: make\n  timeout: 1:30\n",
	} {
		if fs := Validate("f.yml", []byte(doc), Options{}); !has(fs, RuleWrongType, SeverityError) {
			t.Errorf("%q: want wrong-type, got\n%s", doc, render(fs))
		}
	}
	if fs := Validate("f.yml", []byte("j:\n  script: make\n  stage: \"off\"\n"), Options{}); has(fs, RuleWrongType, SeverityError) {
		t.Errorf("a quoted off is a string:\n%s", render(fs))
	}
}

func TestIncludesTurnNotFoundIntoWarnings(t *testing.T) {
	body := "j:\n  extends: .from-include\n  stage: from-include\n  needs: [from-include]\n  dependencies: [from-include]\n  script: make\n"
	fs := Validate("f.yml", []byte(body), Options{})
	for _, r := range []string{RuleExtendsUnknown, RuleStageUnknown, RuleNeedsUnknownJob, RuleDependenciesUnknown} {
		if !has(fs, r, SeverityError) {
			t.Errorf("without include, %s is an error:\n%s", r, render(fs))
		}
	}
	fs = Validate("f.yml", []byte("include: ci/templates.yml\n"+body), Options{})
	for _, r := range []string{RuleExtendsUnknown, RuleStageUnknown, RuleNeedsUnknownJob, RuleDependenciesUnknown} {
		if !has(fs, r, SeverityWarning) || has(fs, r, SeverityError) {
			t.Errorf("with include, %s is a warning:\n%s", r, render(fs))
		}
	}
}

func TestChildDepthLevel(t *testing.T) {
	doc := []byte("t:\n  trigger:\n    include: ci/child.yml\nmulti:\n  trigger: group/project\n")
	for level, want := range map[int]bool{0: false, 1: false, 2: true} {
		fs := Validate("f.yml", doc, Options{Level: level})
		if got := has(fs, RuleTriggerDepth, SeverityError); got != want {
			t.Errorf("level %d: trigger-depth %v, want %v\n%s", level, got, want, render(fs))
		}
		for _, f := range fs {
			if f.Job == "multi" {
				t.Errorf("a multi-project trigger is not a child pipeline: %s", f)
			}
		}
	}
}

func TestNeedsToParallelJobNames(t *testing.T) {
	doc := []byte(`build:
  stage: build
  script: make
  parallel: 3
cross:
  stage: build
  script: make
  parallel:
    matrix:
      - OS: [linux, darwin]
test:
  script: make test
  needs: ["build 2/3", "cross: [linux]", build]
`)
	if fs := Validate("f.yml", doc, Options{}); len(fs) != 0 {
		t.Errorf("needs on generated parallel names:\n%s", render(fs))
	}
}

func TestEmptyPipelineNeedsEveryJobFiltered(t *testing.T) {
	base := "a:\n  script: make\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"
	if fs := Validate("f.yml", []byte(base), Options{}); !has(fs, RuleEmptyPipeline, SeverityWarning) {
		t.Errorf("only an MR job:\n%s", render(fs))
	}
	for _, extra := range []string{
		"b:\n  script: make\n",
		"b:\n  script: make\n  rules:\n    - if: $CI_MERGE_REQUEST_ID\n",
		"b:\n  script: make\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\" || $CI_COMMIT_TAG\n",
		"b:\n  script: make\n  when: manual\n",
	} {
		if fs := Validate("f.yml", []byte(base+extra), Options{}); has(fs, RuleEmptyPipeline, SeverityWarning) {
			t.Errorf("%q can run, so the pipeline is not empty:\n%s", extra, render(fs))
		}
	}
}

// TestCraftedAliasGraphsStayFast: merge keys, extends and deep merges over
// shared anchors would take exponential time if each use were expanded
// again; each of these finishes in milliseconds.
func TestCraftedAliasGraphsStayFast(t *testing.T) {
	var docs []string
	var b strings.Builder
	b.WriteString("l0: &l0 {a: 1, script: x}\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, ".l%d: &l%d {<<: [*l%d, *l%d], k%d: v}\n", i, i, i-1, i-1, i)
	}
	b.WriteString("j:\n  <<: *l30\n")
	docs = append(docs, b.String())
	b.Reset()
	b.WriteString("m0: &m0 {x: 1}\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "m%d: &m%d {a: *m%d, b: *m%d}\n", i, i, i-1, i-1)
	}
	b.WriteString(".t:\n  variables: *m30\n  script: x\n.u:\n  variables: *m29\nj:\n  extends: [.t, .u]\n  variables: *m30\n")
	docs = append(docs, b.String())
	b.Reset()
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, ".t-%03d:\n  script: x\n  extends: [%s]\n", i, names(".t", i))
	}
	b.WriteString("j:\n  extends: .t-059\n")
	docs = append(docs, b.String())
	for i, doc := range docs {
		start := time.Now()
		if fs := Validate("f.yml", []byte(doc), Options{}); i == 2 && !has(fs, RuleExtendsDepth, SeverityError) {
			t.Errorf("the extends fan is 60 deep:\n%s", render(fs))
		}
		// A guard against exponential work, not a timing target: expanded,
		// these graphs would take hours; generous for -race and a loaded
		// machine.
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("document %d took %v", i, d)
		}
	}
}

func TestTopLevelEntriesThatAreNotJobs(t *testing.T) {
	cases := []struct {
		doc  string
		want []string
	}{
		{"build:\n", []string{"job-no-script:error"}},
		{"build: make\nj:\n  script: x\n", []string{"unknown-key:error"}},
		{"stages:\n  - build\nstage: test\nj:\n  script: x\n  stage: build\n", []string{"unknown-key:error"}},
		{".t: {script: x}\nj: !reference [.t]\n", nil},
	}
	for _, c := range cases {
		fs := Validate("f.yml", []byte(c.doc), Options{})
		if got := rulesOf(fs); len(got)+len(c.want) > 0 && !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %v, want %v\n%s", c.doc, got, c.want, render(fs))
		}
	}
}
