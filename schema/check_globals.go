package schema

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/schema/keywords"
)

// checkGlobals checks the global keywords: their types, the keys of
// default and workflow, stages, and include.
func (v *validator) checkGlobals() {
	c := v.cfg
	names := make([]string, 0, len(c.Globals))
	for name := range c.Globals {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := c.Globals[name]
		if looksLikeJob(p.Value) {
			// A generator that names a target "cache" or "variables"
			// writes a job GitLab reads as the global keyword.
			v.errorf(p.Key, RuleJobNameReserved, name, "`%s` is a reserved keyword and cannot be a job name: GitLab reads it as the global `%s:` keyword", name, name)
			continue
		}
		if k, ok := kindAllowed(p.Value, keywords.KW.Global[name]); !ok {
			v.errorf(p.ValueOrKey(), RuleWrongType, "", "%s config should be %s, not %s", name, kindPhrase(keywords.KW.Global[name]), kindPhrase([]string{k}))
			continue
		}
		switch name {
		case "default":
			v.checkKeys(p.Value, "default", "", keywords.KW.Default)
			for _, e := range cidoc.Entries(p.Value) {
				if kinds, ok := keywords.KW.Job[cidoc.KeyString(e.Key)]; ok && slices.Contains(keywords.KW.Default, cidoc.KeyString(e.Key)) {
					if k, ok := kindAllowed(e.Value, kinds); !ok {
						v.errorf(e.ValueOrKey(), RuleWrongType, "", "default:%s config should be %s, not %s", cidoc.KeyString(e.Key), kindPhrase(kinds), kindPhrase([]string{k}))
					}
				}
			}
		case "workflow":
			v.checkKeys(p.Value, "workflow", "", keywords.KW.Workflow)
			if r, ok := cidoc.Lookup(cidoc.Entries(p.Value), "rules"); ok {
				v.checkRules(r, "workflow:rules", "", keywords.KW.WorkflowRule)
			}
		case "stages":
			for _, s := range cidoc.Items(p.Value) {
				if k := cidoc.KindOf(s); k != cidoc.KindString && k != cidoc.KindRef {
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
	if cidoc.KindOf(n) != cidoc.KindMap {
		return false
	}
	ps := cidoc.Entries(n)
	for _, k := range []string{"script", "run", "trigger"} {
		if _, ok := cidoc.Lookup(ps, k); ok {
			return true
		}
	}
	return false
}

// checkKeys reports keys of a mapping that GitLab does not know, with
// GitLab's wording "<where> config contains unknown keys: <key>".
func (v *validator) checkKeys(n *yaml.Node, where, job string, known []string) {
	if cidoc.KindOf(n) != cidoc.KindMap {
		return
	}
	for _, p := range cidoc.Entries(n) {
		if name := cidoc.KeyString(p.Key); !slices.Contains(known, name) {
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
func (v *validator) checkInclude(p cidoc.Pair) {
	list := includeItems(p.Value)
	if len(list) > v.lim.MaxIncludes {
		v.errorf(p.Key, RuleIncludeCount, "", "Maximum of %d nested includes are allowed! This file alone lists %d (ci_max_includes)", v.lim.MaxIncludes, len(list))
	}
	for _, it := range list {
		switch cidoc.KindOf(it) {
		case cidoc.KindString:
			v.checkIncludeVariables(it, "include", "", SeverityError)
		case cidoc.KindMap:
			v.checkKeys(it, "include", "", keywords.KW.Include)
			for _, e := range cidoc.Entries(it) {
				name := cidoc.KeyString(e.Key)
				sev := SeverityError
				if name == "rules" {
					// include:rules are variable expressions by design;
					// whether a child resolves them is unconfirmed.
					sev = SeverityWarning
				}
				v.checkIncludeVariables(e.Value, "include:"+name, "", sev)
			}
		case cidoc.KindRef:
		default:
			v.errorf(it, RuleWrongType, "", "include config should be a string or a hash, not %s", kindPhrase([]string{cidoc.KindOf(it)}))
		}
	}
}

// includeItems: include may be one string, one hash, or a list.
func includeItems(n *yaml.Node) []*yaml.Node {
	if cidoc.KindOf(n) == cidoc.KindSeq {
		return cidoc.Items(n)
	}
	if n == nil {
		return nil
	}
	return []*yaml.Node{cidoc.Resolve(n)}
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
		n = cidoc.Resolve(n)
		if n == nil || seen[n] || depth > 200 {
			return
		}
		seen[n] = true
		if n.Kind == yaml.ScalarNode {
			if cidoc.KindOf(n) == cidoc.KindString && strings.Contains(n.Value, "$") {
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
