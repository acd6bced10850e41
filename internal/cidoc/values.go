package cidoc

import (
	"sort"

	"go.yaml.in/yaml/v3"
)

// JobStages returns the stage of every visible job of jobs, decoded JSON
// values by job name (as the renderer holds them before encoding), after
// extends: the same resolution as Document.StageOf on a parsed file, so the
// renderer declares the stages the validator will find. A job whose stage
// is not a string is left out (the validator reports its type).
//
// Only `stage` and `extends` are read: the other keys cannot change a
// stage, and converting them would cost as much as rendering.
func JobStages(jobs map[string]any) map[string]string {
	names := make([]string, 0, len(jobs))
	for n := range jobs {
		names = append(names, n)
	}
	sort.Strings(names)
	d := &Document{ByName: map[string]*Job{}, merged: map[[2]*yaml.Node]*yaml.Node{}}
	for _, name := range names {
		j := &Job{Name: name, Key: str(name), Hidden: IsHidden(name)}
		if m, ok := jobs[name].(map[string]any); ok {
			j.Value = &yaml.Node{Kind: yaml.MappingNode}
			for _, key := range []string{"stage", "extends"} {
				if v, ok := m[key]; ok {
					j.Own = append(j.Own, Pair{Key: str(key), Value: stageOrExtends(v)})
				}
			}
		}
		d.Jobs = append(d.Jobs, j)
		d.ByName[name] = j
	}
	out := map[string]string{}
	for _, j := range d.Visible() {
		if s, _, ok := d.StageOf(j); ok {
			out[j.Name] = s
		}
	}
	return out
}

func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
}

// stageOrExtends converts a stage or an extends value: strings and lists of
// strings; anything else becomes a mapping, which is neither a stage nor a
// base name.
func stageOrExtends(v any) *yaml.Node {
	switch x := v.(type) {
	case string:
		return str(x)
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range x {
			n.Content = append(n.Content, stageOrExtends(e))
		}
		return n
	}
	return &yaml.Node{Kind: yaml.MappingNode}
}
