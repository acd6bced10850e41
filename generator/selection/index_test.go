package selection

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/manifest"
)

// matchAllPairs is the straightforward matcher: every target against every
// path. It is the reference matchIndexed must agree with.
func matchAllPairs(sets []Set, paths []string, hit func(target, path int, v Verdict)) {
	for t := range sets {
		for p, path := range paths {
			if v := sets[t].Test(path); v.Included || v.Excluded {
				hit(t, p, v)
			}
		}
	}
}

type pairHit struct {
	path int
	v    Verdict
}

// collect runs a matcher and returns each target's hits in the order seen.
func collect(match matcher, sets []Set, paths []string) [][]pairHit {
	out := make([][]pairHit, len(sets))
	match(sets, paths, func(t, p int, v Verdict) { out[t] = append(out[t], pairHit{p, v}) })
	return out
}

// genTargetPatterns builds a random target's patterns: random globs over
// every rule, directory trees, globs under a directory, and excludes, so
// that prefixes are empty, short, long, shared between targets, nested in
// one another, and end inside a segment or before an escape.
func genTargetPatterns(r *rand.Rand) []string {
	var pats []string
	for range 1 + r.IntN(4) {
		var p string
		switch r.IntN(5) {
		case 0:
			p = genPattern(r, allPieces)
		case 1:
			p = genPath(r) + "/**"
		case 2:
			p = genPath(r) + "/" + genPattern(r, agreePieces)
		case 3:
			p = genPath(r) + genPattern(r, allPieces)
		default:
			p = genPath(r)
		}
		if r.IntN(4) == 0 {
			p = "!" + p
		}
		pats = append(pats, p)
	}
	if r.IntN(2) == 0 { // an exclude that often bites
		switch r.IntN(3) {
		case 0:
			pats = append(pats, "!"+strings.TrimPrefix(pats[r.IntN(len(pats))], "!"))
		case 1:
			pats = append(pats, "!**/"+genPattern(r, agreePieces))
		default:
			pats = append(pats, "!"+genPath(r)+"/**")
		}
	}
	return pats
}

// genChangedPaths builds random paths, some made to match the patterns.
func genChangedPaths(r *rand.Rand, pats [][]string, n int) []string {
	var paths []string
	for len(paths) < n {
		path := genPath(r)
		if r.IntN(2) == 0 {
			ps := pats[r.IntN(len(pats))]
			path = likelyPath(strings.TrimPrefix(ps[r.IntN(len(ps))], "!"))
			if r.IntN(3) == 0 {
				path += "/" + genPath(r)
			}
		}
		if cleanPath(path) {
			paths = append(paths, path)
		}
	}
	return paths
}

// TestMatchIndexedAgreesWithAllPairs: on thousands of random target sets
// and change lists, the prefix index finds exactly the hits the all-pairs
// loop finds, with the same verdicts, in the same order for each target.
func TestMatchIndexedAgreesWithAllPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 6))
	hits, included, excluded := 0, 0, 0
	for c := range 3000 {
		nTargets := 1 + r.IntN(12)
		pats := make([][]string, nTargets)
		sets := make([]Set, nTargets)
		for i := range pats {
			pats[i] = genTargetPatterns(r)
			sets[i] = CompileSet(pats[i])
		}
		paths := genChangedPaths(r, pats, 1+r.IntN(20))
		want := collect(matchAllPairs, sets, paths)
		got := collect(matchIndexed, sets, paths)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: targets %q, paths %q:\nindexed   %+v\nall pairs %+v", c, pats, paths, got, want)
		}
		for _, h := range want {
			hits += len(h)
			for _, x := range h {
				if x.v.Included {
					included++
				} else {
					excluded++
				}
			}
		}
	}
	if included < 3000 || excluded < 300 {
		t.Fatalf("the generator is too weak: %d hits, %d included, %d excluded", hits, included, excluded)
	}
}

// TestSelectIndexedAgreesWithAllPairs compares whole selections (reasons,
// rejections, dependencies, global, ignore, unowned) with the indexed and
// the all-pairs matcher on random valid manifests.
func TestSelectIndexedAgreesWithAllPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	valid := func(pats []string) []string {
		out := []string{}
		for _, p := range pats {
			if manifest.CheckPattern(p) == nil {
				out = append(out, p)
			}
		}
		return out
	}
	selected := 0
	for c := range 1000 {
		nTargets := 1 + r.IntN(10)
		targets := map[string]any{}
		var pats [][]string
		for i := range nTargets {
			ps := valid(genTargetPatterns(r))
			if !slices.ContainsFunc(ps, func(p string) bool { return !strings.HasPrefix(p, "!") }) {
				ps = append(ps, genPath(r)+"/**")
			}
			pats = append(pats, ps)
			tg := map[string]any{"paths": ps, "template": "t.jsonnet"}
			if i > 0 && r.IntN(3) == 0 { // deps only on earlier targets: acyclic
				tg["deps"] = []string{fmt.Sprintf("t%02d", r.IntN(i))}
			}
			targets[fmt.Sprintf("t%02d", i)] = tg
		}
		doc := map[string]any{"targets": targets}
		if r.IntN(4) == 0 {
			doc["global"] = valid(genTargetPatterns(r))
		}
		if r.IntN(3) == 0 {
			doc["ignore"] = valid(genTargetPatterns(r))
		}
		if r.IntN(3) == 0 {
			doc["unowned"] = "all"
		}
		js, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		repo := fstest.MapFS{"generate-config.jsonnet": {Data: js}, "t.jsonnet": {Data: []byte("function(ctx) {}")}}
		m, err := manifest.Decode(repo, "generate-config.jsonnet", js)
		if err != nil {
			t.Fatalf("case %d: Decode(%s): %v", c, js, err)
		}
		var cs []changes.Change
		for _, p := range genChangedPaths(r, pats, 1+r.IntN(15)) {
			cs = append(cs, changes.Change{Status: changes.Modified, Path: p})
		}
		res := changes.Resolution{Changes: cs}
		got, want := selectWith(m, res, matchIndexed), selectWith(m, res, matchAllPairs)
		if !reflect.DeepEqual(got, want) {
			g, _ := json.MarshalIndent(got, "", " ")
			w, _ := json.MarshalIndent(want, "", " ")
			t.Fatalf("case %d: manifest %s, changes %v:\nindexed %s\nall pairs %s", c, js, cs, g, w)
		}
		selected += len(got.Selected())
	}
	if selected < 1000 {
		t.Fatalf("the generator is too weak: %d selected targets over all cases", selected)
	}
}

// TestPrefixIndexLookup: lookup visits exactly the ids whose prefix is a
// prefix of the path, shortest prefix first, empty prefix included.
func TestPrefixIndexLookup(t *testing.T) {
	var x prefixIndex
	for id, p := range []string{"a/b/", "", "a/", "a/bc", "a/", "b/", "a/b/"} {
		x.add(p, id)
	}
	for path, want := range map[string][]int{
		"a/b/c.go": {1, 2, 4, 0, 6},
		"a/bcd":    {1, 2, 4, 3},
		"b/x":      {1, 5},
		"c":        {1},
		"a/":       {1, 2, 4},
	} {
		var got []int
		x.lookup(path, func(id int) { got = append(got, id) })
		if !reflect.DeepEqual(got, want) {
			t.Errorf("lookup(%q) = %v, want %v", path, got, want)
		}
	}
}

// TestPatternStarts: every path a pattern matches starts with one of the
// literal starts of its alternatives, the property both indexes rely on,
// on random patterns over every rule (non-ASCII and escapes included).
func TestPatternStarts(t *testing.T) {
	for glob, want := range map[string][]string{
		"{a,b}/**":    {"a/", "b/"},
		"a/{b,c}*.go": {"a/b", "a/c"},
		"**/*.md":     {""},
		"é/{x,y}":     {""},
		`a/\*/b`:      {"a/"},
		"[z-a]/x":     {""},
		"a/b.go":      {"a/b.go"},
	} {
		if got := Compile(glob).starts; !reflect.DeepEqual(got, want) {
			t.Errorf("Compile(%q).starts = %q, want %q", glob, got, want)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	matched := 0
	for range 30000 {
		glob, path := genPattern(r, allPieces), genPath(r)
		if r.IntN(2) == 0 {
			path = likelyPath(glob)
		}
		p := Compile(glob)
		if !p.Match(path) {
			continue
		}
		matched++
		if !slices.ContainsFunc(p.starts, func(s string) bool { return strings.HasPrefix(path, s) }) {
			t.Fatalf("Compile(%q) matches %q, which starts with none of its starts %q", glob, path, p.starts)
		}
	}
	if matched < 3000 {
		t.Fatalf("the generator is too weak: %d matches", matched)
	}
}

// TestTreeIndexedAgreesWithScan: Owned and Matches, which look only at the
// files under each start, answer what testing every file of the tree
// answers, on random target sets and listings.
func TestTreeIndexedAgreesWithScan(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 1))
	owned := 0
	for c := range 2000 {
		pats := [][]string{genTargetPatterns(r)}
		set := CompileSet(pats[0])
		files := genChangedPaths(r, pats, 1+r.IntN(25))
		tree := NewTree(files)
		var want []string
		for _, f := range tree.files {
			if set.Test(f).Included && (len(want) == 0 || want[len(want)-1] != f) {
				want = append(want, f)
			}
		}
		got := tree.Owned(set)
		if !slices.Equal(got, want) {
			t.Fatalf("case %d: patterns %q, files %q: Owned = %q, a scan finds %q", c, pats[0], files, got, want)
		}
		if m := tree.Matches(set); m != (len(want) > 0) {
			t.Fatalf("case %d: patterns %q, files %q: Matches = %v, a scan finds %q", c, pats[0], files, m, want)
		}
		owned += len(want)
	}
	if owned < 2000 {
		t.Fatalf("the generator is too weak: %d owned files", owned)
	}
}
