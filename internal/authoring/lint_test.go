package authoring

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-jsonnet/formatter"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/schema"
)

func lintFS(t *testing.T, files map[string]string) []schema.Finding {
	t.Helper()
	fsys := fstest.MapFS{}
	for k, v := range files {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	got, err := Lint(context.Background(), LintOptions{Repo: fsys, Manifest: "generate-config.jsonnet"})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// has finds the finding of rule at pos ("file:line:col" or "file"; a pos
// ending in ':' is a prefix).
func has(fs []schema.Finding, rule, pos string, sev schema.Severity, msg string) bool {
	for _, f := range fs {
		at := f.Pos.String() == pos || strings.HasSuffix(pos, ":") && strings.HasPrefix(f.Pos.String(), pos)
		if f.Rule == rule && at && f.Severity == sev && strings.Contains(f.Message, msg) {
			return true
		}
	}
	return false
}

func dump(fs []schema.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

const goodTemplate = `function(ctx) { ['build:' + ctx.target.name + ':' + ctx.os]: { script: ['make -C ' + ctx.target.dir + ' ' + ctx.os] } }`

func TestLintExampleIsClean(t *testing.T) {
	got, err := Lint(context.Background(), LintOptions{Repo: os.DirFS("../../testdata/example"), Manifest: "generate-config.jsonnet"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("the example monorepo has findings:\n%s", dump(got))
	}
}

func TestLintTargets(t *testing.T) {
	got := lintFS(t, map[string]string{
		"generate-config.jsonnet": `{
  targets: {
    ok: { paths: ['a/**'], template: 'ci/t.jsonnet' },
    excluded: { paths: ['b/**', '!b/**'], template: 'ci/t.jsonnet' },
    'md-only': { paths: ['docs/**/*.md', '!**/*.md'], template: 'ci/t.jsonnet' },
    literal: { paths: ['a/x.go', '!a/**'], template: 'ci/t.jsonnet' },
    everything: { paths: ['a/**', 'b/**', '!**'], template: 'ci/t.jsonnet' },
    partly: { paths: ['a/**', 'b/**', '!b/**'], template: 'ci/t.jsonnet', allowOverlap: true },
    narrower: { paths: ['a/**', '!a/*.go'], template: 'ci/t.jsonnet', allowOverlap: true },
    typo: { paths: ['servces/api/**'], template: 'ci/t.jsonnet' },
  },
  discover: [{ glob: 'svc/*', template: 'ci/t.jsonnet', exclude: ['**'] }],
}`,
		"ci/t.jsonnet": goodTemplate,
		"a/x.go":       "",
		"a/README":     "",
		"b/y.go":       "",
		"svc/one/m.go": "",
	})
	for _, want := range []struct{ rule, pos, msg string }{
		{RuleNeverSelected, "generate-config.jsonnet:4:5", "b/** by !b/**"},
		{RuleNeverSelected, "generate-config.jsonnet:5:5", "docs/**/*.md by !**/*.md"},
		{RuleNeverSelected, "generate-config.jsonnet:6:5", "a/x.go by !a/**"},
		{RuleNeverSelected, "generate-config.jsonnet:7:5", "a/** by !**, b/** by !**"},
		{RuleNoFiles, "generate-config.jsonnet:10:5", `target "typo" (servces/api/**)`},
		// A discovered target is reported at the discover entry.
		{RuleNeverSelected, "generate-config.jsonnet:12:3", `target "svc/one"`},
	} {
		if !has(got, want.rule, want.pos, schema.SeverityWarning, want.msg) {
			t.Errorf("missing %s at %s (%s) in\n%s", want.rule, want.pos, want.msg, dump(got))
		}
	}
	// partly and narrower can be selected by some file: no warning; they
	// share a/ with ok, but say allowOverlap: no overlap warning either.
	for _, f := range got {
		if strings.Contains(f.Message, `"partly"`) || strings.Contains(f.Message, `"narrower"`) || strings.Contains(f.Message, `"ok"`) {
			t.Errorf("false positive: %s", f)
		}
	}
	if len(got) != 6 {
		t.Errorf("got %d findings, want 6:\n%s", len(got), dump(got))
	}
}

// TestLintOverlap: a file owned by two targets is reported once per pair,
// at the later target, unless one of them sets allowOverlap.
func TestLintOverlap(t *testing.T) {
	got := lintFS(t, map[string]string{
		"generate-config.jsonnet": `{
  targets: {
    api: { paths: ['services/api/**'], template: 'ci/t.jsonnet' },
    docs: { paths: ['**/*.md'], template: 'ci/t.jsonnet', allowOverlap: true },
    other: { paths: ['other/**'], template: 'ci/t.jsonnet' },
  },
  discover: [{ glob: 'services/*', template: 'ci/t.jsonnet' }],
}`,
		"ci/t.jsonnet":             goodTemplate,
		"services/api/main.go":     "",
		"services/api/README.md":   "",
		"services/billing/main.go": "",
		"other/x.go":               "",
	})
	var overlaps []schema.Finding
	for _, f := range got {
		if f.Rule == RuleOverlap {
			overlaps = append(overlaps, f)
		}
	}
	if len(overlaps) != 1 {
		t.Fatalf("want one overlap (api and the discovered services/api), got:\n%s", dump(got))
	}
	o := overlaps[0]
	want := `targets "api" and "services/api" both own 2 file(s) ("services/api/README.md" and 1 more)`
	if o.Severity != schema.SeverityWarning || !strings.Contains(o.Message, want) || o.Pos.String() != "generate-config.jsonnet:7:3" {
		t.Errorf("got %s\nwant at generate-config.jsonnet:7:3: %s", o, want)
	}
}

func TestLintManifestErrors(t *testing.T) {
	got := lintFS(t, map[string]string{
		"generate-config.jsonnet": `{ targets: { a: { paths: ['a/**'], template: 'ci/t.jsonnet', deps: ['nope'] } }, tragets: {} }`,
		"ci/t.jsonnet":            goodTemplate,
	})
	if !schema.HasErrors(got) || !has(got, RuleManifest, "generate-config.jsonnet", schema.SeverityError, "tragets") {
		t.Errorf("the unknown key is not reported:\n%s", dump(got))
	}
	got = lintFS(t, map[string]string{"generate-config.jsonnet": "{ targets: { "})
	if !has(got, RuleSyntax, "generate-config.jsonnet:1:14", schema.SeverityError, "") {
		t.Errorf("syntax error:\n%s", dump(got))
	}
	got = lintFS(t, map[string]string{})
	if !has(got, RuleManifest, "generate-config.jsonnet", schema.SeverityError, "manifest not found") {
		t.Errorf("missing manifest:\n%s", dump(got))
	}
}

func TestLintTemplates(t *testing.T) {
	got := lintFS(t, map[string]string{
		"generate-config.jsonnet": `{
  matrix: { os: ['linux', 'windows'], arch: ['amd64', 'arm64'] },
  targets: {
    a: { paths: ['a/**'], template: 'ci/object.jsonnet' },
    b: { paths: ['a/**'], template: 'ci/same.jsonnet' },
    c: { paths: ['a/**'], template: 'ci/same.jsonnet' },
    d: { paths: ['a/**'], template: 'ci/good.jsonnet' },
    e: { paths: ['a/**'], template: 'ci/fails.jsonnet' },
    f: { paths: ['a/**'], template: 'ci/cellfail.jsonnet' },
    g: { paths: ['a/**'], template: 'ci/unused.jsonnet' },
    h: { paths: ['a/**'], template: 'ci/hidden-only.jsonnet', matrix: { os: ['linux'], arch: ['amd64'] } },
  },
}`,
		"ci/object.jsonnet": `{ job: { script: ['x'] } }`,
		"ci/same.jsonnet":   "// Same script everywhere.\nfunction(ctx) { ['lint:' + ctx.target.name + ':' + ctx.os + ':' + ctx.arch]: { script: ['make lint'] } }",
		"ci/good.jsonnet":   goodTemplate,
		"ci/fails.jsonnet":  "local x = error 'boom';\nx",
		"ci/cellfail.jsonnet": `function(ctx)
  if ctx.arch == 'arm64' then error 'no arm64 runners' else { ['j:' + ctx.arch]: { script: [ctx.arch] } }`,
		"ci/unused.jsonnet":      "local gc = import 'generate-config.libsonnet';\nlocal spare = 3;\n" + goodTemplate,
		"ci/hidden-only.jsonnet": `function(ctx) { '.base': { script: ['x'] } }`,
		"a/x":                    "",
	})
	for _, want := range []struct {
		rule, pos string
		sev       schema.Severity
		msg       string
	}{
		{RuleNotFunction, "ci/object.jsonnet:1:1", schema.SeverityError, "the template is an object, not a function"},
		{RuleCtxInvariant, "ci/same.jsonnet:2:1", schema.SeverityWarning, "cells target=b os=linux arch=amd64 and target=c os=windows arch=arm64 yield the same jobs"},
		{RuleTemplateError, "ci/fails.jsonnet:", schema.SeverityError, "boom"},
		{RuleTemplateError, "ci/cellfail.jsonnet:2:31", schema.SeverityError, "no arm64 runners (in cell target=f os=windows arch=arm64)"},
		{RuleJsonnetLint, "ci/unused.jsonnet:2:7", schema.SeverityWarning, "Unused variable: spare"},
	} {
		if !has(got, want.rule, want.pos, want.sev, want.msg) {
			t.Errorf("missing %s at %s (%s) in\n%s", want.rule, want.pos, want.msg, dump(got))
		}
	}
	for _, f := range got {
		if strings.HasPrefix(f.Pos.File, "ci/good") || strings.HasPrefix(f.Pos.File, "ci/hidden-only") {
			t.Errorf("false positive: %s", f)
		}
	}
}

// TestSlowIdiomDetector: the rule flags exactly the idioms the benchmark
// measures as slow, so the factor it quotes is about what it flags.
func TestSlowIdiomDetector(t *testing.T) {
	for _, idiom := range arrayIdioms {
		src := fmt.Sprintf(idiom.src, 10)
		root, _, err := formatter.SnippetToRawAST("b.jsonnet", src)
		if err != nil {
			t.Fatal(err)
		}
		got := slowIdioms("b.jsonnet", root)
		// std.flattenArrays is slow inside the standard library, not in
		// the user's code: there is nothing in the file to flag.
		want := idiom.slow && idiom.name != "flattenArrays"
		if (len(got) > 0) != want {
			t.Errorf("%s: flagged %v, want %v: %v", idiom.name, len(got) > 0, want, got)
		}
	}
	for _, c := range []struct {
		src  string
		want int
	}{
		{`std.foldr(function(x, acc) [x] + acc, [1, 2], [])`, 1},
		{`std.foldl(function(acc, x) acc + x, [[1], [2]], [])`, 0}, // not an array literal: unknown
		{`local f(xs) = if xs == [] then [] else [xs[0]] + f(xs[1:]); f([1])`, 1},
		{`local f(x) = ['--' + x] + ['-v']; f('a')`, 0}, // not recursive
		{`{ local walk(n, acc) = if n == 0 then acc else walk(n - 1, acc + [n]), x: walk(3, []) }`, 1},
		{`local f(n) = if n == 0 then [] else f(n - 1) + [n]; f(2)`, 1},
		{`local f(n) = if n == 0 then 0 else f(n - 1) + 1; f(2)`, 0}, // numbers
	} {
		root, _, err := formatter.SnippetToRawAST("c.jsonnet", c.src)
		if err != nil {
			t.Fatal(err)
		}
		if got := slowIdioms("c.jsonnet", root); len(got) != c.want {
			t.Errorf("%s: %d findings, want %d: %v", c.src, len(got), c.want, got)
		}
	}
}

func TestFindingString(t *testing.T) {
	f := schema.Finding{Pos: posOf("ci/a.jsonnet", 3, 7), Severity: schema.SeverityWarning, Rule: RuleSlowConcat, Message: "m"}
	if s := f.String(); s != "ci/a.jsonnet:3:7: warning: m (slow-concat)" {
		t.Errorf("got %q", s)
	}
}

func posOf(file string, line, col int) diag.Pos { return diag.Pos{File: file, Line: line, Col: col} }
