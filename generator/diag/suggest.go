package diag

import (
	"strconv"
	"strings"
)

// The one "did you mean" of generate-config: the manifest (unknown keys,
// unknown targets, limit names), the validator (unknown keywords) and lint
// (which reports the manifest's errors) all ask Suggest, so a typo gets a
// suggestion wherever it is made.

// maxSuggestions bounds how many equally near candidates are offered.
const maxSuggestions = 3

// Suggest returns the candidates nearest to word, in the candidates' order:
// those equal to it but for case, else those at the smallest
// case-insensitive edit distance within reach (1 for words of 3 or 4
// characters, 2 from 5; none for shorter words, where every key would be
// near), counting a path that ends with the word, or that the word ends
// with ("core" for "libs/core"), as distance 1. It returns nil when none is
// near.
func Suggest(word string, candidates []string) []string {
	w := strings.ToLower(word)
	reach := 2
	switch n := len([]rune(w)); {
	case n < 3:
		reach = 0
	case n < 5:
		reach = 1
	}
	best := reach + 1
	var out []string
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == w && c == word {
			continue // the word itself is not a suggestion
		}
		d := editDistance(w, lc)
		if d > 1 && (strings.HasSuffix(lc, "/"+w) || strings.HasSuffix(w, "/"+lc)) {
			d = 1
		}
		switch {
		case d < best:
			best, out = d, []string{c}
		case d == best && len(out) < maxSuggestions:
			out = append(out, c)
		}
	}
	return out
}

// Closest returns the nearest candidate (the first of Suggest), or "".
func Closest(word string, candidates []string) string {
	if s := Suggest(word, candidates); len(s) > 0 {
		return s[0]
	}
	return ""
}

// DidYouMean renders Suggest as ` (did you mean "a" or "b"?)`, or "" when
// nothing is near: the suffix of every "unknown …" message.
func DidYouMean(word string, candidates []string) string {
	s := Suggest(word, candidates)
	if len(s) == 0 {
		return ""
	}
	q := make([]string, len(s))
	for i, c := range s {
		q[i] = strconv.Quote(c)
	}
	return " (did you mean " + strings.Join(q, " or ") + "?)"
}

// editDistance is the Levenshtein distance of a and b in runes; long inputs
// are not compared (no key is that long, and the cost is quadratic).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 99
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
