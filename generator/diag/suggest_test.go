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
