package render

import (
	"sort"

	"gitlab.com/generate-config/generate-config/schema/keywords"
)

// topLevelOrder is the order of global keywords at the top of the file;
// jobs follow, sorted by name.
var topLevelOrder = []string{"stages", "include", "variables", "default", "workflow"}

// jobKeyOrder is GitLab's conventional order of keys inside a job; keys not
// listed follow alphabetically.
var jobKeyOrder = []string{
	"stage", "extends", "image", "services", "tags", "variables", "needs", "dependencies",
	"rules", "before_script", "script", "after_script", "artifacts", "cache",
}

var jobKeyRank = func() map[string]int {
	m := map[string]int{}
	for i, k := range jobKeyOrder {
		m[k] = i
	}
	return m
}()

// sortJobKeys orders keys the conventional way.
func sortJobKeys(keys []string) {
	sort.Slice(keys, func(i, j int) bool {
		ri, iok := jobKeyRank[keys[i]]
		rj, jok := jobKeyRank[keys[j]]
		switch {
		case iok && jok:
			return ri < rj
		case iok != jok:
			return iok
		}
		return keys[i] < keys[j]
	})
}

// mappingKeys lists a mapping's keys in output order: GitLab's
// conventional order for a job's own keys (jobLevel), alphabetical
// otherwise, as Jsonnet prints them.
func mappingKeys(m map[string]any, jobLevel bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if jobLevel {
		sortJobKeys(keys)
	} else {
		sort.Strings(keys)
	}
	return keys
}

// orderStages lists the stages used: GitLab's defaults in their order, any
// other stage after "deploy" in alphabetical order (declare `stages` in the
// manifest to choose another order), ".post" last.
func orderStages(used map[string]bool) []string {
	defaults := keywords.DefaultStages() // .pre, build, test, deploy, .post
	var extra []string
	for s := range used {
		if !contains(defaults, s) {
			extra = append(extra, s)
		}
	}
	sort.Strings(extra)
	var out []string
	for _, s := range defaults[:len(defaults)-1] {
		if used[s] {
			out = append(out, s)
		}
	}
	out = append(out, extra...)
	if last := defaults[len(defaults)-1]; used[last] {
		out = append(out, last)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
