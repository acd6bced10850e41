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
//     A job's stage and needs are the ones it has after `extends` (and merge
//     keys), as GitLab resolves them; the document is read by internal/cidoc,
//     the project's one reader of CI YAML. A job without `stage` is in
//     `test`, as in GitLab. Hidden jobs (`.name`)
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
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/schema/keywords"
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

// parse reads a GitLab CI YAML document into a pipeline, with the project's
// one model of a document (internal/cidoc): a `spec:` header, anchors, merge
// keys and `extends` are resolved as GitLab resolves them, so a job is drawn
// in the stage it runs in.
func parse(cfg []byte) (*pipeline, error) {
	doc, err := cidoc.Parse(cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot parse the pipeline YAML: %w", err)
	}
	if doc.Root == nil {
		if cidoc.KindOf(doc.Content) == cidoc.KindNull {
			return &pipeline{}, nil // an empty file draws an empty picture
		}
		return nil, fmt.Errorf("line %d: the pipeline YAML must be a mapping of keywords and jobs", cidoc.Resolve(doc.Content.Content[0]).Line)
	}
	for _, d := range doc.Duplicates {
		if d.TopLevel {
			return nil, fmt.Errorf("line %d: %q is defined twice", d.Key.Line, d.Key.Value)
		}
	}
	if p, ok := doc.Globals["stages"]; ok {
		if k := cidoc.KindOf(p.Value); k != cidoc.KindSeq && k != cidoc.KindNull {
			return nil, fmt.Errorf("line %d: stages must be a list", p.ValueOrKey().Line)
		}
		for _, s := range cidoc.Items(p.Value) {
			if _, ok := cidoc.Scalar(s); !ok {
				return nil, fmt.Errorf("line %d: stages entries must be strings", s.Line)
			}
		}
	}
	var jobs []rawJob
	for _, j := range doc.Visible() {
		if cidoc.KeyString(j.Key) == cidoc.ComplexKey {
			return nil, fmt.Errorf("line %d: top-level keys must be scalars", j.Key.Line)
		}
		rj, err := parseJob(doc, j)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, rj)
	}
	return build(doc.Stages, jobs)
}

// parseJob reads the job's stage and needs after extends.
func parseJob(doc *cidoc.Document, j *cidoc.Job) (rawJob, error) {
	rj := rawJob{name: j.Name}
	if !j.IsMap() {
		return rj, fmt.Errorf("line %d: job %q must be a mapping", j.Key.Line, j.Name)
	}
	stage, at, ok := doc.StageOf(j)
	switch {
	case ok:
		rj.stage = stage
	case cidoc.KindOf(at) == cidoc.KindNull:
		rj.stage = keywords.DefaultJobStage()
	default:
		return rj, fmt.Errorf("line %d: job %q: stage must be a string", at.Line, j.Name)
	}
	p, ok := doc.Entry(j, "needs")
	if !ok || cidoc.KindOf(p.Value) == cidoc.KindNull {
		return rj, nil
	}
	if cidoc.KindOf(p.Value) != cidoc.KindSeq {
		return rj, fmt.Errorf("line %d: job %q: needs must be a list", p.ValueOrKey().Line, j.Name)
	}
	for _, e := range cidoc.Items(p.Value) {
		n, err := parseNeed(j.Name, e)
		if err != nil {
			return rj, err
		}
		rj.needs = append(rj.needs, n)
	}
	return rj, nil
}

func parseNeed(job string, e *yaml.Node) (need, error) {
	switch cidoc.KindOf(e) {
	case cidoc.KindString, cidoc.KindInt, cidoc.KindFloat, cidoc.KindBool:
		return need{job: e.Value}, nil
	case cidoc.KindMap:
		ps := cidoc.Entries(e)
		field := func(key string) string {
			p, _ := cidoc.Lookup(ps, key)
			s, _ := cidoc.Scalar(p.Value)
			return s
		}
		n := need{job: field("job")}
		if o, ok := cidoc.Lookup(ps, "optional"); ok {
			if cidoc.KindOf(o.Value) != cidoc.KindBool {
				return need{}, fmt.Errorf("line %d: job %q: needs:optional must be true or false", o.ValueOrKey().Line, job)
			}
			n.optional = cidoc.IsTrue(o.Value)
		}
		switch p, pr := field("pipeline"), field("project"); {
		case pr != "":
			ref := ""
			if r := field("ref"); r != "" {
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

// build orders stages and jobs, assigns ids and resolves needs into edges.
// stages are the document's, .pre first and .post last.
func build(stages []string, jobs []rawJob) (*pipeline, error) {
	last := stages[len(stages)-1]
	order := append([]string(nil), stages[:len(stages)-1]...)
	pos := map[string]int{}
	for i, s := range order {
		pos[s] = i
	}
	var undeclared []string
	for _, j := range jobs {
		if _, ok := pos[j.stage]; !ok && j.stage != last {
			pos[j.stage] = -1
			undeclared = append(undeclared, j.stage)
		}
	}
	sort.Strings(undeclared)
	order = append(order, undeclared...)
	order = append(order, last)

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
