package schema

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/schema/keywords"
)

// checkGraph checks what jobs say about each other: extends (all entries,
// templates included, as GitLab resolves extends for every entry), then
// needs and dependencies of visible jobs, and needs cycles.
func (v *validator) checkGraph() {
	c := v.cfg
	v.checkExtends()
	for _, j := range c.Visible() {
		if !j.IsMap() {
			continue
		}
		eff := c.Effective(j)
		if p, ok := cidoc.Lookup(eff, "needs"); ok {
			v.checkNeeds(j, p, true)
		}
		if r, ok := cidoc.Lookup(eff, "rules"); ok {
			for _, rule := range cidoc.Items(r.Value) {
				if cidoc.KindOf(rule) != cidoc.KindMap {
					continue
				}
				if p, ok := cidoc.Lookup(cidoc.Entries(rule), "needs"); ok {
					v.checkNeeds(j, p, false)
				}
			}
		}
		v.checkDependencies(j, eff)
	}
	v.checkNeedsCycles()
}

// need is one entry of needs, normalized.
type need struct {
	name     string
	node     *yaml.Node  // where to report: the job name
	entry    *yaml.Node  // the hash form, nil for a plain name
	pipeline *cidoc.Pair // needs:pipeline, if given
	optional bool
	local    bool // a job of this pipeline (not pipeline: or project:)
}

// parseNeeds reads a needs list; entries of the wrong type are returned
// with a nil entry and an empty name.
func parseNeeds(p cidoc.Pair) []need {
	var out []need
	for _, it := range cidoc.Items(p.Value) {
		switch cidoc.KindOf(it) {
		case cidoc.KindString:
			out = append(out, need{name: it.Value, node: it, local: true})
		case cidoc.KindMap:
			ps := cidoc.Entries(it)
			n := need{node: it, entry: it, local: true}
			if jp, ok := cidoc.Lookup(ps, "job"); ok {
				n.name, _ = cidoc.Scalar(jp.Value)
				n.node = jp.ValueOrKey()
			}
			if op, ok := cidoc.Lookup(ps, "optional"); ok && cidoc.KindOf(op.Value) == cidoc.KindBool {
				n.optional = cidoc.IsTrue(op.Value)
			}
			if pp, ok := cidoc.Lookup(ps, "pipeline"); ok {
				n.local, n.pipeline = false, &pp
			}
			if _, ok := cidoc.Lookup(ps, "project"); ok {
				n.local = false
			}
			out = append(out, n)
		case cidoc.KindRef:
		default:
			out = append(out, need{node: it})
		}
	}
	return out
}

// checkNeeds: the count limit (job needs only), unknown jobs unless
// optional, stage order, duplicates (yaml_processor.rb).
func (v *validator) checkNeeds(j *cidoc.Job, p cidoc.Pair, jobLevel bool) {
	if cidoc.KindOf(p.Value) != cidoc.KindSeq {
		return
	}
	list := parseNeeds(p)
	for _, n := range list {
		switch {
		case n.entry != nil:
			v.checkKeys(n.entry, "jobs:"+j.Name+":needs:need", j.Name, keywords.KW.Need)
			if n.pipeline != nil {
				if k := cidoc.KindOf(n.pipeline.Value); k != cidoc.KindString && k != cidoc.KindRef {
					// DST: "needs:need pipeline should be a string"
					v.errorf(n.pipeline.ValueOrKey(), RuleNeedsPipelineType, j.Name, "jobs:%s needs:need pipeline should be a string, not %s: quote it, e.g. pipeline: \"$PARENT_PIPELINE_ID\"", j.Name, kindPhrase([]string{k}))
				}
			}
		case n.name == "" && n.node != nil && n.node.Kind != yaml.MappingNode:
			v.errorf(n.node, RuleWrongType, j.Name, "jobs:%s:needs config should be an array of strings or hashes, not contain %s", j.Name, kindPhrase([]string{cidoc.KindOf(n.node)}))
		}
	}
	if jobLevel && len(list) > v.lim.MaxNeeds {
		v.errorf(p.Key, RuleNeedsLimit, j.Name, "%s: one job can only need %d others, but you have listed %d. See needs keyword documentation for more details", j.Name, v.lim.MaxNeeds, len(list))
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
		if n.optional && v.cfg.FindJob(n.name) == nil {
			continue
		}
		v.checkDependency(j, n.node, n.name, "need", RuleNeedsUnknownJob, RuleNeedsLaterStage, "")
	}
	if len(dups) > 0 {
		v.errorf(p.Key, RuleNeedsDuplicate, j.Name, "%s has the following needs duplicated: %s.", j.Name, strings.Join(dups, ", "))
	}
}

// checkDependencies: like needs, and when needs is set too every
// dependency must be one of the needs (entry/job.rb: "dependencies the X
// should be part of needs").
func (v *validator) checkDependencies(j *cidoc.Job, eff []cidoc.Pair) {
	p, ok := cidoc.Lookup(eff, "dependencies")
	if !ok || cidoc.KindOf(p.Value) != cidoc.KindSeq {
		return
	}
	var needed map[string]bool
	if np, ok := cidoc.Lookup(eff, "needs"); ok && cidoc.KindOf(np.Value) == cidoc.KindSeq {
		needed = map[string]bool{}
		for _, n := range parseNeeds(np) {
			if n.local {
				needed[n.name] = true
			}
		}
	}
	var missing []string
	for _, it := range cidoc.Items(p.Value) {
		name, ok := cidoc.Scalar(it)
		if !ok {
			continue
		}
		v.checkDependency(j, it, name, "dependency", RuleDependenciesUnknown, RuleDependenciesLater, "")
		if len(needed) > 0 && !needed[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		v.errorf(p.Key, RuleDependenciesNotInNeeds, j.Name, "jobs:%s dependencies the %s should be part of needs", j.Name, strings.Join(missing, ", "))
	}
}

// checkNeedsCycles: GitLab topologically sorts the jobs by their needs and
// fails with "The pipeline has circular dependencies" (yaml_processor/dag.rb).
func (v *validator) checkNeedsCycles() {
	c := v.cfg
	edges := map[string][]string{}
	at := map[string]*yaml.Node{}
	var order []string
	for _, j := range c.Visible() {
		if !j.IsMap() {
			continue
		}
		order = append(order, j.Name)
		p, ok := cidoc.Lookup(c.Effective(j), "needs")
		if !ok {
			continue
		}
		at[j.Name] = p.Key
		for _, n := range parseNeeds(p) {
			if dep := c.FindJob(n.name); n.local && dep != nil {
				edges[j.Name] = append(edges[j.Name], dep.Name)
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
// and chains deeper than MAX_NESTING_LEVELS (the chain itself is
// internal/cidoc's; the limit is configurable for self-managed instances).
func (v *validator) checkExtends() {
	c := v.cfg
	for _, j := range c.Jobs {
		ext, ok := cidoc.Lookup(j.Own, "extends")
		if !ok {
			continue
		}
		for _, it := range cidoc.Items(ext.Value) {
			name, isStr := cidoc.Scalar(it)
			if !isStr {
				continue
			}
			base, ok := c.ByName[name]
			switch {
			case !ok:
				v.report(it, v.unlessIncluded(), RuleExtendsUnknown, j.Name, "%s: unknown keys in `extends` (%s)%s", j.Name, name, v.includedNote())
			case !base.IsMap():
				v.errorf(it, RuleExtendsUnknown, j.Name, "%s: invalid base hashes in `extends` (%s)", j.Name, name)
			}
		}
	}
	for _, j := range c.Jobs {
		ext, ok := cidoc.Lookup(j.Own, "extends")
		if !ok {
			continue
		}
		switch info := c.Extends(j); {
		case info.OnCycle:
			v.errorf(ext.Key, RuleExtendsCycle, j.Name, "%s: circular dependency detected in `extends`", j.Name)
		case info.Depth > v.lim.MaxExtendsDepth && !info.Extended:
			v.errorf(ext.Key, RuleExtendsDepth, j.Name, "%s: nesting too deep in `extends` (a chain of %d, maximum is %d)", j.Name, info.Depth, v.lim.MaxExtendsDepth)
		}
	}
}
