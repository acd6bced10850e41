// Package changes is the first step of the data path: which paths changed, and
// against which base. It holds the types every later step reads, and the
// parsing of change lists given by hand. The git resolver that fills them
// inside a GitLab pipeline is generator/changes/fromgit, a package of its
// own so that the steps reading a Resolution (selection, evaluate) do not
// depend on git.
package changes

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Status is git's one-letter change status (A, M, D, R, C, T, U, X).
type Status string

const (
	Added    Status = "A"
	Modified Status = "M"
	Deleted  Status = "D"
	Renamed  Status = "R"
	Copied   Status = "C"
	TypeChg  Status = "T"
)

// Change is one changed path. For renames and copies OldPath is the source.
type Change struct {
	Status  Status `json:"status"`
	Path    string `json:"path"`
	OldPath string `json:"old_path,omitempty"`
}

// Resolution is the answer of change detection: either a list of changes
// between Base and Head, or All (select everything) with the Reason why.
// Rule names the decision that chose the base, for logs and the file header.
type Resolution struct {
	Base    string   `json:"base,omitempty"`
	Head    string   `json:"head,omitempty"`
	Rule    string   `json:"rule"`
	All     bool     `json:"all"`
	Reason  string   `json:"reason,omitempty"`
	Changes []Change `json:"changes"`
	// Trace is the resolver's decision trace, one step per line, shown by
	// `generate-config changed` and in the log.
	Trace []string `json:"trace,omitempty"`
	// Source is CI_PIPELINE_SOURCE when the resolver ran in a pipeline.
	Source string `json:"source,omitempty"`
	// Vars are the CI variables the resolver read, in the order it read them.
	Vars []Var `json:"variables,omitempty"`
	// Fetches are the network git commands run to find the base.
	Fetches []Fetch `json:"fetches,omitempty"`
}

// Paths returns every path a change counts at — a rename at its old and its
// new path, a copy at its new path only (its source is untouched), a deletion
// at its path — sorted and unique, so the result does not depend on the order
// the changes were listed in.
func Paths(cs []Change) []string {
	seen := make(map[string]struct{}, len(cs))
	out := make([]string, 0, len(cs))
	add := func(p string) {
		if p == "" {
			return
		}
		if _, ok := seen[p]; !ok {
			seen[p] = struct{}{}
			out = append(out, p)
		}
	}
	for _, c := range cs {
		add(c.Path)
		if c.Status == Renamed { // a copy leaves its source untouched
			add(c.OldPath)
		}
	}
	sort.Strings(out)
	return out
}

// Explicit builds a Resolution from paths given on the command line.
func Explicit(paths []string, rule string) Resolution {
	cs := make([]Change, 0, len(paths))
	for _, p := range paths {
		cs = append(cs, Change{Status: Modified, Path: p})
	}
	return Resolution{Rule: rule, Changes: cs}
}

// ParseList reads a list of changed paths: NUL-separated when the input holds
// a NUL byte (what `git diff --name-only -z` prints, the only form that keeps
// every possible file name intact), otherwise one path per line ("\r\n" is
// accepted for files edited on Windows, and so is a leading UTF-8 byte-order
// mark, which would otherwise glue itself to the first path and keep it from
// matching anything). Empty entries are skipped. In the
// line form a path with backslashes is rejected (see CheckPath); the NUL form
// is git's exact output, where a backslash is a legal file-name character.
func ParseList(r io.Reader) ([]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var parts []string
	exact := bytes.IndexByte(data, 0) >= 0
	if exact {
		for _, p := range bytes.Split(data, []byte{0}) {
			parts = append(parts, string(p))
		}
		// `git diff -z …; echo` or a here-string leaves a newline after the
		// last NUL: it would be a file named "\n".
		if last := parts[len(parts)-1]; len(parts) > 1 && strings.Trim(last, "\r\n") == "" && last != "" {
			return nil, fmt.Errorf("entry %d: a newline after the last NUL; a NUL-separated list ends with NUL (or nothing), not a newline: drop the trailing newline (an echo or a here-string adds it)", len(parts))
		}
	} else {
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		sc := bufio.NewScanner(bytes.NewReader(data))
		// The whole list is in memory already: a line may be as long.
		sc.Buffer(make([]byte, 64*1024), len(data)+1)
		for sc.Scan() {
			parts = append(parts, strings.TrimSuffix(sc.Text(), "\r"))
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	out := parts[:0]
	for i, p := range parts {
		if p == "" {
			continue
		}
		if err := checkPath(p, !exact); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// CheckPath rejects paths, typed by a person, that cannot name a file in the
// repository the way git prints it: absolute, with . and .. segments, or with
// backslashes. GitLab and git use '/', and a silently unmatched Windows path
// would build too little; a file whose name really holds a backslash can be
// passed NUL-separated through --changed-from.
func CheckPath(p string) error { return checkPath(p, true) }

func checkPath(p string, rejectBackslash bool) error {
	switch {
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("changed path %q is absolute; give it relative to the repository root", p)
	case rejectBackslash && strings.Contains(p, `\`):
		return fmt.Errorf("changed path %q uses '\\'; git and GitLab paths use '/'", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." || seg == "" {
			return fmt.Errorf("changed path %q is not a clean repository path (no '.', '..' or empty segments)", p)
		}
	}
	return nil
}

// Var is one environment variable the resolver read.
type Var struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Set   bool   `json:"set"`
}

// Fetch is one network git command the resolver ran.
type Fetch struct {
	Command  string        `json:"command"`
	Reason   string        `json:"reason"`
	Duration time.Duration `json:"-"`
	Err      string        `json:"error,omitempty"`
}

func (f Fetch) MarshalJSON() ([]byte, error) {
	type plain Fetch
	return json.Marshal(struct {
		plain
		DurationMS int64 `json:"duration_ms"`
	}{plain(f), f.Duration.Milliseconds()})
}
