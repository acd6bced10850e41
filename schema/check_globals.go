package schema

import (
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

// checkGlobals checks the global keywords: their types, the keys of
// default and workflow, stages, and include.
func (v *validator) checkGlobals() {
	c := v.cfg
	names := make([]string, 0, len(c.globals))
	for name := range c.globals {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := c.globals[name]
		if looksLikeJob(p.Value) {
			// A generator that names a target "cache" or "variables"
			// writes a job GitLab reads as the global keyword.
			v.errorf(p.Key, RuleJobNameReserved, name, "`%s` is a reserved keyword and cannot be a job name: GitLab reads it as the global `%s:` keyword", name, name)
			continue
		}
		if k, ok := kindAllowed(p.Value, kw.Global[name]); !ok {
			v.errorf(valueOrKey(p), RuleWrongType, "", "%s config should be %s, not %s", name, kindPhrase(kw.Global[name]), kindPhrase([]string{k}))
			continue
		}
		switch name {
		case "default":
			v.checkKeys(p.Value, "default", "", kw.Default)
			for _, e := range entries(p.Value) {
				if kinds, ok := kw.Job[keyString(e.Key)]; ok && contains(kw.Default, keyString(e.Key)) {
					if k, ok := kindAllowed(e.Value, kinds); !ok {
						v.errorf(valueOrKey(e), RuleWrongType, "", "default:%s config should be %s, not %s", keyString(e.Key), kindPhrase(kinds), kindPhrase([]string{k}))
					}
				}
			}
		case "workflow":
			v.checkKeys(p.Value, "workflow", "", kw.Workflow)
			if r, ok := lookup(entries(p.Value), "rules"); ok {
				v.checkRules(r, "workflow:rules", "", kw.WorkflowRule)
			}
		case "stages":
			for _, s := range items(p.Value) {
				if k := kindOf(s); k != kindString && k != kindRef {
					v.errorf(s, RuleWrongType, "", "stages config should be an array of strings, not contain %s", kindPhrase([]string{k}))
				}
			}
		case "include":
			v.checkInclude(p)
		}
	}
}

// looksLikeJob: a mapping with script, run or trigger.
func looksLikeJob(n *yaml.Node) bool {
	if kindOf(n) != kindMap {
		return false
	}
	ps := entries(n)
	for _, k := range []string{"script", "run", "trigger"} {
		if _, ok := lookup(ps, k); ok {
			return true
		}
	}
	return false
}

func valueOrKey(p pair) *yaml.Node {
	if p.Value != nil && p.Value.Line > 0 {
		return p.Value
	}
	return p.Key
}

// checkKeys reports keys of a mapping that GitLab does not know, with
// GitLab's wording "<where> config contains unknown keys: <key>".
func (v *validator) checkKeys(n *yaml.Node, where, job string, known []string) {
	if kindOf(n) != kindMap {
		return
	}
	for _, p := range entries(n) {
		if name := keyString(p.Key); !contains(known, name) {
			v.errorf(p.Key, RuleUnknownKey, job, "%s config contains unknown keys: %s%s", where, name, didYouMean(name, known))
		}
	}
}

// didYouMean is " (did you mean `key`?)" for a likely typo of a known key.
func didYouMean(name string, known []string) string {
	if s := diag.Closest(name, known); s != "" {
		return " (did you mean `" + s + "`?)"
	}
	return ""
}

// ciVariable matches $NAME and ${NAME}; `$$` escapes a dollar and
// `$[[ inputs.x ]]` is input interpolation, which works in includes.
var ciVariable = regexp.MustCompile(`\$\$|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)

// ciVariables lists the CI/CD variables referenced in s.
func ciVariables(s string) []string {
	var out []string
	for _, m := range ciVariable.FindAllString(s, -1) {
		if m != "$$" {
			out = append(out, m)
		}
	}
	return out
}

// checkInclude: the count limit, entry keys, and CI/CD variables, which a
// dynamic child pipeline resolves to empty values (issue 378717).
func (v *validator) checkInclude(p pair) {
	list := includeItems(p.Value)
	if len(list) > v.lim.MaxIncludes {
		v.errorf(p.Key, RuleIncludeCount, "", "Maximum of %d nested includes are allowed! This file alone lists %d (ci_max_includes)", v.lim.MaxIncludes, len(list))
	}
	for _, it := range list {
		switch kindOf(it) {
		case kindString:
			v.checkIncludeVariables(it, "include", "", SeverityError)
		case kindMap:
			v.checkKeys(it, "include", "", kw.Include)
			for _, e := range entries(it) {
				name := keyString(e.Key)
				sev := SeverityError
				if name == "rules" {
					// include:rules are variable expressions by design;
					// whether a child resolves them is unconfirmed.
					sev = SeverityWarning
				}
				v.checkIncludeVariables(e.Value, "include:"+name, "", sev)
			}
		case kindRef:
		default:
			v.errorf(it, RuleWrongType, "", "include config should be a string or a hash, not %s", kindPhrase([]string{kindOf(it)}))
		}
	}
}

// includeItems: include may be one string, one hash, or a list.
func includeItems(n *yaml.Node) []*yaml.Node {
	if kindOf(n) == kindSeq {
		return items(n)
	}
	if n == nil {
		return nil
	}
	return []*yaml.Node{resolve(n)}
}

// checkIncludeVariables reports every CI/CD variable in any string under n.
func (v *validator) checkIncludeVariables(n *yaml.Node, where, job string, sev Severity) {
	walkStrings(n, func(s *yaml.Node) {
		for _, name := range ciVariables(s.Value) {
			v.report(s, sev, RuleIncludeVariable, job,
				"%s uses the CI/CD variable %s, but GitLab resolves variables in `include` to empty values in a dynamic child pipeline (gitlab-org/gitlab#378717): write the literal value, or pass it through `inputs`", where, name)
		}
	})
}

// walkStrings calls f for each string scalar under n, visiting shared
// (aliased) nodes once.
func walkStrings(n *yaml.Node, f func(*yaml.Node)) {
	seen := map[*yaml.Node]bool{}
	var walk func(*yaml.Node, int)
	walk = func(n *yaml.Node, depth int) {
		n = resolve(n)
		if n == nil || seen[n] || depth > 200 {
			return
		}
		seen[n] = true
		if n.Kind == yaml.ScalarNode {
			if kindOf(n) == kindString && strings.Contains(n.Value, "$") {
				f(n)
			}
			return
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
}
