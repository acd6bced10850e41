package schema

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/yaml11/psychtest"
)

// TestYAML11ReadingMatchesPsych is the validator's side of the Psych
// differential test: every special form and random string that YAML allows
// plain is written plain as a value and as a key; Ruby's Psych loads each
// file as GitLab does. Where the validator is silent, Psych must read what
// yaml.v3 reads; where it reports a reading, Psych must read exactly that.
func TestYAML11ReadingMatchesPsych(t *testing.T) {
	psychtest.Ruby(t)
	inputs := append(append([]string{}, psychtest.SpecialForms...), psychtest.RandomStrings(7, 4000)...)
	var docs []string
	var asKey []bool
	for _, s := range inputs {
		for _, key := range []bool{false, true} {
			doc := "k: " + s + "\n"
			if key {
				doc = s + ": v\n"
			}
			if n := plainScalar(doc, key); n == nil || n.Value != s {
				continue // not a plain scalar holding s
			}
			docs, asKey = append(docs, doc), append(asKey, key)
		}
	}
	if len(docs) < 1000 {
		t.Fatalf("only %d plain-writable cases: the generator is broken", len(docs))
	}
	got := psychtest.LoadTagged(t, docs)
	bad := 0
	for i, doc := range docs {
		if e, ok := got[i]["error"].(string); ok && strings.HasPrefix(e, "Psych::SyntaxError") {
			continue // libyaml and yaml.v3 disagree on syntax: not a reading
		}
		psych := psychReading(got[i], asKey[i])
		var msg string
		for _, f := range Validate("f.yml", []byte(doc), Options{}) {
			if f.Rule == RuleYAML11Reading {
				msg = f.Message
			}
		}
		var v3 any
		plainScalar(doc, asKey[i]).Decode(&v3)
		if err := agree(msg, psych, v3); err != nil {
			bad++
			if bad <= 25 {
				t.Errorf("%q: %v", doc, err)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cases disagree with Psych", bad, len(docs))
	}
}

// plainScalar parses doc and returns the plain scalar under test (the
// value of k, or the single key), or nil.
func plainScalar(doc string, key bool) (n *yaml.Node) {
	defer func() {
		if recover() != nil {
			n = nil
		}
	}()
	var d yaml.Node
	if yaml.Unmarshal([]byte(doc), &d) != nil || len(d.Content) != 1 {
		return nil
	}
	m := d.Content[0]
	if m.Kind != yaml.MappingNode || len(m.Content) != 2 {
		return nil
	}
	n = m.Content[1]
	if key {
		n = m.Content[0]
	}
	if n.Kind != yaml.ScalarNode || n.Style != 0 || n.Value == "<<" {
		return nil
	}
	return n
}

// psychReading is Psych's reading of the scalar under test: a tagged value
// as psychtest.LoadTagged returns it, or the load error.
func psychReading(doc map[string]any, key bool) map[string]any {
	if _, ok := doc["error"]; ok {
		return doc
	}
	pairs, _ := doc["h"].([]any)
	if len(pairs) != 1 {
		return map[string]any{"o": fmt.Sprint(doc)}
	}
	kv := pairs[0].([]any)
	if key {
		return kv[0].(map[string]any)
	}
	return kv[1].(map[string]any)
}

// agree checks the validator's message (empty when silent) against Psych's
// reading and yaml.v3's.
func agree(msg string, psych map[string]any, v3 any) error {
	var want string // what the message must say, "" when it must be silent
	switch {
	case psych["error"] != nil:
		e := psych["error"].(string)
		switch {
		case strings.Contains(e, "Date"):
			want = "a Date"
		case strings.Contains(e, "Time"):
			want = "a Time"
		default:
			want = "an error (" + strings.SplitN(e, ":", 2)[0]
		}
	case psych["s"] != nil:
		if s, ok := v3.(string); !ok || s != psych["s"] {
			want = fmt.Sprintf("the string %q", psych["s"])
		}
	case psych["i"] != nil:
		if fmt.Sprint(v3) != psych["i"] {
			want = "the integer " + psych["i"].(string)
		}
	case psych["f"] != nil:
		if f, ok := v3.(float64); !ok || !sameRubyFloat(f, psych["f"].(string)) {
			want = "the float"
		}
	case psych["o"] != nil:
		o := psych["o"].(string)
		switch {
		case o == "NilClass nil":
			if v3 != nil {
				want = "null"
			}
		case o == "TrueClass true" || o == "FalseClass false":
			b := o == "TrueClass true"
			if v3 != b {
				want = fmt.Sprintf("the boolean %t", b)
			}
		case strings.HasPrefix(o, "Symbol "):
			want = "the symbol :"
		default:
			return fmt.Errorf("unexpected Psych reading %s", o)
		}
	}
	switch {
	case want == "" && msg != "":
		return fmt.Errorf("validator says %q, but Psych reads %v like yaml.v3 (%#v)", msg, psych, v3)
	case want != "" && !strings.Contains(msg, want):
		return fmt.Errorf("Psych reads %v, yaml.v3 %#v: want a finding saying %q, got %q", psych, v3, want, msg)
	}
	return nil
}

func sameRubyFloat(f float64, ruby string) bool {
	switch ruby {
	case "Infinity":
		return f > 0 && f*0.5 == f
	case "-Infinity":
		return f < 0 && f*0.5 == f
	case "NaN":
		return f != f
	}
	var r float64
	_, err := fmt.Sscan(ruby, &r)
	return err == nil && r == f
}
