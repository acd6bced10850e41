package authoring

import (
	"fmt"
	"testing"

	jsonnet "github.com/google/go-jsonnet"
)

// The array-building idioms the slow-concat rule is about, each building the
// same array of n elements. BenchmarkArrayBuild measures them; the factor
// quoted by the rule's message (slowConcatFactor) comes from it:
//
//	go test -run '^$' -bench ArrayBuild -benchtime 20x ./internal/authoring
var arrayIdioms = []buildIdiom{ // %d in src is the number of elements
	{"foldl-plus", true, `std.foldl(function(acc, x) acc + [x * 2], std.range(1, %d), [])`},
	{"recursion-plus", true, `local build(i, n, acc) = if i > n then acc else build(i + 1, n, acc + [i * 2]) tailstrict; build(1, %d, [])`},
	{"comprehension", false, `[x * 2 for x in std.range(1, %d)]`},
	{"nested-comprehension", false, `[y for x in std.range(1, %d) for y in [x * 2]]`},
	// go-jsonnet v0.22 defines std.flattenArrays as std.foldl(function(a, b)
	// a + b, arrs, []): the same quadratic copying, measured here so the
	// rule does not recommend it.
	{"flattenArrays", true, `std.flattenArrays(std.map(function(x) [x * 2], std.range(1, %d)))`},
}

func BenchmarkArrayBuild(b *testing.B) {
	benchmarkIdioms(b, []int{1000, 5000}, arrayIdioms)
}

// buildIdiom is one way of building a value in Jsonnet, for the benchmarks
// behind the slow-concat and slow-string-concat rules.
type buildIdiom struct {
	name string
	slow bool   // the rule warns about it
	src  string // a snippet; %d is the size
}

// benchmarkIdioms evaluates each idiom at each size, as sub-benchmarks
// named IDIOM/n=SIZE.
func benchmarkIdioms(b *testing.B, sizes []int, idioms []buildIdiom) {
	for _, n := range sizes {
		for _, idiom := range idioms {
			src := fmt.Sprintf(idiom.src, n)
			b.Run(fmt.Sprintf("%s/n=%d", idiom.name, n), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					vm := jsonnet.MakeVM()
					if _, err := vm.EvaluateAnonymousSnippet("bench.jsonnet", src); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
