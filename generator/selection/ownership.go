package selection

import (
	"sort"
	"strings"

	"gitlab.com/generate-config/generate-config/generator/manifest"
)

// Tree answers ownership questions about the files of the repository (the
// listing, not the change set): which targets own a file, which targets
// own none, which files two targets own. Files must be repository-relative
// with '/'.
type Tree struct {
	files []string // sorted
}

// NewTree indexes the file listing.
func NewTree(files []string) *Tree {
	s := append([]string(nil), files...)
	sort.Strings(s)
	return &Tree{files: s}
}

// Owned returns the files of the tree that belong to the set (an include
// matches and no exclude does), in order. Only the files that start with
// the literal start of one of a pattern's brace alternatives are tested,
// so a target costs what its own directories hold, not what the repository
// holds.
func (t *Tree) Owned(set Set) []string {
	seen := map[string]bool{}
	var out []string
	for _, inc := range set.Include {
		for _, start := range inc.starts {
			for _, f := range t.under(start) {
				if seen[f] || !inc.Match(f) {
					continue
				}
				if set.Test(f).Included {
					seen[f] = true
					out = append(out, f)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// Matches reports whether any file of the tree belongs to the set.
func (t *Tree) Matches(set Set) bool {
	for _, inc := range set.Include {
		for _, start := range inc.starts {
			for _, f := range t.under(start) {
				if inc.Match(f) && set.Test(f).Included {
					return true
				}
			}
		}
	}
	return false
}

// under returns the files that start with prefix: a run of the sorted list.
func (t *Tree) under(prefix string) []string {
	lo := sort.SearchStrings(t.files, prefix)
	hi := lo + sort.Search(len(t.files)-lo, func(i int) bool { return !strings.HasPrefix(t.files[lo+i], prefix) })
	return t.files[lo:hi]
}

// Dead returns the targets whose paths match no file of the tree, in name
// order: a typo (lib/core/** for libs/core) or a moved directory, which
// would otherwise build nothing and say nothing.
func (t *Tree) Dead(m *manifest.Manifest) []*manifest.Target {
	var out []*manifest.Target
	for _, mt := range m.Targets {
		if !t.Matches(CompileSet(mt.Paths)) {
			out = append(out, mt)
		}
	}
	return out
}

// Overlap is a pair of targets that own the same files.
type Overlap struct {
	A, B  string   // target names, A < B
	Files []string // the shared files, sorted
}

// Overlaps returns the pairs of targets that own a common file, in name
// order. A target with allowOverlap: true takes part in none: its sharing
// is intended (a docs target that owns every *.md, say).
func (t *Tree) Overlaps(m *manifest.Manifest) []Overlap {
	owners := map[string][]string{}
	var order []string
	for _, mt := range m.Targets { // name order, so owners are sorted
		if mt.AllowOverlap {
			continue
		}
		for _, f := range t.Owned(CompileSet(mt.Paths)) {
			if owners[f] == nil {
				order = append(order, f)
			}
			owners[f] = append(owners[f], mt.Name)
		}
	}
	sort.Strings(order)
	byPair := map[[2]string]*Overlap{}
	var out []*Overlap
	for _, f := range order {
		o := owners[f]
		for i := range o {
			for j := i + 1; j < len(o); j++ {
				k := [2]string{o[i], o[j]}
				ov := byPair[k]
				if ov == nil {
					ov = &Overlap{A: o[i], B: o[j]}
					byPair[k] = ov
					out = append(out, ov)
				}
				ov.Files = append(ov.Files, f)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].A != out[j].A {
			return out[i].A < out[j].A
		}
		return out[i].B < out[j].B
	})
	res := make([]Overlap, len(out))
	for i, o := range out {
		res[i] = *o
	}
	return res
}
