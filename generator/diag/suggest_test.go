package diag

import "testing"

func TestClosest(t *testing.T) {
	known := []string{"targets", "stages", "global", "script", "stage"}
	for _, tc := range []struct{ word, want string }{
		{"tragets", "targets"}, // transposition: distance 2
		{"Targets", "targets"}, // case-insensitive
		{"scirpt", "script"},
		{"stag", "stage"},
		{"zzzzzz", ""},    // nothing near
		{"variables", ""}, // far from every candidate
		{"stagess", "stages"},
	} {
		if got := Closest(tc.word, known); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

// The three typos of issue 8, bug 6, and the cases around them.
func TestDidYouMean(t *testing.T) {
	targets := []string{"libs/auth", "libs/core", "services/api"}
	limits := []string{"maxFileBytes", "maxNeeds", "maxParallel"}
	keys := []string{"deps", "matrix", "paths", "template"}
	for _, tc := range []struct {
		word       string
		candidates []string
		want       string
	}{
		{"pahts", keys, ` (did you mean "paths"?)`},
		{"libs/coer", targets, ` (did you mean "libs/core"?)`},
		{"core", targets, ` (did you mean "libs/core"?)`},
		{"maxNeed", limits, ` (did you mean "maxNeeds"?)`},
		{"Libs/Core", targets, ` (did you mean "libs/core"?)`},
		{"libs/cor", []string{"libs/core", "libs/corn"}, ` (did you mean "libs/core" or "libs/corn"?)`},
		{"xy", keys, ""}, // too short for any guess
		{"libs/zzzz", targets, ""},
		{"deps", keys, ""}, // the word itself is no suggestion
	} {
		if got := DidYouMean(tc.word, tc.candidates); got != tc.want {
			t.Errorf("DidYouMean(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}
