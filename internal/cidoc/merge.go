package cidoc

import "go.yaml.in/yaml/v3"

// Merge is the configuration GitLab builds from several files of one
// pipeline (a child pipeline's trigger:include lists up to three): their
// top-level entries together, in file order, so that jobs, stages, needs
// and extends resolve across the files. Each node keeps the line and column
// of its own file; the caller knows which file a node came from. A key that
// two files define is kept once, the later file's, as GitLab's deep merge
// of included files keeps the last value (lib/gitlab/ci/config/external/
// processor.rb merges each file into the configuration in order); the
// files this project writes never repeat one.
//
// The documents must be mappings (Root not nil); the result has no Header
// and no Duplicates of its own.
func Merge(docs ...*Document) *Document {
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
	merges, aliases := false, false
	for _, d := range docs {
		if d.Root != nil {
			root.Content = append(root.Content, d.Root.Content...)
		}
		merges, aliases = merges || d.MergeKeys, aliases || d.Aliases
	}
	m := &Document{
		Content:   &yaml.Node{Kind: yaml.DocumentNode, Line: 1, Column: 1, Content: []*yaml.Node{root}},
		Root:      root,
		Globals:   map[string]Pair{},
		ByName:    map[string]*Job{},
		MergeKeys: merges,
		Aliases:   aliases,
	}
	m.build()
	return m
}

// Nodes calls fn for every node of the document as written (not through
// aliases): the header, the configuration, and every key and value.
func (d *Document) Nodes(fn func(*yaml.Node)) {
	Walk(d.Header, fn)
	Walk(d.Content, fn)
}

// Walk calls fn for n and every node below it, not through aliases.
func Walk(n *yaml.Node, fn func(*yaml.Node)) {
	if n == nil {
		return
	}
	fn(n)
	if n.Kind == yaml.AliasNode {
		return
	}
	for _, c := range n.Content {
		Walk(c, fn)
	}
}
