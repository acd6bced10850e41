package yaml11

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"gitlab.com/generate-config/generate-config/internal/yaml11/psychtest"
)

// The readings GitLab reported in issue 11, and Psych's quirks.
func TestResolveKnownReadings(t *testing.T) {
	for _, c := range []struct {
		in, want string
	}{
		{"on", "the boolean true"}, {"NO", "the boolean false"}, {"yes", "the boolean true"}, {"Off", "the boolean false"},
		{"yeſ", "the boolean true"}, {"oﬀ", "the boolean false"}, {"y", `the string "y"`}, {"n", `the string "n"`},
		{"12:30", "the integer 45000 (base 60)"}, {"1:30.5", "the float 5430 (base 60)"},
		{"0777", "the integer 511"}, {"0x1F", "the integer 31"}, {"-0b11", "the integer -3"}, {"1,000", "the integer 1000"},
		{"08", `the string "08"`}, {"0o17", `the string "0o17"`}, {"1e3", `the string "1e3"`}, {"1.5e+3", "the float 1500"},
		{"~", "null"}, {"nULL", "null"}, {"", "null"}, {"=", `the string "="`}, {"<<", `the string "<<"`},
		{":foo", "the symbol :foo"}, {":\"a b\"", "the symbol :a b"}, {".Inf", "the float Infinity"}, {"-.inf", "the float -Infinity"},
	} {
		if got := Resolve(c.in).Describe(); got != c.want {
			t.Errorf("Resolve(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	for _, s := range []string{"2001-12-14", "2001-02-30", "2001-12-14 21:59:43.10 -5", "0x_", ".e+1"} {
		if !Resolve(s).Rejected() {
			t.Errorf("Resolve(%q) = %s: safe_load refuses it", s, Resolve(s).Describe())
		}
	}
	if NeedsQuote("build") || !NeedsQuote("on") || !NeedsQuote("") {
		t.Error("NeedsQuote disagrees with Resolve")
	}
}

// TestResolveMatchesPsych compares Resolve with Psych's own ScalarScanner
// (with safe_load's class loader) on the special forms and on random
// strings: every kind, and every value, must agree.
func TestResolveMatchesPsych(t *testing.T) {
	inputs := append([]string{}, psychtest.SpecialForms...)
	inputs = append(inputs, psychtest.RandomStrings(1, 20000)...)
	in, _ := json.Marshal(inputs)
	var got [][2]*string
	if err := json.Unmarshal(psychtest.Run(t, psychtest.Script("tokenize.rb"), in), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(inputs) {
		t.Fatalf("ruby returned %d results for %d inputs", len(got), len(inputs))
	}
	bad := 0
	for i, s := range inputs {
		kind, val := *got[i][0], got[i][1]
		v := Resolve(s)
		ok := v.Kind.String() == kind
		if ok {
			switch v.Kind {
			case String:
				ok = *val == s
			case Bool:
				ok = strconv.FormatBool(v.Bool) == *val
			case Int:
				ok = v.Int.String() == *val
			case Float:
				ok = sameFloat(v.Float, *val)
			case Symbol:
				ok = v.Text == *val
			}
		}
		if !ok {
			bad++
			if bad <= 30 {
				show := "nil"
				if val != nil {
					show = *val
				}
				t.Errorf("Resolve(%q) = %s; Psych: %s %s", s, v.Describe(), kind, show)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d readings differ from Psych", bad, len(inputs))
	}
}

func sameFloat(f float64, ruby string) bool {
	switch ruby {
	case "Infinity":
		return math.IsInf(f, 1)
	case "-Infinity":
		return math.IsInf(f, -1)
	case "NaN":
		return math.IsNaN(f)
	}
	r, err := strconv.ParseFloat(ruby, 64)
	return err == nil && r == f
}
