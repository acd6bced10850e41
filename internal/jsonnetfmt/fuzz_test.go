package jsonnetfmt

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// bigNumber finds widths and precisions of three digits or more: the Jsonnet
// reference recurses once per padding character, so they only cost time.
var bigNumber = regexp.MustCompile(`[0-9]{3,}`)

// FuzzFormat compares the native std.format with go-jsonnet's own on the
// same format string and values, byte for byte (output, error message and
// the error's frames in user code):
//
//	go test -run '^$' -fuzz FuzzFormat -fuzztime 10s ./internal/jsonnetfmt
//
// shape picks the values: its low bits choose how many (0-3) and which of
// a, b, s, true, null; bit 6 passes them as an object {a, b, s} (the
// mapping form), bit 7 passes the first one alone instead of an array.
func FuzzFormat(f *testing.F) {
	seeds := []struct {
		format string
		a, b   float64
		s      string
		shape  uint8
	}{
		{"%s-%s", 1, 2, "x", 2},
		{"%05.2f|%-6d|%#x|%+e", 3.14159, -42, "", 3},
		{"%(a)s %(b)08.3g %(s)s", 1e-5, 123456789, "y", 64},
		{"%*.*f", 8, 3, "", 3},
		{"%c%c", 65, 0x1F600, "", 2},
		{"%", 0, 0, "", 0},
		{"%.3q", 1, 0, "", 1},
		{"%d", 0, 0, "str", 128 | 2<<3},
		{"%%%s%%", 0, 0, "z", 128 | 2<<3},
		{"%#.0e %G %g", 5e-324, math.MaxFloat64, "", 3},
		{"%(a)*s", 1, 0, "", 64},
	}
	for _, s := range seeds {
		f.Add(s.format, s.a, s.b, s.s, s.shape)
	}
	f.Fuzz(func(t *testing.T, format string, a, b float64, s string, shape uint8) {
		if !utf8.ValidString(format) || !utf8.ValidString(s) || utf8.RuneCountInString(format) > 64 || len(s) > 64 {
			t.Skip()
		}
		if math.IsNaN(a) || math.IsInf(a, 0) || math.IsNaN(b) || math.IsInf(b, 0) {
			t.Skip() // not Jsonnet numbers
		}
		if bigNumber.MatchString(format) || (strings.Contains(format, "*") && (math.Abs(a) > 99 || math.Abs(b) > 99)) {
			t.Skip()
		}
		pool := []string{jnum(a), jnum(b), jstr(s), "true", "null"}
		var vals string
		switch {
		case shape&64 != 0:
			vals = "{a: " + jnum(a) + ", b: " + jnum(b) + ", s: " + jstr(s) + "}"
		case shape&128 != 0:
			vals = pool[int(shape>>3&7)%len(pool)]
		default:
			var args []string
			for i := 0; i < int(shape&3); i++ {
				args = append(args, pool[(int(shape>>2)+i)%len(pool)])
			}
			vals = "[" + strings.Join(args, ", ") + "]"
		}
		compare(t, "std.format("+jstr(format)+", "+vals+")")
	})
}
