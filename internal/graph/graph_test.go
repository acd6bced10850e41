package graph

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden draws every testdata/*.yml in both languages and compares with
// the .mmd and .dot goldens beside it (rewrite them with -update, then review
// the diff).
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.yml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs in testdata: %v", err)
	}
	for _, in := range inputs {
		cfg, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(in, ".yml")
		for _, lang := range []struct {
			ext  string
			draw func([]byte) (string, error)
		}{{".mmd", Mermaid}, {".dot", DOT}} {
			t.Run(filepath.Base(base)+lang.ext, func(t *testing.T) {
				got, err := lang.draw(cfg)
				if err != nil {
					t.Fatal(err)
				}
				golden := base + lang.ext
				if *update {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", golden, got, want)
				}
			})
		}
	}
}

// model returns what a drawing says, independent of the language, for
// assertions that do not depend on golden files.
func model(t *testing.T, cfg string) *pipeline {
	t.Helper()
	p, err := parse([]byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func columns(p *pipeline) []string {
	var out []string
	for _, s := range p.stages {
		var names []string
		for _, j := range s.jobs {
			names = append(names, j.label)
		}
		out = append(out, s.name+"="+strings.Join(names, ","))
	}
	return out
}

func edgeList(p *pipeline) []string {
	var out []string
	for _, e := range p.edges {
		arrow := "->"
		if e.dashed {
			arrow = "..>"
		}
		out = append(out, e.from.label+arrow+e.to.label)
	}
	return out
}

func TestStagesAndNeeds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     string
		columns []string
		edges   []string
	}{{
		name:    "default stages and default stage test",
		cfg:     "z: {stage: deploy}\ny: {}\nx: {stage: build}\nw: {stage: .post}\nv: {stage: .pre}\n",
		columns: []string{".pre=v", "build=x", "test=y", "deploy=z", ".post=w"},
	}, {
		name:    "declared order wins and .pre/.post stay at the ends",
		cfg:     "stages: [.post, deploy, build, .pre]\na: {stage: build}\nb: {stage: deploy}\nc: {stage: .pre}\nd: {stage: .post}\n",
		columns: []string{".pre=c", "deploy=b", "build=a", ".post=d"},
	}, {
		name:    "undeclared stages after declared ones, before .post, by name",
		cfg:     "stages: [one]\na: {stage: zeta}\nb: {stage: alpha}\nc: {stage: one}\nd: {stage: .post}\n",
		columns: []string{"one=c", "alpha=b", "zeta=a", ".post=d"},
	}, {
		name:    "hidden jobs and keywords are not drawn",
		cfg:     "default: {image: x}\ninclude: [{local: a.yml}]\nvariables: {A: b}\nworkflow: {}\n.tmpl: {stage: build}\nimage: alpine\nservices: []\ncache: {}\nbefore_script: [x]\nafter_script: [y]\njob: {}\n",
		columns: []string{"test=job"},
	}, {
		name:    "needs forms, optional, absent optional dropped, duplicates merged",
		cfg:     "stages: [a, b]\nx: {stage: a}\ny: {stage: a}\nz: {stage: b, needs: [x, {job: y, optional: true}, {job: gone, optional: true}, {job: x, optional: true}]}\n",
		columns: []string{"a=x,y", "b=z"},
		edges:   []string{"x->z", "y..>z"},
	}, {
		name:    "cross-pipeline and cross-project needs are external nodes",
		cfg:     "a: {needs: [{pipeline: $P, job: gen}, {project: g/p, job: pkg, ref: main}]}\nb: {needs: [{pipeline: $P, job: gen}]}\n",
		columns: []string{"test=a,b"},
		edges:   []string{"gen (pipeline $P)..>a", "pkg (project g/p@main)..>a", "gen (pipeline $P)..>b"},
	}, {
		name:    "aliases and merge keys are followed",
		cfg:     ".s: &s deploy\n.n: &n [x]\n.base: &base {stage: build, needs: [x]}\nx: {stage: .pre}\ny:\n  <<: *base\nz: {stage: *s, needs: *n}\n",
		columns: []string{".pre=x", "build=y", "deploy=z"},
		edges:   []string{"x->y", "x->z"},
	}, {
		// GitLab resolves extends before it places a job: the stage and
		// needs of the template apply (issue 8, bug 2).
		name:    "stage and needs come through extends",
		cfg:     "stages: [build, release]\n.base: {stage: release, needs: [b]}\n.two: {extends: .base, script: [x]}\nb: {stage: build}\nr: {extends: .two}\nown: {extends: .base, stage: build, needs: []}\n",
		columns: []string{"build=b,own", "release=r"},
		edges:   []string{"b->r"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := model(t, tc.cfg)
			if got := columns(p); !equal(got, tc.columns) {
				t.Errorf("columns:\n got %q\nwant %q", got, tc.columns)
			}
			if got := edgeList(p); !equal(got, tc.edges) {
				t.Errorf("edges:\n got %q\nwant %q", got, tc.edges)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct{ cfg, want string }{
		{"a: {needs: [missing]}\n", `job "a" needs "missing", which is not a job of this pipeline`},
		{"a: {needs: [.hidden]}\n.hidden: {}\n", `needs ".hidden"`},
		{"a: {needs: x}\n", "needs must be a list"},
		{"a: {needs: [[x]]}\n", "needs entries must be job names or mappings"},
		{"a: {needs: [{optional: true}]}\n", "needs entry has no job"},
		{"a: {needs: [{job: b, optional: maybe}]}\nb: {}\n", "needs:optional must be true or false"},
		{"a: {stage: [x]}\n", "stage must be a string"},
		{"a: [x]\n", `job "a" must be a mapping`},
		{"a: {}\na: {}\n", `"a" is defined twice`},
		{"- a\n", "must be a mapping"},
		{"stages: build\n", "stages must be a list"},
		{"a: {\n", "cannot parse the pipeline YAML"},
	} {
		for _, draw := range []func([]byte) (string, error){Mermaid, DOT} {
			_, err := draw([]byte(tc.cfg))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: got error %v, want one containing %q", tc.cfg, err, tc.want)
			}
		}
	}
}

// TestDeterministic: the order of jobs in the file and of needs in a job
// does not change a byte of the output.
func TestDeterministic(t *testing.T) {
	a := "stages: [b, t]\nb1: {stage: b}\nb2: {stage: b}\nt1: {stage: t, needs: [b1, b2]}\nt2: {stage: t, needs: [b2]}\n"
	b := "t2: {stage: t, needs: [b2]}\nt1: {stage: t, needs: [b2, b1]}\nb2: {stage: b}\nstages: [b, t]\nb1: {stage: b}\n"
	for _, draw := range []func([]byte) (string, error){Mermaid, DOT} {
		x, err := draw([]byte(a))
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			y, err := draw([]byte(b))
			if err != nil {
				t.Fatal(err)
			}
			if x != y {
				t.Fatalf("output depends on input order:\n%s\n---\n%s", x, y)
			}
		}
	}
}

// hostileNames are job (and stage) names that break a naive writer of
// either language: delimiters of both syntaxes, their escapes, HTML, entity
// codes, Mermaid directives and keywords, Graphviz escapes, non-ASCII and
// invisible characters.
var hostileNames = []string{
	`build:api:linux-amd64`,
	`a "quoted" job`,
	`back\slash\`,
	`\"; evil [label="x"]; n0 -> n1; "`,
	`<script>alert(1)</script>`,
	`<b>bold</b> & <i>it</i>`,
	`pipe|and{braces}[brackets](parens)`,
	`hash#and;semi`,
	`#quot; #35; #9829; &amp; &lt; &#60;`,
	`%%{init: {"theme": "dark"}}%%`,
	`%% comment`,
	`style:#fff;`,
	`classDef x fill:#f00;`,
	`end`,
	`subgraph`,
	`click n0 call alert()`,
	`n0 --> n1`,
	`a -> b [color=red]`,
	"`markdown` **bold**",
	`\N \G \E \T \H \L \l \r \n`,
	`ビルド:日本語`,
	`Zürich/über straße`,
	`emoji 🚀 ok`,
	"line\nbreak",
	"tab\there",
	"bidi \u202eoverride",
	"nbsp\u00a0space",
	"ﬂ°lt¶ß marker",
	`trailing backslash \`,
	`single 'quotes'`,
	`}`,
	`{`,
	`]`,
	`"`,
}

// hostileConfig builds, with the YAML encoder so the names are exact, a
// pipeline whose stages and jobs carry hostile names: one stage per three
// names, each job needing the previous one, every fourth one optional.
func hostileConfig(t *testing.T) ([]byte, []string, []string) {
	t.Helper()
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }
	root := &yaml.Node{Kind: yaml.MappingNode}
	stages := &yaml.Node{Kind: yaml.SequenceNode}
	var stageNames []string
	for i := 0; i*3 < len(hostileNames); i++ {
		s := fmt.Sprintf("%s %d", hostileNames[len(hostileNames)-1-i], i)
		stageNames = append(stageNames, s)
		stages.Content = append(stages.Content, str(s))
	}
	root.Content = append(root.Content, str("stages"), stages)
	for i, name := range hostileNames {
		job := &yaml.Node{Kind: yaml.MappingNode}
		job.Content = append(job.Content, str("stage"), str(stageNames[i/3]))
		if i > 0 {
			var need *yaml.Node
			if i%4 == 0 {
				need = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
					str("job"), str(hostileNames[i-1]), str("optional"), {Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"},
				}}
			} else {
				need = str(hostileNames[i-1])
			}
			job.Content = append(job.Content, str("needs"), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{need}})
		}
		if i == 1 {
			// A cross-pipeline need with hostile names too.
			needs := job.Content[len(job.Content)-1]
			needs.Content = append(needs.Content, &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
				str("pipeline"), str(`$P"<|>#;\`), str("job"), str(`gen "x" \ #;`),
			}})
		}
		root.Content = append(root.Content, str(name), job)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(root); err != nil {
		t.Fatal(err)
	}
	// The encoder and the graph must agree on the names; guard the
	// fixture itself.
	p := model(t, buf.String())
	if n := len(p.stages); n != len(stageNames) {
		t.Fatalf("fixture: %d stages drawn, want %d", n, len(stageNames))
	}
	return buf.Bytes(), stageNames, hostileNames
}

// requireTool skips (or, under CI=true, fails) when a tool a test needs is
// not installed.
func requireTool(t *testing.T, what, install string) {
	t.Helper()
	msg := fmt.Sprintf("%s is not installed (%s); install it with .ci/install-graph-tools.sh", what, install)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " — required when CI=true")
	}
	t.Skip(msg)
}

// TestHostileDOT renders the hostile pipeline with Graphviz and checks that
// dot accepts it and that every node and cluster shows exactly its name.
func TestHostileDOT(t *testing.T) {
	cfg, stages, jobs := hostileConfig(t)
	out, err := DOT(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dot, err := exec.LookPath("dot")
	if err != nil {
		requireTool(t, "graphviz's dot", "apt-get install graphviz")
	}
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = strings.NewReader(out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("dot -Tsvg rejected the output (%v):\n%s\n--- input\n%s", err, stderr.String(), out)
	}
	svg := parseSVG(t, stdout.Bytes())
	p := model(t, string(cfg))
	for _, s := range p.stages {
		for _, j := range s.jobs {
			if got, want := svg.nodes[j.id], visible(j.label); got != want {
				t.Errorf("node %s shows %q, want %q", j.id, got, want)
			}
		}
	}
	if len(svg.nodes) != len(jobs)+1 {
		t.Errorf("svg has %d nodes, want %d jobs + 1 external", len(svg.nodes), len(jobs))
	}
	if got := svg.nodes["p0"]; got != visible(`gen "x" \ #;`+` (pipeline $P"<|>#;\)`) {
		t.Errorf("external node shows %q", got)
	}
	for i, s := range stages {
		if got := svg.clusters[fmt.Sprintf("cluster_%d", i)]; got != visible(s) {
			t.Errorf("cluster %d shows %q, want %q", i, got, visible(s))
		}
	}
	// Every need is one visible edge (each job but the first needs the one
	// before it, plus the one cross-pipeline need); the invisible layout
	// edges are not in the SVG.
	chain, external := len(jobs)-1, 1
	if want := chain + external; len(svg.edges) != want {
		t.Errorf("svg has %d edges, want %d: %v", len(svg.edges), want, svg.edges)
	}
}

type svgDrawing struct {
	nodes, clusters map[string]string // id → text shown
	edges           []string
}

// parseSVG reads Graphviz's SVG: each node, cluster and edge is a <g> with a
// class, a <title> holding its DOT id, and <text> elements with the label.
func parseSVG(t *testing.T, data []byte) svgDrawing {
	t.Helper()
	type text struct {
		Value string `xml:",chardata"`
	}
	type group struct {
		Class string  `xml:"class,attr"`
		Title string  `xml:"title"`
		Texts []text  `xml:"text"`
		Gs    []group `xml:"g"`
	}
	var doc struct {
		Gs []group `xml:"g"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("dot's SVG does not parse: %v", err)
	}
	d := svgDrawing{nodes: map[string]string{}, clusters: map[string]string{}}
	var walk func([]group)
	walk = func(gs []group) {
		for _, g := range gs {
			var parts []string
			for _, tx := range g.Texts {
				parts = append(parts, tx.Value)
			}
			label := strings.Join(parts, "\n")
			switch g.Class {
			case "node":
				d.nodes[g.Title] = label
			case "cluster":
				d.clusters[g.Title] = label
			case "edge":
				d.edges = append(d.edges, g.Title)
			}
			walk(g.Gs)
		}
	}
	walk(doc.Gs)
	return d
}

// mermaidTool is the Node script that parses Mermaid with the real package.
const mermaidTool = "../../tools/mermaid-parse"

type mermaidParsed struct {
	DiagramType string `json:"diagramType"`
	Vertices    []struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	} `json:"vertices"`
	Subgraphs []struct {
		ID    string   `json:"id"`
		Title string   `json:"title"`
		Nodes []string `json:"nodes"`
	} `json:"subgraphs"`
	Edges []struct {
		Start  string `json:"start"`
		End    string `json:"end"`
		Stroke string `json:"stroke"`
	} `json:"edges"`
}

// parseMermaid runs the parser on text, or on files when given (one node
// start for all of them: loading mermaid takes about a second).
func parseMermaid(t *testing.T, text string, files ...string) ([]mermaidParsed, error) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		requireTool(t, "node", "the machine's Node.js")
	}
	if _, err := os.Stat(filepath.Join(mermaidTool, "node_modules", "mermaid", "package.json")); err != nil {
		requireTool(t, "the mermaid npm package", "npm ci in "+mermaidTool)
	}
	cmd := exec.Command(node, append([]string{filepath.Join(mermaidTool, "parse.mjs")}, files...)...)
	cmd.Stdin = strings.NewReader(text)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, stderr.String())
	}
	var out []mermaidParsed
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var p mermaidParsed
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("parse.mjs printed no JSON: %v\n%s", err, stdout.String())
		}
		out = append(out, p)
	}
	if want := max(1, len(files)); len(out) != want {
		return nil, fmt.Errorf("parse.mjs described %d diagrams, want %d", len(out), want)
	}
	return out, nil
}

// TestMermaidParserRejectsBrokenText proves the parser check can fail, so a
// passing TestHostileMermaid means something.
func TestMermaidParserRejectsBrokenText(t *testing.T) {
	_, err := parseMermaid(t, "flowchart LR\n  n0[\"a\"b\"];\n")
	if err == nil {
		t.Fatal("mermaid accepted an unescaped quote inside a label")
	}
}

// TestHostileMermaid parses the hostile pipeline with the mermaid package
// and checks that each label reads back as the name, each job sits in its
// stage's subgraph, and each need is an edge.
func TestHostileMermaid(t *testing.T) {
	cfg, stages, _ := hostileConfig(t)
	out, err := Mermaid(cfg)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := parseMermaid(t, out)
	if err != nil {
		t.Fatalf("mermaid rejected the output: %v\n--- input\n%s", err, out)
	}
	got := parsed[0]
	if got.DiagramType != "flowchart-v2" {
		t.Errorf("diagram type %q", got.DiagramType)
	}
	p := model(t, string(cfg))
	want := map[string]string{}
	for _, s := range p.stages {
		for _, j := range s.jobs {
			want[j.id] = visible(j.label)
		}
	}
	for _, e := range p.externals {
		want[e.id] = visible(e.label)
	}
	texts := map[string]string{}
	for _, v := range got.Vertices {
		texts[v.ID] = v.Text
	}
	if len(texts) != len(want) {
		t.Errorf("mermaid saw %d nodes, want %d", len(texts), len(want))
	}
	for id, w := range want {
		if texts[id] != w {
			t.Errorf("node %s reads %q, want %q", id, texts[id], w)
		}
	}
	if len(got.Subgraphs) != len(stages) {
		t.Fatalf("mermaid saw %d subgraphs, want %d", len(got.Subgraphs), len(stages))
	}
	for i, s := range got.Subgraphs {
		if s.Title != visible(stages[i]) {
			t.Errorf("subgraph %d reads %q, want %q", i, s.Title, visible(stages[i]))
		}
		var ids []string
		for _, j := range p.stages[i].jobs {
			ids = append(ids, j.id)
		}
		nodes := append([]string(nil), s.Nodes...)
		sort.Strings(nodes)
		sort.Strings(ids)
		if !equal(nodes, ids) {
			t.Errorf("subgraph %d holds %v, want %v", i, nodes, ids)
		}
	}
	var edges []string
	for _, e := range got.Edges {
		if e.Stroke != "invisible" {
			edges = append(edges, e.Start+"->"+e.End+":"+e.Stroke)
		}
	}
	var wantEdges []string
	for _, e := range p.edges {
		stroke := "normal"
		if e.dashed {
			stroke = "dotted"
		}
		wantEdges = append(wantEdges, e.from.id+"->"+e.to.id+":"+stroke)
	}
	if !equal(edges, wantEdges) {
		t.Errorf("edges:\n got %v\nwant %v", edges, wantEdges)
	}
}

// TestGoldenMermaidParses: every golden diagram is valid Mermaid too.
func TestGoldenMermaidParses(t *testing.T) {
	goldens, _ := filepath.Glob("testdata/*.mmd")
	if len(goldens) == 0 {
		t.Fatal("no .mmd goldens")
	}
	parsed, err := parseMermaid(t, "", goldens...)
	if err != nil {
		t.Fatal(err)
	}
	// The basic golden must read back with its edges, not just parse.
	for i, g := range goldens {
		if filepath.Base(g) == "basic.mmd" && len(parsed[i].Edges) == 0 {
			t.Errorf("%s: mermaid saw no edges", g)
		}
	}
}

// TestGoldenDOTRenders: every golden graph renders with dot.
func TestGoldenDOTRenders(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		requireTool(t, "graphviz's dot", "apt-get install graphviz")
	}
	goldens, _ := filepath.Glob("testdata/*.dot")
	if len(goldens) == 0 {
		t.Fatal("no .dot goldens")
	}
	for _, g := range goldens {
		cmd := exec.Command(dot, "-Tsvg", "-o", os.DevNull, g)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("%s: dot: %v %s", g, err, stderr.String())
		}
	}
}

func TestVisible(t *testing.T) {
	for in, want := range map[string]string{
		"plain":             "plain",
		"a\nb":              `a\nb`,
		"\u202e":            `\u202e`,
		"tab\t":             `tab\t`,
		"日本":                "日本",
		"\x00":              `\x00`,
		"nb\u00a0sp":        `nb\u00a0sp`,
		"zero\u200bw":       `zero\u200bw`,
		`already \n`:        `already \n`,
		"emoji 🚀":           "emoji 🚀",
		"combining e\u0301": "combining e\u0301",
	} {
		if got := visible(in); got != want {
			t.Errorf("visible(%q) = %q, want %q", in, got, want)
		}
	}
}
