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
}
