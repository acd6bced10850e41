// Package graph draws a GitLab CI configuration (typically a generated child
// pipeline) as a Mermaid flowchart or a Graphviz DOT graph.
//
// The picture:
//
//   - Stages are columns, left to right, in pipeline order. The order is the
//     file's `stages` (with GitLab's implicit `.pre` first and `.post` last)
//     or, when the file has none, GitLab's defaults `.pre, build, test,
//     deploy, .post`. A stage the file uses but does not declare (GitLab would
//     reject the file) is still drawn, after the declared stages and before
//     `.post`, in name order, so the picture of a broken file is not silently
//     incomplete. Stages without jobs are not drawn.
//   - Jobs are nodes inside their stage's column, in name order (byte order).
//     A job without `stage` is in `test`, as in GitLab. Hidden jobs (`.name`)
//     and the global keywords (default, include, stages, variables, workflow,
//     and the deprecated global image, services, cache, before_script,
//     after_script) are not jobs and are not drawn.
//   - `needs` are edges from the needed job to the job that needs it. Edges
//     for `optional: true` needs are dashed (Mermaid: dotted); an optional
//     need of a job that is not in the file is dropped, as GitLab drops it. A
//     non-optional need of a job that is not in the file is an error (GitLab
//     would reject the file too).
//   - A job without `needs` gets no edge: GitLab runs it after the whole
//     previous stage, and the columns already show that. To keep the columns
//     in order the output carries layout-only links that are never drawn
//     (Mermaid `~~~` between stage subgraphs; DOT `style=invis` edges between
//     consecutive stages).
//   - Cross-pipeline and cross-project needs (`{pipeline: P, job: J}`,
//     `{project: P, job: J, ref: R}`) are drawn as external nodes outside
//     every column, with a dashed edge, so a reader sees that the job waits on
//     something outside this pipeline.
//
// Node ids are generated (n0, n1, … for jobs in column order, p0, p1, … for
// external nodes in label order; s0, s1, … or cluster_0, … for stages) and
// names only ever appear escaped inside labels, so no job name — quotes,
// brackets, pipes, '#', ';', '<', '>', backslashes, non-ASCII, control
// characters — can break either language. Control and other non-printing
// characters are shown as Go escapes (`\n`, `\u202e`). The same input always
// gives byte-identical output.
package graph

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/schema"
)

// pipeline is the drawable model of a configuration.
type pipeline struct {
	stages    []*stage
	externals []*node
	edges     []edge
}

type stage struct {
	name string
	jobs []*node
}

type node struct {
	id    string
	label string
	order int // position in the global node order, for sorting edges
}

type edge struct {
	from, to *node
	dashed   bool
}

// rawJob is what the graph needs from a job.
type rawJob struct {
	name  string
	stage string
	needs []need
}

type need struct {
	job      string
	optional bool
	// external is set for cross-pipeline or cross-project needs; it is the
	// external node's label.
	external string
}

// parse reads a GitLab CI YAML document into a pipeline.
func parse(cfg []byte) (*pipeline, error) {
	dec := yaml.NewDecoder(bytes.NewReader(cfg))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &pipeline{}, nil // an empty file draws an empty picture
		}
		return nil, fmt.Errorf("cannot parse the pipeline YAML: %w", err)
	}
	// A file with a `spec:` header has its configuration in the second
	// document; otherwise only the first document is read by GitLab.
	if isSpecHeader(&doc) {
		var next yaml.Node
		if err := dec.Decode(&next); err != nil {
			if errors.Is(err, io.EOF) {
				return &pipeline{}, nil
			}
			return nil, fmt.Errorf("cannot parse the pipeline YAML: %w", err)
		}
		doc = next
	}
	root := resolve(&doc)
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return &pipeline{}, nil
		}
		root = resolve(root.Content[0])
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return &pipeline{}, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the pipeline YAML must be a mapping of keywords and jobs", root.Line)
	}

	var declared []string
	hasStages := false
	var jobs []rawJob
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := resolve(root.Content[i]), resolve(root.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: top-level keys must be scalars", k.Line)
		}
		name := k.Value
		if k.Tag == "!!merge" || name == "<<" {
			return nil, fmt.Errorf("line %d: top-level merge keys (<<) are not supported", k.Line)
		}
		if seen[name] {
			return nil, fmt.Errorf("line %d: %q is defined twice", k.Line, name)
		}
		seen[name] = true
		switch {
		case name == "stages":
			hasStages = true
			s, err := stringList(v, "stages")
			if err != nil {
				return nil, err
			}
			declared = s
			continue
		case schema.IsReservedJobName(name), strings.HasPrefix(name, "."):
			continue
		}
		j, err := parseJob(name, v)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	if !hasStages {
		declared = schema.DefaultStages()
	}
	return build(declared, jobs)
}

func isSpecHeader(doc *yaml.Node) bool {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return false
	}
	m := resolve(doc.Content[0])
	if m.Kind != yaml.MappingNode || len(m.Content) != 2 {
		return false
	}
	return m.Content[0].Value == "spec"
}

// resolve follows YAML aliases to the anchored node.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func stringList(n *yaml.Node, what string) ([]string, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: %s must be a list", n.Line, what)
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		c = resolve(c)
		if c.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: %s entries must be strings", c.Line, what)
		}
		out = append(out, c.Value)
	}
	return out, nil
}

func parseJob(name string, v *yaml.Node) (rawJob, error) {
	j := rawJob{name: name, stage: schema.DefaultJobStage()}
	if v.Kind != yaml.MappingNode {
		return j, fmt.Errorf("line %d: job %q must be a mapping", v.Line, name)
	}
	// Decoding into a struct applies YAML merge keys (<<: *defaults), which
	// GitLab configurations use to share a stage or needs between jobs.
	var fields struct {
		Stage yaml.Node `yaml:"stage"`
		Needs yaml.Node `yaml:"needs"`
	}
	if err := v.Decode(&fields); err != nil {
		return j, fmt.Errorf("job %q: %w", name, err)
	}
	if st := resolve(&fields.Stage); st.Kind != 0 && st.Tag != "!!null" {
		if st.Kind != yaml.ScalarNode {
			return j, fmt.Errorf("line %d: job %q: stage must be a string", st.Line, name)
		}
		j.stage = st.Value
	}
	nd := resolve(&fields.Needs)
	if nd.Kind == 0 || (nd.Kind == yaml.ScalarNode && nd.Tag == "!!null") {
		return j, nil
	}
	if nd.Kind != yaml.SequenceNode {
		return j, fmt.Errorf("line %d: job %q: needs must be a list", nd.Line, name)
	}
	for _, e := range nd.Content {
		n, err := parseNeed(name, resolve(e))
		if err != nil {
			return j, err
		}
		j.needs = append(j.needs, n)
	}
	return j, nil
}

func parseNeed(job string, e *yaml.Node) (need, error) {
	switch e.Kind {
	case yaml.ScalarNode:
		return need{job: e.Value}, nil
	case yaml.MappingNode:
		var m struct {
			Job      yaml.Node `yaml:"job"`
			Pipeline yaml.Node `yaml:"pipeline"`
			Project  yaml.Node `yaml:"project"`
			Ref      yaml.Node `yaml:"ref"`
			Optional yaml.Node `yaml:"optional"`
		}
		if err := e.Decode(&m); err != nil {
			return need{}, fmt.Errorf("job %q: needs entry: %w", job, err)
		}
		n := need{job: scalar(&m.Job)}
		if o := resolve(&m.Optional); o.Kind == yaml.ScalarNode {
			b, err := strconv.ParseBool(o.Value)
			if err != nil {
				return need{}, fmt.Errorf("line %d: job %q: needs:optional must be true or false", o.Line, job)
			}
			n.optional = b
		}
		switch p, pr := scalar(&m.Pipeline), scalar(&m.Project); {
		case pr != "":
			ref := ""
			if r := scalar(&m.Ref); r != "" {
				ref = "@" + r
			}
			n.external = fmt.Sprintf("%s (project %s%s)", n.job, pr, ref)
		case p != "":
			n.external = fmt.Sprintf("%s (pipeline %s)", n.job, p)
		}
		if n.job == "" {
			return need{}, fmt.Errorf("line %d: job %q: needs entry has no job", e.Line, job)
		}
		return n, nil
	}
	return need{}, fmt.Errorf("line %d: job %q: needs entries must be job names or mappings", e.Line, job)
}

func scalar(n *yaml.Node) string {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// build orders stages and jobs, assigns ids and resolves needs into edges.
func build(declared []string, jobs []rawJob) (*pipeline, error) {
	// GitLab always has .pre first and .post last, declared or not.
	order := []string{".pre"}
	pos := map[string]int{".pre": 0}
	for _, s := range declared {
		if _, dup := pos[s]; dup || s == ".post" {
			continue
		}
		pos[s] = len(order)
		order = append(order, s)
	}
	var undeclared []string
	for _, j := range jobs {
		if _, ok := pos[j.stage]; !ok && j.stage != ".post" {
			pos[j.stage] = -1
			undeclared = append(undeclared, j.stage)
		}
	}
	sort.Strings(undeclared)
	order = append(order, undeclared...)
	order = append(order, ".post")

	byStage := map[string][]rawJob{}
	for _, j := range jobs {
		byStage[j.stage] = append(byStage[j.stage], j)
	}
	p := &pipeline{}
	nodes := map[string]*node{}
	n := 0
	for _, s := range order {
		js := byStage[s]
		if len(js) == 0 {
			continue
		}
		sort.Slice(js, func(a, b int) bool { return js[a].name < js[b].name })
		st := &stage{name: s}
		for _, j := range js {
			nd := &node{id: fmt.Sprintf("n%d", n), label: j.name, order: n}
			n++
			nodes[j.name] = nd
			st.jobs = append(st.jobs, nd)
		}
		p.stages = append(p.stages, st)
	}

	// External nodes get ids in label order, after all jobs.
	extLabels := map[string]bool{}
	for _, j := range jobs {
		for _, nd := range j.needs {
			if nd.external != "" {
				extLabels[nd.external] = true
			}
		}
	}
	labels := make([]string, 0, len(extLabels))
	for l := range extLabels {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	ext := map[string]*node{}
	for i, l := range labels {
		e := &node{id: fmt.Sprintf("p%d", i), label: l, order: n + i}
		ext[l] = e
		p.externals = append(p.externals, e)
	}

	type key struct{ from, to string }
	seenEdge := map[key]int{}
	for _, j := range jobs {
		to := nodes[j.name]
		for _, nd := range j.needs {
			var from *node
			dashed := nd.optional
			switch {
			case nd.external != "":
				from, dashed = ext[nd.external], true
			case nodes[nd.job] != nil:
				from = nodes[nd.job]
			case nd.optional:
				continue // GitLab ignores an optional need of an absent job
			default:
				return nil, fmt.Errorf("job %q needs %q, which is not a job of this pipeline", j.name, nd.job)
			}
			k := key{from.id, to.id}
			if i, ok := seenEdge[k]; ok {
				// The same need listed twice: one edge, solid if any
				// listing is not optional.
				p.edges[i].dashed = p.edges[i].dashed && dashed
				continue
			}
			seenEdge[k] = len(p.edges)
			p.edges = append(p.edges, edge{from: from, to: to, dashed: dashed})
		}
	}
	sort.Slice(p.edges, func(a, b int) bool {
		ea, eb := p.edges[a], p.edges[b]
		if ea.to.order != eb.to.order {
			return ea.to.order < eb.to.order
		}
		return ea.from.order < eb.from.order
	})
	return p, nil
}

// visible returns s with every non-printing rune (controls, format
// characters such as bidi overrides, non-ASCII spaces) replaced by its Go
// escape, so a label never hides or reorders text.
func visible(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == ' ' || unicode.IsPrint(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRuneToASCII(r) // 'x' with the escape inside
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}
