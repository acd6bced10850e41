package schema

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

// checkJobs runs the per-job checks on every visible job, after extends.
func (v *validator) checkJobs() {
	c := v.cfg
	vis := c.visible()
	if len(vis) == 0 {
		// lib/gitlab/ci/config/entry/jobs.rb. GitLab counts the jobs after
		// merging includes, so a file whose jobs all come from an include
		// (a component, say) is fine: only a warning then.
		v.report(firstKey(c.root), v.unlessIncluded(), RuleNoVisibleJob, "", "jobs config should contain at least one visible job%s", v.includedNote())
	}
	for _, j := range vis {
		v.checkJobName(j)
		if !v.checkJobShape(j) {
			continue
		}
		eff := c.effective(j)
		v.checkJobKeys(j, eff)
		v.checkRulesMix(j, eff)
		v.checkStage(j)
		v.checkParallel(j, eff)
		if r, ok := lookup(eff, "rules"); ok {
			v.checkRules(r, "jobs:"+j.name+":rules", j.name, kw.Rule)
		}
		v.checkTrigger(j, eff)
	}
}

func firstKey(root *yaml.Node) *yaml.Node {
	if root != nil && len(root.Content) > 0 {
		return root.Content[0]
	}
	return root
}

// checkJobName: length (lib/gitlab/ci/config/entry/processable.rb) and names
// the docs call reserved or discouraged (doc/ci/jobs/_index.md).
func (v *validator) checkJobName(j *job) {
	if n := utf8.RuneCountInString(j.name); n > v.lim.MaxJobNameLength {
		v.errorf(j.key, RuleJobNameLength, j.name, "jobs:%s name is too long (maximum is %d characters, this one has %d)", short(j.name), v.lim.MaxJobNameLength, n)
	}
	switch {
	case contains(kw.DiscouragedJobNames, j.name) && j.key.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0:
		v.warnf(j.key, RuleJobNameReserved, j.name, "job name `%s` is valid when quoted but not recommended: it makes the configuration unclear", j.name)
	case j.key.Kind == yaml.ScalarNode && j.key.Style == 0 && kindOf(j.key) != kindString:
		v.warnf(j.key, RuleJobNameReserved, j.name, "GitLab's YAML 1.1 parser reads the unquoted job name `%s` as %s, not as the string %q: quote it", j.name, kindPhrase([]string{kindOf(j.key)}), j.name)
	}
}

func short(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	r := []rune(s)
	return string(r[:57]) + "…"
}

// checkJobShape reports a visible entry that is not a job: GitLab needs a
// hash with script, run or trigger (lib/gitlab/ci/config/entry/jobs.rb).
// It returns whether the entry is a job, so that the per-key checks apply.
func (v *validator) checkJobShape(j *job) bool {
	const msg = "jobs:%s config should implement the script:, run:, or trigger: keyword"
	notKeyword := func() string {
		if s := diag.Closest(j.name, globalNames()); s != "" {
			return fmt.Sprintf(" (`%s` is not a global keyword; did you mean `%s`?)", j.name, s)
		}
		return fmt.Sprintf(" (`%s` is not a global keyword, so GitLab reads it as a job)", j.name)
	}
	switch kindOf(j.value) {
	case kindMap:
	case kindRef:
		return false // a job that is one !reference: its content is unknown here
	case kindNull:
		if diag.Closest(j.name, globalNames()) == "" {
			v.errorf(j.key, RuleJobNoScript, j.name, msg, j.name)
			return false
		}
		fallthrough
	default:
		v.errorf(j.key, RuleUnknownKey, j.name, msg+"%s", j.name, notKeyword())
		return false
	}
	eff := v.cfg.effective(j)
	_, hasScript := lookup(eff, "script")
	_, hasRun := lookup(eff, "run")
	_, hasTrigger := lookup(eff, "trigger")
	if !hasScript && !hasRun && !hasTrigger {
		if diag.Closest(j.name, globalNames()) != "" {
			v.errorf(j.key, RuleUnknownKey, j.name, msg+"%s", j.name, notKeyword())
		} else {
			v.errorf(j.key, RuleJobNoScript, j.name, msg, j.name)
		}
		// GitLab validates nothing else of an entry it cannot match to a job.
		return false
	}
	if hasTrigger {
		for _, k := range []string{"script", "run"} {
			if p, ok := lookup(eff, k); ok {
				// processable.rb: mutually_exclusive_keys %i[script trigger], %i[run trigger]
				v.errorf(p.Key, RuleTriggerScript, j.name, "jobs:%s config these keys cannot be used together: %s, trigger (a trigger job runs no %s of its own)", j.name, k, k)
			}
		}
	}
	return true
}

func globalNames() []string {
	out := make([]string, 0, len(kw.Global))
	for k := range kw.Global {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkJobKeys: unknown keys and values of the wrong type.
func (v *validator) checkJobKeys(j *job, eff []pair) {
	known := make([]string, 0, len(kw.Job))
	for k := range kw.Job {
		known = append(known, k)
	}
	sort.Strings(known)
	for _, p := range eff {
		name := keyString(p.Key)
		kinds, ok := kw.Job[name]
		if !ok {
			v.errorf(p.Key, RuleUnknownKey, j.name, "jobs:%s config contains unknown keys: %s%s", j.name, name, didYouMean(name, known))
			continue
		}
		if k, ok := kindAllowed(p.Value, kinds); !ok {
			v.errorf(valueOrKey(p), RuleWrongType, j.name, "jobs:%s:%s config should be %s, not %s", j.name, name, kindPhrase(kinds), kindPhrase([]string{k}))
		}
	}
	for _, key := range []string{"dependencies", "extends", "tags"} {
		p, ok := lookup(eff, key)
		if !ok || kindOf(p.Value) != kindSeq {
			continue
		}
		for _, it := range items(p.Value) {
			if k := kindOf(it); k != kindString && k != kindRef {
				v.errorf(it, RuleWrongType, j.name, "jobs:%s:%s config should be an array of strings, not contain %s", j.name, key, kindPhrase([]string{k}))
			}
		}
	}
}

// checkRulesMix: processable.rb rejects only, except and start_in beside
// rules: "key may not be used with `rules`".
func (v *validator) checkRulesMix(j *job, eff []pair) {
	r, ok := lookup(eff, "rules")
	if !ok || kindOf(r.Value) == kindNull {
		return
	}
	var bad []string
	var at *yaml.Node
	for _, k := range []string{"only", "except", "start_in"} {
		if p, ok := lookup(eff, k); ok && kindOf(p.Value) != kindNull {
			bad = append(bad, k)
			if at == nil {
				at = p.Key
			}
		}
	}
	if len(bad) > 0 {
		v.errorf(at, RuleRulesWithOnlyExcept, j.name, "jobs:%s config key may not be used with `rules`: %s", j.name, strings.Join(bad, ", "))
	}
}

// checkStage: yaml_processor.rb validate_job_stage!.
func (v *validator) checkStage(j *job) {
	c := v.cfg
	stage, at, ok := c.stageOf(j)
	if !ok || c.stageIndex(stage) >= 0 {
		return
	}
	sev := SeverityError
	note := ""
	if !c.stagesDeclared && c.hasInclude {
		sev, note = SeverityWarning, " (unless an included file declares stages)"
	}
	if at == j.key {
		note += fmt.Sprintf(" (a job without stage: runs in %s)", kw.DefaultJobStage)
	}
	v.report(at, sev, RuleStageUnknown, j.name, "%s job: chosen stage %s does not exist; available stages are %s%s", j.name, stage, strings.Join(c.stages, ", "), note)
}

// checkParallel: parallel 1..200 (product/parallel.rb) and the number of
// jobs parallel:matrix generates (product/matrix.rb), and the length of
// the job names they generate.
func (v *validator) checkParallel(j *job, eff []pair) {
	p, ok := lookup(eff, "parallel")
	if !ok {
		return
	}
	switch kindOf(p.Value) {
	case kindInt:
		n, err := strconv.Atoi(strings.ReplaceAll(p.Value.Value, "_", ""))
		if err != nil || n < 1 || n > v.lim.MaxParallel {
			v.errorf(p.Value, RuleParallelLimit, j.name, "jobs:%s:parallel config must be greater than or equal to 1 and less than or equal to %d, not %s", j.name, v.lim.MaxParallel, p.Value.Value)
			return
		}
		if name := fmt.Sprintf("%s %d/%d", j.name, n, n); utf8.RuneCountInString(name) > v.lim.MaxJobNameLength {
			v.errorf(p.Value, RuleJobNameLength, j.name, "jobs:%s: parallel names its jobs like `%s`, %d characters (maximum is %d)", short(j.name), short(name), utf8.RuneCountInString(name), v.lim.MaxJobNameLength)
		}
	case kindMap:
		m, ok := lookup(entries(p.Value), "matrix")
		if !ok {
			return
		}
		jobs, longest := matrixSize(m.Value)
		if jobs > v.lim.MaxMatrixJobs {
			v.errorf(m.Key, RuleMatrixLimit, j.name, "jobs:%s:parallel:matrix config generates too many jobs (maximum is %d): it generates %d", j.name, v.lim.MaxMatrixJobs, jobs)
		}
		if n := utf8.RuneCountInString(j.name) + longest; longest > 0 && n > v.lim.MaxJobNameLength {
			v.errorf(m.Key, RuleJobNameLength, j.name, "jobs:%s: parallel:matrix names its jobs `%s: [values…]`, up to %d characters (maximum is %d)", short(j.name), short(j.name), n, v.lim.MaxJobNameLength)
		}
	}
}

// matrixSize returns the number of jobs a matrix generates (the sum over
// its entries of the product of the value-list sizes; a single value
// counts as one) and the longest name suffix `: [v1, v2]` it produces.
func matrixSize(n *yaml.Node) (jobs, longestSuffix int) {
	for _, entry := range items(n) {
		if kindOf(entry) != kindMap {
			continue
		}
		product, suffix := 1, 0
		ps := entries(entry)
		for i, p := range ps {
			values := items(p.Value)
			if kindOf(p.Value) != kindSeq {
				values = []*yaml.Node{p.Value}
			}
			product *= max(len(values), 1)
			if product > 1<<20 {
				product = 1 << 20 // far past any limit; avoid overflow
			}
			widest := 0
			for _, val := range values {
				if val != nil {
					widest = max(widest, utf8.RuneCountInString(val.Value))
				}
			}
			suffix += widest
			if i > 0 {
				suffix += len(", ")
			}
		}
		jobs += product
		longestSuffix = max(longestSuffix, suffix+len(": []"))
	}
	return jobs, longestSuffix
}

// checkRules checks a rules list (jobs or workflow): entry keys, and the
// number of rules:changes and rules:exists patterns.
func (v *validator) checkRules(r pair, where, job string, known []string) {
	if kindOf(r.Value) != kindSeq {
		return
	}
	var walk func(list []*yaml.Node, level int)
	walk = func(list []*yaml.Node, level int) {
		for _, rule := range list {
			switch kindOf(rule) {
			case kindRef:
			case kindSeq:
				// !reference flattening leaves nested arrays; GitLab
				// allows 10 levels (processable.rb MAX_NESTING_LEVEL).
				if level < 10 {
					walk(items(rule), level+1)
				}
			case kindMap:
				v.checkKeys(rule, where+":rule", job, known)
				ps := entries(rule)
				v.checkPatternCount(ps, "changes", where, job, v.lim.MaxRulesChanges, RuleRulesChangesLimit)
				v.checkPatternCount(ps, "exists", where, job, v.lim.MaxRulesExists, RuleRulesExistsLimit)
			default:
				v.errorf(rule, RuleWrongType, job, "%s config should be an array of hashes, not contain %s", where, kindPhrase([]string{kindOf(rule)}))
			}
		}
	}
	walk(items(r.Value), 0)
}

func (v *validator) checkPatternCount(ps []pair, key, where, job string, limit int, rule string) {
	p, ok := lookup(ps, key)
	if !ok {
		return
	}
	list := p.Value
	if kindOf(list) == kindMap {
		paths, ok := lookup(entries(list), "paths")
		if !ok {
			return
		}
		list = paths.Value
	}
	if kindOf(list) != kindSeq {
		return
	}
	if n := len(items(list)); n > limit {
		v.errorf(p.Key, rule, job, "%s:rule:%s config has too many entries (maximum %d): it has %d", where, key, limit, n)
	}
}
