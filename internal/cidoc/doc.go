// Package cidoc is the project's one reader of GitLab CI YAML. It parses a
// document once, with go.yaml.in/yaml/v3 nodes, and gives every other
// package (the validator, the diagram, jobdiff, the parent-job planner, the
// renderer's stage inference) the same understanding of it:
//
//   - the `spec:` header: a first document holding only `spec:`, with the
//     configuration in the second document;
//   - anchors, aliases and `<<` merge keys, applied as Psych builds the hash
//     (within a work budget, so crafted merge graphs cannot stall it);
//   - `!reference` tags, classified as KindRef;
//   - global keywords, hidden jobs (`.name`) and jobs;
//   - `extends`, with GitLab's merge rules (hashes deep-merge, arrays and
//     scalars are replaced, the job's own keys win, several bases merge in
//     order), its nesting depth and its cycles;
//   - the stages and their order (`.pre` first, `.post` last, GitLab's
//     defaults from schema/keywords when none are declared) and the stage of
//     each job after extends;
//   - positions: every key and value is a yaml.Node with its line and
//     column;
//   - scalar kinds the way Psych (YAML 1.1) loads them (KindOf).
//
// It reports no findings: judging the document is the validator's job.
package cidoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/schema/keywords"
)

// Document is a parsed GitLab CI configuration.
type Document struct {
	// Header is the `spec:` header document, nil without one.
	Header *yaml.Node
	// Content is the configuration's document node; nil for a stream
	// without documents.
	Content *yaml.Node
	// Root is the top-level mapping with aliases followed; nil when the
	// configuration is not a mapping (or is a `!reference`).
	Root *yaml.Node
	// Duplicates are keys repeated in one mapping, as written (Psych keeps
	// the last one silently). They are found before merge keys are applied.
	Duplicates []Duplicate

	// Top is the top-level entries after merge keys, in file order.
	Top []Pair
	// Globals are the global keywords among Top, by name.
	Globals map[string]Pair
	// Jobs is every other top-level entry, hidden ones included, in file
	// order; ByName indexes them.
	Jobs   []*Job
	ByName map[string]*Job
	// Stages are the pipeline's stages as GitLab completes them: .pre
	// first, .post last; GitLab's defaults unless StagesDeclared.
	Stages         []string
	StagesDeclared bool
	// HasInclude: jobs, templates and stages may come from included files,
	// which a reader of this file cannot see.
	HasInclude bool
	// MergeKeys: some mapping had a merge key, applied in place, so a
	// mapping may now contain itself (`&a {n: {<<: *a}}`). Without them the
	// configuration is a tree to every walk that does not follow aliases.
	MergeKeys bool
	// Aliases: the configuration holds an alias, so a value may be reached
	// twice and a conversion of it (ToJSON) may be far larger than the
	// file. Only set when Root is.
	Aliases bool
	// Parts is how many parts the file was read in at once (ParseEntries);
	// 1 for one parse.
	Parts int

	merged map[[2]*yaml.Node]*yaml.Node // deepMerge results
	ext    map[*Job]*ExtendsInfo
}

// Duplicate is a key written twice in one mapping.
type Duplicate struct {
	Key, First *yaml.Node
	// TopLevel: the mapping is the configuration's top level, so the key
	// names a job or a global keyword.
	TopLevel bool
}

// Job is one top-level entry that is not a global keyword.
type Job struct {
	Name string
	Key  *yaml.Node
	// Value is the entry's value, aliases followed; nil or not a mapping
	// for a broken job.
	Value  *yaml.Node
	Hidden bool
	// Own is the job's entries as written (merge keys applied), before
	// extends.
	Own []Pair

	// eff is the job after extends; nil until computed.
	eff       []Pair
	effDone   bool
	resolving bool
}

// IsMap reports whether the job is a mapping (and so can be a job at all).
func (j *Job) IsMap() bool { return j.Value != nil && j.Value.Kind == yaml.MappingNode }

// IsHidden reports whether a top-level key names a hidden job (a template
// for extends), which GitLab never runs: every job count of the project
// counts the others.
func IsHidden(name string) bool { return strings.HasPrefix(name, ".") }

// SyntaxError is YAML that does not parse; Line is 0 when unknown.
type SyntaxError struct {
	Line int
	Err  error
}

func (e *SyntaxError) Error() string { return e.Err.Error() }
func (e *SyntaxError) Unwrap() error { return e.Err }

var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+):`)

// Parse reads a configuration. Only YAML syntax is an error (a
// *SyntaxError); a configuration of the wrong shape gives a Document whose
// Root is nil, for the caller to judge.
func Parse(data []byte) (*Document, error) {
	docs, err := decodeAll(data)
	if err != nil {
		return nil, err
	}
	return newDocument(docs), nil
}

// newDocument makes the Document of the decoded YAML documents of a file.
func newDocument(docs []*yaml.Node) *Document {
	d := &Document{Globals: map[string]Pair{}, ByName: map[string]*Job{}, Parts: 1}
	d.Header, d.Content = splitSpec(docs)
	if d.Content != nil && len(d.Content.Content) > 0 {
		if root := Resolve(d.Content.Content[0]); root != nil && root.Kind == yaml.MappingNode && root.Tag != "!reference" {
			d.Root = root
		}
	}
	if d.Root != nil {
		d.Duplicates = duplicateKeys(d.Content, d.Root)
		if d.MergeKeys, d.Aliases = scanTree(d.Content); d.MergeKeys {
			flattenMerges(d.Content)
		}
	}
	d.build()
	return d
}

// decodeAll reads every YAML document. yaml.v3 reports syntax errors as
// errors; anything it panics on is reported the same way so that no input
// crashes a reader.
func decodeAll(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &SyntaxError{Err: fmt.Errorf("yaml: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if e := dec.Decode(&doc); e != nil {
			if errors.Is(e, io.EOF) {
				return docs, nil
			}
			se := &SyntaxError{Err: e}
			if m := yamlErrLine.FindStringSubmatch(e.Error()); m != nil {
				se.Line, _ = strconv.Atoi(m[1])
			}
			return nil, se
		}
		docs = append(docs, &doc)
	}
}

// splitSpec picks the pipeline document: a file may start with a header
// document holding only `spec:` (inputs), then `---` and the configuration
// (https://docs.gitlab.com/ci/yaml/#spec). Other documents are ignored, as
// GitLab ignores them.
func splitSpec(docs []*yaml.Node) (header, content *yaml.Node) {
	if len(docs) == 0 {
		return nil, nil
	}
	if len(docs) > 1 && len(docs[0].Content) > 0 {
		if ps := Entries(docs[0].Content[0]); len(ps) == 1 && KeyString(ps[0].Key) == "spec" {
			return docs[0], docs[1]
		}
	}
	return nil, docs[0]
}

// duplicateKeys walks the written tree, never through aliases.
func duplicateKeys(n, root *yaml.Node) []Duplicate {
	var out []Duplicate
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || n.Kind == yaml.AliasNode {
			return
		}
		if n.Kind == yaml.MappingNode {
			seen := map[string]*yaml.Node{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || isMergeKey(k) {
					continue
				}
				if first, ok := seen[k.Value]; ok {
					out = append(out, Duplicate{Key: k, First: first, TopLevel: n == root})
					continue
				}
				seen[k.Value] = k
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return out
}

// Rebuild reads the jobs, globals and stages again from Root, after the
// caller changed the tree in place (the validator interpolates
// $[[ inputs ]] into a parsed file, as GitLab does before reading it).
func (d *Document) Rebuild() {
	d.Globals, d.ByName, d.Jobs, d.ext = map[string]Pair{}, map[string]*Job{}, nil, nil
	d.build()
}

func (d *Document) build() {
	d.merged = map[[2]*yaml.Node]*yaml.Node{}
	d.Top = Entries(d.Root)
	for _, p := range d.Top {
		name := KeyString(p.Key)
		if keywords.IsGlobal(name) {
			d.Globals[name] = p
			continue
		}
		j := &Job{Name: name, Key: p.Key, Value: p.Value, Hidden: IsHidden(name)}
		if j.IsMap() {
			j.Own = Entries(j.Value)
		}
		d.Jobs = append(d.Jobs, j)
		d.ByName[name] = j
	}
	_, d.HasInclude = d.Globals["include"]
	d.Stages = keywords.DefaultStages()
	if p, ok := d.Globals["stages"]; ok && KindOf(p.Value) == KindSeq {
		d.StagesDeclared = true
		var declared []string
		for _, s := range Items(p.Value) {
			if v, ok := Scalar(s); ok {
				declared = append(declared, v)
			}
		}
		d.Stages = CompleteStages(declared)
	}
}

// CompleteStages is a declared `stages` list as GitLab completes it
// (Entry::Stages): .pre first, .post last, each stage once.
func CompleteStages(declared []string) []string {
	first, last := keywords.KW.DefaultStages[0], keywords.KW.DefaultStages[len(keywords.KW.DefaultStages)-1]
	out := []string{first}
	for _, s := range declared {
		if !contains(out, s) && s != last {
			out = append(out, s)
		}
	}
	return append(out, last)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Visible returns the jobs GitLab would run (not hidden templates), in
// file order.
func (d *Document) Visible() []*Job {
	var out []*Job
	for _, j := range d.Jobs {
		if !j.Hidden {
			out = append(out, j)
		}
	}
	return out
}

// Names GitLab gives the jobs of `parallel: N` ("build 1/3") and of
// `parallel: matrix` ("build: [linux, amd64]"); needs may name those.
var (
	parallelName = regexp.MustCompile(`^(.+) \d+/\d+$`)
	matrixName   = regexp.MustCompile(`^(.+): \[.*\]$`)
)

// FindJob returns the visible job that a need or a dependency names,
// including the names `parallel` gives to the jobs it generates; nil when
// there is none in this file.
func (d *Document) FindJob(name string) *Job {
	if j, ok := d.ByName[name]; ok && !j.Hidden {
		return j
	}
	for _, re := range []*regexp.Regexp{parallelName, matrixName} {
		if m := re.FindStringSubmatch(name); m != nil {
			if j, ok := d.ByName[m[1]]; ok && !j.Hidden {
				if _, par := d.Entry(j, "parallel"); par {
					return j
				}
			}
		}
	}
	return nil
}
