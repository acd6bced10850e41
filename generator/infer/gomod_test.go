package infer

import (
	"strings"
	"testing"
	"testing/fstest"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for k, v := range files {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

func edgeStrings(edges []Edge) []string {
	var out []string
	for _, e := range edges {
		out = append(out, e.From+" -> "+e.To+": "+e.Origin)
	}
	return out
}

func TestGoInfer(t *testing.T) {
	repo := mapFS(map[string]string{
		// A workspace of three modules; tools/gen is not in it.
		"go.work":          "go 1.22\n\nuse (\n\t./libs/auth\n\t./libs/core\n\t./services/api\n)\n\nreplace example.com/libs/log => ./libs/log\n",
		"libs/core/go.mod": "module example.com/libs/core\n\ngo 1.22\n",
		"libs/log/go.mod":  "module example.com/libs/log\n\ngo 1.22\n",
		"libs/auth/go.mod": "module example.com/libs/auth\n\ngo 1.22\n\nrequire (\n\texample.com/libs/core v0.0.0\n\texample.com/libs/log v0.0.0\n\tgithub.com/x/y v1.2.3\n)\n",
		// Through the workspace, plus an indirect requirement (no edge).
		"services/api/go.mod": "module example.com/services/api\n\ngo 1.22\n\nrequire example.com/libs/auth v0.0.0\n\nrequire example.com/libs/core v0.0.0 // indirect\n",
		// Outside the workspace: a local replace; one that leaves the
		// repository, and one to a directory no target has, are no edges.
		"tools/gen/go.mod": "module example.com/tools/gen\n\ngo 1.22\n\nrequire (\n\texample.com/libs/core v0.0.0\n\texample.com/outside v0.0.0\n\texample.com/nowhere v0.0.0\n)\n\nreplace example.com/libs/core => ../../libs/core\n\nreplace example.com/outside => ../../../outside\n\nreplace example.com/nowhere => ../../nowhere\n",
		// No go.mod: not a Go target.
		"web/package.json": "{}",
	})
	targets := []Target{
		{Name: "auth", Dir: "libs/auth"}, {Name: "core", Dir: "libs/core"}, {Name: "log", Dir: "libs/log"},
		{Name: "api", Dir: "services/api"}, {Name: "gen", Dir: "tools/gen"}, {Name: "web", Dir: "web"},
		{Name: "zz-core-again", Dir: "libs/core"}, // the first by name owns the module
	}
	edges, err := Go().Infer(repo, targets)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(edgeStrings(edges), "\n")
	want := strings.Join([]string{
		"api -> auth: services/api/go.mod:5 requires example.com/libs/auth (go.work uses libs/auth)",
		"auth -> core: libs/auth/go.mod:6 requires example.com/libs/core (go.work uses libs/core)",
		"auth -> log: libs/auth/go.mod:7 requires example.com/libs/log (go.work replace => ./libs/log)",
		"gen -> core: tools/gen/go.mod:6 requires example.com/libs/core (replace => ../../libs/core)",
	}, "\n")
	if got != want {
		t.Errorf("edges:\n%s\nwant:\n%s", got, want)
	}
	if edges[0].Pos != (diag.Pos{File: "services/api/go.mod", Line: 5}) {
		t.Errorf("pos %v", edges[0].Pos)
	}
}

// TestGoInferErrors: a go.mod or go.work that does not parse is an error at
// its file and line, never a silently missing edge.
func TestGoInferErrors(t *testing.T) {
	for _, c := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"a/go.mod": "module example.com/a\n\nrequire (\n\tnot a version\n)\n"}, "a/go.mod:4:"},
		{map[string]string{"a/go.mod": "module example.com/a\n", "go.work": "go 1.22\nuse (\n"}, "go.work:"},
	} {
		_, err := Go().Infer(mapFS(c.files), []Target{{Name: "a", Dir: "a"}})
		if err == nil {
			t.Errorf("%v: no error", c.files)
			continue
		}
		if es := diag.Flatten(err); !strings.HasPrefix(es[0].Error(), c.want) || !strings.Contains(es[0].Error(), "infer go:") {
			t.Errorf("error %q, want it at %s", es[0].Error(), c.want)
		}
	}
}
