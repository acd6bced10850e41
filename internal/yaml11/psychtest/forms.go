package psychtest

import (
	"math/rand/v2"
	"strings"
)

// SpecialForms are strings YAML 1.1 (Psych) or YAML syntax may read as
// something other than themselves.
var SpecialForms = func() []string {
	var out []string
	// Booleans and nulls in every case, and Psych's Unicode case folding.
	for _, w := range []string{"y", "n", "yes", "no", "true", "false", "on", "off", "null", "nil", "none", "yeah", "nope"} {
		out = append(out, caseForms(w)...)
	}
	out = append(out,
		"", "~", "~~", "yeſ", "YEſ", "falſe", "oﬀ", "OFF ", " on", "ｙｅｓ", "К", "no\n", "on\non", "y\n\nn", "ﬀ\non", "\non",
		// integers: base 60, octal, hex, binary, underscores, commas, signs
		"0", "-0", "+0", "00", "007", "08", "0_7", "0o17", "0O17", "0x1F", "0X1F", "0x_", "0x", "0b101", "-0b11", "0b_", "0b2",
		"+0777", "1_000", "1__000", "1_", "_1", "1,000", ",1", "1,5", "12345678901234567890", "-12", "+12",
		"12:30", "1:30", "1:60", "-1:30", "1:2:3", "1:2:3:4", "190:20:30", "1_:30", "1:_", "12:30:00", "24:00",
		// floats: base 60, inf, nan, exponents, dots
		"1.0", "1.", ".5", "-.5", "+.5", "01.5", "0.", ".", "+.", "-.", "._", "1_000.5", "1,000.5", "1e3", "1E3", "1.5e3",
		"1.5e+3", "1.5E-3", ".e+1", "1.e+3", "6.8523015e+5", "685.230_15e+03", "1:30.5", "190:20:30.15", "1:30.",
		".inf", ".Inf", ".INF", ".iNf", "+.inf", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", "inf", "nan", "NaN", "Infinity",
		// dates and timestamps
		"2001-12-14", "2001-1-1", "2001-13-01", "2001-02-30", "2002-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
		"2001-12-14T21:59:43Z", "2001-12-15 2:59:43.10", "2001-12-14t21:59:43.10-05", "-2001-12-14 21:59:43", "20011214",
		// symbols, merge, value, YAML 1.1 oddities
		":foo", ":", "::", ":\"foo\"", ":'a b'", ":\"x", "=", "<<", "<", "!", "!!str", "!foo bar",
		// leading indicators and syntax
		"- x", "-", "--", "---", "...", "? x", "?", ": x", "a: b", "a:b", "a #b", "a#b", ", x", ",", "[x]", "]", "{x}", "}",
		"#x", "&x", "*x", "!x", "|", "|x", ">", ">x", "'x", "'", "\"x", "\"", "%x", "%", "@x", "@", "`x", "`",
		// spaces, newlines, tabs, unicode, NEL/LS/PS, BOM
		" x", "x ", " ", "  ", "\t", "x\ty", "\tx", "x\t", "x\n", "\nx", "x\ny", "x\n\ny", "x \ny", "x\n ", "\n", "\n\n", "\r", "x\r\ny",
		"ü", "✓ ok", "日本", "\u0085", "x\u0085y", "x\u2028y", "x\u2029y", "\u2028", "\ufeffx", "\ufeff", "x\u00a0", "\u00a0x",
		"\x00", "x\x1by", "\x7f", "\u200b", "\U0001F600",
		// long lines, which the emitter may fold
		strings.Repeat("word ", 30), strings.Repeat("x", 200), strings.Repeat("a b", 40)+" ",
	)
	return out
}()

// caseForms is w in lower, upper, title and alternating case.
func caseForms(w string) []string {
	forms := []string{w, strings.ToUpper(w), strings.ToUpper(w[:1]) + w[1:]}
	var alt strings.Builder
	for i, r := range w {
		if i%2 == 1 {
			alt.WriteString(strings.ToUpper(string(r)))
		} else {
			alt.WriteRune(r)
		}
	}
	forms = append(forms, alt.String())
	seen := map[string]bool{}
	var out []string
	for _, f := range forms {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// pieces are the fragments random strings are made of: YAML 1.1 number,
// bool, date and symbol material, indicators, white space and Unicode.
var pieces = []string{
	"0", "1", "2", "5", "7", "9", "12", "60", ":", ".", "_", ",", "-", "+", "e", "E", "x", "b", "o", "0x", "0b",
	"y", "yes", "no", "on", "off", "true", "false", "null", "n", "t", "f", "~", "ſ", "ﬀ", "K",
	"inf", "nan", "Inf", ".inf", ".nan", "T", "Z", "2001-12-14", " ", "  ", "\t", "\n", "\r", "#", "'", "\"", "\\",
	"[", "]", "{", "}", "&", "*", "!", "|", ">", "%", "@", "`", "?", "<<", "=", "a", "ü", "\u2028", "\u0085", "\ufeff",
}

// RandomStrings returns n strings of 1 to 6 random pieces, the same for the
// same seed.
func RandomStrings(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for k := 1 + r.IntN(6); k > 0; k-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		out[i] = b.String()
	}
	return out
}
