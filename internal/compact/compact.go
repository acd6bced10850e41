// Package compact makes a child pipeline smaller without changing a job:
// values that several jobs share move into hidden jobs named
// `.generate-config:N` (numbered in order, as wide as the largest number), and those jobs `extends` them.
//
// GitLab's parsed-YAML limit (max_yaml_size_bytes, 2 MB on GitLab.com)
// prices every hash, string and array Ruby builds, and a hash of 9 or more
// entries costs five times one of 8 (see schema/rubysize.go). A realistic
// job of 11 keys is mostly values every job repeats (image, retry,
// before_script, needs ...): stating them once, in a hidden job, makes both
// the repeated values and the job's own hash cheaper.
//
// Correctness rests on GitLab's `extends` rules (doc/ci/yaml/_index.md
// §extends; lib/gitlab/ci/config/extendable/entry.rb): the job is the deep
// merge of its `extends` entries, in order, then of its own keys; hashes
// merge key by key, anything else is replaced. A moved key K was the job's
// own, so it overrode whatever the job's own `extends` gave K. The hidden
// jobs are therefore appended after the job's own `extends` entries, where
// they override those entries exactly as the job's own K did, and the keys
// of different hidden jobs of one job never overlap. The hidden jobs have
// no `extends` of their own, so no inheritance chain gets longer than the
// job's own chain plus one. The test expands both forms with the project's
// model of a GitLab document and compares every job.
//
// Which values move: every (key, value) pair is grouped with the pairs
// shared by exactly the same set of jobs (two or more); each group whose
// move saves bytes becomes one hidden job. Jobs that share everything
// (the image, the retry policy) get one hidden job for all of it; jobs of
// one architecture share another (the runner tags), and so on. If the
// whole does not come out smaller, nothing is changed.
package compact

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gitlab.com/generate-config/generate-config/internal/par"
	"gitlab.com/generate-config/generate-config/schema"
)

// Prefix starts the name of every hidden job compaction adds.
const Prefix = ".generate-config:"

// Result is the outcome of Jobs.
type Result struct {
	// Jobs are the jobs to write: the input when nothing was compacted;
	// otherwise the rewritten jobs and the hidden jobs they extend.
	Jobs map[string]any
	// Templates are the names of the hidden jobs added, in order.
	Templates []string
	// Before and After are ValueSize of all jobs, without and with
	// compaction (equal when nothing changed).
	Before, After int
}

// Compacted reports whether anything was moved.
func (r Result) Compacted() bool { return len(r.Templates) > 0 }

type pair struct {
	key   string
	value any
	jobs  []int // indices into names, ascending
	bytes int   // ValueSize of key and value
}

// Jobs compacts jobs (name → job as decoded JSON). Hidden jobs and jobs that
// are not mappings are left as they are; so are names already taken by the
// input, which the new hidden jobs skip.
func Jobs(jobs map[string]any) Result {
	before := Size(jobs)
	unchanged := Result{Jobs: jobs, Before: before, After: before}

	var names []string
	for name, j := range jobs {
		if _, ok := j.(map[string]any); ok && !strings.HasPrefix(name, ".") {
			names = append(names, name)
		}
	}
	sort.Strings(names)

	// Every (key, value) pair, with the jobs that have it.
	pairs := map[string]*pair{}
	var order []string
	for i, name := range names {
		job := jobs[name].(map[string]any)
		for _, k := range sortedKeys(job) {
			if k == "extends" {
				continue
			}
			c, ok := canonical(job[k])
			if !ok {
				continue
			}
			id := k + "\x00" + c
			p, ok := pairs[id]
			if !ok {
				p = &pair{key: k, value: job[k], bytes: schema.ValueSize(k) + schema.ValueSize(job[k])}
				pairs[id] = p
				order = append(order, id)
			}
			p.jobs = append(p.jobs, i)
		}
	}

	// Pairs shared by the same set of jobs form one candidate.
	type group struct {
		jobs  []int
		pairs []*pair
	}
	groups := map[string]*group{}
	var groupOrder []string
	for _, id := range order {
		p := pairs[id]
		if len(p.jobs) < 2 {
			continue
		}
		set := jobSet(p.jobs)
		g, ok := groups[set]
		if !ok {
			g = &group{jobs: p.jobs}
			groups[set] = g
			groupOrder = append(groupOrder, set)
		}
		g.pairs = append(g.pairs, p)
	}
	// Largest groups first (the pairs of every job), then by first job: a
	// stable order that reads well, the most shared hidden job on top.
	sort.SliceStable(groupOrder, func(a, b int) bool {
		ga, gb := groups[groupOrder[a]], groups[groupOrder[b]]
		if len(ga.jobs) != len(gb.jobs) {
			return len(ga.jobs) > len(gb.jobs)
		}
		return ga.jobs[0] < gb.jobs[0]
	})

	out := make(map[string]any, len(jobs))
	for name, j := range jobs {
		out[name] = j
	}
	extends := map[int][]string{}
	moved := map[int]map[string]bool{}
	var accepted []*group
	for _, set := range groupOrder {
		if g := groups[set]; pays(g.pairs, len(g.jobs), Prefix+"000") {
			accepted = append(accepted, g)
		}
	}
	// Numbers as wide as the largest, so that the names sort in order.
	width := len(strconv.Itoa(len(accepted)))
	var templates []string
	next := 1
	for _, g := range accepted {
		name := ""
		for name == "" || out[name] != nil {
			name = fmt.Sprintf("%s%0*d", Prefix, width, next)
			next++
		}
		tmpl := map[string]any{}
		for _, p := range g.pairs {
			tmpl[p.key] = p.value
		}
		out[name] = tmpl
		templates = append(templates, name)
		for _, i := range g.jobs {
			extends[i] = append(extends[i], name)
			if moved[i] == nil {
				moved[i] = map[string]bool{}
			}
			for _, p := range g.pairs {
				moved[i][p.key] = true
			}
		}
	}
	if len(templates) == 0 {
		return unchanged
	}
	for i, name := range names {
		if len(extends[i]) == 0 {
			continue
		}
		job := jobs[name].(map[string]any)
		nj := make(map[string]any, len(job))
		for k, v := range job {
			if !moved[i][k] {
				nj[k] = v
			}
		}
		nj["extends"] = appendExtends(job["extends"], extends[i])
		out[name] = nj
	}
	after := Size(out)
	if after >= before {
		return unchanged
	}
	return Result{Jobs: out, Templates: templates, Before: before, After: after}
}

// pays estimates whether moving the pairs of n jobs into one hidden job
// saves bytes: the values written once instead of n times, less the hidden
// job and one `extends` entry per job. The hash-size steps of the jobs are
// left out here; Jobs checks the whole at the end.
func pays(ps []*pair, n int, name string) bool {
	saved := 0
	for _, p := range ps {
		saved += (n - 1) * p.bytes
	}
	cost := schema.ValueSize(name) + schema.ValueSize(map[string]any{}) + n*(schema.ValueSize(name)+8)
	return saved > cost
}

// appendExtends adds the hidden jobs after the job's own extends entries,
// so that they override those entries as the moved keys did.
func appendExtends(own any, names []string) any {
	var list []any
	switch x := own.(type) {
	case nil:
	case []any:
		list = append(list, x...)
	default:
		list = append(list, x)
	}
	for _, n := range names {
		list = append(list, n)
	}
	if len(list) == 1 {
		return list[0]
	}
	return list
}

// Size is the estimated parsed size of jobs (schema.ValueSize of every
// name and job).
func Size(jobs map[string]any) int {
	names := make([]string, 0, len(jobs))
	for name := range jobs {
		names = append(names, name)
	}
	// The sum does not depend on the order: large maps are priced on
	// several goroutines.
	sums := make([]int, par.Workers(len(names), 512))
	par.Stride(len(names), 512, func(piece, i int) {
		sums[piece] += schema.ValueSize(names[i]) + schema.ValueSize(jobs[names[i]])
	})
	n := 0
	for _, s := range sums {
		n += s
	}
	return n
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jobSet(jobs []int) string {
	var b strings.Builder
	for _, j := range jobs {
		b.WriteString(strconv.Itoa(j))
		b.WriteByte(',')
	}
	return b.String()
}

// canonical is a value's identity: encoding/json sorts map keys, and
// json.Number keeps numbers as written. A value it cannot encode (never
// one decoded from JSON) is never shared.
func canonical(v any) (string, bool) {
	data, err := json.Marshal(v)
	return string(data), err == nil
}
