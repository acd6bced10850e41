package selection

// A matcher classifies every changed path against every target's Set and
// calls hit for each (target, path) pair whose verdict is Included or
// Excluded (a pair that is neither changes nothing), with the indexes into
// sets and paths. For any one target, hit must see the paths in increasing
// order, so that the reasons and rejections it collects are in path order;
// the order across targets is free. Select uses matchIndexed; the tests
// hold the straightforward all-pairs loop and prove the two agree.
type matcher func(sets []Set, paths []string, hit func(target, path int, v Verdict))

// matchIndexed is the matcher Select uses. A path can only belong to, or be
// rejected by, a Set if one of its include patterns matches, and an include
// can only match a path that starts with the literal start of one of its
// brace alternatives (Pattern.starts). So each path is tested only against
// the targets that have an include with a start that is a prefix of the
// path, found in a prefixIndex; an alternative that starts with a
// metacharacter has the empty start and is tested against every path.
// Each candidate is then classified by the same Set.Test as before, so the
// index can change the cost of a selection but never its result.
func matchIndexed(sets []Set, paths []string, hit func(target, path int, v Verdict)) {
	var idx prefixIndex
	for t := range sets {
		for _, inc := range sets[t].Include {
			for _, start := range inc.starts {
				idx.add(start, t)
			}
		}
	}
	// seen[t] == p+1 once target t was tested against path p: a target
	// with several includes under matching prefixes is tested once.
	seen := make([]int, len(sets))
	for p, path := range paths {
		idx.lookup(path, func(t int) {
			if seen[t] == p+1 {
				return
			}
			seen[t] = p + 1
			if v := sets[t].Test(path); v.Included || v.Excluded {
				hit(t, p, v)
			}
		})
	}
}

// prefixIndex maps literal prefixes to the ids registered under them and
// finds, for a path, every id whose prefix is a prefix of the path. A
// lookup costs one map probe per distinct prefix length no longer than the
// path (a handful in a real manifest: the depths of its target
// directories), whatever the number of ids.
type prefixIndex struct {
	ids     map[string][]int
	lengths []int // the distinct lengths of the prefixes, ascending
}

func (x *prefixIndex) add(prefix string, id int) {
	if x.ids == nil {
		x.ids = map[string][]int{}
	}
	if _, ok := x.ids[prefix]; !ok {
		i := 0
		for i < len(x.lengths) && x.lengths[i] < len(prefix) {
			i++
		}
		if i == len(x.lengths) || x.lengths[i] != len(prefix) {
			x.lengths = append(x.lengths, 0)
			copy(x.lengths[i+1:], x.lengths[i:])
			x.lengths[i] = len(prefix)
		}
	}
	if l := x.ids[prefix]; len(l) > 0 && l[len(l)-1] == id {
		return // the same id twice in a row under one prefix: once is enough
	}
	x.ids[prefix] = append(x.ids[prefix], id)
}

// lookup calls visit with every id whose prefix is a prefix of path, by
// increasing prefix length and, for one prefix, in the order added. An id
// added under several matching prefixes is visited once per prefix.
func (x *prefixIndex) lookup(path string, visit func(id int)) {
	for _, n := range x.lengths {
		if n > len(path) {
			return
		}
		for _, id := range x.ids[path[:n]] {
			visit(id)
		}
	}
}
