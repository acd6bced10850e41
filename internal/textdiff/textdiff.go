// Package textdiff computes line diffs and prints them in the unified format
// (`diff -u`, `git diff`): the scenario runner shows how a generated config
// differs from its golden file, and `generate-config diff` how a job changed.
//
// The edit script is Myers' O(ND) algorithm in its linear-space form (the
// "middle snake" divide and conquer), so it is minimal — no shorter list of
// inserted and deleted lines exists — and needs memory proportional to the
// input, not to the product of the two lengths. Pathological inputs (tens of
// thousands of differing lines) switch to a cheaper, still correct but no
// longer minimal split after a bounded search, as GNU diff does.
package textdiff

import (
	"fmt"
	"strings"
)

// Kind is what happens to a line.
type Kind int

const (
	Equal  Kind = iota // the line is in both texts
	Delete             // the line is only in the old text
	Insert             // the line is only in the new text
)

// Op is one line of an edit script. A and B are the 0-based indexes of the
// line in the old and the new text (-1 where the line is absent).
type Op struct {
	Kind Kind
	A, B int
}

// Lines returns a minimal edit script turning a into b.
func Lines(a, b []string) []Op {
	ids := map[string]int{}
	intern := func(s []string) []int {
		out := make([]int, len(s))
		for i, l := range s {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	ai, bi := intern(a), intern(b)
	d := &differ{del: make([]bool, len(ai)), ins: make([]bool, len(bi))}
	d.diff(ai, bi, 0, 0)
	// Lines neither deleted nor inserted pair up in order: they are the
	// common subsequence.
	ops := make([]Op, 0, max(len(a), len(b)))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && d.del[i]:
			ops = append(ops, Op{Kind: Delete, A: i, B: -1})
			i++
		case j < len(b) && d.ins[j]:
			ops = append(ops, Op{Kind: Insert, A: -1, B: j})
			j++
		default:
			ops = append(ops, Op{Kind: Equal, A: i, B: j})
			i++
			j++
		}
	}
	return ops
}

type differ struct {
	del, ins []bool
	vf, vr   []int // scratch for middleSnake, reused across calls
}

// diff marks the lines of a (starting at index i of the whole old text) and
// b (at j) that are deleted and inserted.
func (d *differ) diff(a, b []int, i, j int) {
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		a, b, i, j = a[1:], b[1:], i+1, j+1
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	switch {
	case len(a) == 0:
		for k := range b {
			d.ins[j+k] = true
		}
		return
	case len(b) == 0:
		for k := range a {
			d.del[i+k] = true
		}
		return
	}
	x, y, u, v, ok := d.middleSnake(a, b)
	if !ok {
		// No useful split: replace the block whole. Correct, not minimal.
		for k := range a {
			d.del[i+k] = true
		}
		for k := range b {
			d.ins[j+k] = true
		}
		return
	}
	d.diff(a[:x], b[:y], i, j)
	d.diff(a[u:], b[v:], i+u, j+v)
}

// maxCost bounds the edit distance searched exactly in one middleSnake call.
// Beyond it the furthest-reaching forward path is taken as the split.
var maxCost = 4096

// middleSnake finds the middle snake of an optimal path from (0,0) to
// (N,M): the diagonal run (x,y)→(u,v) where a forward and a backward search
// of half the edit distance each meet. a and b are non-empty and differ in
// their first and their last element, so the distance is at least 2 and both
// halves are strictly smaller problems. ok is false when no split making
// progress was found within maxCost.
func (d *differ) middleSnake(a, b []int) (x, y, u, v int, ok bool) {
	n, m := len(a), len(b)
	delta := n - m
	odd := delta%2 != 0
	size := 2*(n+m) + 3
	off := n + m + 1
	if cap(d.vf) < size {
		d.vf, d.vr = make([]int, size), make([]int, size)
	}
	// vf[off+k]: furthest x of a forward path on diagonal k = x-y.
	// vr[off+k]: furthest x' of a path on the reversed texts, on diagonal
	// k = x'-y' (x' = n-x, y' = m-y); reversed diagonal k is forward
	// diagonal delta-k.
	vf, vr := d.vf[:size], d.vr[:size]
	for k := range vf {
		vf[k], vr[k] = 0, 0
	}
	limit := (n + m + 1) / 2
	for D := 0; D <= limit; D++ {
		if D > maxCost {
			return d.bestForward(a, b, D-1)
		}
		// Diagonals a D-path can reach without leaving the grid.
		lo, hi := -(D - 2*max(0, D-m)), D-2*max(0, D-n)
		for k := lo; k <= hi; k += 2 {
			var px int
			if k == -D || (k != D && vf[off+k-1] < vf[off+k+1]) {
				px = vf[off+k+1] // down: insert b[y-1]
			} else {
				px = vf[off+k-1] + 1 // right: delete a[x-1]
			}
			py := px - k
			sx, sy := px, py
			for sx < n && sy < m && a[sx] == b[sy] {
				sx, sy = sx+1, sy+1
			}
			vf[off+k] = sx
			if r := delta - k; odd && r >= -(D-1) && r <= D-1 && sx+vr[off+r] >= n {
				return px, py, sx, sy, true
			}
		}
		for k := lo; k <= hi; k += 2 {
			var px int
			if k == -D || (k != D && vr[off+k-1] < vr[off+k+1]) {
				px = vr[off+k+1]
			} else {
				px = vr[off+k-1] + 1
			}
			py := px - k
			sx, sy := px, py
			for sx < n && sy < m && a[n-1-sx] == b[m-1-sy] {
				sx, sy = sx+1, sy+1
			}
			vr[off+k] = sx
			if f := delta - k; !odd && f >= -D && f <= D && sx+vf[off+f] >= n {
				// Back to forward coordinates: the snake runs from
				// (n-sx, m-sy) to (n-px, m-py).
				return n - sx, m - sy, n - px, m - py, true
			}
		}
	}
	// Unreachable for non-empty inputs: the searches meet by D = limit.
	return 0, 0, 0, 0, false
}

// bestForward is the cut-off: the point furthest along the forward search
// of cost D, used as a split when the exact search got too expensive.
func (d *differ) bestForward(a, b []int, D int) (x, y, u, v int, ok bool) {
	n, m := len(a), len(b)
	off := n + m + 1
	best := -1
	lo, hi := -(D - 2*max(0, D-m)), D-2*max(0, D-n)
	for k := lo; k <= hi; k += 2 {
		sx := d.vf[off+k]
		sy := sx - k
		if sx < 0 || sy < 0 || sx > n || sy > m || (sx == n && sy == m) || sx+sy == 0 {
			continue
		}
		if best < 0 || sx+sy > u+v {
			best, u, v = k, sx, sy
		}
	}
	if best < 0 {
		return 0, 0, 0, 0, false
	}
	// Split at the point itself (an empty snake): both halves are smaller.
	return u, v, u, v, true
}

// Unified returns the unified diff of two texts with context lines of
// context around each change, or "" when they are equal. A last line without
// a newline is marked as diff does ("\ No newline at end of file").
func Unified(fromName, toName string, from, to []byte, context int) string {
	if string(from) == string(to) {
		return ""
	}
	a, aNoEOL := split(string(from))
	b, bNoEOL := split(string(to))
	// A final line without newline differs from the same text with one.
	ka, kb := keyed(a, aNoEOL), keyed(b, bNoEOL)
	ops := Lines(ka, kb)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", fromName, toName)
	for _, h := range hunks(ops, context) {
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", rangeOf(h.aStart, h.aLen), rangeOf(h.bStart, h.bLen))
		for _, op := range ops[h.first:h.last] {
			var line string
			var noEOL bool
			switch op.Kind {
			case Equal:
				out.WriteByte(' ')
				line, noEOL = a[op.A], aNoEOL && op.A == len(a)-1
			case Delete:
				out.WriteByte('-')
				line, noEOL = a[op.A], aNoEOL && op.A == len(a)-1
			case Insert:
				out.WriteByte('+')
				line, noEOL = b[op.B], bNoEOL && op.B == len(b)-1
			}
			out.WriteString(line)
			out.WriteByte('\n')
			if noEOL {
				out.WriteString("\\ No newline at end of file\n")
			}
		}
	}
	return out.String()
}

// split cuts text into lines without their "\n"; noEOL reports a last line
// that has none.
func split(s string) (lines []string, noEOL bool) {
	if s == "" {
		return nil, false
	}
	lines = strings.Split(s, "\n")
	if lines[len(lines)-1] == "" {
		return lines[:len(lines)-1], false
	}
	return lines, true
}

func keyed(lines []string, noEOL bool) []string {
	if !noEOL {
		return lines
	}
	out := append([]string(nil), lines...)
	out[len(out)-1] += "\x00no-eol"
	return out
}

type hunk struct {
	first, last  int // ops[first:last]
	aStart, aLen int // 0-based first line in a, and count
	bStart, bLen int
}

// hunks groups the changes with their context; changes separated by at most
// 2*context equal lines share a hunk.
func hunks(ops []Op, context int) []hunk {
	// aAt[i], bAt[i]: how many lines of a and b come before ops[i].
	aAt, bAt := make([]int, len(ops)+1), make([]int, len(ops)+1)
	for i, op := range ops {
		aAt[i+1], bAt[i+1] = aAt[i], bAt[i]
		if op.Kind != Insert {
			aAt[i+1]++
		}
		if op.Kind != Delete {
			bAt[i+1]++
		}
	}
	var out []hunk
	for i := 0; i < len(ops); {
		if ops[i].Kind == Equal {
			i++
			continue
		}
		first, last := max(0, i-context), i
		for last < len(ops) {
			if ops[last].Kind != Equal {
				last++
				continue
			}
			run := last
			for run < len(ops) && ops[run].Kind == Equal {
				run++
			}
			if run == len(ops) || run-last > 2*context {
				last = min(last+context, len(ops))
				break
			}
			last = run
		}
		out = append(out, hunk{
			first: first, last: last,
			aStart: aAt[first], aLen: aAt[last] - aAt[first],
			bStart: bAt[first], bLen: bAt[last] - bAt[first],
		})
		i = last
	}
	return out
}

// rangeOf prints a hunk range as diff does: "l,n" with 1-based l, "l" for a
// single line, and for an empty range the line before it ("l,0").
func rangeOf(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
