package compact

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/schema"
)

// realistic is n jobs of the shape GitLab users write: per target × cell,
// with image, tags, variables, script, rules with changes, needs on the
// parent pipeline, artifacts with reports, retry, before_script,
// interruptible and stage.
func realistic(n int) map[string]any {
	jobs := map[string]any{}
	for i := 0; i < n; i++ {
		target := fmt.Sprintf("services/svc-%04d", i/4)
		arch := []string{"amd64", "arm64", "amd64", "arm64"}[i%4]
		osName := []string{"linux", "linux", "windows", "windows"}[i%4]
		job := fmt.Sprintf(`{
  "stage": "build",
  "image": "registry.example.com/ci/go-builder:1.22",
  "interruptible": true,
  "tags": ["%[2]s-%[3]s"],
  "retry": {"max": 2, "when": ["runner_system_failure", "stuck_or_timeout_failure"]},
  "variables": {"TARGET": "%[1]s", "GOOS": "%[2]s", "GOARCH": "%[3]s"},
  "before_script": ["git config --global url.\"https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/\".insteadOf https://gitlab.example.com/"],
  "script": ["cd %[1]s", "go build -trimpath -o bin/%[2]s-%[3]s ./...", "go test ./..."],
  "rules": [{"changes": ["%[1]s/**/*", "go.mod", "go.sum"]}],
  "needs": [{"pipeline": "$PARENT_PIPELINE_ID", "job": "generate-config"}],
  "artifacts": {"paths": ["%[1]s/bin/"], "expire_in": "1 week", "reports": {"junit": "%[1]s/report.xml"}}
}`, target, osName, arch)
		jobs[fmt.Sprintf("build:%s:%s:%s", target, osName, arch)] = decode(job)
	}
	return jobs
}

func decode(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(err)
	}
	return v
}

func TestRealisticShrinks(t *testing.T) {
	jobs := realistic(400)
	r := Jobs(jobs)
	if !r.Compacted() {
		t.Fatal("400 realistic jobs were not compacted")
	}
	if ratio := float64(r.After) / float64(r.Before); ratio > 0.6 {
		t.Errorf("compacted size is %.2f of the plain form (%d → %d); want at most 0.60", ratio, r.Before, r.After)
	}
	sameJobs(t, jobs, r.Jobs)
	// The values every job shares are in the first hidden job.
	first := r.Jobs[r.Templates[0]].(map[string]any)
	for _, k := range []string{"image", "interruptible", "retry", "before_script", "stage", "needs"} {
		if _, ok := first[k]; !ok {
			t.Errorf("%s lacks %q: %v", r.Templates[0], k, first)
		}
	}
}

func TestNothingSharedStaysAsIs(t *testing.T) {
	jobs := map[string]any{
		"a": decode(`{"script": ["make a"]}`),
		"b": decode(`{"script": ["make b"]}`),
	}
	r := Jobs(jobs)
	if r.Compacted() || !reflect.DeepEqual(r.Jobs, jobs) || r.Before != r.After {
		t.Errorf("jobs with nothing in common changed: %+v", r)
	}
}

// TestAuthorsExtendsKeepWorking: a job's own extends (a string or a list)
// stays first, the hidden jobs follow, and the expansion is unchanged even
// where the author's template sets the same keys (hashes deep-merge, lists
// are replaced).
func TestAuthorsExtendsKeepWorking(t *testing.T) {
	jobs := map[string]any{
		".base":  decode(`{"variables": {"A": "base", "B": "base"}, "script": ["base"], "tags": ["base"]}`),
		".other": decode(`{"retry": 1}`),
	}
	for i := 0; i < 6; i++ {
		ext := `".base"`
		if i%2 == 1 {
			ext = `[".other", ".base"]`
		}
		jobs[fmt.Sprintf("job-%d", i)] = decode(fmt.Sprintf(`{"extends": %s, "variables": {"A": "job"}, "tags": ["shared"], "image": "img:1", "retry": 2, "script": ["run %d"]}`, ext, i))
	}
	r := Jobs(jobs)
	if !r.Compacted() {
		t.Fatal("nothing compacted")
	}
	sameJobs(t, jobs, r.Jobs)
	ext := r.Jobs["job-1"].(map[string]any)["extends"].([]any)
	if ext[0] != ".other" || ext[1] != ".base" || !strings.HasPrefix(ext[2].(string), Prefix) {
		t.Errorf("job-1 extends %v; want the author's entries first", ext)
	}
}

func TestNamesAlreadyTakenAreSkipped(t *testing.T) {
	jobs := realistic(8)
	jobs[Prefix+"1"] = decode(`{"script": ["mine"]}`)
	r := Jobs(jobs)
	if !reflect.DeepEqual(r.Jobs[Prefix+"1"], jobs[Prefix+"1"]) {
		t.Errorf("the author's %s1 was replaced", Prefix)
	}
	sameJobs(t, jobs, r.Jobs)
}

func TestDeterministic(t *testing.T) {
	a, _ := json.Marshal(Jobs(realistic(40)).Jobs)
	for i := 0; i < 5; i++ {
		b, _ := json.Marshal(Jobs(realistic(40)).Jobs)
		if string(a) != string(b) {
			t.Fatal("two runs on the same jobs differ")
		}
	}
}

// FuzzCompactKeepsJobs: random jobs from a small vocabulary (so that they
// share values), some extending the author's hidden jobs, expand to the
// same jobs after compaction.
func FuzzCompactKeepsJobs(f *testing.F) {
	for _, seed := range []int64{1, 2, 3, 42} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed int64) {
		jobs := randomJobs(rand.New(rand.NewSource(seed)))
		sameJobs(t, jobs, Jobs(jobs).Jobs)
	})
}

func TestRandomJobs(t *testing.T) {
	for seed := int64(0); seed < 300; seed++ {
		jobs := randomJobs(rand.New(rand.NewSource(seed)))
		sameJobs(t, jobs, Jobs(jobs).Jobs)
	}
}

func randomJobs(rng *rand.Rand) map[string]any {
	values := []string{
		`"a"`, `"b"`, `1`, `true`, `null`, `["x"]`, `["x", "y"]`,
		`{"A": "1"}`, `{"A": "2", "B": "1"}`, `{"A": {"deep": "1"}}`, `{"A": {"other": "2"}}`,
	}
	keys := []string{"image", "script", "variables", "cache", "tags", "retry", "artifacts", "stage"}
	random := func(n int) map[string]any {
		m := map[string]any{}
		for i := 0; i < n; i++ {
			m[keys[rng.Intn(len(keys))]] = decode(values[rng.Intn(len(values))])
		}
		return m
	}
	jobs := map[string]any{".t1": random(3), ".t2": random(2)}
	for i, n := 0, rng.Intn(20)+2; i < n; i++ {
		j := random(rng.Intn(6) + 1)
		switch rng.Intn(4) {
		case 0:
			j["extends"] = ".t1"
		case 1:
			j["extends"] = []any{".t2", ".t1"}
		}
		jobs[fmt.Sprintf("j%d", i)] = j
	}
	return jobs
}

// sameJobs expands every visible job of both forms with the project's
// model of a GitLab document (internal/cidoc: GitLab's extends rules) and
// compares them.
func sameJobs(t *testing.T, plain, compacted map[string]any) {
	t.Helper()
	want, got := expandAll(t, plain), expandAll(t, compacted)
	if len(want) != len(got) {
		t.Fatalf("%d visible jobs before compaction, %d after", len(want), len(got))
	}
	for name, w := range want {
		if g := got[name]; !reflect.DeepEqual(w, g) {
			wj, _ := json.Marshal(w)
			gj, _ := json.Marshal(g)
			t.Fatalf("job %q expands differently:\nplain:     %s\ncompacted: %s", name, wj, gj)
		}
	}
	for name := range compacted {
		if _, ok := plain[name]; !ok && !strings.HasPrefix(name, Prefix) {
			t.Fatalf("compaction added %q", name)
		}
	}
}

// expandAll writes jobs as YAML, parses it with cidoc and returns every
// visible job after extends.
func expandAll(t *testing.T, jobs map[string]any) map[string]any {
	t.Helper()
	data, err := yaml.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := cidoc.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for _, j := range doc.Visible() {
		m := map[string]any{}
		for _, p := range doc.Effective(j) {
			if k := cidoc.KeyString(p.Key); k != "extends" {
				var v any
				if err := p.Value.Decode(&v); err != nil {
					t.Fatal(err)
				}
				m[k] = v
			}
		}
		out[j.Name] = m
	}
	return out
}

// TestSizeIsTheSum: a large map priced on several goroutines costs what
// its jobs cost one by one.
func TestSizeIsTheSum(t *testing.T) {
	jobs := map[string]any{}
	want := 0
	for i := 0; i < 1500; i++ {
		name := fmt.Sprintf("build:svc-%d", i)
		job := map[string]any{"script": []any{fmt.Sprintf("make %d", i)}, "tags": []any{"docker"}, "retry": json.Number("2")}
		jobs[name] = job
		want += schema.ValueSize(name) + schema.ValueSize(job)
	}
	if got := Size(jobs); got != want {
		t.Errorf("Size = %d, the sum of the jobs is %d", got, want)
	}
}
