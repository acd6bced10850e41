package fromgit

import (
	"slices"
	"strings"
	"testing"

	"gitlab.com/generate-config/generate-config/generator/changes"
)

// rebase maps top-level paths onto a subdirectory root; a rename across
// its boundary is the addition or deletion it is inside.
func TestRebase(t *testing.T) {
	r := &resolver{prefix: "mono/"}
	got := r.rebase([]changes.Change{
		{Status: changes.Modified, Path: "mono/a.go"},
		{Status: changes.Modified, Path: "other/b.go"},
		{Status: changes.Renamed, Path: "mono/new.go", OldPath: "mono/old.go"},
		{Status: changes.Renamed, Path: "mono/in.go", OldPath: "elsewhere/in.go"},
		{Status: changes.Renamed, Path: "elsewhere/out.go", OldPath: "mono/out.go"},
		{Status: changes.Renamed, Path: "x/2.go", OldPath: "x/1.go"},
		{Status: changes.Deleted, Path: "mono/gone.go"},
		{Status: changes.Modified, Path: "monolith/c.go"}, // a sibling sharing the prefix's letters
	})
	want := []changes.Change{
		{Status: changes.Modified, Path: "a.go"},
		{Status: changes.Renamed, Path: "new.go", OldPath: "old.go"},
		{Status: changes.Added, Path: "in.go"},
		{Status: changes.Deleted, Path: "out.go"},
		{Status: changes.Deleted, Path: "gone.go"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("rebase = %+v\nwant %+v", got, want)
	}
	trace := strings.Join(r.res.Trace, "\n")
	for _, p := range []string{"other/b.go", "x/2.go", "monolith/c.go"} {
		if !strings.Contains(trace, p) {
			t.Errorf("trace does not name %s, which is outside mono:\n%s", p, trace)
		}
	}
	if same := (&resolver{}).rebase([]changes.Change{{Status: changes.Modified, Path: "a/b"}}); !slices.Equal(same, []changes.Change{{Status: changes.Modified, Path: "a/b"}}) {
		t.Errorf("at the top level, paths must not change: %+v", same)
	}
}
