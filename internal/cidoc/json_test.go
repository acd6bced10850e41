package cidoc

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// The conversion's agreement with real Ruby Psych is tested where the
// product uses it: schema/gitlabci's TestLoadsLikeRealPsych.

func TestToJSON(t *testing.T) {
	src := `
base: &base {image: alpine, retry: 1}
job:
  <<: *base
  retry: 2
  script: !reference [.setup, script]
  n: 3
  f: 1.5
  b: true
  z: ~
  s: "on"
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	got, err := ToJSON(&doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"base": map[string]any{"image": "alpine", "retry": int64(1)},
		"job": map[string]any{
			"image": "alpine", "retry": int64(2),
			"script": []any{".setup", "script"},
			"n":      int64(3), "f": 1.5, "b": true, "z": nil, "s": "on",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

func TestToJSONRejectsCycles(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("a: &a [*a]\n"), &doc); err != nil {
		t.Fatal(err)
	}
	if _, err := ToJSON(&doc, nil); err == nil {
		t.Error("a cyclic alias must be an error, not endless recursion")
	}
}

// TestToJSONTypesAsPsych: scalars are typed as GitLab's YAML 1.1 loader
// types them (internal/cidoc), not as YAML 1.2 would.
func TestToJSONTypesAsPsych(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("a: on\nb: 'on'\nc: 0x1f\nd: .inf\ne: 1_000\n"), &doc); err != nil {
		t.Fatal(err)
	}
	got, err := ToJSON(&doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": true, "b": "on", "c": int64(31), "d": ".inf", "e": int64(1000)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

// marshal is v as JSON, without escaping `<`.
func marshal(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// places converts src, recording each JSONPlace report, as "key@line:col value@line:col".
func places(t *testing.T, src string) (any, map[string]string) {
	t.Helper()
	d, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	v, err := ToJSON(d.Content, func(ptr string, key, value *yaml.Node) {
		s := "-"
		if key != nil {
			s = fmt.Sprintf("%s@%d:%d", key.Value, key.Line, key.Column)
		}
		kind := "value"
		if value.Kind == yaml.AliasNode {
			kind = "alias"
		}
		got[ptr] = fmt.Sprintf("%s %s@%d:%d", s, kind, value.Line, value.Column)
	})
	if err != nil {
		t.Fatal(err)
	}
	return v, got
}

// TestToJSONPlaces: each value is reported where it is written; a value
// shared through an alias is reported at the alias, and entries a merge
// key brought in are not reported again under the mapping that merged
// them (a finding about them lands on that mapping).
func TestToJSONPlaces(t *testing.T) {
	src := `.s: &s [make]
.d: &d {retry: 7}
build:
  <<: *d
  script: *s
  when: on
  a/b~c: 1
`
	v, got := places(t, src)
	want := map[string]string{
		"":               "- value@1:1",
		"/.s":            ".s@1:1 value@1:5",
		"/.s/0":          "- value@1:9",
		"/.d":            ".d@2:1 value@2:5",
		"/.d/retry":      "retry@2:9 value@2:16",
		"/build":         "build@3:1 value@4:3",
		"/build/script":  "script@5:3 alias@5:11",
		"/build/when":    "when@6:3 value@6:9",
		"/build/a~1b~0c": "a/b~c@7:3 value@7:10",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("places:\n got %v\nwant %v", got, want)
	}
	b, _ := json.Marshal(v)
	if w := `{".d":{"retry":7},".s":["make"],"build":{"a/b~c":1,"retry":7,"script":["make"],"when":true}}`; string(b) != w {
		t.Errorf("got %s\nwant %s", b, w)
	}
}

// TestToJSONMergeKeysAsPsych: Psych's revive_hash merges a `<<` key
// whatever its quoting, unless it is tagged !!str; a `<<` whose value is
// not a mapping stays a key. The spec: header, which Parse does not
// flatten, merges the same.
func TestToJSONMergeKeysAsPsych(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"'<<': {a: 1}\nb: 2\n", `{"a":1,"b":2}`},
		{"a: 0\n\"<<\": {a: 1}\n", `{"a":1}`},
		{"!!str <<: {a: 1}\n", `{"<<":{"a":1}}`},
		{"<<: 1\n", `{"<<":1}`},
		{"x: &x {a: 1}\ny: {'<<': [*x, {a: 2, b: 3}]}\n", `{"x":{"a":1},"y":{"a":1,"b":3}}`},
		// Quoted keys inside what is merged merge too.
		{"'<<': &a {'<<': {x: 1}}\nb: 1\n", `{"b":1,"x":1}`},
		{"a: &a {'<<': {x: 1}, y: 2}\nb: {<<: *a, z: 3}\n", `{"a":{"x":1,"y":2},"b":{"x":1,"y":2,"z":3}}`},
	} {
		d, err := Parse([]byte(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		v, err := ToJSON(d.Content, nil)
		if err != nil {
			t.Fatal(err)
		}
		if b := marshal(v); b != tc.want {
			t.Errorf("%q: got %s, want %s", tc.src, b, tc.want)
		}
	}
	d, err := Parse([]byte("spec:\n  <<: {inputs: {a: {default: on}}}\n---\nb: {script: [x]}\n"))
	if err != nil || d.Header == nil {
		t.Fatal(d, err)
	}
	v, err := ToJSON(d.Header, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(v); string(b) != `{"spec":{"inputs":{"a":{"default":true}}}}` {
		t.Errorf("header: got %s", b)
	}
}

// TestToJSONScalars: what JSON cannot hold as Psych reads it stays text;
// an integer past int64 keeps its digits.
func TestToJSONScalars(t *testing.T) {
	src := "a: 12:30\nb: :sym\nc: 2001-01-01\nd: -.inf\ne: 123456789012345678901234567890\nf: !!int 0x10\ng: !!float 1_0.5\nh: !!bool no\ni: !!str on\nj: !custom on\nk: 0b\n"
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	got, err := ToJSON(&doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"a": int64(45000), "b": ":sym", "c": "2001-01-01", "d": "-.inf",
		"e": json.Number("123456789012345678901234567890"),
		"f": int64(16), "g": 10.5, "h": false, "i": "on", "j": true, "k": "0b",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

// TestToJSONAliasBombIsCheap: an anchor is converted once and shared, so
// a "billion laughs" document costs its size; a cyclic alias fans out is
// an error at once, not an exponential walk.
func TestToJSONAliasBombIsCheap(t *testing.T) {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	for _, src := range []string{b.String(), "a: &a [*a, *a, *a, *a, *a, *a, *a, *a]\n"} {
		d, err := Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		v, err := ToJSON(d.Content, nil)
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("%.20q: took %v", src, el)
		}
		if strings.HasPrefix(src, "a:") {
			if err == nil {
				t.Errorf("a cyclic alias converted: %v", v)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		l9 := v.(map[string]any)["l9"].([]any)
		if reflect.ValueOf(l9[0]).Pointer() != reflect.ValueOf(l9[1]).Pointer() {
			t.Error("aliases of one anchor were converted twice")
		}
	}
}

// FuzzToJSON: any document Parse accepts converts without a panic, to
// values encoding/json can write, and within its budget; converting
// without a JSONPlace (which skips the memo on a tree without anchors)
// gives the same values and errors as converting with one.
func FuzzToJSON(f *testing.F) {
	for _, s := range []string{
		"a: &a {b: 1}\nc: {<<: *a, '<<': [*a, {d: on}]}\n",
		"spec:\n  inputs: {x: {default: 12:30}}\n---\nj: {script: [x], rules: !reference [.r, rules]}\n",
		"a: &a [*a]\n", "? [a, b]\n: 1\n~: 2\n1.5: 3\n", "a: !!int 99999999999999999999999\n",
		"a: {<<: {b: 1, c: [x]}, '<<': {d: 2}}\ne: {f: [1, 2], g: null}\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		d, err := Parse([]byte(src))
		if err != nil {
			return
		}
		for _, n := range []*yaml.Node{d.Header, d.Content} {
			v, err := ToJSON(n, func(string, *yaml.Node, *yaml.Node) {})
			if err != nil {
				continue
			}
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			plain, err := ToJSON(n, nil)
			if err != nil {
				t.Fatalf("%q: with places converted, without: %v", src, err)
			}
			if pb, _ := json.Marshal(plain); string(pb) != string(b) {
				t.Fatalf("%q: without places %s, with places %s", src, pb, b)
			}
		}
	})
}
