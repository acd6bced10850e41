package selection_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"testing/fstest"

	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/generator/selection"
)

// testManifest has every kind of rule:
//   - a -> b -> c: a depends on b, b on c (a change in c selects b and a);
//   - md1 and md2: the same include and exclude, written in opposite orders;
//   - api: an exclude inside its own tree;
//   - d: depends on two targets that both depend on c (a diamond);
//   - global: the manifest and ci/**, with an exclude.
const testManifest = `{
  "global": ["generate-config.jsonnet", "ci/**", "!ci/**/*.md"],
  "targets": {
    "a":   {"paths": ["a/**"], "deps": ["b"], "template": "t.jsonnet"},
    "b":   {"paths": ["b/**"], "deps": ["c"], "template": "t.jsonnet"},
    "c":   {"paths": ["c/**"], "template": "t.jsonnet"},
    "d":   {"paths": ["d/**"], "deps": ["b", "e"], "template": "t.jsonnet"},
    "e":   {"paths": ["e/**"], "deps": ["c"], "template": "t.jsonnet"},
    "md1": {"paths": ["!**/*.md", "src/**"], "template": "t.jsonnet"},
    "md2": {"paths": ["src/**", "!**/*.md"], "template": "t.jsonnet"},
    "api": {"paths": ["services/api/**", "!services/api/**/*.md"], "template": "t.jsonnet"}
  }
}`

var allTargets = []string{"a", "api", "b", "c", "d", "e", "md1", "md2"}

func decode(t *testing.T, js string) *manifest.Manifest {
	t.Helper()
	repo := fstest.MapFS{
		"generate-config.jsonnet": {Data: []byte(js)},
		"t.jsonnet":               {Data: []byte("function(ctx) {}")},
	}
	m, err := manifest.Decode(repo, "generate-config.jsonnet", []byte(js))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return m
}

func mod(p string) changes.Change { return changes.Change{Status: changes.Modified, Path: p} }
func add(p string) changes.Change { return changes.Change{Status: changes.Added, Path: p} }
func del(p string) changes.Change { return changes.Change{Status: changes.Deleted, Path: p} }
func ren(from, to string) changes.Change {
	return changes.Change{Status: changes.Renamed, Path: to, OldPath: from}
}
func cp(from, to string) changes.Change {
	return changes.Change{Status: changes.Copied, Path: to, OldPath: from}
}

func file(path, pattern string) selection.Reason {
	return selection.Reason{Kind: selection.ReasonFile, File: path, Pattern: pattern}
}
func dep(name string) selection.Reason { return selection.Reason{Kind: selection.ReasonDep, Dep: name} }
func global(path, pattern string) selection.Reason {
	return selection.Reason{Kind: selection.ReasonGlobal, File: path, Pattern: pattern}
}

type selectCase struct {
	name     string
	changes  []changes.Change
	selected []string
	// Optional expectations, per target name.
	reasons  map[string][]selection.Reason
	changed  map[string][]string
	rejected map[string][]selection.Rejection
	unowned  []string
}

var selectCases = []selectCase{
	{
		name:     "nothing changed selects nothing",
		changes:  nil,
		selected: nil,
	},
	{
		name:     "a file selects the target that owns it",
		changes:  []changes.Change{mod("c/main.go")},
		selected: []string{"a", "b", "c", "d", "e"},
		reasons:  map[string][]selection.Reason{"c": {file("c/main.go", "c/**")}},
		changed:  map[string][]string{"c": {"c/main.go"}},
	},
	{
		name:     "deps are followed to dependents, transitively (c -> b -> a)",
		changes:  []changes.Change{mod("c/x.go")},
		selected: []string{"a", "b", "c", "d", "e"},
		reasons: map[string][]selection.Reason{
			"a": {dep("b")},
			"b": {dep("c")},
			"e": {dep("c")},
			"d": {dep("b"), dep("e")},
		},
		changed: map[string][]string{"a": {"c/x.go"}, "b": {"c/x.go"}, "d": {"c/x.go"}},
	},
	{
		name:     "deps are not followed backwards: a change in a selects a only",
		changes:  []changes.Change{mod("a/x.go")},
		selected: []string{"a"},
		reasons:  map[string][]selection.Reason{"a": {file("a/x.go", "a/**")}, "b": nil, "c": nil},
		changed:  map[string][]string{"a": {"a/x.go"}, "b": {}, "c": {}},
	},
	{
		name:     "a change in the middle selects it and its dependents, not its deps",
		changes:  []changes.Change{mod("b/x.go")},
		selected: []string{"a", "b", "d"},
		changed:  map[string][]string{"a": {"b/x.go"}, "d": {"b/x.go"}, "c": {}, "e": {}},
	},
	{
		name:     "Changed lists own files and those of every dep that selected the target, sorted and unique",
		changes:  []changes.Change{mod("d/z.go"), mod("e/y.go"), mod("c/x.go"), mod("b/w.go")},
		selected: []string{"a", "b", "c", "d", "e"},
		reasons: map[string][]selection.Reason{
			"d": {file("d/z.go", "d/**"), dep("b"), dep("e")},
			"b": {file("b/w.go", "b/**"), dep("c")},
		},
		changed: map[string][]string{
			"d": {"b/w.go", "c/x.go", "d/z.go", "e/y.go"},
			"b": {"b/w.go", "c/x.go"},
			"a": {"b/w.go", "c/x.go"},
			"e": {"c/x.go", "e/y.go"},
			"c": {"c/x.go"},
		},
	},
	{
		name:     "include and exclude: membership does not depend on their order",
		changes:  []changes.Change{mod("src/main.go")},
		selected: []string{"md1", "md2"},
		reasons:  map[string][]selection.Reason{"md1": {file("src/main.go", "src/**")}, "md2": {file("src/main.go", "src/**")}},
	},
	{
		name:     "an excluded file selects neither order, and the rejection is recorded",
		changes:  []changes.Change{mod("src/README.md")},
		selected: nil,
		rejected: map[string][]selection.Rejection{
			"md1": {{File: "src/README.md", Pattern: "src/**", By: "!**/*.md"}},
			"md2": {{File: "src/README.md", Pattern: "src/**", By: "!**/*.md"}},
		},
		unowned: []string{"src/README.md"},
	},
	{
		name:     "an exclude alone never selects: a .md outside src/ is not claimed by md1",
		changes:  []changes.Change{mod("notes/todo.md")},
		selected: nil,
		rejected: map[string][]selection.Rejection{"md1": nil, "md2": nil},
		unowned:  []string{"notes/todo.md"},
	},
	{
		name:     "an exclude deep in the tree rejects, other files still select",
		changes:  []changes.Change{mod("services/api/docs/a.md"), mod("services/api/main.go")},
		selected: []string{"api"},
		reasons:  map[string][]selection.Reason{"api": {file("services/api/main.go", "services/api/**")}},
		changed:  map[string][]string{"api": {"services/api/main.go"}},
		rejected: map[string][]selection.Rejection{"api": {{File: "services/api/docs/a.md", Pattern: "services/api/**", By: "!services/api/**/*.md"}}},
		unowned:  []string{"services/api/docs/a.md"},
	},
	{
		name:     "a rename counts at its new path",
		changes:  []changes.Change{ren("elsewhere/x.go", "c/x.go")},
		selected: []string{"a", "b", "c", "d", "e"},
		changed:  map[string][]string{"c": {"c/x.go"}},
		unowned:  []string{"elsewhere/x.go"},
	},
	{
		name:     "a rename out of a target's directory still selects it (old path)",
		changes:  []changes.Change{ren("a/x.go", "moved/x.go")},
		selected: []string{"a"},
		reasons:  map[string][]selection.Reason{"a": {file("a/x.go", "a/**")}},
		changed:  map[string][]string{"a": {"a/x.go"}},
		unowned:  []string{"moved/x.go"},
	},
	{
		name:     "a rename between two targets selects both",
		changes:  []changes.Change{ren("a/x.go", "services/api/x.go")},
		selected: []string{"a", "api"},
	},
	{
		name:     "a copy counts at its new path only (its source is untouched)",
		changes:  []changes.Change{cp("a/x.go", "copies/x.go")},
		selected: nil,
		unowned:  []string{"copies/x.go"},
	},
	{
		name:     "a deleted file selects its target",
		changes:  []changes.Change{del("c/gone.go")},
		selected: []string{"a", "b", "c", "d", "e"},
		reasons:  map[string][]selection.Reason{"c": {file("c/gone.go", "c/**")}},
	},
	{
		name:     "an added file selects its target",
		changes:  []changes.Change{add("services/api/new.go")},
		selected: []string{"api"},
	},
	{
		name:     "a global file selects every target with a global reason",
		changes:  []changes.Change{mod("ci/go.jsonnet")},
		selected: allTargets,
		reasons: map[string][]selection.Reason{
			"a":   {global("ci/go.jsonnet", "ci/**")},
			"api": {global("ci/go.jsonnet", "ci/**")},
			"md1": {global("ci/go.jsonnet", "ci/**")},
		},
		changed: map[string][]string{"a": {"ci/go.jsonnet"}, "c": {"ci/go.jsonnet"}, "md2": {"ci/go.jsonnet"}},
	},
	{
		name:     "global reasons come after file and dep reasons; Changed merges both",
		changes:  []changes.Change{mod("generate-config.jsonnet"), mod("c/x.go")},
		selected: allTargets,
		reasons: map[string][]selection.Reason{
			"c": {file("c/x.go", "c/**"), global("generate-config.jsonnet", "generate-config.jsonnet")},
			"b": {dep("c"), global("generate-config.jsonnet", "generate-config.jsonnet")},
		},
		changed: map[string][]string{
			"b":   {"c/x.go", "generate-config.jsonnet"},
			"api": {"generate-config.jsonnet"},
		},
	},
	{
		name:     "a global exclude keeps a file from selecting everything",
		changes:  []changes.Change{mod("ci/README.md")},
		selected: nil,
		unowned:  []string{"ci/README.md"},
	},
	{
		name:     "unowned files are listed, sorted and once",
		changes:  []changes.Change{mod("zz.txt"), mod("LICENSE"), mod("c/x.go"), mod("zz.txt")},
		selected: []string{"a", "b", "c", "d", "e"},
		unowned:  []string{"LICENSE", "zz.txt"},
	},
}

func TestSelect(t *testing.T) {
	m := decode(t, testManifest)
	for _, c := range selectCases {
		t.Run(c.name, func(t *testing.T) {
			res := selection.Select(m, changes.Resolution{Changes: c.changes})
			checkResult(t, res, c)
		})
	}
}

func checkResult(t *testing.T, res *selection.Result, c selectCase) {
	t.Helper()
	if res.All {
		t.Errorf("All = true for an explicit change list")
	}
	var names []string
	for _, tg := range res.Targets {
		names = append(names, tg.Name)
	}
	if !slices.Equal(names, allTargets) {
		t.Errorf("Targets = %q, want every target in name order %q", names, allTargets)
	}
	if got := res.Selected(); !slices.Equal(got, c.selected) {
		t.Errorf("Selected() = %q, want %q", got, c.selected)
	}
	for _, tg := range res.Targets {
		if tg.Selected != slices.Contains(c.selected, tg.Name) {
			t.Errorf("%s: Selected = %v", tg.Name, tg.Selected)
		}
		if tg.Selected != (len(tg.Reasons) > 0) {
			t.Errorf("%s: Selected = %v but reasons %+v", tg.Name, tg.Selected, tg.Reasons)
		}
		if tg.Changed == nil {
			t.Errorf("%s: Changed is nil; it must be a list (JSON [])", tg.Name)
		}
		if !tg.Selected && len(tg.Changed) > 0 {
			t.Errorf("%s: not selected but Changed = %q", tg.Name, tg.Changed)
		}
		if want, ok := c.reasons[tg.Name]; ok && !reflect.DeepEqual(tg.Reasons, want) {
			t.Errorf("%s: Reasons = %+v, want %+v", tg.Name, tg.Reasons, want)
		}
		if want, ok := c.changed[tg.Name]; ok && !slices.Equal(tg.Changed, want) {
			t.Errorf("%s: Changed = %q, want %q", tg.Name, tg.Changed, want)
		}
		if want, ok := c.rejected[tg.Name]; ok && !reflect.DeepEqual(tg.Rejected, want) {
			t.Errorf("%s: Rejected = %+v, want %+v", tg.Name, tg.Rejected, want)
		}
	}
	if !slices.Equal(res.Unowned, c.unowned) {
		t.Errorf("Unowned = %q, want %q", res.Unowned, c.unowned)
	}
}

func TestSelectAll(t *testing.T) {
	m := decode(t, testManifest)
	res := selection.Select(m, changes.Resolution{All: true, Reason: "no merge base in the clone", Changes: []changes.Change{mod("c/x.go")}})
	if !res.All {
		t.Errorf("All = false")
	}
	if got := res.Selected(); !slices.Equal(got, allTargets) {
		t.Errorf("Selected() = %q, want every target", got)
	}
	want := []selection.Reason{{Kind: selection.ReasonAll, Detail: "no merge base in the clone"}}
	for _, tg := range res.Targets {
		if !reflect.DeepEqual(tg.Reasons, want) {
			t.Errorf("%s: Reasons = %+v, want %+v", tg.Name, tg.Reasons, want)
		}
		if tg.Changed == nil {
			t.Errorf("%s: Changed is nil", tg.Name)
		}
	}
	if len(res.Unowned) != 0 {
		t.Errorf("Unowned = %q with All", res.Unowned)
	}
}

// TestSelectDeterministic shuffles (and duplicates) the change list: the
// result, down to its JSON, must not change.
func TestSelectDeterministic(t *testing.T) {
	m := decode(t, testManifest)
	base := []changes.Change{
		mod("c/x.go"), ren("a/old.go", "moved/new.go"), del("services/api/gone.go"),
		mod("services/api/README.md"), mod("src/main.go"), mod("src/doc.md"), mod("LICENSE"),
		mod("ci/a.yml"), mod("b/y.go"), add("e/z.go"), cp("d/q.go", "copies/q.go"),
	}
	want, err := json.Marshal(selection.Select(m, changes.Resolution{Changes: base}))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 50 {
		cs := slices.Clone(base)
		if i%2 == 1 {
			cs = append(cs, base[r.IntN(len(base))])
		}
		r.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
		got, err := json.Marshal(selection.Select(m, changes.Resolution{Changes: cs}))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("order %v gives\n%s\nwant\n%s", cs, got, want)
		}
	}
}

// TestSelectGlobalOnlyExcludes: a global list of excludes alone selects
// nothing (an exclude never widens a set).
func TestSelectGlobalOnlyExcludes(t *testing.T) {
	m := decode(t, `{"global": ["!**/*.md"], "targets": {"x": {"paths": ["x/**"], "template": "t.jsonnet"}}}`)
	res := selection.Select(m, changes.Resolution{Changes: []changes.Change{mod("y/a.go"), mod("y/b.md")}})
	if got := res.Selected(); len(got) != 0 {
		t.Errorf("Selected() = %q, want none", got)
	}
	if !slices.Equal(res.Unowned, []string{"y/a.go", "y/b.md"}) {
		t.Errorf("Unowned = %q", res.Unowned)
	}
}

// TestSelectDiscovered: discovered targets select like explicit ones, and a
// directory name with glob metacharacters matches only itself.
func TestSelectDiscovered(t *testing.T) {
	js := `{"discover": [{"glob": "services/*", "template": "t.jsonnet", "exclude": ["**/*.md"]}]}`
	repo := fstest.MapFS{
		"t.jsonnet":                   {Data: []byte("function(ctx) {}")},
		"services/svc[1]/main.go":     {},
		"services/svc1/main.go":       {},
		"services/{x,y}/main.go":      {},
		"services/x/main.go":          {},
		"services/svc[1]/sub/deep.go": {},
	}
	m, err := manifest.Decode(repo, "generate-config.jsonnet", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want []string
	}{
		{"services/svc[1]/main.go", []string{"services/svc[1]"}},
		{"services/svc[1]/sub/deep.go", []string{"services/svc[1]"}},
		{"services/svc1/main.go", []string{"services/svc1"}},
		{"services/{x,y}/main.go", []string{"services/{x,y}"}},
		{"services/x/main.go", []string{"services/x"}},
		{"services/x/README.md", nil},
	} {
		res := selection.Select(m, changes.Resolution{Changes: []changes.Change{mod(c.path)}})
		if got := res.Selected(); !slices.Equal(got, c.want) {
			t.Errorf("%s selects %q, want %q", c.path, got, c.want)
		}
	}
}
