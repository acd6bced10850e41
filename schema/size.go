package schema

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
)

// checkFileSize: GitLab reads an `include: artifact` file of at most
// max_artifacts_content_include_size (5 MB), and the limit applies to the
// whole artifacts archive of the generating job too, which this check
// cannot see: keep that job's artifacts to the generated file.
func (v *validator) checkFileSize(n int) {
	limit := v.lim.MaxFileBytes
	switch {
	case n > limit:
		v.errorf(nil, RuleFileSize, "", "the file is %s, over GitLab's %s limit for `include: artifact` (max_artifacts_content_include_size); GitLab says \"Artifacts archive for job `…` is too large\"", human(n), human(limit))
	case v.nearLimit(n, limit):
		v.warnf(nil, RuleFileSize, "", "the file is %s, %d %% of GitLab's %s limit for `include: artifact` (max_artifacts_content_include_size)", human(n), percent(n, limit), human(limit))
	}
}

// checkParsedSize estimates what GitLab's Gitlab::Utils::DeepSize measures
// (see memsize) and the nesting depth it counts, and reports GitLab's
// "The parsed YAML is too big" for either. It returns false when the file
// is over a limit, since GitLab stops there.
func (v *validator) checkParsedSize(doc *yaml.Node) bool {
	w := sizeWalk{budget: 4 * v.lim.MaxYAMLSizeBytes, maxDepth: v.lim.MaxYAMLDepth}
	w.add(doc.Content[0], 0)
	ok := true
	size, limit := w.total(), v.lim.MaxYAMLSizeBytes
	v.parsedSize = size
	switch {
	case size > limit:
		ok = false
		amount := "about"
		if w.truncated {
			amount = "more than"
		}
		v.errorf(nil, RuleYAMLSize, "", "The parsed YAML is too big: %s %s in GitLab's memory (estimate), over max_yaml_size_bytes %s; aliases count once per use.%s To fit: spread the jobs over up to 3 files (the manifest's output.files), let compaction move what jobs share into hidden jobs they extend (output.compact: auto or always), or raise max_yaml_size_bytes on a self-managed instance", amount, human(size), human(limit), v.largest(doc))
	case v.nearLimit(size, limit):
		v.warnf(nil, RuleYAMLSize, "", "the parsed YAML takes about %s in GitLab's memory (estimate), %d %% of max_yaml_size_bytes %s", human(size), percent(size, limit), human(limit))
	}
	switch depth := w.depth; {
	case depth > v.lim.MaxYAMLDepth:
		ok = false
		v.errorf(w.deepest, RuleYAMLDepth, "", "The parsed YAML is too big: nesting deeper than max_yaml_depth %d", v.lim.MaxYAMLDepth)
	case v.nearLimit(depth, v.lim.MaxYAMLDepth):
		v.warnf(w.deepest, RuleYAMLDepth, "", "the YAML nests %d levels deep, %d %% of max_yaml_depth %d", depth, percent(depth, v.lim.MaxYAMLDepth), v.lim.MaxYAMLDepth)
	}
	return ok
}

// checkTotalSize: GitLab also limits the parsed size of the whole
// configuration, every included file together (ci_max_total_yaml_size_bytes).
func (v *validator) checkTotalSize(total int) {
	limit := v.lim.MaxTotalYAMLSizeBytes
	switch {
	case total > limit:
		v.errorf(nil, RuleYAMLSize, "", "the files together take about %s in GitLab's memory (estimate), over ci_max_total_yaml_size_bytes %s", human(total), human(limit))
	case v.nearLimit(total, limit):
		v.warnf(nil, RuleYAMLSize, "", "the files together take about %s in GitLab's memory (estimate), %d %% of ci_max_total_yaml_size_bytes %s", human(total), percent(total, limit), human(limit))
	}
}

// largest names the top-level entries (jobs, mostly) that take the most
// of the parsed size and, where the validator knows which template made
// each job (Options.Origins), the templates that take the most.
func (v *validator) largest(doc *yaml.Node) string {
	root := cidoc.Resolve(doc.Content[0])
	if root == nil || root.Kind != yaml.MappingNode {
		return ""
	}
	type entry struct {
		name       string
		size, jobs int
	}
	var jobs []entry
	templates := map[string]*entry{}
	for _, p := range cidoc.Entries(root) {
		w := sizeWalk{budget: v.lim.MaxYAMLSizeBytes, maxDepth: v.lim.MaxYAMLDepth}
		w.add(p.Key, 1)
		w.add(p.Value, 1)
		name := cidoc.KeyString(p.Key)
		jobs = append(jobs, entry{name: name, size: w.total()})
		if o, ok := v.opts.Origins[name]; ok && o.Template != "" {
			t := templates[o.Template]
			if t == nil {
				t = &entry{name: o.Template}
				templates[o.Template] = t
			}
			t.size += w.total()
			t.jobs++
		}
	}
	top := func(es []entry, n int) []entry {
		sort.SliceStable(es, func(i, j int) bool { return es[i].size > es[j].size })
		return es[:min(n, len(es))]
	}
	var b strings.Builder
	b.WriteString(" Largest:")
	for i, e := range top(jobs, 3) {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " `%s` (%s)", e.name, humanShort(e.size))
	}
	b.WriteString(".")
	if len(templates) > 0 {
		var ts []entry
		for _, t := range templates {
			ts = append(ts, *t)
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i].name < ts[j].name })
		b.WriteString(" By template:")
		for i, t := range top(ts, 3) {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, " %s (%d jobs, %s)", t.name, t.jobs, humanShort(t.size))
		}
		b.WriteString(".")
	}
	return b.String()
}

// humanShort is human without the exact count.
func humanShort(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func (v *validator) nearLimit(n, limit int) bool {
	return n*100 >= limit*v.lim.WarnPercent && v.lim.WarnPercent < 100
}

func percent(n, limit int) int { return n * 100 / limit }

// human prints a byte count the way GitLab's limits are written (5 MB is
// 5 × 1024 × 1024 bytes), with the exact count.
func human(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB (%d bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB (%d bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%d bytes", n)
}

// sizeWalk adds up the estimated memory of the loaded YAML the way
// Gitlab::Utils::DeepSize walks it: every object reached, once per
// reference (an alias used twice counts twice, as Psych hands out the same
// object and DeepSize keeps no visited set), hash keys included; depth is
// the number of nested hashes and arrays. It stops descending past
// maxDepth (which also ends alias cycles) and stops counting past budget.
type sizeWalk struct {
	budget, maxDepth int
	sizes            [rubyVersions]int // by Ruby version
	depth            int
	deepest          *yaml.Node
	truncated        bool
}

// addScalar prices a scalar as the object Psych makes of it on each Ruby
// version (see rubysize.go): strings by length, integers and floats by
// value, booleans and nil as immediates.
func (w *sizeWalk) addScalar(n *yaml.Node) {
	switch cidoc.KindOf(n) {
	case cidoc.KindString, cidoc.KindRef:
		for v := range rubyVersions {
			w.sizes[v] += rubyStringBytes(v, len(n.Value))
		}
	case cidoc.KindInt:
		w.addAll(rubyIntegerBytes(n.Value))
	case cidoc.KindFloat:
		w.addAll(rubyFloatBytes(n.Value))
	}
}

func (w *sizeWalk) addAll(n int) {
	for v := range rubyVersions {
		w.sizes[v] += n
	}
}

// total is the largest of the versions' totals.
func (w *sizeWalk) total() int {
	return max(w.sizes[ruby31], w.sizes[ruby32], w.sizes[ruby33])
}

func (w *sizeWalk) add(n *yaml.Node, depth int) {
	if w.total() > w.budget {
		w.truncated = true
		return
	}
	n = cidoc.Resolve(n)
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.ScalarNode:
		w.addScalar(n)
		return
	case yaml.MappingNode, yaml.SequenceNode:
	default:
		return
	}
	level := depth + 1
	if level > w.depth {
		w.depth, w.deepest = level, n
	}
	if level > w.maxDepth {
		return
	}
	if n.Kind == yaml.SequenceNode {
		w.addAll(rubyArrayBytes(len(n.Content)))
		for _, c := range n.Content {
			w.add(c, level)
		}
		return
	}
	ps := cidoc.Entries(n)
	for v := range rubyVersions {
		w.sizes[v] += rubyHashBytes(v, len(ps))
	}
	for _, p := range ps {
		w.add(p.Key, level)
		w.add(p.Value, level)
	}
}

// ParsedSize is the estimate of what GitLab's Gitlab::Utils::DeepSize
// measures for data (the configuration document, after a `spec:` header),
// and the nesting depth it counts; the validator compares both with
// max_yaml_size_bytes and max_yaml_depth. The estimate is never below what
// Ruby 3.1 to 3.3 report (see rubysize.go).
func ParsedSize(data []byte) (size, depth int, err error) {
	w, err := measure(data)
	return w.total(), w.depth, err
}

// measure walks the configuration document of data without limits.
func measure(data []byte) (sizeWalk, error) {
	w := sizeWalk{budget: math.MaxInt / 2, maxDepth: math.MaxInt / 2}
	doc, err := cidoc.Parse(data)
	if err != nil {
		return w, err
	}
	if doc.Content == nil || len(doc.Content.Content) == 0 {
		return w, nil
	}
	w.add(doc.Content.Content[0], 0)
	return w, nil
}
