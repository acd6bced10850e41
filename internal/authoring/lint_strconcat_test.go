package authoring

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-jsonnet/formatter"

	"gitlab.com/generate-config/generate-config/schema"
)

// TestSlowStringConcatDetector: the rule flags exactly the idioms the
// benchmark measures as slow, and the string-building shapes around them.
func TestSlowStringConcatDetector(t *testing.T) {
	for _, idiom := range stringIdioms {
		root, _, err := formatter.SnippetToRawAST("s.jsonnet", fmt.Sprintf(idiom.src, 10))
		if err != nil {
			t.Fatal(err)
		}
		if got := slowStringConcat("s.jsonnet", root); (len(got) > 0) != idiom.slow {
			t.Errorf("%s: flagged %v, want %v: %v", idiom.name, len(got) > 0, idiom.slow, got)
		}
	}
	for _, c := range []struct {
		src  string
		want int
	}{
		{`std.foldl(function(acc, x) acc + x, ['a', 'b'], '')`, 1},                    // string init
		{`std.foldl(function(acc, x) acc + '%s\n' % x, ['a'], init)`, 1},              // a % format
		{`std.foldl(func=function(s, x) s + std.toString(x), arr=[1], init=null)`, 1}, // named arguments
		{`std.foldr(function(x, acc) x + ',' + acc, ['a'], '')`, 1},
		{`std.foldl(function(acc, x) acc + x, [1, 2], 0)`, 0},         // numbers
		{`std.foldl(function(acc, x) acc + [x + 'a'], ['b'], [])`, 0}, // an array (slow-concat's)
		{`local f(n, acc) = if n == 0 then acc else f(n - 1, acc + 'x'); f(3, '')`, 1},
		{`local f(n) = if n == 0 then '' else 'x' + f(n - 1); f(3)`, 1},
		{`{ local g(n, s) = if n == 0 then s else g(n - 1, s + '-' + n), x: g(3, '') }`, 1},
		{`local f(i) = if i > 3 then [] else ['line ' + i] + f(i + 1); f(1)`, 0}, // i is a counter
		{`local f(i, s) = if i > 3 then s else f(i + 1, s); f(1, 'a' + 'b')`, 0}, // not accumulated
		{`local f(x) = 'a' + x + 'b'; f('c')`, 0},                                // not recursive
		{`std.join('', ['a' + x for x in ['b']])`, 0},
	} {
		root, _, err := formatter.SnippetToRawAST("c.jsonnet", c.src)
		if err != nil {
			t.Fatal(err)
		}
		got := slowStringConcat("c.jsonnet", root)
		if len(got) != c.want {
			t.Errorf("%s: %d findings, want %d: %v", c.src, len(got), c.want, got)
		}
		for _, f := range got {
			if f.Rule != RuleSlowStringConcat || f.Severity != schema.SeverityWarning || !strings.Contains(f.Message, "std.join") {
				t.Errorf("%s: finding %v", c.src, f)
			}
		}
	}
}
