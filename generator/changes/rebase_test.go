package changes

import (
	"slices"
	"strings"
	"testing"
)

// rebase maps top-level paths onto a subdirectory root; a rename across
// its boundary is the addition or deletion it is inside.
func TestRebase(t *testing.T) {
	r := &resolver{prefix: "mono/"}
	got := r.rebase([]Change{
		{Status: Modified, Path: "mono/a.go"},
		{Status: Modified, Path: "other/b.go"},
		{Status: Renamed, Path: "mono/new.go", OldPath: "mono/old.go"},
		{Status: Renamed, Path: "mono/in.go", OldPath: "elsewhere/in.go"},
		{Status: Renamed, Path: "elsewhere/out.go", OldPath: "mono/out.go"},
		{Status: Renamed, Path: "x/2.go", OldPath: "x/1.go"},
		{Status: Deleted, Path: "mono/gone.go"},
		{Status: Modified, Path: "monolith/c.go"}, // a sibling sharing the prefix's letters
	})
	want := []Change{
		{Status: Modified, Path: "a.go"},
		{Status: Renamed, Path: "new.go", OldPath: "old.go"},
		{Status: Added, Path: "in.go"},
		{Status: Deleted, Path: "out.go"},
		{Status: Deleted, Path: "gone.go"},
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
	if same := (&resolver{}).rebase([]Change{{Status: Modified, Path: "a/b"}}); !slices.Equal(same, []Change{{Status: Modified, Path: "a/b"}}) {
		t.Errorf("at the top level, paths must not change: %+v", same)
	}
}
