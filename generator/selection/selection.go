// Package selection is the second step of the data path: from the changed
// paths to the targets they affect, each with the reasons it was selected
// (changed file → pattern → dependency edge → global path → fallback), the
// structure that explain, preview --format json and the summary all read.
package selection

import (
	"sort"

	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/manifest"
)

// Reason kinds.
const (
	ReasonFile   = "file"   // a changed file belongs to the target
	ReasonDep    = "dep"    // a dependency of the target is selected
	ReasonGlobal = "global" // a changed file matches a global pattern
	ReasonAll    = "all"    // everything is selected (--all, or a base that cannot be known)
	// ReasonUnowned: a changed file no target owns selected everything,
	// because the manifest says unowned: 'all'.
	ReasonUnowned = "unowned"
)

// Reason is one cause of a selection.
type Reason struct {
	Kind    string `json:"kind"`
	File    string `json:"file,omitempty"`
	Pattern string `json:"pattern,omitempty"`
	Dep     string `json:"dep,omitempty"`
	// Origin says where an inferred dependency edge comes from
	// ("services/api/go.mod:7 requires example.com/libs/auth (...)").
	Origin string `json:"origin,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Dep is one dependency edge of a target with where it comes from: "deps"
// (the manifest), an inferrer's file and line, or both.
type Dep struct {
	Name   string `json:"name"`
	Origin string `json:"origin"`
}

// Rejection records a changed file that an include pattern matched but an
// exclude pattern rejected: the first thing to look at when a target is
// unexpectedly not selected.
type Rejection struct {
	File    string `json:"file"`
	Pattern string `json:"pattern"`
	By      string `json:"excluded_by"`
}

// Target is the verdict for one target.
type Target struct {
	Name     string      `json:"name"`
	Selected bool        `json:"selected"`
	Reasons  []Reason    `json:"reasons,omitempty"`
	Rejected []Rejection `json:"rejected,omitempty"`
	// Changed are the changed files that selected the target: its own,
	// those of the dependencies that selected it, or the global files.
	Changed []string `json:"changed"`
	// Deps are the target's direct dependencies, explicit and inferred.
	Deps []Dep `json:"deps,omitempty"`
}

// Result is the selection for every target of the manifest, in name order.
type Result struct {
	All     bool      `json:"all"`
	Targets []*Target `json:"targets"`
	// Unowned are changed files no target, no global pattern and no
	// ignore pattern claims.
	Unowned []string `json:"unowned,omitempty"`
	// Ignored are changed files no target owns that an ignore pattern
	// says need no build.
	Ignored []string `json:"ignored,omitempty"`
}

// Selected returns the names of the selected targets, sorted.
func (r *Result) Selected() []string {
	var out []string
	for _, t := range r.Targets {
		if t.Selected {
			out = append(out, t.Name)
		}
	}
	return out
}

// Select applies the selection rules of the README to the change set.
func Select(m *manifest.Manifest, res changes.Resolution) *Result {
	return selectWith(m, res, matchIndexed)
}

// selectWith is Select with the way paths are matched to targets given:
// the tests run it with the straightforward all-pairs matcher to prove
// that matchIndexed changes no result.
func selectWith(m *manifest.Manifest, res changes.Resolution, match matcher) *Result {
	out := &Result{All: res.All}
	byName := make(map[string]*Target, len(m.Targets))
	for _, mt := range m.Targets {
		t := &Target{Name: mt.Name, Changed: []string{}}
		for _, d := range mt.Deps {
			t.Deps = append(t.Deps, Dep{Name: d, Origin: mt.DepOrigin(d)})
		}
		byName[mt.Name] = t
		out.Targets = append(out.Targets, t)
	}
	if res.All {
		reason := Reason{Kind: ReasonAll, Detail: res.Reason}
		for _, t := range out.Targets {
			t.Selected = true
			t.Reasons = []Reason{reason}
		}
		return out
	}
	paths := changes.Paths(res.Changes)

	global := CompileSet(m.Global)
	var globalReasons []Reason
	var globalFiles []string
	owned := make([]bool, len(paths)) // by index into paths, which are unique
	for i, p := range paths {
		if v := global.Test(p); v.Included {
			globalReasons = append(globalReasons, Reason{Kind: ReasonGlobal, File: p, Pattern: v.Pattern})
			globalFiles = append(globalFiles, p)
			owned[i] = true
		}
	}

	// direct: each target's own changed files, in path order; by index
	// into m.Targets (and out.Targets, which has the same order).
	direct := make([][]string, len(m.Targets))
	index := make(map[string]int, len(m.Targets))
	sets := make([]Set, len(m.Targets))
	for i, mt := range m.Targets {
		index[mt.Name] = i
		sets[i] = CompileSet(mt.Paths)
	}
	// Collect the hits first, so that each target's reasons, files and
	// rejections can be cut from three shared arrays at their exact sizes
	// instead of growing 10,000 slices one append at a time. Each sub-slice
	// is capped at its size, so a later append (a dep or global reason)
	// copies instead of writing into the next target's part.
	type hit struct {
		target, path int
		v            Verdict
	}
	hits := make([]hit, 0, len(paths)) // a guess: most paths belong to one target
	match(sets, paths, func(i, j int, v Verdict) { hits = append(hits, hit{i, j, v}) })
	nInc, nRej := make([]int, len(sets)), make([]int, len(sets))
	totalInc, totalRej := 0, 0
	for _, h := range hits {
		if h.v.Included {
			nInc[h.target]++
			totalInc++
		} else {
			nRej[h.target]++
			totalRej++
		}
	}
	reasons, files, rejected := make([]Reason, totalInc), make([]string, totalInc), make([]Rejection, totalRej)
	for i, t := range out.Targets {
		if n := nInc[i]; n > 0 {
			t.Reasons, reasons = reasons[:0:n], reasons[n:]
			direct[i], files = files[:0:n], files[n:]
		}
		if n := nRej[i]; n > 0 {
			t.Rejected, rejected = rejected[:0:n], rejected[n:]
		}
	}
	for _, h := range hits {
		t, p := out.Targets[h.target], paths[h.path]
		if h.v.Included {
			t.Reasons = append(t.Reasons, Reason{Kind: ReasonFile, File: p, Pattern: h.v.Pattern})
			direct[h.target] = append(direct[h.target], p)
			owned[h.path] = true
			t.Selected = true
		} else {
			t.Rejected = append(t.Rejected, Rejection{File: p, Pattern: h.v.Pattern, By: h.v.By})
		}
	}

	// Dependents: a target is selected when any of its deps is, transitively.
	// Walk in dependency order so a dependent's files include what selected
	// each dependency (the graph is acyclic: the manifest checked it).
	for _, name := range topoOrder(m) {
		t := byName[name]
		files := direct[index[name]] // not used after this: no copy needed
		for _, d := range m.Target(name).Deps {
			dt := byName[d]
			if dt.Selected {
				t.Selected = true
				r := Reason{Kind: ReasonDep, Dep: d}
				if o := m.Target(name).DepOrigin(d); o != "deps" {
					r.Origin = o
				}
				t.Reasons = append(t.Reasons, r)
				files = append(files, dt.Changed...)
			}
		}
		t.Changed = uniqueSorted(files)
	}

	if len(globalReasons) > 0 {
		for _, t := range out.Targets {
			t.Selected = true
			t.Reasons = append(t.Reasons, globalReasons...)
			t.Changed = uniqueSorted(append(t.Changed, globalFiles...))
		}
	}
	ignore := CompileSet(m.Ignore)
	for i, p := range paths {
		switch {
		case owned[i]:
		case ignore.Test(p).Included:
			out.Ignored = append(out.Ignored, p)
		default:
			out.Unowned = append(out.Unowned, p)
		}
	}
	if m.Unowned == manifest.UnownedAll && len(out.Unowned) > 0 {
		// Safe over fast: a file nobody owns might affect anything.
		for _, t := range out.Targets {
			t.Selected = true
			for _, p := range out.Unowned {
				t.Reasons = append(t.Reasons, Reason{Kind: ReasonUnowned, File: p, Detail: "no target owns it and the manifest says unowned: 'all'"})
			}
			t.Changed = uniqueSorted(append(t.Changed, out.Unowned...))
		}
	}
	return out
}

// topoOrder lists targets so that every target comes after its deps, ties
// broken by name, so the walk is the same on every run.
func topoOrder(m *manifest.Manifest) []string {
	var order []string
	done := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if done[n] {
			return
		}
		done[n] = true
		for _, d := range m.Target(n).Deps {
			visit(d)
		}
		order = append(order, n)
	}
	for _, t := range m.Targets {
		visit(t.Name)
	}
	return order
}

func uniqueSorted(s []string) []string {
	if len(s) == 0 {
		return []string{}
	}
	if !sort.StringsAreSorted(s) { // often already is: one target's own files
		sort.Strings(s)
	}
	out := s[:1]
	for _, x := range s[1:] {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}
