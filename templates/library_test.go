package templates_test

import (
	"testing"

	jsonnet "github.com/google/go-jsonnet"

	"gitlab.com/generate-config/generate-config/internal/jsonnetvm"
	"gitlab.com/generate-config/generate-config/templates"
	"testing/fstest"
)

// eval evaluates expr with the library bound to gc and a sample ctx.
func eval(t *testing.T, expr string) string {
	t.Helper()
	vm := jsonnetvm.NewVM(jsonnetvm.NewImporter(fstest.MapFS{}, templates.Library))
	const ctx = `{
	  os: 'linux', arch: 'arm64',
	  target: { name: 'api', deps: ['core', 'auth', 'web'], changed: ['services/api/a.go', 'services/api-x/b.go', 'docs/c.md'] },
	  selected: { core: { os: ['linux'], arch: ['amd64', 'arm64'] }, auth: { os: ['linux'], arch: ['amd64'] } },
	}`
	out, err := vm.EvaluateAnonymousSnippet("test.jsonnet", "local gc = import 'generate-config.libsonnet'; local ctx = "+ctx+"; "+expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return out
}

func TestLibrary(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`gc.path('windows', 'services/api/cmd')`, `"services\\api\\cmd"`},
		{`gc.path('linux', 'services/api/cmd')`, `"services/api/cmd"`},
		{`gc.path('darwin', 'a/b')`, `"a/b"`},
		{`gc.jobName('build', 'api', 'linux-amd64')`, `"build:api:linux-amd64"`},
		{`gc.jobName('build', '', null, 'x')`, `"build:x"`},
		{`gc.jobName('a', 'b', 'c', 'd', 'e', 'f')`, `"a:b:c:d:e:f"`},
		{`gc.cell(ctx)`, `"linux-arm64"`},
		// core has the linux/arm64 cell; auth is selected but only for amd64;
		// web is not selected: only core's job is needed.
		{`gc.needsDeps(ctx, function(d, os, arch) d + '@' + os + '-' + arch)`, `[{"job": "core@linux-arm64"}]`},
		// A sibling directory with a common prefix is not "under".
		{`gc.changedUnder(ctx, 'services/api')`, `["services/api/a.go"]`},
	} {
		if got := eval(t, tc.expr); normalize(got) != normalize(tc.want) {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
}

func normalize(s string) string {
	vm := jsonnet.MakeVM()
	out, err := vm.EvaluateAnonymousSnippet("n", s)
	if err != nil {
		return s
	}
	return out
}
