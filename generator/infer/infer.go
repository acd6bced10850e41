// Package infer finds dependencies between targets in the files each
// ecosystem already keeps, so that hundreds of hand-written `deps` cannot go
// stale. The manifest turns an inferrer on per ecosystem (infer: { go: true });
// the edges it finds are added to the explicit deps, each with the file and
// line it comes from, which explain prints.
//
// Only Go is built. Another ecosystem (package.json workspaces, Cargo
// workspaces) is another Inferrer: it reads the repository's files, never
// runs a tool, and maps what it finds to targets by their directories.
package infer

import (
	"io/fs"
	"sort"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

// Target is what an inferrer knows about a target: its name and its
// directory (the fixed prefix of its first include pattern, "." at the
// root).
type Target struct {
	Name string
	Dir  string
}

// Edge says that target From depends on target To, and why.
type Edge struct {
	From, To string
	// Pos is the line that makes the edge (a go.mod require).
	Pos diag.Pos
	// Origin says it in words: "services/api/go.mod:7 requires
	// example.com/libs/auth (replace => ../../libs/auth)".
	Origin string
}

// Inferrer finds edges for one ecosystem. Errors are positioned
// (diag.Error): a go.mod that does not parse names its file and line.
type Inferrer interface {
	// Name is the manifest's key under infer ("go").
	Name() string
	Infer(repo fs.FS, targets []Target) ([]Edge, error)
}

// Sort orders edges by From, To, then position, and keeps the first edge of
// each pair: one edge per pair of targets, named by its first line.
func Sort(edges []Edge) []Edge {
	sort.SliceStable(edges, func(i, j int) bool {
		a, b := edges[i], edges[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		return a.Pos.Line < b.Pos.Line
	})
	out := edges[:0]
	for i, e := range edges {
		if i > 0 && e.From == out[len(out)-1].From && e.To == out[len(out)-1].To {
			continue
		}
		out = append(out, e)
	}
	return out
}
