package authoring

import (
	"flag"
	"fmt"
	"testing"

	jsonnet "github.com/google/go-jsonnet"
)

// The string-building idioms the slow-string-concat rule is about, each
// building the same n lines. Since go-jsonnet 0.21 the + idioms are
// quadratic (issue 9: 20,000 lines, 0.06 s on 0.20, 57 s on 0.22).
// BenchmarkStringBuild measures them; the factor quoted by the rule's
// message (stringSlowdown) comes from it:
//
//	go test -run '^$' -bench StringBuild -benchtime 3x ./internal/authoring
//	go test -run '^$' -bench StringBuild -benchtime 1x ./internal/authoring -stringbuild.n 20000
var stringIdioms = []buildIdiom{ // %d in src is the number of lines
	{"foldl-plus", true, `std.foldl(function(acc, x) acc + 'line ' + x + '\n', std.range(1, %d), '')`},
	{"recursion-plus", true, `local build(i, n, acc) = if i > n then acc else build(i + 1, n, acc + 'line ' + i + '\n') tailstrict; build(1, %d, '')`},
	{"join", false, `std.join('', ['line ' + x + '\n' for x in std.range(1, %d)])`},
	{"lines", false, `std.lines(['line ' + x for x in std.range(1, %d)])`},
}

// stringBuildN: CI and make bench run small sizes; pass -stringbuild.n to
// reproduce the regression at full size.
var stringBuildN = flag.Int("stringbuild.n", 0, "lines for BenchmarkStringBuild (default: 1000 and 4000)")

func BenchmarkStringBuild(b *testing.B) {
	sizes := []int{1000, 4000}
	if *stringBuildN > 0 {
		sizes = []int{*stringBuildN}
	}
	benchmarkIdioms(b, sizes, stringIdioms)
}

// TestStringIdiomsAgree: the idioms build the same string, so the benchmark
// compares like with like.
func TestStringIdiomsAgree(t *testing.T) {
	var first string
	for _, idiom := range stringIdioms {
		out, err := jsonnet.MakeVM().EvaluateAnonymousSnippet("s.jsonnet", fmt.Sprintf(idiom.src, 50))
		if err != nil {
			t.Fatalf("%s: %v", idiom.name, err)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Errorf("%s builds %.80q, %s builds %.80q", idiom.name, out, stringIdioms[0].name, first)
		}
	}
}
