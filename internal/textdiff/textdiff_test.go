package textdiff

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// lcsLen is the textbook O(N·M) dynamic programme: the length of a longest
// common subsequence. A minimal edit script keeps exactly that many lines.
func lcsLen(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] >= cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// check verifies that ops is a valid script from a to b (every line of both
// used once, in order, equal lines really equal) and that it is minimal.
func check(t *testing.T, a, b []string, ops []Op) {
	t.Helper()
	i, j, equal := 0, 0, 0
	for _, op := range ops {
		switch op.Kind {
		case Equal:
			if op.A != i || op.B != j || a[i] != b[j] {
				t.Fatalf("a=%q b=%q: bad equal op %+v at i=%d j=%d", a, b, op, i, j)
			}
			i, j, equal = i+1, j+1, equal+1
		case Delete:
			if op.A != i {
				t.Fatalf("a=%q b=%q: bad delete op %+v at i=%d", a, b, op, i)
			}
			i++
		case Insert:
			if op.B != j {
				t.Fatalf("a=%q b=%q: bad insert op %+v at j=%d", a, b, op, j)
			}
			j++
		}
	}
	if i != len(a) || j != len(b) {
		t.Fatalf("a=%q b=%q: script covers %d/%d and %d/%d lines", a, b, i, len(a), j, len(b))
	}
	if want := lcsLen(a, b); equal != want {
		t.Fatalf("a=%q b=%q: script keeps %d lines, a minimal one keeps %d", a, b, equal, want)
	}
}

// TestLinesExhaustive compares every pair of sequences of up to 5 lines over
// a 3-letter alphabet with the dynamic programme: small inputs hit every
// branch of the middle-snake search (odd and even length differences, empty
// halves, overlaps at the first and the last step).
func TestLinesExhaustive(t *testing.T) {
	var all [][]string
	var gen func(prefix []string)
	gen = func(prefix []string) {
		all = append(all, append([]string(nil), prefix...))
		if len(prefix) == 5 {
			return
		}
		for _, c := range []string{"a", "b", "c"} {
			gen(append(prefix, c))
		}
	}
	gen(nil)
	for _, a := range all {
		for _, b := range all {
			check(t, a, b, Lines(a, b))
		}
	}
}

// TestLinesRandom covers longer inputs, shaped like edited files: a base
// text with random deletions, insertions and replacements.
func TestLinesRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for n := 0; n < 300; n++ {
		base := make([]string, rng.Intn(120))
		for i := range base {
			base[i] = strconv.Itoa(rng.Intn(15))
		}
		var edited []string
		for _, l := range base {
			switch rng.Intn(8) {
			case 0: // deleted
			case 1:
				edited = append(edited, "new"+strconv.Itoa(rng.Intn(4)), l)
			case 2:
				edited = append(edited, strconv.Itoa(rng.Intn(15)))
			default:
				edited = append(edited, l)
			}
		}
		check(t, base, edited, Lines(base, edited))
		check(t, edited, base, Lines(edited, base))
	}
}

// TestLinesCutoff: with the exact search bounded very low, the script is no
// longer minimal but must still be a valid script.
func TestLinesCutoff(t *testing.T) {
	saved := maxCost
	maxCost = 2
	defer func() { maxCost = saved }()
	rng := rand.New(rand.NewSource(7))
	for n := 0; n < 200; n++ {
		a := make([]string, rng.Intn(60))
		b := make([]string, rng.Intn(60))
		for i := range a {
			a[i] = strconv.Itoa(rng.Intn(6))
		}
		for i := range b {
			b[i] = strconv.Itoa(rng.Intn(6))
		}
		ops := Lines(a, b)
		i, j := 0, 0
		for _, op := range ops {
			switch op.Kind {
			case Equal:
				if a[i] != b[j] {
					t.Fatalf("equal op on different lines %q %q", a[i], b[j])
				}
				i, j = i+1, j+1
			case Delete:
				i++
			case Insert:
				j++
			}
		}
		if i != len(a) || j != len(b) {
			t.Fatalf("script covers %d/%d and %d/%d lines", i, len(a), j, len(b))
		}
	}
}

// apply is an independent reader of the unified format: it applies the
// hunks of diff to from and returns the result, failing on any line that
// does not match.
func apply(t *testing.T, from, diff string) string {
	t.Helper()
	src, srcNoEOL := split(from)
	lines := strings.SplitAfter(diff, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		t.Fatalf("no file header in\n%s", diff)
	}
	var out []string
	outNoEOL := false
	pos := 0
	for k := 2; k < len(lines) && lines[k] != ""; {
		var as, al, bs, bl int
		h := strings.TrimSuffix(lines[k], "\n")
		if _, err := fmt.Sscanf(normalizeHeader(h), "@@ -%d,%d +%d,%d @@", &as, &al, &bs, &bl); err != nil {
			t.Fatalf("bad hunk header %q: %v", h, err)
		}
		start := as - 1
		if al == 0 {
			start = as
		}
		if start < pos {
			t.Fatalf("hunk %q overlaps the previous one", h)
		}
		out = append(out, src[pos:start]...)
		pos = start
		k++
		gotA, gotB := 0, 0
		for ; k < len(lines) && lines[k] != "" && !strings.HasPrefix(lines[k], "@@"); k++ {
			l := strings.TrimSuffix(lines[k], "\n")
			if l == `\ No newline at end of file` {
				continue
			}
			noEOL := k+1 < len(lines) && strings.HasPrefix(lines[k+1], `\ No newline`)
			switch l[0] {
			case ' ', '-':
				if pos >= len(src) || src[pos] != l[1:] {
					t.Fatalf("context/deleted line %q does not match line %d of the old text", l, pos+1)
				}
				if noEOL != (srcNoEOL && pos == len(src)-1) {
					t.Fatalf("no-newline marker mismatch at %q", l)
				}
				if l[0] == ' ' {
					out = append(out, l[1:])
					outNoEOL = noEOL
					gotB++
				}
				pos++
				gotA++
			case '+':
				out = append(out, l[1:])
				outNoEOL = noEOL
				gotB++
			default:
				t.Fatalf("bad line %q", l)
			}
		}
		if gotA != al || gotB != bl {
			t.Fatalf("hunk %q has %d old and %d new lines", h, gotA, gotB)
		}
	}
	out = append(out, src[pos:]...)
	if pos < len(src) {
		outNoEOL = srcNoEOL
	}
	if len(out) == 0 {
		return ""
	}
	s := strings.Join(out, "\n")
	if !outNoEOL {
		s += "\n"
	}
	return s
}

// normalizeHeader adds the ",1" diff leaves out for one-line ranges.
func normalizeHeader(h string) string {
	f := strings.Fields(h)
	for i := 1; i <= 2; i++ {
		if !strings.Contains(f[i], ",") {
			f[i] += ",1"
		}
	}
	return strings.Join(f, " ")
}

func TestUnifiedRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	texts := func() string {
		var b strings.Builder
		for i, n := 0, rng.Intn(40); i < n; i++ {
			b.WriteString(strconv.Itoa(rng.Intn(8)))
			if i < n-1 || rng.Intn(4) != 0 { // sometimes no final newline
				b.WriteByte('\n')
			}
		}
		return b.String()
	}
	for n := 0; n < 500; n++ {
		from, to := texts(), texts()
		d := Unified("a", "b", []byte(from), []byte(to), rng.Intn(4))
		if from == to {
			if d != "" {
				t.Fatalf("equal texts give a diff:\n%s", d)
			}
			continue
		}
		if got := apply(t, from, d); got != to {
			t.Fatalf("applying\n%s\nto %q gives %q, want %q", d, from, got, to)
		}
	}
}

func TestUnifiedFormat(t *testing.T) {
	cases := []struct {
		name, from, to, want string
	}{
		{
			name: "one changed line with context",
			from: "a\nb\nc\nd\ne\nf\ng\nh\n",
			to:   "a\nb\nc\nd\nE\nf\ng\nh\n",
			want: "--- old\n+++ new\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n",
		},
		{
			name: "distant changes make two hunks",
			from: "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
			to:   "0\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n13\n",
			want: "--- old\n+++ new\n@@ -1,4 +1,4 @@\n-1\n+0\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+13\n",
		},
		{
			name: "from empty",
			from: "",
			to:   "x\n",
			want: "--- old\n+++ new\n@@ -0,0 +1 @@\n+x\n",
		},
		{
			name: "to empty",
			from: "x\ny\n",
			to:   "",
			want: "--- old\n+++ new\n@@ -1,2 +0,0 @@\n-x\n-y\n",
		},
		{
			name: "missing final newline",
			from: "x\ny\n",
			to:   "x\ny",
			want: "--- old\n+++ new\n@@ -1,2 +1,2 @@\n x\n-y\n+y\n\\ No newline at end of file\n",
		},
		{
			name: "pure insertion in the middle",
			from: "a\nb\nc\nd\n",
			to:   "a\nb\nX\nc\nd\n",
			want: "--- old\n+++ new\n@@ -1,4 +1,5 @@\n a\n b\n+X\n c\n d\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Unified("old", "new", []byte(c.from), []byte(c.to), 3)
			if got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// TestLinesLarge: a long file with a few edits is diffed quickly and
// minimally (the prefix/suffix trimming and the linear-space search keep
// it far from N·M work).
func TestLinesLarge(t *testing.T) {
	a := make([]string, 50000)
	for i := range a {
		a[i] = "line " + strconv.Itoa(i)
	}
	b := append([]string(nil), a...)
	b[100] = "changed"
	b = append(b[:30000], b[30010:]...)
	ops := Lines(a, b)
	del, ins := 0, 0
	for _, op := range ops {
		switch op.Kind {
		case Delete:
			del++
		case Insert:
			ins++
		}
	}
	if del != 11 || ins != 1 {
		t.Fatalf("got %d deletions and %d insertions, want 11 and 1", del, ins)
	}
}
