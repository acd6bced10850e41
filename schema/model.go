package schema

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// config is the parsed child pipeline: its top-level entries split into
// global keywords and jobs, with each job's extends chain resolved.
type config struct {
	root    *yaml.Node
	top     []pair
	globals map[string]pair
	jobs    []*job          // every non-keyword top-level entry, in file order
	byName  map[string]*job // including hidden jobs (extends may name them)
	// stages are the pipeline's stages as GitLab completes them: .pre
	// first, .post last.
	stages         []string
	stagesDeclared bool
	// hasInclude: jobs, templates and stages may come from included files,
	// which this validator cannot see, so "not found" becomes a warning.
	hasInclude bool
	merged     map[[2]*yaml.Node]*yaml.Node // deepMerge results
}

type job struct {
	name   string
	key    *yaml.Node
	value  *yaml.Node // resolved; nil or not a mapping for broken jobs
	hidden bool
	own    []pair

	// eff is the job after extends (GitLab deep-merges the templates, then
	// the job itself); nil until computed.
	eff       []pair
	effDone   bool
	resolving bool
}

func (j *job) isMap() bool { return j.value != nil && j.value.Kind == yaml.MappingNode }

func buildConfig(root *yaml.Node) *config {
	c := &config{root: root, globals: map[string]pair{}, byName: map[string]*job{}, merged: map[[2]*yaml.Node]*yaml.Node{}}
	c.top = entries(root)
	for _, p := range c.top {
		name := keyString(p.Key)
		if kw.isGlobal(name) {
			c.globals[name] = p
			continue
		}
		j := &job{name: name, key: p.Key, value: p.Value, hidden: strings.HasPrefix(name, ".")}
		if j.isMap() {
			j.own = entries(j.value)
		}
		c.jobs = append(c.jobs, j)
		c.byName[name] = j
	}
	_, c.hasInclude = c.globals["include"]
	c.stages = append([]string(nil), kw.DefaultStages...)
	if p, ok := c.globals["stages"]; ok && kindOf(p.Value) == kindSeq {
		c.stagesDeclared = true
		// Entry::Stages: [.pre] + stages + [.post], without repeats.
		first, last := kw.DefaultStages[0], kw.DefaultStages[len(kw.DefaultStages)-1]
		c.stages = []string{first}
		for _, s := range items(p.Value) {
			if v, ok := scalar(s); ok && !contains(c.stages, v) && v != last {
				c.stages = append(c.stages, v)
			}
		}
		c.stages = append(c.stages, last)
	}
	return c
}

// visible returns the jobs GitLab would run (not hidden templates).
func (c *config) visible() []*job {
	var out []*job
	for _, j := range c.jobs {
		if !j.hidden {
			out = append(out, j)
		}
	}
	return out
}

// effective returns the job's entries after extends. Unknown templates and
// cycles are skipped here (the extends checks report them).
func (c *config) effective(j *job) []pair {
	if j.effDone {
		return j.eff
	}
	if j.resolving { // cycle: use the job as written
		return j.own
	}
	j.resolving = true
	defer func() { j.resolving = false }()
	var merged []pair
	if ext, ok := lookup(j.own, "extends"); ok {
		for _, name := range extendsNames(ext.Value) {
			base, ok := c.byName[name]
			if !ok || !base.isMap() || base.resolving {
				continue
			}
			merged = c.deepMerge(merged, c.effective(base))
		}
	}
	j.eff = c.deepMerge(merged, j.own)
	j.effDone = true
	return j.eff
}

func extendsNames(n *yaml.Node) []string {
	var out []string
	for _, it := range items(n) {
		if s, ok := scalar(it); ok {
			out = append(out, s)
		}
	}
	return out
}

// deepMerge overlays over on base like ActiveSupport's deep_merge: mappings
// merge key by key, anything else is replaced. Merged mappings are new
// nodes made of the original key and value nodes, so positions survive;
// each pair of mappings is merged once (aliases can share them widely).
func (c *config) deepMerge(base, over []pair) []pair {
	out := append([]pair(nil), base...)
	for _, p := range over {
		i := indexOf(out, keyString(p.Key))
		if i < 0 {
			out = append(out, p)
			continue
		}
		old := out[i]
		if old.Value != p.Value && kindOf(old.Value) == kindMap && kindOf(p.Value) == kindMap {
			key := [2]*yaml.Node{old.Value, p.Value}
			m, ok := c.merged[key]
			if !ok {
				m = mappingNode(p.Value, c.deepMerge(entries(old.Value), entries(p.Value)))
				c.merged[key] = m
			}
			out[i] = pair{Key: p.Key, Value: m}
			continue
		}
		out[i] = p
	}
	return out
}

func indexOf(ps []pair, key string) int {
	for i, p := range ps {
		if keyString(p.Key) == key {
			return i
		}
	}
	return -1
}

func mappingNode(at *yaml.Node, ps []pair) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: at.Line, Column: at.Column}
	for _, p := range ps {
		v := p.Value
		if v == nil {
			v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: p.Key.Line, Column: p.Key.Column}
		}
		n.Content = append(n.Content, p.Key, v)
	}
	return n
}

// stageOf is the job's stage after extends; GitLab's default is "test".
func (c *config) stageOf(j *job) (name string, node *yaml.Node, ok bool) {
	if p, found := lookup(c.effective(j), "stage"); found {
		s, isStr := scalar(p.Value)
		return s, p.Value, isStr
	}
	return kw.DefaultJobStage, j.key, true
}

func (c *config) stageIndex(stage string) int {
	for i, s := range c.stages {
		if s == stage {
			return i
		}
	}
	return -1
}

// has returns the job's entry named key, after extends.
func (j *job) has(c *config, key string) (pair, bool) {
	return lookup(c.effective(j), key)
}
