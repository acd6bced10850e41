package manifest_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/generator/selection"
	"gitlab.com/generate-config/generate-config/schema"
	"gitlab.com/generate-config/generate-config/schema/manifestschema"
)

const file = "generate-config.jsonnet"

// repoWith is a repository holding the template t.jsonnet and a directory
// ci/, plus extra.
func repoWith(extra fstest.MapFS) fstest.MapFS {
	repo := fstest.MapFS{
		"t.jsonnet":      {Data: []byte("function(ctx) {}")},
		"ci/go.jsonnet":  {Data: []byte("function(ctx) {}")},
		"services/a/x":   {},
		"services/b/y":   {},
		"services/c.txt": {},
	}
	for k, v := range extra {
		repo[k] = v
	}
	return repo
}

func decode(t *testing.T, repo fs.FS, js string) (*manifest.Manifest, error) {
	t.Helper()
	return manifest.Decode(repo, file, []byte(js))
}

func mustDecode(t *testing.T, repo fs.FS, js string) *manifest.Manifest {
	t.Helper()
	m, err := decode(t, repo, js)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return m
}

// errorLines flattens err into its lines, checking every error is positioned
// at the manifest file.
func errorLines(t *testing.T, err error) []string {
	t.Helper()
	var lines []string
	for _, e := range diag.Flatten(err) {
		if e.Pos.File != file {
			t.Errorf("error %q is positioned at %q, want %q", e.Msg, e.Pos.File, file)
		}
		lines = append(lines, e.Error())
	}
	return lines
}

func TestDecodeErrors(t *testing.T) {
	api := func(extra string) string {
		return `{"targets": {"api": {"paths": ["services/api/**"], "template": "t.jsonnet"` + extra + `}, "libs/core": {"paths": ["libs/core/**"], "template": "t.jsonnet"}}}`
	}
	cases := []struct {
		name string
		js   string
		want []string // the exact error lines, in order
	}{
		{
			name: "unknown top-level key, with a suggestion",
			js:   `{"tragets": {}}`,
			want: []string{`generate-config.jsonnet: (top level): unknown key "tragets" (did you mean "targets"?)`},
		},
		{
			name: "unknown unowned policy",
			js:   `{"unowned": "sometimes"}`,
			want: []string{`generate-config.jsonnet: unowned: value must be one of 'ignore', 'warn', 'fail', 'all'`},
		},
		{
			name: "ignore pattern that can never match",
			js:   `{"ignore": ["docs/"]}`,
			want: []string{`generate-config.jsonnet: ignore[0]: pattern "docs/" ends with '/', which never matches: changed paths are files (write "docs/**" for everything below it)`},
		},
		{
			name: "unknown inferrer",
			js:   `{"infer": {"node": true}}`,
			want: []string{`generate-config.jsonnet: infer: unknown key "node"`},
		},
		{
			name: "allowOverlap is a boolean",
			js:   api(`, "allowOverlap": "yes"`),
			want: []string{`generate-config.jsonnet: targets.api.allowOverlap: got string, want boolean`},
		},
		{
			name: "unknown top-level key, nothing close",
			js:   `{"zzzzzzzz": 1}`,
			want: []string{`generate-config.jsonnet: (top level): unknown key "zzzzzzzz"`},
		},
		{
			name: "unknown target key, with a suggestion",
			js:   api(`, "dep": []`),
			want: []string{`generate-config.jsonnet: targets.api: unknown key "dep" (did you mean "deps"?)`},
		},
		{
			name: "unknown key in a quoted target",
			js:   `{"targets": {"libs/core": {"paths": ["a/**"], "template": "t.jsonnet", "tempalte": "x"}}}`,
			want: []string{`generate-config.jsonnet: targets["libs/core"]: unknown key "tempalte" (did you mean "template"?)`},
		},
		{
			name: "wrong type inside a list",
			js:   api(`, "deps": ["libs/core", 3]`),
			want: []string{`generate-config.jsonnet: targets.api.deps[1]: got number, want string`},
		},
		{
			name: "wrong type for paths",
			js:   `{"targets": {"api": {"paths": "a/**", "template": "t.jsonnet"}}}`,
			want: []string{`generate-config.jsonnet: targets.api.paths: got string, want array`},
		},
		{
			name: "wrong type in the matrix",
			js:   `{"matrix": {"os": ["linux"], "arch": "amd64"}}`,
			want: []string{`generate-config.jsonnet: matrix.arch: got string, want array`},
		},
		{
			name: "not an object",
			js:   `[1]`,
			want: []string{`generate-config.jsonnet: (top level): got array, want object`},
		},
		{
			name: "missing template key",
			js:   `{"targets": {"api": {"paths": ["a/**"]}}}`,
			want: []string{`generate-config.jsonnet: targets.api: missing property 'template'`},
		},
		{
			name: "unknown dep",
			js:   api(`, "deps": ["nope"]`),
			want: []string{`generate-config.jsonnet: targets.api.deps[0]: unknown target "nope"`},
		},
		{
			name: "unknown dep keeps the index the user wrote (deps are sorted only afterwards)",
			js:   api(`, "deps": ["libs/core", "auth"]`),
			want: []string{`generate-config.jsonnet: targets.api.deps[1]: unknown target "auth"`},
		},
		{
			name: "unknown dep with a suggestion",
			js:   api(`, "deps": ["core"]`),
			want: []string{`generate-config.jsonnet: targets.api.deps[0]: unknown target "core" (did you mean "libs/core"?)`},
		},
		{
			name: "misspelt dep with a suggestion (issue 8, bug 6)",
			js:   api(`, "deps": ["libs/coer"]`),
			want: []string{`generate-config.jsonnet: targets.api.deps[0]: unknown target "libs/coer" (did you mean "libs/core"?)`},
		},
		{
			name: "misspelt limit name, checked when the manifest loads (issue 8, bug 5)",
			js:   `{"limits": {"maxNeed": 3}}`,
			want: []string{`generate-config.jsonnet: limits: unknown key "maxNeed" (did you mean "maxNeeds"?)`},
		},
		{
			name: "limit of the wrong type",
			js:   `{"limits": {"maxNeeds": "3"}}`,
			want: []string{`generate-config.jsonnet: limits.maxNeeds: got string, want integer`},
		},
		{
			name: "negative limit",
			js:   `{"limits": {"maxNeeds": -1}}`,
			want: []string{`generate-config.jsonnet: limits.maxNeeds: minimum: got -1, want 0`},
		},
		{
			name: "self-dependency",
			js:   api(`, "deps": ["api"]`),
			want: []string{`generate-config.jsonnet: targets.api.deps[0]: target "api" depends on itself`},
		},
		{
			name: "a two-target cycle names it",
			js: `{"targets": {
				"a": {"paths": ["a/**"], "template": "t.jsonnet", "deps": ["b"]},
				"b": {"paths": ["b/**"], "template": "t.jsonnet", "deps": ["a"]}}}`,
			want: []string{`generate-config.jsonnet: targets: dependency cycle: a -> b -> a`},
		},
		{
			name: "a longer cycle reached from outside names only the cycle",
			js: `{"targets": {
				"a": {"paths": ["a/**"], "template": "t.jsonnet", "deps": ["x"]},
				"x": {"paths": ["x/**"], "template": "t.jsonnet", "deps": ["y"]},
				"y": {"paths": ["y/**"], "template": "t.jsonnet", "deps": ["z", "a2"]},
				"a2": {"paths": ["a2/**"], "template": "t.jsonnet"},
				"z": {"paths": ["z/**"], "template": "t.jsonnet", "deps": ["x"]}}}`,
			want: []string{`generate-config.jsonnet: targets: dependency cycle: x -> y -> z -> x`},
		},
		{
			name: "invalid glob",
			js:   `{"targets": {"libs/core": {"paths": ["libs/core/[**"], "template": "t.jsonnet"}}}`,
			want: []string{`generate-config.jsonnet: targets["libs/core"].paths[0]: pattern "libs/core/[**" is not a valid glob (unclosed '[' or '{', or a trailing '\')`},
		},
		{
			name: "patterns starting with / or ./, and ending with /",
			js:   `{"targets": {"api": {"paths": ["/a/**", "./b/**", "!./c", "docs/"], "template": "t.jsonnet"}}}`,
			want: []string{
				`generate-config.jsonnet: targets.api.paths[0]: pattern "/a/**" starts with '/': patterns are relative to the repository root, as in GitLab's rules:changes`,
				`generate-config.jsonnet: targets.api.paths[1]: pattern "./b/**" starts with './', which never matches: changed paths have no './' prefix (GitLab compares exact strings)`,
				`generate-config.jsonnet: targets.api.paths[2]: pattern "!./c" starts with './', which never matches: changed paths have no './' prefix (GitLab compares exact strings)`,
				`generate-config.jsonnet: targets.api.paths[3]: pattern "docs/" ends with '/', which never matches: changed paths are files (write "docs/**" for everything below it)`,
			},
		},
		{
			name: "bad global patterns",
			js:   `{"global": ["ci/**", "{a,b", "!"]}`,
			want: []string{
				`generate-config.jsonnet: global[1]: pattern "{a,b" is not a valid glob (unclosed '[' or '{', or a trailing '\')`,
				`generate-config.jsonnet: global[2]: empty pattern`,
			},
		},
		{
			name: "only excludes",
			js:   `{"targets": {"api": {"paths": ["!a/**", "!b/**"], "template": "t.jsonnet"}}}`,
			want: []string{`generate-config.jsonnet: targets.api.paths: has only '!' exclude patterns, so no file can ever belong to the target`},
		},
		{
			name: "missing template file",
			js:   `{"targets": {"api": {"paths": ["a/**"], "template": "ci/missing.jsonnet"}}}`,
			want: []string{`generate-config.jsonnet: targets.api.template: template ci/missing.jsonnet: no such file in the repository`},
		},
		{
			name: "template is a directory",
			js:   `{"targets": {"api": {"paths": ["a/**"], "template": "ci"}}}`,
			want: []string{`generate-config.jsonnet: targets.api.template: template ci is a directory, not a Jsonnet file`},
		},
		{
			name: "discover errors name the discover entry, once for all directories",
			js:   `{"discover": [{"glob": "services/*", "template": "missing.jsonnet", "deps": ["nope"], "exclude": ["/x"]}]}`,
			want: []string{
				`generate-config.jsonnet: discover[0].exclude[0]: pattern "!/x" starts with '/': patterns are relative to the repository root, as in GitLab's rules:changes`,
				`generate-config.jsonnet: discover[0].template: template missing.jsonnet: no such file in the repository`,
				`generate-config.jsonnet: discover[0].deps[0]: unknown target "nope"`,
			},
		},
		{
			name: "invalid discover glob",
			js:   `{"discover": [{"glob": "services/[", "template": "t.jsonnet"}]}`,
			want: []string{`generate-config.jsonnet: discover[0].glob: pattern "services/[" is not a valid glob (unclosed '[' or '{', or a trailing '\')`},
		},
		{
			name: "hidden no-op job",
			js:   `{"noop": {"name": ".nothing"}}`,
			want: []string{`generate-config.jsonnet: noop.name: ".nothing" starts with '.', which makes it a hidden job; GitLab needs a visible one`},
		},
		{
			name: "several errors are reported together, in target order",
			js: `{"targets": {
				"b": {"paths": ["!x"], "template": "t.jsonnet"},
				"a": {"paths": ["a/**"], "template": "t.jsonnet", "deps": ["zz"]}}}`,
			want: []string{
				`generate-config.jsonnet: targets.a.deps[0]: unknown target "zz"`,
				`generate-config.jsonnet: targets.b.paths: has only '!' exclude patterns, so no file can ever belong to the target`,
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Maps are unordered: decode a few times, the errors must not move.
			for range 5 {
				_, err := decode(t, repoWith(nil), c.js)
				if err == nil {
					t.Fatalf("Decode succeeded, want %q", c.want)
				}
				if got := errorLines(t, err); !slices.Equal(got, c.want) {
					t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
				}
			}
		})
	}
}

func TestDecodeNotJSON(t *testing.T) {
	_, err := decode(t, repoWith(nil), `{"targets": `)
	if err == nil || !strings.HasPrefix(err.Error(), file+": manifest is not JSON-compatible") {
		t.Errorf("err = %v", err)
	}
}

func TestDecodeMatrix(t *testing.T) {
	t.Run("default matrix", func(t *testing.T) {
		m := mustDecode(t, repoWith(nil), `{"targets": {"api": {"paths": ["a/**"], "template": "t.jsonnet"}}}`)
		want := manifest.Matrix{OS: []string{"linux"}, Arch: []string{"amd64"}}
		if !reflect.DeepEqual(m.Matrix, want) {
			t.Errorf("manifest matrix = %+v, want %+v", m.Matrix, want)
		}
		if got := m.Target("api").Matrix; !reflect.DeepEqual(got, want) {
			t.Errorf("target matrix = %+v, want the default %+v", got, want)
		}
	})
	t.Run("manifest axis overrides one default, the other stays", func(t *testing.T) {
		m := mustDecode(t, repoWith(nil), `{"matrix": {"arch": ["arm64"]}, "targets": {"api": {"paths": ["a/**"], "template": "t.jsonnet"}}}`)
		want := manifest.Matrix{OS: []string{"linux"}, Arch: []string{"arm64"}}
		if got := m.Target("api").Matrix; !reflect.DeepEqual(got, want) {
			t.Errorf("target matrix = %+v, want %+v", got, want)
		}
	})
	t.Run("target override, axis by axis", func(t *testing.T) {
		m := mustDecode(t, repoWith(nil), `{
			"matrix": {"os": ["linux"], "arch": ["amd64", "arm64"]},
			"targets": {
				"win":  {"paths": ["w/**"], "template": "t.jsonnet", "matrix": {"os": ["windows"]}},
				"full": {"paths": ["f/**"], "template": "t.jsonnet", "matrix": {"os": ["linux", "windows"], "arch": ["arm64"]}},
				"plain": {"paths": ["p/**"], "template": "t.jsonnet"}}}`)
		for name, want := range map[string]manifest.Matrix{
			"win":   {OS: []string{"windows"}, Arch: []string{"amd64", "arm64"}},
			"full":  {OS: []string{"linux", "windows"}, Arch: []string{"arm64"}},
			"plain": {OS: []string{"linux"}, Arch: []string{"amd64", "arm64"}},
		} {
			if got := m.Target(name).Matrix; !reflect.DeepEqual(got, want) {
				t.Errorf("%s: matrix = %+v, want %+v", name, got, want)
			}
		}
	})
}

func TestDecodeTargets(t *testing.T) {
	m := mustDecode(t, repoWith(nil), `{
		"global": ["ci/**"],
		"targets": {
			"web": {"paths": ["apps/web/{src,public}/**", "apps/web/package.json"], "template": "t.jsonnet"},
			"api": {"paths": ["!services/api/**/*.md", "services/api/**"], "deps": ["web", "libs/core"], "template": "ci/go.jsonnet"},
			"libs/core": {"paths": ["libs/core/**"], "template": "t.jsonnet"}}}`)
	var names []string
	for _, tg := range m.Targets {
		names = append(names, tg.Name)
	}
	if want := []string{"api", "libs/core", "web"}; !slices.Equal(names, want) {
		t.Errorf("Targets = %q, want sorted %q", names, want)
	}
	api := m.Target("api")
	if api == nil || api.Name != "api" || api.Template != "ci/go.jsonnet" || api.Discovered {
		t.Fatalf("api = %+v", api)
	}
	if want := []string{"libs/core", "web"}; !slices.Equal(api.Deps, want) {
		t.Errorf("api.Deps = %q, want sorted %q", api.Deps, want)
	}
	if api.Dir != "services/api" {
		t.Errorf("api.Dir = %q: the first pattern is an exclude and must be skipped", api.Dir)
	}
	if !slices.Equal(api.Paths, []string{"!services/api/**/*.md", "services/api/**"}) {
		t.Errorf("api.Paths = %q, want as written", api.Paths)
	}
	if d := m.Target("libs/core").Deps; d == nil || len(d) != 0 {
		t.Errorf("libs/core Deps = %#v, want an empty list", d)
	}
	if got := m.Target("web").Dir; got != "apps/web" {
		t.Errorf("web.Dir = %q", got)
	}
	if m.Target("nope") != nil {
		t.Errorf("Target(nope) != nil")
	}
	if m.File != file || !slices.Equal(m.Global, []string{"ci/**"}) {
		t.Errorf("File = %q, Global = %q", m.File, m.Global)
	}
}

func TestDiscover(t *testing.T) {
	repo := repoWith(fstest.MapFS{
		"services/svc[1]/main.go": {},
		"services/{x,y}/main.go":  {},
		"services/.git/config":    {},
		"services/node_modules/x": {},
		"services/a/deep/dir/z":   {},
		"libs/one/x":              {},
	})
	m := mustDecode(t, repo, `{
		"matrix": {"os": ["linux"], "arch": ["amd64"]},
		"targets": {
			"services/b": {"paths": ["services/b/src/**"], "template": "ci/go.jsonnet"},
			"libs/one": {"paths": ["libs/one/**"], "template": "t.jsonnet"}
		},
		"discover": [
			{"glob": "services/*", "template": "t.jsonnet", "matrix": {"os": ["windows"]},
			 "deps": ["libs/one"], "exclude": ["**/*.md", "!**/testdata/**"]},
			{"glob": "libs/*", "template": "t.jsonnet"},
			{"glob": "nothing/*", "template": "t.jsonnet"}
		]}`)
	var names []string
	for _, tg := range m.Targets {
		names = append(names, tg.Name)
	}
	// services/c.txt is a file; .git and node_modules are skipped;
	// services/b is explicit; libs/one is explicit and libs/* finds no other.
	want := []string{"libs/one", "services/a", "services/b", "services/svc[1]", "services/{x,y}"}
	if !slices.Equal(names, want) {
		t.Fatalf("Targets = %q, want %q", names, want)
	}

	b := m.Target("services/b")
	if b.Discovered || b.Template != "ci/go.jsonnet" || !slices.Equal(b.Paths, []string{"services/b/src/**"}) {
		t.Errorf("the explicit services/b must win over the discovered one: %+v", b)
	}
	if one := m.Target("libs/one"); one.Discovered {
		t.Errorf("the explicit libs/one must win: %+v", one)
	}

	a := m.Target("services/a")
	if !a.Discovered || a.Template != "t.jsonnet" || a.Dir != "services/a" || !slices.Equal(a.Deps, []string{"libs/one"}) {
		t.Errorf("services/a = %+v", a)
	}
	if want := []string{"services/a/**", "!**/*.md", "!**/testdata/**"}; !slices.Equal(a.Paths, want) {
		t.Errorf("services/a paths = %q, want %q ('!' implied, never doubled)", a.Paths, want)
	}
	if want := (manifest.Matrix{OS: []string{"windows"}, Arch: []string{"amd64"}}); !reflect.DeepEqual(a.Matrix, want) {
		t.Errorf("services/a matrix = %+v, want %+v", a.Matrix, want)
	}

	odd := m.Target("services/svc[1]")
	if odd == nil || odd.Dir != "services/svc[1]" {
		t.Fatalf("services/svc[1] = %+v, want Dir services/svc[1]", odd)
	}
	inc := selection.Compile(odd.Paths[0])
	for path, want := range map[string]bool{
		"services/svc[1]/main.go":  true,
		"services/svc[1]/a/b/c.go": true,
		"services/svc1/main.go":    false,
		"services/svcx/main.go":    false,
	} {
		if got := inc.Match(path); got != want {
			t.Errorf("%q (from svc[1]) matches %q = %v, want %v", odd.Paths[0], path, got, want)
		}
	}
	braces := selection.Compile(m.Target("services/{x,y}").Paths[0])
	if !braces.Match("services/{x,y}/main.go") || braces.Match("services/x/main.go") {
		t.Errorf("%q must match only services/{x,y}", m.Target("services/{x,y}").Paths[0])
	}
}

func TestDiscoverDepsAreChecked(t *testing.T) {
	_, err := decode(t, repoWith(nil), `{"discover": [{"glob": "services/*", "template": "t.jsonnet", "deps": ["services/a"]}]}`)
	want := []string{`generate-config.jsonnet: discover[0].deps[0]: target "services/a" depends on itself`}
	if got := errorLines(t, err); !slices.Equal(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
	m := mustDecode(t, repoWith(nil), `{"discover": [{"glob": "services/*", "template": "t.jsonnet", "deps": ["zlib", "base"]}],
		"targets": {"zlib": {"paths": ["z/**"], "template": "t.jsonnet"}, "base": {"paths": ["b/**"], "template": "t.jsonnet"}}}`)
	if got := m.Target("services/b").Deps; !slices.Equal(got, []string{"base", "zlib"}) {
		t.Errorf("discovered deps = %q, want sorted", got)
	}
}

func TestFixedDir(t *testing.T) {
	for _, c := range []struct {
		patterns []string
		want     string
	}{
		{[]string{"services/api/**"}, "services/api"},
		{[]string{"libs/{a,b}/**"}, "libs"},
		{[]string{"*.go"}, "."},
		{[]string{"a/b/file.txt"}, "a/b"},
		{[]string{"file.txt"}, "."},
		{[]string{"**/*.md"}, "."},
		{[]string{"!services/api/**/*.md", "services/api/**"}, "services/api"},
		{[]string{"!x/**"}, "."},
		{nil, "."},
		{[]string{"a/b/**", "c/**"}, "a/b"},
		{[]string{"a/b?/**"}, "a"},
		{[]string{"a/[bc]/**"}, "a"},
		{[]string{"a/b*c/d"}, "a"},
		{[]string{`services/svc\[1\]/**`}, "services/svc[1]"},
		{[]string{`services/\{x,y\}/**`}, "services/{x,y}"},
		{[]string{`a\*/b/**`}, "a*/b"},
		{[]string{"ünï/cødé/**"}, "ünï/cødé"},
	} {
		if got := manifest.FixedDir(c.patterns); got != c.want {
			t.Errorf("FixedDir(%q) = %q, want %q", c.patterns, got, c.want)
		}
	}
}

func TestCheckPattern(t *testing.T) {
	for _, c := range []struct {
		pattern string
		err     string // "" when valid
	}{
		{"services/api/**", ""},
		{"!services/api/**/*.md", ""},
		{"**/*.{go,mod}", ""},
		{"[!a]*", ""},
		{`lib/\[id\].ts`, ""},
		{"docs/my file.md", ""},
		{"", "empty pattern"},
		{"!", "empty pattern"},
		{"/abs/**", "starts with '/'"},
		{"!/abs/**", "starts with '/'"},
		{"./rel/**", "starts with './'"},
		{"a/[b", "not a valid glob"},
		{"a/{b,c", "not a valid glob"},
		{"a/[]", "not a valid glob"},
		{`a\`, "not a valid glob"},
		{"docs/", "ends with '/'"},
		{"!docs/", "ends with '/'"},
	} {
		err := manifest.CheckPattern(c.pattern)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("CheckPattern(%q) = %v, want ok", c.pattern, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("CheckPattern(%q) = %v, want an error with %q", c.pattern, err, c.err)
		}
	}
}

// load evaluates the manifest through a real go-jsonnet VM with the
// project's importer (repository + embedded library), as the generator does.
func load(repo fs.FS, name string) (*manifest.Manifest, error) {
	return generator.LoadManifest(repo, name)
}

func TestLoad(t *testing.T) {
	repo := repoWith(fstest.MapFS{
		file: {Data: []byte(`local gc = import 'generate-config.libsonnet';
local t = import 'ci/sub/targets.libsonnet';
{
  global: ['generate-config.jsonnet', 'ci/**'],
  matrix: { os: ['linux'], arch: ['amd64'] },
  targets: t + { api: { paths: ['services/api/**'], template: gc.path('linux', 'ci/go.jsonnet') } },
}
`)},
		"ci/sub/targets.libsonnet": {Data: []byte(`local gc = import 'generate-config.libsonnet';
local common = import '../common.libsonnet';
{ [name]: { paths: [name + '/**'], template: common.template } for name in [gc.jobName('libs', 'core', '')] }
`)},
		"ci/common.libsonnet": {Data: []byte(`{ template: 't.jsonnet' }`)},
	})
	m, err := load(repo, file)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var names []string
	for _, tg := range m.Targets {
		names = append(names, tg.Name)
	}
	// gc.jobName('libs', 'core', '') is 'libs:core': the library was imported
	// from ci/sub/ as well as from the root.
	if !slices.Equal(names, []string{"api", "libs:core"}) {
		t.Errorf("targets = %q", names)
	}
	if got := m.Target("libs:core"); got == nil || got.Template != "t.jsonnet" {
		t.Errorf("libs:core = %+v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name  string
		src   string
		extra fstest.MapFS
		pos   diag.Pos // where the first error must point
		msg   string   // a part of its message
	}{
		{
			name: "syntax error: file:line:col",
			src:  "{\n  targets: {\n    api: { paths: ['a/**'] template: 't.jsonnet' },\n  },\n}\n",
			pos:  diag.Pos{File: file, Line: 3, Col: 28},
			msg:  "Expected a comma before next field",
		},
		{
			name: "runtime error: file:line:col",
			src:  "{\n  targets: error 'boom',\n}\n",
			pos:  diag.Pos{File: file, Line: 2, Col: 12},
			msg:  "boom",
		},
		{
			name: "import climbing out of the repository",
			src:  "local x = import '../../etc/passwd';\nx",
			pos:  diag.Pos{File: file, Line: 1, Col: 11}, // the import itself, not where x is used
			msg:  `import "../../etc/passwd" from generate-config.jsonnet escapes the repository root`,
		},
		{
			name: "import climbing out through a subdirectory",
			src:  "local x = import 'sub/../../x';\nx",
			pos:  diag.Pos{File: file, Line: 1, Col: 11}, // the import itself, not where x is used
			msg:  "escapes the repository root",
		},
		{
			name: "importstr climbing out",
			src:  "importstr '../secret'",
			pos:  diag.Pos{File: file, Line: 1, Col: 1},
			msg:  "escapes the repository root",
		},
		{
			name:  "a nested file climbing out names that file",
			src:   "import 'ci/sub/bad.libsonnet'",
			extra: fstest.MapFS{"ci/sub/bad.libsonnet": {Data: []byte("import '../../../x'")}},
			msg:   `import "../../../x" from ci/sub/bad.libsonnet escapes the repository root`,
		},
		{
			name: "absolute import",
			src:  "local x = import '/etc/passwd';\nx",
			pos:  diag.Pos{File: file, Line: 1, Col: 11}, // the import itself, not where x is used
			msg:  `import "/etc/passwd": imports must be relative paths inside the repository`,
		},
		{
			name: "missing import",
			src:  "import 'nope.libsonnet'",
			pos:  diag.Pos{File: file, Line: 1, Col: 1},
			msg:  `import "nope.libsonnet": no such file in the repository`,
		},
		{
			name: "schema errors after evaluation keep the key path",
			src:  "{\n  tragets: {},\n}\n",
			pos:  diag.Pos{File: file},
			msg:  `(top level): unknown key "tragets" (did you mean "targets"?)`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			extra := fstest.MapFS{file: {Data: []byte(c.src)}}
			for k, v := range c.extra {
				extra[k] = v
			}
			m, err := load(repoWith(extra), file)
			if err == nil {
				t.Fatalf("Load succeeded: %+v", m)
			}
			es := diag.Flatten(err)
			if !strings.Contains(es[0].Msg, c.msg) {
				t.Errorf("message = %q, want it to contain %q", es[0].Msg, c.msg)
			}
			if c.pos != (diag.Pos{}) {
				if es[0].Pos != c.pos {
					t.Errorf("position = %v, want %v", es[0].Pos, c.pos)
				}
				if !strings.HasPrefix(err.Error(), c.pos.String()+": ") {
					t.Errorf("error %q does not start with %q", err, c.pos.String())
				}
			}
		})
	}
}

func TestLoadMissingManifest(t *testing.T) {
	_, err := load(repoWith(nil), "other.jsonnet")
	var de *diag.Error
	if !errors.As(err, &de) || de.Pos.File != "other.jsonnet" || !strings.Contains(de.Msg, "manifest not found") {
		t.Errorf("err = %v", err)
	}
}

// TestLoadFromSubdirectory: --config pointing below the root resolves its
// imports relative to itself and still sees the library.
func TestLoadFromSubdirectory(t *testing.T) {
	repo := repoWith(fstest.MapFS{
		"conf/gc.jsonnet":      {Data: []byte("local gc = import 'generate-config.libsonnet';\nlocal l = import 'local.libsonnet';\n{ targets: { [gc.jobName('x', l.n)]: { paths: ['x/**'], template: 't.jsonnet' } } }")},
		"conf/local.libsonnet": {Data: []byte("{ n: 'y' }")},
	})
	m, err := load(repo, "conf/gc.jsonnet")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if m.File != "conf/gc.jsonnet" || m.Target("x:y") == nil {
		t.Errorf("File = %q, targets = %+v", m.File, m.Targets)
	}
}

// TestInferGo: inferred edges join the explicit deps (once each, sorted),
// discovered targets take part, and each dep says where it comes from.
func TestInferGo(t *testing.T) {
	repo := repoWith(fstest.MapFS{
		"services/a/go.mod": {Data: []byte("module example.com/a\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../../lib\n")},
		"services/b/go.mod": {Data: []byte("module example.com/b\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../../lib\n")},
		"lib/go.mod":        {Data: []byte("module example.com/lib\n\ngo 1.22\n")},
	})
	js := `{"infer": {"go": true},
	  "targets": {"lib": {"paths": ["lib/**"], "template": "t.jsonnet"}, "other": {"paths": ["o/**"], "template": "t.jsonnet"}},
	  "discover": [{"glob": "services/*", "template": "t.jsonnet", "deps": ["other", "lib"]}]}`
	m := mustDecode(t, repo, js)
	a := m.Target("services/a")
	if !slices.Equal(a.Deps, []string{"lib", "other"}) {
		t.Errorf("deps %q", a.Deps)
	}
	if got := a.DepOrigin("lib"); got != "deps; also services/a/go.mod:5 requires example.com/lib (replace => ../../lib)" {
		t.Errorf("origin of lib: %q", got)
	}
	if got := a.DepOrigin("other"); got != "deps" {
		t.Errorf("origin of other: %q", got)
	}
	// Without the explicit deps, the edge is inferred alone.
	m = mustDecode(t, repo, strings.Replace(js, `"deps": ["other", "lib"]`, `"deps": []`, 1))
	b := m.Target("services/b")
	if !slices.Equal(b.Deps, []string{"lib"}) || b.DepOrigin("lib") != "services/b/go.mod:5 requires example.com/lib (replace => ../../lib)" {
		t.Errorf("deps %q, origin %q", b.Deps, b.DepOrigin("lib"))
	}
	// Off by default.
	m = mustDecode(t, repo, strings.Replace(js, `"go": true`, `"go": false`, 1))
	if deps := m.Target("services/b").Deps; !slices.Equal(deps, []string{"lib", "other"}) || len(m.Target("services/b").Inferred) != 0 {
		t.Errorf("inferred without infer.go: %q", deps)
	}
}

// The limits a manifest may set are those of schema.LimitTable, each typed
// in the manifest's JSON Schema, so that a misspelt name fails when the
// manifest loads and an editor can complete the names.
func TestLimitsInSchema(t *testing.T) {
	var doc struct {
		Properties struct {
			Limits struct {
				AdditionalProperties *bool `json:"additionalProperties"`
				Properties           map[string]struct {
					Type string `json:"type"`
				} `json:"properties"`
			} `json:"limits"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(manifestschema.JSON, &doc); err != nil {
		t.Fatal(err)
	}
	l := doc.Properties.Limits
	if l.AdditionalProperties == nil || *l.AdditionalProperties {
		t.Error("limits: additionalProperties must be false")
	}
	var names []string
	for _, li := range schema.LimitTable {
		names = append(names, li.Name)
		if p, ok := l.Properties[li.Name]; !ok || p.Type != "integer" {
			t.Errorf("limit %q is not an integer property of limits in the schema", li.Name)
		}
	}
	for name := range l.Properties {
		if !slices.Contains(names, name) {
			t.Errorf("the schema's limit %q is not in schema.LimitTable", name)
		}
	}
}

func TestLimitsDecoded(t *testing.T) {
	m := mustDecode(t, repoWith(nil), `{"limits": {"maxNeeds": 3, "maxFileBytes": 1000}}`)
	if m.Limits.MaxNeeds != 3 || m.Limits.MaxFileBytes != 1000 {
		t.Errorf("limits = %+v", m.Limits)
	}
}
