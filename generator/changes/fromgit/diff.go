package fromgit

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"gitlab.com/generate-config/generate-config/generator/changes"
)

// diffArgs are the options of every `git diff` the resolver runs. Each one is
// explicit so that no user or repository config can change what is parsed:
// -z keeps every file name byte for byte; -M pairs renames (both paths count);
// --no-ext-diff and --no-textconv keep external tools out;
// --ignore-submodules=none makes a submodule pointer change count at the
// submodule path even when diff.ignoreSubmodules or .gitmodules says
// otherwise; diff.relative=false keeps paths relative to the repository root
// (a -c setting rather than --no-relative, which older gits reject).
var diffArgs = []string{
	"-c", "diff.relative=false",
	"diff", "--name-status", "-z", "-M", "--no-color", "--no-ext-diff", "--no-textconv",
	"--ignore-submodules=none",
}

// parseNameStatus reads `git diff --name-status -z` output: records of a
// status field followed by one path, or two (source, destination) for
// renames and copies, every field NUL-terminated.
func parseNameStatus(out []byte) ([]changes.Change, error) {
	fields := bytes.Split(out, []byte{0})
	// The output ends with a NUL, so the last field is empty.
	if n := len(fields); n > 0 && len(fields[n-1]) == 0 {
		fields = fields[:n-1]
	}
	var cs []changes.Change
	for i := 0; i < len(fields); {
		st := string(fields[i])
		if st == "" {
			return nil, fmt.Errorf("unexpected git diff output: empty status field at record %d", len(cs)+1)
		}
		letter := changes.Status(st[:1])
		paths := 1
		if letter == changes.Renamed || letter == changes.Copied {
			paths = 2
		}
		if i+paths >= len(fields) {
			return nil, fmt.Errorf("unexpected git diff output: status %q without its path", st)
		}
		c := changes.Change{Status: letter, Path: string(fields[i+paths])}
		if paths == 2 {
			c.OldPath = string(fields[i+1])
		}
		if c.Path == "" {
			return nil, fmt.Errorf("unexpected git diff output: empty path after status %q", st)
		}
		cs = append(cs, c)
		i += 1 + paths
	}
	return cs, nil
}

// parseNULList reads NUL-terminated paths (`git ls-files -z`).
func parseNULList(out []byte) []string {
	var ps []string
	for _, f := range bytes.Split(out, []byte{0}) {
		if len(f) > 0 {
			// ls-files shows an untracked nested repository as "dir/".
			ps = append(ps, strings.TrimSuffix(string(f), "/"))
		}
	}
	return ps
}

// mergeChanges unions change lists. A path listed more than once keeps its
// first entry, so callers list the most telling source (the commits) first.
// The result is sorted by path, whatever order git printed.
func mergeChanges(lists ...[]changes.Change) []changes.Change {
	seen := map[string]bool{}
	var out []changes.Change
	for _, l := range lists {
		for _, c := range l {
			counted := []string{c.Path}
			if c.Status == changes.Renamed {
				counted = append(counted, c.OldPath)
			}
			fresh := false
			for _, p := range counted {
				fresh = fresh || !seen[p]
				seen[p] = true
			}
			if fresh {
				out = append(out, c)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].OldPath < out[j].OldPath
	})
	return out
}
