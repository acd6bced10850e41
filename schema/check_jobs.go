package schema

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/schema/keywords"
)

// checkJobs runs the per-job checks on every visible job, after extends.
func (v *validator) checkJobs() {
	c := v.cfg
	vis := c.Visible()
	if len(vis) == 0 {
		// lib/gitlab/ci/config/entry/jobs.rb. GitLab counts the jobs after
		// merging includes, so a file whose jobs all come from an include
		// (a component, say) is fine: only a warning then.
		v.report(firstKey(c.Root), v.unlessIncluded(), RuleNoVisibleJob, "", "jobs config should contain at least one visible job%s", v.includedNote())
	}
	for _, j := range vis {
		v.checkJobName(j)
		if !v.checkJobShape(j) {
			continue
		}
		eff := c.Effective(j)
		v.checkJobKeys(j, eff)
		v.checkRulesMix(j, eff)
		v.checkStage(j)
		v.checkParallel(j, eff)
		if r, ok := cidoc.Lookup(eff, "rules"); ok {
			v.checkRules(r, "jobs:"+j.Name+":rules", j.Name, keywords.KW.Rule)
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
func (v *validator) checkJobName(j *cidoc.Job) {
	if n := utf8.RuneCountInString(j.Name); n > v.lim.MaxJobNameLength {
		v.errorf(j.Key, RuleJobNameLength, j.Name, "jobs:%s name is too long (maximum is %d characters, this one has %d)", short(j.Name), v.lim.MaxJobNameLength, n)
	}
	switch {
	case slices.Contains(keywords.KW.DiscouragedJobNames, j.Name) && j.Key.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0:
		v.warnf(j.Key, RuleJobNameReserved, j.Name, "job name `%s` is valid when quoted but not recommended: it makes the configuration unclear", j.Name)
	case j.Key.Kind == yaml.ScalarNode && j.Key.Style == 0 && cidoc.KindOf(j.Key) != cidoc.KindString:
		v.warnf(j.Key, RuleJobNameReserved, j.Name, "GitLab's YAML 1.1 parser reads the unquoted job name `%s` as %s, not as the string %q: quote it", j.Name, kindPhrase([]string{cidoc.KindOf(j.Key)}), j.Name)
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
func (v *validator) checkJobShape(j *cidoc.Job) bool {
	const msg = "jobs:%s config should implement the script:, run:, or trigger: keyword"
	notKeyword := func() string {
		if s := diag.Closest(j.Name, globalNames()); s != "" {
			return fmt.Sprintf(" (`%s` is not a global keyword; did you mean `%s`?)", j.Name, s)
		}
		return fmt.Sprintf(" (`%s` is not a global keyword, so GitLab reads it as a job)", j.Name)
	}
	switch cidoc.KindOf(j.Value) {
	case cidoc.KindMap:
	case cidoc.KindRef:
		return false // a job that is one !reference: its content is unknown here
	case cidoc.KindNull:
		if diag.Closest(j.Name, globalNames()) == "" {
			v.errorf(j.Key, RuleJobNoScript, j.Name, msg, j.Name)
			return false
		}
		fallthrough
	default:
		v.errorf(j.Key, RuleUnknownKey, j.Name, msg+"%s", j.Name, notKeyword())
		return false
	}
	eff := v.cfg.Effective(j)
	_, hasScript := cidoc.Lookup(eff, "script")
	_, hasRun := cidoc.Lookup(eff, "run")
	_, hasTrigger := cidoc.Lookup(eff, "trigger")
	if !hasScript && !hasRun && !hasTrigger {
		if diag.Closest(j.Name, globalNames()) != "" {
			v.errorf(j.Key, RuleUnknownKey, j.Name, msg+"%s", j.Name, notKeyword())
		} else {
			v.errorf(j.Key, RuleJobNoScript, j.Name, msg, j.Name)
		}
		// GitLab validates nothing else of an entry it cannot match to a job.
		return false
	}
	if hasTrigger {
		for _, k := range []string{"script", "run"} {
			if p, ok := cidoc.Lookup(eff, k); ok {
				// processable.rb: mutually_exclusive_keys %i[script trigger], %i[run trigger]
				v.errorf(p.Key, RuleTriggerScript, j.Name, "jobs:%s config these keys cannot be used together: %s, trigger (a trigger job runs no %s of its own)", j.Name, k, k)
			}
		}
	}
	return true
}

func globalNames() []string {
	out := make([]string, 0, len(keywords.KW.Global))
	for k := range keywords.KW.Global {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkJobKeys: unknown keys and values of the wrong type.
func (v *validator) checkJobKeys(j *cidoc.Job, eff []cidoc.Pair) {
	known := make([]string, 0, len(keywords.KW.Job))
	for k := range keywords.KW.Job {
		known = append(known, k)
	}
	sort.Strings(known)
	for _, p := range eff {
		name := cidoc.KeyString(p.Key)
		kinds, ok := keywords.KW.Job[name]
		if !ok {
			v.errorf(p.Key, RuleUnknownKey, j.Name, "jobs:%s config contains unknown keys: %s%s", j.Name, name, didYouMean(name, known))
			continue
		}
		if k, ok := kindAllowed(p.Value, kinds); !ok {
			v.errorf(p.ValueOrKey(), RuleWrongType, j.Name, "jobs:%s:%s config should be %s, not %s", j.Name, name, kindPhrase(kinds), kindPhrase([]string{k}))
		}
	}
	for _, key := range []string{"dependencies", "extends", "tags"} {
		p, ok := cidoc.Lookup(eff, key)
		if !ok || cidoc.KindOf(p.Value) != cidoc.KindSeq {
			continue
		}
		for _, it := range cidoc.Items(p.Value) {
			if k := cidoc.KindOf(it); k != cidoc.KindString && k != cidoc.KindRef {
				v.errorf(it, RuleWrongType, j.Name, "jobs:%s:%s config should be an array of strings, not contain %s", j.Name, key, kindPhrase([]string{k}))
			}
		}
	}
}

// checkRulesMix: processable.rb rejects only, except and start_in beside
// rules: "key may not be used with `rules`".
func (v *validator) checkRulesMix(j *cidoc.Job, eff []cidoc.Pair) {
	r, ok := cidoc.Lookup(eff, "rules")
	if !ok || cidoc.KindOf(r.Value) == cidoc.KindNull {
		return
	}
	var bad []string
	var at *yaml.Node
	for _, k := range []string{"only", "except", "start_in"} {
		if p, ok := cidoc.Lookup(eff, k); ok && cidoc.KindOf(p.Value) != cidoc.KindNull {
			bad = append(bad, k)
			if at == nil {
				at = p.Key
			}
		}
	}
	if len(bad) > 0 {
		v.errorf(at, RuleRulesWithOnlyExcept, j.Name, "jobs:%s config key may not be used with `rules`: %s", j.Name, strings.Join(bad, ", "))
	}
}

// checkStage: yaml_processor.rb validate_job_stage!.
func (v *validator) checkStage(j *cidoc.Job) {
	c := v.cfg
	stage, at, ok := c.StageOf(j)
	if !ok || c.StageIndex(stage) >= 0 {
		return
	}
	sev := SeverityError
	note := ""
	if !c.StagesDeclared && c.HasInclude {
		sev, note = SeverityWarning, " (unless an included file declares stages)"
	}
	if at == j.Key {
		note += fmt.Sprintf(" (a job without stage: runs in %s)", keywords.KW.DefaultJobStage)
	}
	v.report(at, sev, RuleStageUnknown, j.Name, "%s job: chosen stage %s does not exist; available stages are %s%s", j.Name, stage, strings.Join(c.Stages, ", "), note)
}

// checkParallel: parallel 1..200 (product/parallel.rb) and the number of
// jobs parallel:matrix generates (product/matrix.rb), and the length of
// the job names they generate.
func (v *validator) checkParallel(j *cidoc.Job, eff []cidoc.Pair) {
	p, ok := cidoc.Lookup(eff, "parallel")
	if !ok {
		return
	}
	switch cidoc.KindOf(p.Value) {
	case cidoc.KindInt:
		n, err := strconv.Atoi(strings.ReplaceAll(p.Value.Value, "_", ""))
		if err != nil || n < 1 || n > v.lim.MaxParallel {
			v.errorf(p.Value, RuleParallelLimit, j.Name, "jobs:%s:parallel config must be greater than or equal to 1 and less than or equal to %d, not %s", j.Name, v.lim.MaxParallel, p.Value.Value)
			return
		}
		if name := fmt.Sprintf("%s %d/%d", j.Name, n, n); utf8.RuneCountInString(name) > v.lim.MaxJobNameLength {
			v.errorf(p.Value, RuleJobNameLength, j.Name, "jobs:%s: parallel names its jobs like `%s`, %d characters (maximum is %d)", short(j.Name), short(name), utf8.RuneCountInString(name), v.lim.MaxJobNameLength)
		}
	case cidoc.KindMap:
		m, ok := cidoc.Lookup(cidoc.Entries(p.Value), "matrix")
		if !ok {
			return
		}
		jobs, longest := matrixSize(m.Value)
		if jobs > v.lim.MaxMatrixJobs {
			v.errorf(m.Key, RuleMatrixLimit, j.Name, "jobs:%s:parallel:matrix config generates too many jobs (maximum is %d): it generates %d", j.Name, v.lim.MaxMatrixJobs, jobs)
		}
		if n := utf8.RuneCountInString(j.Name) + longest; longest > 0 && n > v.lim.MaxJobNameLength {
			v.errorf(m.Key, RuleJobNameLength, j.Name, "jobs:%s: parallel:matrix names its jobs `%s: [values…]`, up to %d characters (maximum is %d)", short(j.Name), short(j.Name), n, v.lim.MaxJobNameLength)
		}
	}
}

// matrixSize returns the number of jobs a matrix generates (the sum over
// its entries of the product of the value-list sizes; a single value
// counts as one) and the longest name suffix `: [v1, v2]` it produces.
func matrixSize(n *yaml.Node) (jobs, longestSuffix int) {
	for _, entry := range cidoc.Items(n) {
		if cidoc.KindOf(entry) != cidoc.KindMap {
			continue
		}
		product, suffix := 1, 0
		ps := cidoc.Entries(entry)
		for i, p := range ps {
			values := cidoc.Items(p.Value)
			if cidoc.KindOf(p.Value) != cidoc.KindSeq {
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
func (v *validator) checkRules(r cidoc.Pair, where, job string, known []string) {
	if cidoc.KindOf(r.Value) != cidoc.KindSeq {
		return
	}
	var walk func(list []*yaml.Node, level int)
	walk = func(list []*yaml.Node, level int) {
		for _, rule := range list {
			switch cidoc.KindOf(rule) {
			case cidoc.KindRef:
			case cidoc.KindSeq:
				// !reference flattening leaves nested arrays; GitLab
				// allows 10 levels (processable.rb MAX_NESTING_LEVEL).
				if level < 10 {
					walk(cidoc.Items(rule), level+1)
				}
			case cidoc.KindMap:
				v.checkKeys(rule, where+":rule", job, known)
				ps := cidoc.Entries(rule)
				v.checkPatternCount(ps, "changes", where, job, v.lim.MaxRulesChanges, RuleRulesChangesLimit)
				v.checkPatternCount(ps, "exists", where, job, v.lim.MaxRulesExists, RuleRulesExistsLimit)
			default:
				v.errorf(rule, RuleWrongType, job, "%s config should be an array of hashes, not contain %s", where, kindPhrase([]string{cidoc.KindOf(rule)}))
			}
		}
	}
	walk(cidoc.Items(r.Value), 0)
}

func (v *validator) checkPatternCount(ps []cidoc.Pair, key, where, job string, limit int, rule string) {
	p, ok := cidoc.Lookup(ps, key)
	if !ok {
		return
	}
	list := p.Value
	if cidoc.KindOf(list) == cidoc.KindMap {
		paths, ok := cidoc.Lookup(cidoc.Entries(list), "paths")
		if !ok {
			return
		}
		list = paths.Value
	}
	if cidoc.KindOf(list) != cidoc.KindSeq {
		return
	}
	if n := len(cidoc.Items(list)); n > limit {
		v.errorf(p.Key, rule, job, "%s:rule:%s config has too many entries (maximum %d): it has %d", where, key, limit, n)
	}
}
