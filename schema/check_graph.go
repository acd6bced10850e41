package schema

import (
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkGraph checks what jobs say about each other: extends (all entries,
// templates included, as GitLab resolves extends for every entry), then
// needs and dependencies of visible jobs, and needs cycles.
func (v *validator) checkGraph() {
	c := v.cfg
	v.checkExtends()
	for _, j := range c.visible() {
		if !j.isMap() {
			continue
		}
		eff := c.effective(j)
		if p, ok := lookup(eff, "needs"); ok {
			v.checkNeeds(j, p, true)
		}
		if r, ok := lookup(eff, "rules"); ok {
			for _, rule := range items(r.Value) {
				if kindOf(rule) != kindMap {
					continue
				}
				if p, ok := lookup(entries(rule), "needs"); ok {
					v.checkNeeds(j, p, false)
				}
			}
		}
		v.checkDependencies(j, eff)
	}
	v.checkNeedsCycles()
}

// Names GitLab gives the jobs of `parallel: N` ("build 1/3") and of
// `parallel: matrix` ("build: [linux, amd64]"); needs may name those.
var (
	parallelName = regexp.MustCompile(`^(.+) \d+/\d+$`)
	matrixName   = regexp.MustCompile(`^(.+): \[.*\]$`)
)

// findJob returns the visible job a need or dependency names.
func (c *config) findJob(name string) *job {
	if j, ok := c.byName[name]; ok && !j.hidden {
		return j
	}
	for _, re := range []*regexp.Regexp{parallelName, matrixName} {
		if m := re.FindStringSubmatch(name); m != nil {
			if j, ok := c.byName[m[1]]; ok && !j.hidden {
				if _, par := j.has(c, "parallel"); par {
					return j
				}
			}
		}
	}
	return nil
}

// need is one entry of needs, normalized.
type need struct {
	name     string
	node     *yaml.Node // where to report: the job name
	entry    *yaml.Node // the hash form, nil for a plain name
	pipeline *pair      // needs:pipeline, if given
	optional bool
	local    bool // a job of this pipeline (not pipeline: or project:)
}

// parseNeeds reads a needs list; entries of the wrong type are returned
// with a nil entry and an empty name.
func parseNeeds(p pair) []need {
	var out []need
	for _, it := range items(p.Value) {
		switch kindOf(it) {
		case kindString:
			out = append(out, need{name: it.Value, node: it, local: true})
		case kindMap:
			ps := entries(it)
			n := need{node: it, entry: it, local: true}
			if jp, ok := lookup(ps, "job"); ok {
				n.name, _ = scalar(jp.Value)
				n.node = valueOrKey(jp)
			}
			if op, ok := lookup(ps, "optional"); ok && kindOf(op.Value) == kindBool {
				n.optional = isTrue(op.Value)
			}
			if pp, ok := lookup(ps, "pipeline"); ok {
				n.local, n.pipeline = false, &pp
			}
			if _, ok := lookup(ps, "project"); ok {
				n.local = false
			}
			out = append(out, n)
		case kindRef:
		default:
			out = append(out, need{node: it})
		}
	}
	return out
}

func isTrue(n *yaml.Node) bool {
	n = resolve(n)
	return n != nil && contains([]string{"yes", "true", "on"}, strings.ToLower(n.Value))
}

// checkNeeds: the count limit (job needs only), unknown jobs unless
// optional, stage order, duplicates (yaml_processor.rb).
func (v *validator) checkNeeds(j *job, p pair, jobLevel bool) {
	if kindOf(p.Value) != kindSeq {
		return
	}
	list := parseNeeds(p)
	for _, n := range list {
		switch {
		case n.entry != nil:
			v.checkKeys(n.entry, "jobs:"+j.name+":needs:need", j.name, kw.Need)
			if n.pipeline != nil {
				if k := kindOf(n.pipeline.Value); k != kindString && k != kindRef {
					// DST: "needs:need pipeline should be a string"
					v.errorf(valueOrKey(*n.pipeline), RuleNeedsPipelineType, j.name, "jobs:%s needs:need pipeline should be a string, not %s: quote it, e.g. pipeline: \"$PARENT_PIPELINE_ID\"", j.name, kindPhrase([]string{k}))
				}
			}
		case n.name == "" && n.node != nil && n.node.Kind != yaml.MappingNode:
			v.errorf(n.node, RuleWrongType, j.name, "jobs:%s:needs config should be an array of strings or hashes, not contain %s", j.name, kindPhrase([]string{kindOf(n.node)}))
		}
	}
	if jobLevel && len(list) > v.lim.MaxNeeds {
		v.errorf(p.Key, RuleNeedsLimit, j.name, "%s: one job can only need %d others, but you have listed %d. See needs keyword documentation for more details", j.name, v.lim.MaxNeeds, len(list))
	}
	count := map[string]int{}
	var dups []string
	for _, n := range list {
		if !n.local || n.name == "" {
			continue
		}
		if count[n.name]++; count[n.name] == 2 {
			dups = append(dups, n.name)
		}
		if n.optional && v.cfg.findJob(n.name) == nil {
			continue
		}
		v.checkDependency(j, n.node, n.name, "need", RuleNeedsUnknownJob, RuleNeedsLaterStage, "")
	}
	if len(dups) > 0 {
		v.errorf(p.Key, RuleNeedsDuplicate, j.name, "%s has the following needs duplicated: %s.", j.name, strings.Join(dups, ", "))
	}
}

// checkDependencies: like needs, and when needs is set too every
// dependency must be one of the needs (entry/job.rb: "dependencies the X
// should be part of needs").
func (v *validator) checkDependencies(j *job, eff []pair) {
	p, ok := lookup(eff, "dependencies")
	if !ok || kindOf(p.Value) != kindSeq {
		return
	}
	var needed map[string]bool
	if np, ok := lookup(eff, "needs"); ok && kindOf(np.Value) == kindSeq {
		needed = map[string]bool{}
		for _, n := range parseNeeds(np) {
			if n.local {
				needed[n.name] = true
			}
		}
	}
	var missing []string
	for _, it := range items(p.Value) {
		name, ok := scalar(it)
		if !ok {
			continue
		}
		v.checkDependency(j, it, name, "dependency", RuleDependenciesUnknown, RuleDependenciesLater, "")
		if len(needed) > 0 && !needed[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		v.errorf(p.Key, RuleDependenciesNotInNeeds, j.name, "jobs:%s dependencies the %s should be part of needs", j.name, strings.Join(missing, ", "))
	}
}

// checkNeedsCycles: GitLab topologically sorts the jobs by their needs and
// fails with "The pipeline has circular dependencies" (yaml_processor/dag.rb).
func (v *validator) checkNeedsCycles() {
	c := v.cfg
	edges := map[string][]string{}
	at := map[string]*yaml.Node{}
	var order []string
	for _, j := range c.visible() {
		if !j.isMap() {
			continue
		}
		order = append(order, j.name)
		p, ok := lookup(c.effective(j), "needs")
		if !ok {
			continue
		}
		at[j.name] = p.Key
		for _, n := range parseNeeds(p) {
			if dep := c.findJob(n.name); n.local && dep != nil {
				edges[j.name] = append(edges[j.name], dep.name)
			}
		}
	}
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	reported := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		color[n] = grey
		stack = append(stack, n)
		for _, m := range edges[n] {
			switch color[m] {
			case white:
				visit(m)
			case grey:
				i := len(stack) - 1
				for stack[i] != m {
					i--
				}
				cycle := append(append([]string(nil), stack[i:]...), m)
				key := strings.Join(sortedCopy(cycle[:len(cycle)-1]), "\x00")
				if !reported[key] {
					reported[key] = true
					v.errorf(at[m], RuleNeedsCycle, m, "The pipeline has circular dependencies: %s", strings.Join(cycle, " → "))
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
	}
	for _, n := range order {
		if color[n] == white {
			visit(n)
		}
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for k := i; k > 0 && out[k] < out[k-1]; k-- {
			out[k], out[k-1] = out[k-1], out[k]
		}
	}
	return out
}

// checkExtends: extendable/entry.rb — unknown or non-hash bases, cycles,
// and chains deeper than MAX_NESTING_LEVELS.
func (v *validator) checkExtends() {
	c := v.cfg
	extended := map[string]bool{}
	for _, j := range c.jobs {
		ext, ok := lookup(j.own, "extends")
		if !ok {
			continue
		}
		for _, it := range items(ext.Value) {
			name, isStr := scalar(it)
			if !isStr {
				continue
			}
			extended[name] = true
			base, ok := c.byName[name]
			switch {
			case !ok:
				v.report(it, v.unlessIncluded(), RuleExtendsUnknown, j.name, "%s: unknown keys in `extends` (%s)%s", j.name, name, v.includedNote())
			case !base.isMap():
				v.errorf(it, RuleExtendsUnknown, j.name, "%s: invalid base hashes in `extends` (%s)", j.name, name)
			}
		}
	}
	depth := map[string]int{}
	state := map[string]int{} // 1 visiting, 2 done
	onCycle := map[string]bool{}
	var chain func(j *job, path []string) int
	chain = func(j *job, path []string) int {
		switch state[j.name] {
		case 1:
			for i := range path {
				if path[i] == j.name {
					for _, n := range path[i:] {
						onCycle[n] = true
					}
				}
			}
			return 0
		case 2:
			return depth[j.name]
		}
		state[j.name] = 1
		deepest := 0
		if ext, ok := lookup(j.own, "extends"); ok {
			for _, name := range extendsNames(ext.Value) {
				if base, ok := c.byName[name]; ok && base.isMap() {
					deepest = max(deepest, 1+chain(base, append(path, j.name)))
				}
			}
		}
		state[j.name] = 2
		depth[j.name] = deepest
		return deepest
	}
	for _, j := range c.jobs {
		if j.isMap() {
			chain(j, nil)
		}
	}
	for _, j := range c.jobs {
		ext, ok := lookup(j.own, "extends")
		if !ok {
			continue
		}
		switch {
		case onCycle[j.name]:
			v.errorf(ext.Key, RuleExtendsCycle, j.name, "%s: circular dependency detected in `extends`", j.name)
		case depth[j.name] > v.lim.MaxExtendsDepth && !extended[j.name]:
			v.errorf(ext.Key, RuleExtendsDepth, j.name, "%s: nesting too deep in `extends` (a chain of %d, maximum is %d)", j.name, depth[j.name], v.lim.MaxExtendsDepth)
		}
	}
}
