package cidoc

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// bigFile is a file of n jobs whose script is a literal block, and the
// offsets where its entries begin.
func bigFile(n int, extra func(i int) string) ([]byte, []int) {
	var b strings.Builder
	b.WriteString("# head\n\nstages:\n  - build\n")
	starts := []int{len("# head\n\n")}
	for i := 0; i < n; i++ {
		starts = append(starts, b.Len())
		fmt.Fprintf(&b, "job-%05d:\n  stage: build\n  script:\n    - |\n      make %d\n      x: y\n%s", i, i, extra(i))
	}
	return []byte(b.String()), starts
}

// TestParseEntriesChecksItsHints: offsets that do not fall between
// entries, anchors, and files with other line breaks are read whole, to
// the document Parse reads; a syntax error is Parse's error.
func TestParseEntriesChecksItsHints(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	none := func(int) string { return "" }
	data, starts := bigFile(8000, none)
	shift := func(by int) []int {
		out := make([]int, len(starts))
		for i, s := range starts {
			out[i] = s
			if i > 0 {
				out[i] = s + by
			}
		}
		return out
	}
	inBlock := shift(len("job-00000:\n  stage: build\n  script:\n    - |\n      make 0\n")) // at "      x: y"
	anchors, _ := bigFile(8000, func(i int) string {
		if i == 7000 {
			return "  variables: &v {A: b}\n"
		}
		return ""
	})
	cr := []byte(strings.Replace(string(data), "make 9\n", "make 9\r\n", 1))
	broken := []byte(strings.Replace(string(data), "job-07000:\n", "job-07000: [\n", 1))
	for _, c := range []struct {
		name   string
		data   []byte
		starts []int
		parts  bool
	}{
		{"good offsets", data, starts, true},
		{"mid-line offsets", data, shift(3), false},
		{"offsets inside a literal block", data, inBlock, false},
		{"unordered offsets", data, append([]int{starts[0], starts[2], starts[1]}, starts[3:]...), false},
		{"an anchor", anchors, starts, false},
		{"a carriage return", cr, starts, false},
		{"no offsets", data, nil, false},
	} {
		want, err := Parse(c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, err := ParseEntries(c.data, c.starts)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if split := got.Parts > 1; split != c.parts {
			t.Errorf("%s: read in %d parts", c.name, got.Parts)
		}
		want.Parts = got.Parts
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: the document differs from Parse's", c.name)
		}
	}
	_, want := Parse(broken)
	_, got := ParseEntries(broken, starts)
	var se *SyntaxError
	if !errors.As(got, &se) || want == nil || got.Error() != want.Error() {
		t.Errorf("syntax error: got %v, want %v", got, want)
	}

	// Files a part would read differently from the whole (found in
	// review): with the offsets at the places that matter, each is read as
	// Parse reads it, or fails as Parse fails.
	job := func(i int) int { return starts[1+i] }
	at := []int{2100, 4200, 6300} // cuts go to the first offset past each quarter
	hints := func(shift func(i int) int) []int {
		st := []int{starts[0]}
		for _, i := range []int{2100, 2101, 4200, 4201, 6300, 6301, 7900} {
			st = append(st, job(i)+shift(i))
		}
		return st
	}
	insert := func(text string, keyAfter bool) ([]byte, []int) {
		out := append([]byte{}, data...)
		for k := len(at) - 1; k >= 0; k-- {
			o := job(at[k])
			out = append(out[:o], append([]byte(text), out[o:]...)...)
		}
		return out, hints(func(i int) int {
			n := 0
			for _, a := range at {
				if a < i || a == i && keyAfter {
					n += len(text)
				}
			}
			return n
		})
	}
	type tc struct {
		data   []byte
		starts []int
	}
	cases := map[string]tc{}
	add := func(name, text string, keyAfter bool) {
		d, st := insert(text, keyAfter)
		cases[name] = tc{d, st}
	}
	add("a document end before a cut", "x: 1\n...\n", true)
	add("a document start after a cut", "---\n", true)
	add("a byte order mark at a cut", "\uFEFF", false)
	add("a comment before a cut", "# c\n", true)
	add("a comment and blank lines", "\n# c\n\n", true)
	add("an indented comment", "  # c\n", true)
	ind := []byte(strings.ReplaceAll(string(data[:job(2100)]), "\njob-", "\n  job-"))
	ind = append(ind, data[job(2100):]...)
	cases["an indented first part"] = tc{ind, hints(func(int) int { return len(ind) - len(data) })}
	for name, c := range cases {
		want, werr := Parse(c.data)
		got, gerr := ParseEntries(c.data, c.starts)
		if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
			t.Errorf("%s: error %v, Parse's %v", name, gerr, werr)
			continue
		}
		if werr == nil {
			want.Parts = got.Parts
			if !reflect.DeepEqual(want, got) {
				t.Errorf("%s: read in %d parts, the document differs from Parse's", name, got.Parts)
			}
		}
	}
}
