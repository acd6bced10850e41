package cidoc

import (
	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/schema/keywords"
)

// MaxExtendsDepth is how deep GitLab lets `extends` chains nest
// (lib/gitlab/ci/config/extendable/entry.rb MAX_NESTING_LEVELS); deeper
// chains are an error there.
const MaxExtendsDepth = 10

// Effective returns the job's entries after extends: GitLab deep-merges the
// bases in the order listed (each after its own extends), then the job
// itself, so hashes merge key by key, arrays and scalars are replaced, and
// the job's own keys win. Unknown bases, bases that are not hashes and
// cycles are skipped here (Extends describes them).
func (d *Document) Effective(j *Job) []Pair {
	if j.effDone {
		return j.eff
	}
	if j.resolving { // cycle: use the job as written
		return j.Own
	}
	j.resolving = true
	defer func() { j.resolving = false }()
	var merged []Pair
	if ext, ok := Lookup(j.Own, "extends"); ok {
		for _, name := range ExtendsNames(ext.Value) {
			base, ok := d.ByName[name]
			if !ok || !base.IsMap() || base.resolving {
				continue
			}
			merged = d.deepMerge(merged, d.Effective(base))
		}
	}
	j.eff = d.deepMerge(merged, j.Own)
	j.effDone = true
	return j.eff
}

// Entry returns the job's entry named key, after extends.
func (d *Document) Entry(j *Job, key string) (Pair, bool) {
	return Lookup(d.Effective(j), key)
}

// ExtendsNames lists the string entries of an extends value (one name or a
// list of names).
func ExtendsNames(n *yaml.Node) []string {
	var out []string
	for _, it := range Items(n) {
		if s, ok := Scalar(it); ok {
			out = append(out, s)
		}
	}
	return out
}

// deepMerge overlays over on base like ActiveSupport's deep_merge: mappings
// merge key by key, anything else is replaced. Merged mappings are new
// nodes made of the original key and value nodes, so positions survive;
// each pair of mappings is merged once (aliases can share them widely).
func (d *Document) deepMerge(base, over []Pair) []Pair {
	out := append([]Pair(nil), base...)
	for _, p := range over {
		i := indexOf(out, KeyString(p.Key))
		if i < 0 {
			out = append(out, p)
			continue
		}
		old := out[i]
		if old.Value != p.Value && KindOf(old.Value) == KindMap && KindOf(p.Value) == KindMap {
			key := [2]*yaml.Node{old.Value, p.Value}
			m, ok := d.merged[key]
			if !ok {
				m = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: p.Value.Line, Column: p.Value.Column,
					Content: mappingContent(d.deepMerge(Entries(old.Value), Entries(p.Value)))}
				d.merged[key] = m
			}
			out[i] = Pair{Key: p.Key, Value: m}
			continue
		}
		out[i] = p
	}
	return out
}

func indexOf(ps []Pair, key string) int {
	for i, p := range ps {
		if KeyString(p.Key) == key {
			return i
		}
	}
	return -1
}

// StageOf is the job's stage after extends, and the node that sets it; a
// job that names none runs in GitLab's default job stage ("test"), and node
// is then the job's key. ok is false when the stage is not a string.
func (d *Document) StageOf(j *Job) (name string, node *yaml.Node, ok bool) {
	if p, found := d.Entry(j, "stage"); found {
		s, isStr := Scalar(p.Value)
		return s, p.Value, isStr
	}
	return keywords.DefaultJobStage(), j.Key, true
}

// StageIndex is the stage's position in Stages, -1 when it is not one.
func (d *Document) StageIndex(stage string) int {
	for i, s := range d.Stages {
		if s == stage {
			return i
		}
	}
	return -1
}

// ExtendsInfo is what the extends chain of one entry looks like.
type ExtendsInfo struct {
	// Depth is the longest chain of bases below the entry (0 without
	// extends); GitLab allows MaxExtendsDepth.
	Depth int
	// OnCycle: the entry is part of an extends cycle.
	OnCycle bool
	// Extended: another entry extends this one.
	Extended bool
}

// Extends describes the extends chain of job j (every entry, hidden ones
// included, as GitLab resolves extends for all of them).
func (d *Document) Extends(j *Job) ExtendsInfo {
	if d.ext == nil {
		d.analyseExtends()
	}
	if info, ok := d.ext[j]; ok {
		return *info
	}
	return ExtendsInfo{}
}

func (d *Document) analyseExtends() {
	d.ext = map[*Job]*ExtendsInfo{}
	info := func(j *Job) *ExtendsInfo {
		if d.ext[j] == nil {
			d.ext[j] = &ExtendsInfo{}
		}
		return d.ext[j]
	}
	for _, j := range d.Jobs {
		if ext, ok := Lookup(j.Own, "extends"); ok {
			for _, name := range ExtendsNames(ext.Value) {
				if base, ok := d.ByName[name]; ok {
					info(base).Extended = true
				}
			}
		}
	}
	state := map[*Job]int{} // 1 visiting, 2 done
	var chain func(j *Job, path []*Job) int
	chain = func(j *Job, path []*Job) int {
		switch state[j] {
		case 1:
			for i := range path {
				if path[i] == j {
					for _, n := range path[i:] {
						info(n).OnCycle = true
					}
				}
			}
			return 0
		case 2:
			return info(j).Depth
		}
		state[j] = 1
		deepest := 0
		if ext, ok := Lookup(j.Own, "extends"); ok {
			for _, name := range ExtendsNames(ext.Value) {
				if base, ok := d.ByName[name]; ok && base.IsMap() {
					deepest = max(deepest, 1+chain(base, append(path, j)))
				}
			}
		}
		state[j] = 2
		info(j).Depth = deepest
		return deepest
	}
	for _, j := range d.Jobs {
		if j.IsMap() {
			chain(j, nil)
		}
	}
}
