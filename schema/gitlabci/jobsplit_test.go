package gitlabci

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
)

// TestJobSplitShape: the pinned ci.json is of the job shape (its jobs are
// judged property by property, with when: and start_in: read together),
// and schemas that assert across a job's keys otherwise turn it off.
func TestJobSplitShape(t *testing.T) {
	if _, err := Schema(); err != nil {
		t.Fatal(err)
	}
	if compiled.jobs == nil {
		t.Fatal("ci.json is no longer of the job shape: jobs are judged whole again (slower, still right)")
	}
	var cross []string
	for k := range compiled.jobs.cross {
		cross = append(cross, k)
	}
	sort.Strings(cross)
	if fmt.Sprint(cross) != "[start_in when]" {
		t.Errorf("cross keys = %v, want [start_in when]", cross)
	}
	for _, k := range []string{"stages", "variables", "default", "workflow", "include", ".hidden", ".x"} {
		if compiled.jobs.isJob(k) {
			t.Errorf("isJob(%q) = true", k)
		}
	}
	for _, k := range []string{"build", "test:linux", "a.b"} {
		if !compiled.jobs.isJob(k) {
			t.Errorf("isJob(%q) = false", k)
		}
	}

	// The same shape as ci.json, with one thing changed each time.
	shape := func(edit func(root, job map[string]any)) any {
		job := map[string]any{
			"type": "object", "additionalProperties": false,
			"properties": map[string]any{"script": map[string]any{"type": "string"}, "when": map[string]any{}, "start_in": map[string]any{}},
			"oneOf": []any{
				map[string]any{"properties": map[string]any{"when": map[string]any{"enum": []any{"delayed"}}}, "required": []any{"when", "start_in"}},
				map[string]any{"properties": map[string]any{"when": map[string]any{"not": map[string]any{"enum": []any{"delayed"}}}}},
			},
		}
		root := map[string]any{
			"type": "object", "properties": map[string]any{"stages": map[string]any{}},
			"additionalProperties": map[string]any{"$ref": "#/definitions/job"},
			"definitions": map[string]any{
				"job":          map[string]any{"allOf": []any{map[string]any{"$ref": "#/definitions/job_template"}}},
				"job_template": job,
			},
		}
		edit(root, job)
		return root
	}
	if _, ok := jobShapeOf(shape(func(_, _ map[string]any) {})); !ok {
		t.Fatal("the ci.json-like shape is not recognised")
	}
	if s, ok := jobShapeOf(shape(func(_, j map[string]any) { j["required"] = []any{"script"} })); !ok || !s.cross["script"] {
		t.Errorf("required keys are not read together: %v %v", s, ok)
	}
	for name, edit := range map[string]func(root, job map[string]any){
		"dependencies":         func(_, j map[string]any) { j["dependencies"] = map[string]any{"a": []any{"b"}} },
		"patternProperties":    func(_, j map[string]any) { j["patternProperties"] = map[string]any{"^x": map[string]any{}} },
		"additionalProperties": func(_, j map[string]any) { j["additionalProperties"] = true },
		"not":                  func(_, j map[string]any) { j["not"] = map[string]any{"required": []any{"a"}} },
		"if":                   func(_, j map[string]any) { j["if"] = map[string]any{"required": []any{"a"}} },
		"minProperties":        func(_, j map[string]any) { j["minProperties"] = 1.0 },
		"branch reads all": func(_, j map[string]any) {
			j["anyOf"] = []any{map[string]any{"additionalProperties": false}}
		},
		"branch not": func(_, j map[string]any) {
			j["oneOf"] = []any{map[string]any{"not": map[string]any{"required": []any{"when"}}}}
		},
		"type": func(_, j map[string]any) { j["type"] = []any{"object", "null"} },
		"property name needing URI escaping": func(_, j map[string]any) {
			j["properties"].(map[string]any)["a%zz"] = map[string]any{}
		},
		"root ref siblings": func(r, _ map[string]any) {
			r["additionalProperties"] = map[string]any{"$ref": "#/definitions/job", "minProperties": 1.0}
		},
		"root no ref":   func(r, _ map[string]any) { r["additionalProperties"] = map[string]any{"type": "object"} },
		"root required": func(r, _ map[string]any) { r["required"] = []any{"stages"} },
		"two links": func(r, _ map[string]any) {
			r["definitions"].(map[string]any)["job"] = map[string]any{"allOf": []any{
				map[string]any{"$ref": "#/definitions/job_template"}, map[string]any{"required": []any{"script"}},
			}}
		},
		"link asserts": func(r, _ map[string]any) {
			r["definitions"].(map[string]any)["job"] = map[string]any{"minProperties": 1.0, "allOf": []any{
				map[string]any{"$ref": "#/definitions/job_template"},
			}}
		},
	} {
		if s, ok := jobShapeOf(shape(edit)); ok {
			t.Errorf("%s: still judged property by property (%v)", name, s)
		}
	}
}

// TestJobSplitAgrees: on files made of the jobs of the goldens and the
// validator's fixtures, taken apart and mixed (values moved between keys
// and jobs, keys dropped or added, when:/start_in: combinations), the
// property-by-property verdict is the schema's verdict on the whole file.
func TestJobSplitAgrees(t *testing.T) {
	s, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var jobs []map[string]any
	pool := map[string][]any{} // values seen under each key
	var all []any
	for _, glob := range []string{"../../testdata/golden/*/*.yml", "../testdata/valid/*.yml", "../testdata/invalid/*.yml"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := cidoc.Parse(data)
			if err != nil || doc.Aliases {
				continue
			}
			v, err := cidoc.ToJSON(doc.Content, nil)
			m, ok := v.(map[string]any)
			if err != nil || !ok {
				continue
			}
			for k, x := range m {
				if j, ok := x.(map[string]any); ok && compiled.jobs.isJob(k) {
					jobs = append(jobs, j)
					for p, y := range j {
						pool[p] = append(pool[p], y)
						all = append(all, y)
					}
				}
			}
		}
	}
	if len(jobs) < 100 || len(pool) < 20 {
		t.Fatalf("only %d jobs with %d keys found: the corpus moved?", len(jobs), len(pool))
	}
	for _, x := range []any{math.NaN(), math.Inf(-1), nil, true, int64(3), int64(-1), 2.5, "x", "delayed", "1 hour", []any{}, []any{"a"},
		map[string]any{}, json.Number("99999999999999999999"), []any{map[string]any{"if": "$X"}}} {
		all = append(all, x)
	}
	keys := make([]string, 0, len(pool))
	for k := range pool {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rng := rand.New(rand.NewSource(1))
	pick := func(xs []any) any { return xs[rng.Intn(len(xs))] }
	mutate := func(j map[string]any) any {
		c := map[string]any{}
		for k, x := range j {
			c[k] = x
		}
		for n := rng.Intn(3); n >= 0; n-- {
			k := keys[rng.Intn(len(keys))]
			switch rng.Intn(9) {
			case 0:
				c[k] = pick(all) // any value under any key
			case 1, 2:
				c[k] = pick(pool[k]) // a value this key had somewhere
			case 3:
				for k := range c {
					delete(c, k)
					break
				}
			case 4:
				c["when"] = pick([]any{"delayed", "manual", "on_success", "never", 1.0})
			case 5:
				c["start_in"] = pick([]any{"1 hour", 5.0, nil})
			case 6:
				c["no_such_key"] = "x"
			case 7:
				return pick(all) // not a job
			}
		}
		return c
	}
	valid, invalid := 0, 0
	for trial := 0; trial < 3000; trial++ {
		doc := map[string]any{}
		if rng.Intn(3) == 0 {
			doc["stages"] = pick([]any{[]any{"build", "test"}, "build"})
		}
		for i := rng.Intn(6); i >= 0; i-- {
			j := jobs[rng.Intn(len(jobs))]
			var v any = j
			if rng.Intn(2) == 0 {
				v = mutate(j)
			}
			doc[fmt.Sprintf("job-%d", i)] = v
			if rng.Intn(4) == 0 { // the same value twice: judged once
				doc[fmt.Sprintf("copy-%d", i)] = v
			}
		}
		if rng.Intn(8) == 0 {
			doc[".hidden"] = pick(all)
		}
		want := s.Validate(doc) == nil
		if want {
			valid++
		} else {
			invalid++
		}
		if got := validSplit(doc, false); got != want {
			b, _ := json.MarshalIndent(doc, "", "  ")
			t.Fatalf("trial %d: property-by-property verdict %v, the whole file's %v:\n%s", trial, got, want, b)
		}
	}
	if valid < 300 || invalid < 300 {
		t.Fatalf("%d valid and %d invalid files: the mutations no longer test both verdicts", valid, invalid)
	}
}

// TestJobSplitJudgesEachValueOnce: the tasks are the distinct (property,
// value) pairs, with equal values found whatever their hash and whatever
// their mapping order, and different ones kept apart when every hash
// collides.
func TestJobSplitJudgesEachValueOnce(t *testing.T) {
	if _, err := Schema(); err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"stages": []any{"build"}}
	for i := 0; i < 40; i++ {
		doc[fmt.Sprintf("job-%d", i)] = map[string]any{
			"stage":  "build",
			"script": []any{fmt.Sprintf("make %d", i%5)},
			"retry":  map[string]any{"max": int64(2), "when": []any{"runner_system_failure"}},
			"tags":   []any{"docker"},
		}
	}
	doc["job-0"].(map[string]any)["retry"] = map[string]any{"when": []any{"runner_system_failure"}, "max": int64(2)}
	doc["job-1"].(map[string]any)["retry"] = map[string]any{"max": 2.0, "when": []any{"runner_system_failure"}}
	count := func() int {
		tasks, rest, ok := compiled.jobs.tasks(doc)
		if !ok || len(rest) != 1 {
			t.Fatalf("tasks: ok %v, rest %v", ok, rest)
		}
		return len(tasks)
	}
	// stage 1, script 5, retry 2 (int64 and float64 max), tags 1, the
	// jobs cut to their cross keys ({}) 1; fewer distinct values per
	// property than maxBucket, so colliding ones are all told apart too.
	if n := count(); n != 10 {
		t.Errorf("%d tasks, want 10", n)
	}
	defer func() { hashOf = hashValue }()
	hashOf = func(maphash.Seed, any) uint64 { return 1 }
	if n := count(); n != 10 {
		t.Errorf("with every hash colliding: %d tasks, want 10", n)
	}
	doc["job-7"].(map[string]any)["retry"] = map[string]any{"max": int64(9)}
	if validSplit(doc, false) {
		t.Error("with every hash colliding, an invalid retry: was judged valid")
	}
}

func TestEqualValue(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		a, b any
		want bool
	}{
		{"a", "a", true}, {"a", "b", false}, {int64(1), 1.0, false}, {int64(1), int64(1), true},
		{0.0, math.Copysign(0, -1), false}, {nan, nan, true}, {json.Number("1"), json.Number("1"), true},
		{json.Number("1"), "1", false}, {nil, nil, true}, {nil, false, false}, {true, true, true},
		{[]any{"a", int64(1)}, []any{"a", int64(1)}, true}, {[]any{"a"}, []any{"a", "b"}, false},
		{map[string]any{"a": []any{}}, map[string]any{"a": []any{}}, true},
		{map[string]any{"a": nil}, map[string]any{"b": nil}, false},
		{map[string]any{"a": nil}, map[string]any{}, false},
		{[]any{}, map[string]any{}, false}, {struct{}{}, struct{}{}, false},
	} {
		if got := equalValue(c.a, c.b); got != c.want {
			t.Errorf("equalValue(%#v, %#v) = %v", c.a, c.b, got)
		}
		seed := maphash.MakeSeed()
		if c.want && hashValue(seed, c.a) != hashValue(seed, c.b) {
			t.Errorf("equal values %#v, %#v hash apart", c.a, c.b)
		}
	}
}

// TestJobSplitCollisionsStayLinear: values made to collide (every hash
// equal) are compared with at most maxBucket others each, and still each
// judged.
func TestJobSplitCollisionsStayLinear(t *testing.T) {
	if _, err := Schema(); err != nil {
		t.Fatal(err)
	}
	const n = 2000
	doc := map[string]any{}
	for i := 0; i < n; i++ {
		doc[fmt.Sprintf("job-%d", i)] = map[string]any{"script": "x", "tags": []any{int64(i), int64(i + 1)}}
	}
	compares := 0
	defer func() { hashOf, equalOf = hashValue, equalValue }()
	hashOf = func(maphash.Seed, any) uint64 { return 1 }
	equalOf = func(a, b any) bool { compares++; return equalValue(a, b) }
	tasks, _, ok := compiled.jobs.tasks(doc)
	if !ok {
		t.Fatal("tasks refused a valid file")
	}
	if distinct := 0; true {
		for _, tk := range tasks {
			if tk.s == compiled.jobs.props["tags"] {
				distinct++
			}
		}
		if distinct != n {
			t.Errorf("%d tags values judged, want %d", distinct, n)
		}
	}
	if limit := 3 * n * maxBucket; compares > limit {
		t.Errorf("%d comparisons for %d colliding values: more than %d", compares, 3*n, limit)
	}
}

// TestJobSplitSeedsNumbers: numbers hash differently under another seed,
// so a file cannot be written to make them collide.
func TestJobSplitSeedsNumbers(t *testing.T) {
	a, b := maphash.MakeSeed(), maphash.MakeSeed()
	for _, v := range []any{int64(5), 2.5, "s", json.Number("7")} {
		if hashValue(a, v) == hashValue(b, v) {
			t.Errorf("%#v hashes alike under two seeds", v)
		}
	}
}

// TestNotJSONIsNotValid: a value JSON has no type for (a NaN or infinite
// float) is an error of the value, not a failed "not": neither verdict
// takes it for valid.
func TestNotJSONIsNotValid(t *testing.T) {
	if _, err := Schema(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []any{math.NaN(), math.Inf(1)} {
		doc := map[string]any{"job": map[string]any{"script": "x", "retry": bad}}
		for _, shared := range []bool{false, true} {
			if validSplit(doc, shared) {
				t.Errorf("validSplit(retry: %v, shared %v) = true", bad, shared)
			}
		}
		if isValid(bad) {
			t.Errorf("isValid(%v) = true", bad)
		}
	}
}
