package jsonnetfmt

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	jsonnet "github.com/google/go-jsonnet"
)

// evalAST evaluates src as the generator evaluates a template: parsed and
// desugared by go-jsonnet, then (with rewrite) its % rewritten. It returns
// the result, with the error formatted as go-jsonnet formats the errors of
// a snippet, and how many % were rewritten.
func evalAST(vm *jsonnet.VM, src string, rewrite bool) (result, int) {
	node, err := jsonnet.SnippetToAST("case.jsonnet", src)
	if err != nil {
		return result{err: vm.ErrorFormatter.Format(err)}, 0
	}
	n := 0
	if rewrite {
		n = Rewrite(&node)
	}
	out, err := vm.Evaluate(node)
	if err != nil {
		return result{err: vm.ErrorFormatter.Format(err)}, n
	}
	return result{out: out}, n
}

func evalRewritten(src string) (result, int) {
	native, _ := vms()
	return evalAST(native, src, true)
}

// compareRewrite fails unless src gives the same output and error text
// (message and the frames in user code) rewritten as go-jsonnet's own
// std.format gives it unrewritten, and returns how many % were rewritten.
func compareRewrite(t testing.TB, src string) int {
	t.Helper()
	_, ref := vms()
	want, _ := evalAST(ref, src, false)
	got, n := evalRewritten(src)
	if got.out != want.out || normalize(got.err) != normalize(want.err) {
		t.Errorf("%s (%d rewritten)\nrewritten: out %q err %q\njsonnet:   out %q err %q", src, n, got.out, got.err, want.out, want.err)
	}
	return n
}

// rewriteValues are values of every kind a % meets, including the ones
// that fail: a function (std.toString cannot manifest it), an object with a
// field that fails, an error, and a value that is itself a %.
var rewriteValues = []string{
	`'x'`, `''`, `'日本'`, `'%s'`, `1`, `-0`, `1.5`, `1e30`, `0.1`, `true`, `false`, `null`,
	`{a: 1}`, `{}`, `[1, 'x']`, `[]`, `function(x) x`, `{f: error 'in a field'}`,
	`error 'boom'`, `'%s!' % ['in']`, `std.length('abc')`, `{a:: 1}`,
}

// TestRewriteAgrees compares rewritten % with go-jsonnet's own std.format
// on every format shape Rewrite handles and every kind of value, and on
// the shapes it must leave alone.
func TestRewriteAgrees(t *testing.T) {
	arrayFormats := []string{"%s", "a%sb", "%s%s", "%s-%s-%s", "%%%s%%", "100%%", "", "x", "%s:%s%%"}
	rewritten := 0
	for _, f := range arrayFormats {
		n := strings.Count(strings.ReplaceAll(f, "%%", ""), "%s")
		for i, v := range rewriteValues {
			vals := make([]string, n)
			for k := range vals {
				vals[k] = rewriteValues[(i+k*7)%len(rewriteValues)]
			}
			if n > 0 {
				vals[0] = v
			}
			rewritten += compareRewrite(t, jstr(f)+" % ["+strings.Join(vals, ", ")+"]")
		}
	}
	for _, f := range []string{"%s", "cd %s", "%s/**/*", "%%%s", "a%s%%b"} {
		for _, v := range rewriteValues {
			rewritten += compareRewrite(t, jstr(f)+" % "+v)
			// The value through a variable and through a function, as
			// templates write it.
			rewritten += compareRewrite(t, "local v = "+v+"; "+jstr(f)+" % v")
			rewritten += compareRewrite(t, "local f(x) = "+jstr(f)+" % x; f("+v+")")
		}
	}
	if rewritten < 500 {
		t.Errorf("only %d %% were rewritten: the table no longer exercises Rewrite", rewritten)
	}

	// Left alone: not a literal, other conversions, the mapping form, a
	// count that std.format rejects, a format std.format cannot parse.
	for _, src := range []string{
		`local f = '%s'; f % ['a']`,
		`'%d' % [1]`, `'%5s' % ['a']`, `'%-s' % ['a']`, `'%.1s' % ['ab']`, `'%(a)s' % {a: 1}`,
		`'%s-%s' % ['a']`, `'%s' % ['a', 'b']`, `'%s-%s' % 'a'`, `'%' % ['a']`, `'%z' % ['a']`,
		`1 % 2`, `5.5 % 2`, `'%s' % ['a'] + std.mod(7, 4)`,
	} {
		compareRewrite(t, src)
	}
	for _, src := range []string{`local f = '%s'; f % ['a']`, `'%d' % [1]`, `'%s-%s' % ['a']`, `1 % 2`} {
		if _, n := evalRewritten(src); n != 0 {
			t.Errorf("%s: rewrote %d %%, want none", src, n)
		}
	}
}

// TestRewriteInTemplateShapes: % inside the places a template has them
// (object fields and their names, comprehensions, function defaults,
// locals, asserts, conditionals), with a shadowed std and self references.
func TestRewriteInTemplateShapes(t *testing.T) {
	for _, src := range []string{
		`function(ctx={os: 'linux', arch: 'amd64', t: {name: 'svc', dir: 'services/svc'}})
		 local cell = '%s-%s' % [ctx.os, ctx.arch];
		 { ['build:%s:%s' % [ctx.t.name, cell]]: { script: ['cd %s' % ctx.t.dir, 'make %s' % cell], image: 'img:%s' % ctx.arch } }`,
		`{ a: 'x', b: '%s/%s' % [self.a, $.a], c: [ '%s' % i for i in std.range(1, 3) ] }`,
		`local std = { mod(a, b): 'shadowed' }; '%s' % ['not shadowed']`,
		`local f(x, y='%s+' % x) = y; f(3)`,
		`{ assert '%s' % self.a == 'x' : 'msg %s' % self.a, a: 'x' }`,
		`if '%s' % 1 == '1' then '%s-%s' % ['y', 'es'] else error 'no %s' % 'x'`,
		`local x = { y: 'Y' }; { [k]: '%s=%s' % [k, x[k]] for k in std.objectFields(x) }`,
		`std.map(function(v) '<%s>' % v, [1, 'a', null, [1], {b: 2}])`,
		`{ a: { b: '%s' % super.b } } + { a+: { b: 'inner %s' % 'x' } }`,
	} {
		if compareRewrite(t, src) == 0 {
			t.Errorf("%.60s: nothing rewritten", src)
		}
	}
}

// FuzzRewrite compares a rewritten % with go-jsonnet's own std.format on
// random format strings and values:
//
//	go test -run '^$' -fuzz FuzzRewrite -fuzztime 10s ./internal/jsonnetfmt
func FuzzRewrite(f *testing.F) {
	f.Add("%s-%s", "a", 1.5, uint8(2))
	f.Add("cd %s", "dir", 0.0, uint8(128))
	f.Add("%%%s%%", "", math.Copysign(0, -1), uint8(1|128))
	f.Add("%s %s %s", "x", 1e21, uint8(3|16))
	f.Fuzz(func(t *testing.T, format, s string, num float64, shape uint8) {
		if !utf8.ValidString(format) || !utf8.ValidString(s) || len(format) > 64 || len(s) > 64 {
			t.Skip()
		}
		if math.IsNaN(num) || math.IsInf(num, 0) || bigNumber.MatchString(format) {
			t.Skip()
		}
		pool := append([]string{jstr(s), jnum(num)}, rewriteValues...)
		pick := func(k int) string { return pool[(int(shape>>2)+k*5)%len(pool)] }
		var src string
		if shape&128 != 0 {
			src = jstr(format) + " % " + pick(0)
		} else {
			var vals []string
			for k := 0; k < int(shape&3); k++ {
				vals = append(vals, pick(k))
			}
			src = jstr(format) + " % [" + strings.Join(vals, ", ") + "]"
		}
		if _, n := evalRewritten(src); n == 0 {
			// Not rewritten: the hook's business (FuzzFormat), whose
			// documented difference on values that are errors this pool
			// would hit.
			t.Skip()
		}
		compareRewrite(t, src)
	})
}
