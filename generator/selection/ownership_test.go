package selection_test

import (
	"slices"
	"testing"
	"testing/fstest"

	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/generator/selection"
)

// TestSelectIgnoreAndUnownedAll: ignore patterns take files out of the
// unowned list (but never deselect a target that owns them), and
// unowned: 'all' selects everything with the file as the reason.
func TestSelectIgnoreAndUnownedAll(t *testing.T) {
	m := decode(t, `{"ignore": ["**/*.md"], "targets": {
	  "x": {"paths": ["x/**"], "template": "t.jsonnet"},
	  "y": {"paths": ["y/**"], "template": "t.jsonnet"}}}`)
	if m.Unowned != manifest.UnownedWarn {
		t.Errorf("default policy %q, want warn", m.Unowned)
	}
	res := selection.Select(m, changes.Resolution{Changes: []changes.Change{mod("z/a.go"), mod("README.md"), mod("x/notes.md")}})
	if !slices.Equal(res.Unowned, []string{"z/a.go"}) || !slices.Equal(res.Ignored, []string{"README.md"}) {
		t.Errorf("Unowned = %q, Ignored = %q", res.Unowned, res.Ignored)
	}
	if got := res.Selected(); !slices.Equal(got, []string{"x"}) {
		t.Errorf("Selected() = %q, want x (it owns x/notes.md, ignored or not)", got)
	}

	m.Unowned = manifest.UnownedAll
	res = selection.Select(m, changes.Resolution{Changes: []changes.Change{mod("z/a.go"), mod("x/a.go")}})
	if got := res.Selected(); !slices.Equal(got, []string{"x", "y"}) {
		t.Fatalf("Selected() = %q, want every target", got)
	}
	y := res.Targets[1]
	if len(y.Reasons) != 1 || y.Reasons[0].Kind != selection.ReasonUnowned || y.Reasons[0].File != "z/a.go" {
		t.Errorf("y's reasons: %+v", y.Reasons)
	}
	if !slices.Equal(y.Changed, []string{"z/a.go"}) {
		t.Errorf("y.Changed = %q", y.Changed)
	}
	// Nothing unowned: 'all' changes nothing.
	res = selection.Select(m, changes.Resolution{Changes: []changes.Change{mod("x/a.go"), mod("a.md")}})
	if got := res.Selected(); !slices.Equal(got, []string{"x"}) {
		t.Errorf("Selected() = %q, want x only", got)
	}
}

func TestTreeDeadAndOverlaps(t *testing.T) {
	repo := fstest.MapFS{"t.jsonnet": {Data: []byte("function(ctx) {}")}, "services/api/m.go": {}, "services/web/m.go": {}}
	m, err := manifest.Decode(repo, "generate-config.jsonnet", []byte(`{
	  "targets": {
	    "api": {"paths": ["services/api/**"], "template": "t.jsonnet"},
	    "typo": {"paths": ["lib/core/**"], "template": "t.jsonnet"},
	    "md": {"paths": ["**/*.md", "services/web/**"], "template": "t.jsonnet", "allowOverlap": true},
	    "braces": {"paths": ["{services,tools}/web/*.go"], "template": "t.jsonnet"}
	  },
	  "discover": [{"glob": "services/*", "template": "t.jsonnet"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	tree := selection.NewTree([]string{"services/web/m.go", "services/api/m.go", "services/api/a.md", "libs/core/c.go"})
	var dead []string
	for _, d := range tree.Dead(m) {
		dead = append(dead, d.Name)
	}
	if !slices.Equal(dead, []string{"typo"}) {
		t.Errorf("Dead = %q, want typo", dead)
	}
	got := tree.Overlaps(m)
	want := []selection.Overlap{
		{A: "api", B: "services/api", Files: []string{"services/api/a.md", "services/api/m.go"}},
		{A: "braces", B: "services/web", Files: []string{"services/web/m.go"}},
	}
	if len(got) != len(want) {
		t.Fatalf("Overlaps = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].A != want[i].A || got[i].B != want[i].B || !slices.Equal(got[i].Files, want[i].Files) {
			t.Errorf("Overlaps[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if o := tree.Owned(selection.CompileSet([]string{"services/**", "!**/*.md"})); !slices.Equal(o, []string{"services/api/m.go", "services/web/m.go"}) {
		t.Errorf("Owned = %q", o)
	}
}
