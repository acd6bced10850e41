package render

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/internal/yaml11/psychtest"
	"gitlab.com/generate-config/generate-config/schema"
)

// TestPsychReadsBackEveryString is the differential test of issue 11: every
// YAML 1.1 special form and thousands of random strings are rendered as a
// job name, a variable name, a variable value and a script line; Ruby's
// Psych, loading the file exactly as GitLab does, must read back exactly
// the same strings. Nothing may be lost, retyped or refused.
func TestPsychReadsBackEveryString(t *testing.T) {
	psychtest.Ruby(t)
	inputs := append([]string{}, psychtest.SpecialForms...)
	inputs = append(inputs, psychtest.RandomStrings(2, 8000)...)
	m := testManifest(t, "")

	const chunk = 400
	var docs []string
	var want []map[string]any
	for lo := 0; lo < len(inputs); lo += chunk {
		jobs := map[string]any{}
		for i, s := range inputs[lo:min(lo+chunk, len(inputs))] {
			jobs[fmt.Sprintf("j%d", lo+i)] = map[string]any{"script": []any{s}, "variables": map[string]any{s: s}}
			if checkJobName(s) == nil && s != "<<" && !strings.HasPrefix(s, "j") {
				jobs[s] = map[string]any{"script": []any{"x"}}
			}
		}
		res := evaluate.Result{Cell: evaluate.Cell{Target: m.Target("a"), OS: "linux", Arch: "amd64"}, Jobs: jobs}
		doc, err := Render(m, []evaluate.Result{res}, Header{Version: "psych"})
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		for _, f := range schema.Validate("generated-config.yml", doc.YAML, schema.Options{}) {
			if f.Rule == schema.RuleYAML11Reading {
				t.Errorf("the validator says GitLab misreads the renderer's output: %s", f)
			}
		}
		docs = append(docs, string(doc.YAML))
		want = append(want, jobs)
	}
	got := psychtest.LoadTagged(t, docs)
	bad := 0
	for d := range docs {
		if e, ok := got[d]["error"]; ok {
			t.Errorf("Psych refuses document %d: %v", d, e)
			bad++
			continue
		}
		back, err := untag(got[d])
		if err != nil {
			t.Errorf("document %d: %v", d, err)
			bad++
			continue
		}
		top, _ := back.(map[string]any)
		delete(top, "stages")
		for name, job := range want[d] {
			if !reflect.DeepEqual(top[name], job) {
				bad++
				if bad < 20 {
					w, _ := json.Marshal(job)
					g, _ := json.Marshal(top[name])
					t.Errorf("job %q: Psych reads %s, want %s", name, g, w)
				}
			}
			delete(top, name)
		}
		for name := range top {
			t.Errorf("Psych reads a job %q that was never written", name)
			bad++
		}
	}
	if bad > 0 {
		t.Fatalf("%d values did not round-trip through Psych", bad)
	}
}

// untag turns psychtest.LoadTagged's output back into Go values; anything but a
// string, a hash with string keys or an array is an error.
func untag(v any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return nil, fmt.Errorf("bad tagged value %v", v)
	}
	for k, x := range m {
		switch k {
		case "s":
			return x, nil
		case "a":
			var out []any
			for _, e := range x.([]any) {
				u, err := untag(e)
				if err != nil {
					return nil, err
				}
				out = append(out, u)
			}
			return out, nil
		case "h":
			out := map[string]any{}
			for _, p := range x.([]any) {
				kv := p.([]any)
				key, err := untag(kv[0])
				if err != nil {
					return nil, fmt.Errorf("key: %w", err)
				}
				ks, ok := key.(string)
				if !ok {
					return nil, fmt.Errorf("key %v is not a string", key)
				}
				val, err := untag(kv[1])
				if err != nil {
					return nil, fmt.Errorf("%q: %w", ks, err)
				}
				out[ks] = val
			}
			return out, nil
		case "i", "f":
			return nil, fmt.Errorf("Psych reads the number %v where a string was written", x)
		case "o":
			return nil, fmt.Errorf("Psych reads %v where a string was written", x)
		}
	}
	return nil, fmt.Errorf("bad tagged value %v", v)
}

// TestPsychReadsNumbers: every JSON number spelling is read by Psych as the
// same number (Psych reads `1e5` and `1.5e5` as strings: psychNumber).
func TestPsychReadsNumbers(t *testing.T) {
	psychtest.Ruby(t)
	nums := []string{"0", "-0", "7", "-12", "12345678901234567890", "123456789012345678901234567890", "0.5", "-0.25", "1.5",
		"1e5", "1E5", "1e+5", "1e-7", "1.5e5", "2.5E-3", "9.9999999999999995e-08", "1000000000000000019884624838656", "0.10000000000000001"}
	m := testManifest(t, "")
	job := map[string]any{"script": []any{"x"}}
	for i, n := range nums {
		job[fmt.Sprintf("n%02d", i)] = json.Number(n)
	}
	doc := render(t, m, evaluate.Result{Cell: evaluate.Cell{Target: m.Target("a"), OS: "linux", Arch: "amd64"}, Jobs: map[string]any{"j": job}})
	got := psychtest.LoadTagged(t, []string{string(doc.YAML)})
	read := map[string]map[string]any{}
	for _, kv := range got[0]["h"].([]any) {
		p := kv.([]any)
		if p[0].(map[string]any)["s"] == "j" {
			for _, e := range p[1].(map[string]any)["h"].([]any) {
				q := e.([]any)
				read[q[0].(map[string]any)["s"].(string)] = q[1].(map[string]any)
			}
		}
	}
	for i, n := range nums {
		v := read[fmt.Sprintf("n%02d", i)]
		var ok bool
		if s, isInt := v["i"].(string); isInt {
			a, _ := new(big.Int).SetString(s, 10)
			b, parsed := new(big.Float).SetPrec(2000).SetString(n)
			ok = parsed && b.IsInt() && func() bool { bi, _ := b.Int(nil); return bi.Cmp(a) == 0 }()
		} else if s, isFloat := v["f"].(string); isFloat {
			f, _ := strconv.ParseFloat(s, 64)
			g, _ := strconv.ParseFloat(n, 64)
			ok = f == g && strings.ContainsAny(n, ".eE")
		}
		if !ok {
			t.Errorf("%s: Psych reads %v\n%s", n, v, doc.YAML)
		}
	}
}
