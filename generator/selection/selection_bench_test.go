package selection_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"testing/fstest"

	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/generator/selection"
)

// BenchmarkSelectAtScale: selection for a monorepo of many targets, each
// with 3 patterns (its tree, an exclude, and a shared glob), against a
// large change list (issue 9: 10,000 targets × 100,000 changed paths).
// Every tenth target depends on the one before it; one changed path in
// ten is a Markdown file its target excludes and one in a hundred is
// owned by no target.
func BenchmarkSelectAtScale(b *testing.B) {
	for _, size := range []struct{ targets, paths int }{{1000, 10000}, {10000, 100000}} {
		m, res := scaleInput(b, size.targets, size.paths)
		b.Run(fmt.Sprintf("targets=%d/paths=%d", size.targets, size.paths), func(b *testing.B) {
			var selected int
			for b.Loop() {
				selected = len(selection.Select(m, res).Selected())
			}
			b.ReportMetric(float64(selected), "selected")
		})
	}
}

func scaleInput(b *testing.B, nTargets, nPaths int) (*manifest.Manifest, changes.Resolution) {
	b.Helper()
	targets := map[string]any{}
	for i := 0; i < nTargets; i++ {
		dir := fmt.Sprintf("group%02d/t%05d", i%50, i)
		t := map[string]any{
			"paths":    []string{dir + "/**", "!" + dir + "/**/*.md", fmt.Sprintf("proto/p%03d/*.proto", i%500)},
			"template": "t.jsonnet",
		}
		if i%10 == 1 {
			t["deps"] = []string{fmt.Sprintf("group%02d/t%05d", (i-1)%50, i-1)}
		}
		targets[dir] = t
	}
	js, err := json.Marshal(map[string]any{"targets": targets})
	if err != nil {
		b.Fatal(err)
	}
	repo := fstest.MapFS{"generate-config.jsonnet": {Data: js}, "t.jsonnet": {Data: []byte("function(ctx) {}")}}
	m, err := manifest.Decode(repo, "generate-config.jsonnet", js)
	if err != nil {
		b.Fatal(err)
	}
	var cs []changes.Change
	for i := 0; i < nPaths; i++ {
		t := (i * 7919) % nTargets // spread over the targets
		p := fmt.Sprintf("group%02d/t%05d/src/pkg%d/file%d.go", t%50, t, i%7, i)
		switch {
		case i%100 == 0:
			p = fmt.Sprintf("unowned/dir%d/file%d.txt", i%13, i)
		case i%10 == 0:
			p = fmt.Sprintf("group%02d/t%05d/docs/page%d.md", t%50, t, i)
		}
		cs = append(cs, changes.Change{Status: changes.Modified, Path: p})
	}
	return m, changes.Resolution{Rule: "bench", Changes: cs}
}

// BenchmarkTreeAtScale: the ownership reports over the repository listing
// (dead patterns, overlaps) for the same monorepo, its 100,000 paths taken
// as the listing.
func BenchmarkTreeAtScale(b *testing.B) {
	m, res := scaleInput(b, 10000, 100000)
	tree := selection.NewTree(changes.Paths(res.Changes))
	var dead, overlaps int
	for b.Loop() {
		dead, overlaps = len(tree.Dead(m)), len(tree.Overlaps(m))
	}
	b.ReportMetric(float64(dead), "dead")
	b.ReportMetric(float64(overlaps), "overlaps")
}
