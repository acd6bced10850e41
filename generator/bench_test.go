package generator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"testing/fstest"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/manifest"
)

// syntheticRepo is a monorepo of n services, each depending on one of 20
// libraries, with a template making a build and a test job per cell and two
// cells per service.
func syntheticRepo(b *testing.B, n int) (fstest.MapFS, *manifest.Manifest, []string) {
	targets := map[string]any{}
	for i := 0; i < 20; i++ {
		targets[fmt.Sprintf("libs/l%02d", i)] = map[string]any{"paths": []string{fmt.Sprintf("libs/l%02d/**", i)}, "template": "ci/t.jsonnet"}
	}
	var changed []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("services/s%05d", i)
		targets[name] = map[string]any{
			"paths":    []string{name + "/**", "!" + name + "/**/*.md"},
			"deps":     []string{fmt.Sprintf("libs/l%02d", i%20)},
			"template": "ci/t.jsonnet",
		}
		if i%10 == 0 {
			changed = append(changed, name+"/main.go", name+"/README.md")
		}
	}
	changed = append(changed, "libs/l03/lib.go")
	src, _ := json.Marshal(map[string]any{"matrix": map[string]any{"os": []string{"linux"}, "arch": []string{"amd64", "arm64"}}, "targets": targets})
	fsys := fstest.MapFS{
		"generate-config.jsonnet": {Data: src},
		"ci/t.jsonnet": {Data: []byte(`
local gc = import 'generate-config.libsonnet';
function(ctx) {
  [gc.jobName('build', ctx.target.name, gc.cell(ctx))]: {
    stage: 'build', tags: [ctx.os, ctx.arch],
    needs: gc.needsDeps(ctx, function(d, os, arch) gc.jobName('build', d, os + '-' + arch)),
    script: ['make -C %s build' % ctx.target.dir],
  },
  [gc.jobName('test', ctx.target.name, gc.cell(ctx))]: { stage: 'test', script: ['make test'] },
}`)},
	}
	m, err := generator.LoadManifest(fsys, "generate-config.jsonnet")
	if err != nil {
		b.Fatal(err)
	}
	return fsys, m, changed
}

// BenchmarkGenerate measures selection, evaluation and rendering for
// monorepos of growing size (make bench-go runs it).
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{100, 1000, 3000} {
		fsys, m, changed := syntheticRepo(b, n)
		res := changes.Explicit(changed, "--changed")
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			var jobs int
			for b.Loop() {
				r, err := generator.Generate(context.Background(), generator.Input{Repo: fsys, Manifest: m, Changes: res, Version: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				jobs = len(r.Document.Jobs)
			}
			b.ReportMetric(float64(jobs), "jobs")
		})
	}
}
