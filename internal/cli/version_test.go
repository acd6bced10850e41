package cli

import (
	"runtime/debug"
	"testing"
)

// TestVersionFromBuildInfo covers the builds that carry no -ldflags version:
// `go install module@version`, `go build` in a git checkout (tagged,
// untagged, with local changes) and a build without any VCS information.
func TestVersionFromBuildInfo(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "c6d0165a1b2c3d4e5f60718293a4b5c6d7e8f901"
	for _, tc := range []struct {
		name     string
		main     string
		settings []debug.BuildSetting
		want     string
	}{
		{"go install @tag", "v0.3.0", nil, "v0.3.0"},
		{"go build at a tag", "v0.3.0", vcs(rev, "false"), "v0.3.0"},
		{"go build after a tag, dirty", "v0.3.1-0.20261129231500-c6d0165a1b2c+dirty", vcs(rev, "true"), "v0.3.1-0.20261129231500-c6d0165a1b2c+dirty"},
		{"devel with revision", "(devel)", vcs(rev, "false"), "devel-c6d0165a1b2c"},
		{"devel with revision, dirty", "(devel)", vcs(rev, "true"), "devel-c6d0165a1b2c-dirty"},
		{"short revision", "", vcs("abc", "false"), "devel-abc"},
		{"nothing known", "(devel)", nil, "dev"},
		{"empty", "", nil, "dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bi := &debug.BuildInfo{Main: debug.Module{Path: "gitlab.com/generate-config/generate-config", Version: tc.main}, Settings: tc.settings}
			if got := versionFromBuildInfo(bi); got != tc.want {
				t.Errorf("versionFromBuildInfo = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestVersionLdflagsWins: a version set with -ldflags -X is printed as it is.
func TestVersionLdflagsWins(t *testing.T) {
	old := Version
	t.Cleanup(func() { Version = old })
	Version = "v1.2.3"
	if got := version(); got != "v1.2.3" {
		t.Errorf("version() = %q, want v1.2.3", got)
	}
}
