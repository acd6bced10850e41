package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/textdiff"
	"gitlab.com/generate-config/generate-config/internal/yaml11/psychtest"
)

// Numbers of the random documents. The last two go-yaml writes with an
// explicit tag (`!!int 1234…`, `!!float 1e400`) that it cannot decode
// itself: the round trip through yaml.v3 leaves them out.
var (
	numbers          = []string{"0", "-1", "3", "1.5", "-0.25", "1e+30", "1E-7", "1e5", "2.5E5", "9.9999999999999995e-08", "12345678901234567890", "0.1", "123456789012345678901234567890", "1e400"}
	roundTripNumbers = numbers[:len(numbers)-2]
)

// randomValue builds a random decoded-JSON value: maps, lists, strings
// drawn from strs, json.Numbers, bools and nulls.
func randomValue(r *rand.Rand, strs, nums []string, depth int) any {
	pick := func() string { return strs[r.IntN(len(strs))] }
	switch k := r.IntN(10); {
	case depth < 4 && k < 3:
		m := map[string]any{}
		for n := r.IntN(5); n > 0; n-- {
			m[pick()] = randomValue(r, strs, nums, depth+1)
		}
		return m
	case depth < 4 && k < 5:
		var l []any
		for n := r.IntN(4); n > 0; n-- {
			l = append(l, randomValue(r, strs, nums, depth+1))
		}
		if l == nil {
			l = []any{}
		}
		return l
	case k < 8:
		return pick()
	case k < 9:
		return json.Number(nums[r.IntN(len(nums))])
	}
	return []any{true, false, nil}[r.IntN(3)]
}

func randomTop(r *rand.Rand, strs, nums []string) topLevel {
	var top topLevel
	seen := map[string]bool{}
	for n := 1 + r.IntN(6); n > 0; n-- {
		k := strs[r.IntN(len(strs))]
		if seen[k] {
			continue
		}
		seen[k] = true
		top.add(k, randomValue(r, strs, nums, 0), r.IntN(2) == 0)
	}
	return top
}

func sameAsYAMLv3(t *testing.T, head string, top topLevel) {
	t.Helper()
	want, werr := encodeDocumentYAMLv3(head, top)
	got, gerr := encodeDocument(head, top)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("errors differ: emitter %v, yaml.v3 %v", gerr, werr)
	}
	if !bytes.Equal(got, want) {
		in, _ := json.Marshal(top.values)
		t.Fatalf("emitter and yaml.v3 differ for keys %q values %s:\n%s", top.keys, in, textdiff.Unified("yaml.v3", "emitter", want, got, 3))
	}
}

// TestEmitterMatchesYAMLv3 compares the emitter with go-yaml v3's encoder on
// the YAML 1.1 special forms and thousands of random documents.
func TestEmitterMatchesYAMLv3(t *testing.T) {
	strs := append(append([]string{}, psychtest.SpecialForms...), psychtest.RandomStrings(3, 2000)...)
	strs = append(strs, strings.Repeat("k", 128), strings.Repeat("k", 129), strings.Repeat("é", 70), "a\tb", "\ta\nb", "x\u0085", "\U0001F600 ok", "\ufeffa\nb")
	head := header(Header{Version: "test", Base: "abc", Head: "def", Rule: "push", Reason: "why"}, 3, &Compaction{Templates: []string{".generate-config:1"}, Before: 2000, After: 1000})
	for _, s := range strs {
		sameAsYAMLv3(t, head, topLevel{keys: []string{"k"}, values: []any{map[string]any{s: []any{s, map[string]any{"x": s}}, "v": s}}, jobLevel: []bool{true}})
		sameAsYAMLv3(t, "", topLevel{keys: []string{s}, values: []any{s}, jobLevel: []bool{false}})
	}
	r := rand.New(rand.NewPCG(4, 5))
	for i := 0; i < 3000; i++ {
		sameAsYAMLv3(t, head, randomTop(r, strs, numbers))
	}
}

// FuzzEmitterMatchesYAMLv3: for any document of strings, the emitter writes
// the bytes go-yaml v3's encoder wrote, and they parse back to the data.
func FuzzEmitterMatchesYAMLv3(f *testing.F) {
	for _, s := range [][3]string{{"job", "make build", "GOOS"}, {"on", "a\nb\n", "12:30"}, {"- x", "  lead", "\tt\n"}, {"é", "\u2028", "#"}} {
		f.Add(s[0], s[1], s[2], uint64(1))
	}
	f.Fuzz(func(t *testing.T, a, b, c string, seed uint64) {
		for _, s := range []string{a, b, c} {
			if !utf8.ValidString(s) {
				t.Skip("decoded JSON holds valid UTF-8 only")
			}
		}
		strs := []string{a, b, c, "k", ""}
		r := rand.New(rand.NewPCG(seed, 1))
		top := randomTop(r, strs, roundTripNumbers)
		top.add(a+"/job", map[string]any{b: []any{c, a}, c: b}, true)
		sameAsYAMLv3(t, "# head", top)
		out, err := encodeDocument("# head", top)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := yaml.Unmarshal(out, &back); err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		want := map[string]any{}
		for i, k := range top.keys {
			want[k] = top.values[i]
		}
		if !reflect.DeepEqual(normalize(back), normalize(want)) {
			t.Fatalf("round trip changed the data:\n%s", out)
		}
	})
}

// normalize makes yaml.v3's decoded numbers and json.Numbers comparable.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case json.Number:
		f, _ := strconv.ParseFloat(x.String(), 64)
		return f
	case int:
		return float64(x)
	case uint64:
		return float64(x)
	}
	return v
}

func benchJobs(n int) map[string]any {
	jobs := map[string]any{}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("build:svc-%04d:linux-amd64", i)
		jobs[name] = map[string]any{
			"stage": "build", "image": "golang:1.22", "tags": []any{"docker", "amd64"},
			"variables": map[string]any{"GOOS": "linux", "GOARCH": "amd64", "TARGET": fmt.Sprintf("svc-%04d", i)},
			"script":    []any{"make -C services/svc build", "make -C services/svc test\nmake lint\n"},
			"rules":     []any{map[string]any{"changes": []any{"services/svc/**/*", "go.mod"}, "when": "on_success"}},
			"needs":     []any{map[string]any{"pipeline": "$PARENT_PIPELINE_ID", "job": "generate"}},
			"artifacts": map[string]any{"reports": map[string]any{"junit": "report.xml"}, "expire_in": "1 week"},
			"retry":     json.Number("2"), "interruptible": true,
		}
	}
	return jobs
}

func benchTop(jobs map[string]any) topLevel {
	var top topLevel
	top.add("stages", []any{"build", "test"}, false)
	for name, j := range jobs {
		top.add(name, j, true)
	}
	return top
}

// BenchmarkEmit compares the emitter with encoding/json and with the
// former yaml.v3 path on 1,000 realistic jobs (issue 9: within 5x of JSON).
func BenchmarkEmit(b *testing.B) {
	jobs := benchJobs(1000)
	top := benchTop(jobs)
	b.Run("emitter", func(b *testing.B) {
		for b.Loop() {
			if _, err := encodeDocument("# h", top); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(jobs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		for b.Loop() {
			if _, err := encodeDocumentYAMLv3("# h", top); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestPsychNumberSpelling(t *testing.T) {
	for in, want := range map[string]string{"1e5": "1.0e+5", "1.5E5": "1.5E+5", "-2e-3": "-2.0e-3", "1.5e+3": "1.5e+3", "12": "12", "0.5": "0.5"} {
		if got := psychNumber(in); got != want {
			t.Errorf("psychNumber(%s) = %s, want %s", in, got, want)
		}
	}
}

// Text that is not UTF-8 (which decoded JSON never holds) is an error, not
// a document with a broken string.
func TestEmitterRefusesInvalidUTF8(t *testing.T) {
	_, err := encodeDocument("", topLevel{keys: []string{"j"}, values: []any{map[string]any{"script": []any{"a\xffb"}}}, jobLevel: []bool{true}})
	if err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Fatalf("err = %v", err)
	}
}
