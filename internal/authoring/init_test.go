package authoring

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	jsonnet "github.com/google/go-jsonnet"

	"gitlab.com/generate-config/generate-config/templates"
)

func names(ts []Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func TestDiscoverTargets(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   map[string]string
		want    []string
		skipped []string
	}{{
		name: "container directories",
		files: map[string]string{
			"services/api/main.go": "", "services/billing/": "", "apps/web/index.js": "",
			"cmd/tool/main.go": "", "packages/ui/package.json": "", "libs/core/x": "",
			"services/README.md": "", // a file, not a target
		},
		want: []string{"apps/web", "cmd/tool", "libs/core", "packages/ui", "services/api", "services/billing"},
	}, {
		name: "top-level directories with a build file",
		files: map[string]string{
			"api/go.mod": "", "web/package.json": "", "rust/Cargo.toml": "", "java/pom.xml": "",
			"image/Dockerfile": "", "tool/Makefile": "", "docs/index.md": "", "deep/sub/go.mod": "",
		},
		want: []string{"api", "image", "java", "rust", "tool", "web"},
	}, {
		name: "never targets: hidden, vendored, testdata, ci",
		files: map[string]string{
			"services/.cache/": "", "services/node_modules/": "", "services/vendor/": "", "services/testdata/": "",
			"services/ok/": "", ".github/Makefile": "", "vendor/go.mod": "", "node_modules/package.json": "",
			"ci/Makefile": "", "testdata/go.mod": "",
		},
		want: []string{"services/ok"},
	}, {
		name:    "unusual names are skipped and reported",
		files:   map[string]string{"services/a[1]/": "", "services/b*/": "", "services/$HOME/": "", "services/fine one/": "", "services/ünïcode/": ""},
		want:    []string{"services/fine one", "services/ünïcode"},
		skipped: []string{"services/$HOME", "services/a[1]", "services/b*"},
	}, {
		name:  "nothing found: one target for the repository",
		files: map[string]string{"main.go": "", "docs/x.md": ""},
		want:  []string{"root"},
	}, {
		name:  "a single-project repository",
		files: map[string]string{"go.mod": "", "internal/x.go": ""},
		want:  []string{"root"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if runtime.GOOS == "windows" && len(tc.skipped) > 0 {
				t.Skip("these names are not valid on Windows")
			}
			root := tree(t, tc.files)
			got, skipped, err := DiscoverTargets(root)
			if err != nil {
				t.Fatal(err)
			}
			if g := names(got); !reflect.DeepEqual(g, tc.want) {
				t.Errorf("targets %q, want %q", g, tc.want)
			}
			var s []string
			for _, x := range skipped {
				s = append(s, x.Dir)
				if x.Reason == "" {
					t.Errorf("%s skipped without a reason", x.Dir)
				}
			}
			if !reflect.DeepEqual(s, tc.skipped) {
				t.Errorf("skipped %q, want %q", s, tc.skipped)
			}
		})
	}
}

// evalJsonnet evaluates snippet with the scaffolded files and the embedded
// library importable, as the engine does.
func evalJsonnet(t *testing.T, p *Plan, snippet string) any {
	t.Helper()
	lib, err := templates.Library.ReadFile(templates.LibraryName)
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]jsonnet.Contents{templates.LibraryName: jsonnet.MakeContents(string(lib))}
	for _, f := range p.Files {
		data[f.Path] = jsonnet.MakeContents(string(f.Data))
	}
	vm := jsonnet.MakeVM()
	vm.Importer(&jsonnet.MemoryImporter{Data: data})
	out, err := vm.EvaluateAnonymousSnippet("test.jsonnet", snippet)
	if err != nil {
		t.Fatalf("evaluating %s: %v", snippet, err)
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPlanInit(t *testing.T) {
	root := tree(t, map[string]string{
		"services/api/main.go":   "package main",
		"services/api/a/first":   "",
		"services/web/README.md": "",
		"tools/go.mod":           "module x",
	})
	p, err := PlanInit(root)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range p.Files {
		paths = append(paths, f.Path)
		// What init writes is already formatted: fmt --check passes.
		if f.Path == p.Golden {
			continue // YAML, which fmt leaves alone
		}
		if out, err := FormatFile(f.Path, f.Data); err != nil || string(out) != string(f.Data) {
			t.Errorf("%s is not formatted (%v):\n%s", f.Path, err, f.Data)
		}
	}
	want := []string{"generate-config.jsonnet", "ci/build.jsonnet", "ci/scenarios/services-api.jsonnet", "ci/scenarios/services-api.golden.yml"}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("files %q, want %q", paths, want)
	}
	// The golden file is the scenario's output: the change selects the
	// first target only.
	golden := string(p.Files[3].Data)
	if p.Golden != want[3] || !strings.Contains(golden, "build:services/api:linux-amd64:") || strings.Contains(golden, "services/web") {
		t.Errorf("golden %q:\n%s", p.Golden, golden)
	}

	// The manifest holds one target per directory found, each with its
	// pattern and the template.
	m := evalJsonnet(t, p, "import 'generate-config.jsonnet'").(map[string]any)
	targets := m["targets"].(map[string]any)
	for _, name := range []string{"services/api", "services/web", "tools"} {
		got, ok := targets[name].(map[string]any)
		if !ok {
			t.Errorf("no target %s in %v", name, targets)
			continue
		}
		wantT := map[string]any{"paths": []any{name + "/**"}, "template": "ci/build.jsonnet"}
		if !reflect.DeepEqual(got, wantT) {
			t.Errorf("target %s = %v, want %v", name, got, wantT)
		}
	}
	if len(targets) != 3 {
		t.Errorf("%d targets, want 3", len(targets))
	}
	if g := m["global"].([]any); len(g) != 3 || g[0] != "generate-config.jsonnet" {
		t.Errorf("global %v", g)
	}

	// The template makes a build and a test job per cell, with the script's
	// paths in the cell's OS's form, and the test needing the build.
	jobs := evalJsonnet(t, p, `(import 'ci/build.jsonnet')({
		target: { name: 'services/api', dir: 'services/api', paths: ['services/api/**'], deps: [], changed: [] },
		os: 'windows', arch: 'arm64', pipeline: {}, vars: {}, selected: {},
	})`).(map[string]any)
	wantJobs := map[string]any{
		"build:services/api:windows-arm64": map[string]any{
			"stage":  "build",
			"script": []any{`cd "services\api"`, `echo "build services/api (windows-arm64)"`},
		},
		"test:services/api:windows-arm64": map[string]any{
			"stage":  "test",
			"needs":  []any{"build:services/api:windows-arm64"},
			"script": []any{`cd "services\api"`, `echo "test services/api (windows-arm64)"`},
		},
	}
	if !reflect.DeepEqual(jobs, wantJobs) {
		t.Errorf("template jobs:\n got %v\nwant %v", jobs, wantJobs)
	}

	// The scenario names a real file of the first target and a golden path
	// beside it.
	sc := evalJsonnet(t, p, "import 'ci/scenarios/services-api.jsonnet'")
	wantSc := map[string]any{"changed": []any{"services/api/a/first"}, "expect": "ci/scenarios/services-api.golden.yml"}
	if !reflect.DeepEqual(sc, wantSc) {
		t.Errorf("scenario %v, want %v", sc, wantSc)
	}
}

// TestPlanInitQuotesNames: names with characters Jsonnet must escape reach
// the manifest intact.
func TestPlanInitQuotesNames(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("these names are not valid on Windows")
	}
	root := tree(t, map[string]string{"services/o'neil/x": "", "services/日本 語/y": "", "services/a%s/z": ""})
	p, err := PlanInit(root)
	if err != nil {
		t.Fatal(err)
	}
	m := evalJsonnet(t, p, "std.objectFields((import 'generate-config.jsonnet').targets)")
	want := []any{"services/a%s", "services/o'neil", "services/日本 語"}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("targets %q, want %q", m, want)
	}
}

func TestPlanInitRootTarget(t *testing.T) {
	root := tree(t, map[string]string{"ci/old.sh": "", "generate-config.jsonnet.bak": "", "main.go": ""})
	p, err := PlanInit(root)
	if err != nil {
		t.Fatal(err)
	}
	m := evalJsonnet(t, p, "(import 'generate-config.jsonnet').targets")
	if want := map[string]any{"root": map[string]any{"paths": []any{"**"}, "template": "ci/build.jsonnet"}}; !reflect.DeepEqual(m, want) {
		t.Errorf("targets %v, want %v", m, want)
	}
	// ci/ is global (it would select everything), so the scenario changes
	// a file of the target instead.
	sc := evalJsonnet(t, p, "(import 'ci/scenarios/root.jsonnet').changed")
	if want := []any{"generate-config.jsonnet.bak"}; !reflect.DeepEqual(sc, want) {
		t.Errorf("changed %v, want %v", sc, want)
	}
}

func TestPlanInitAllSkipped(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("these names are not valid on Windows")
	}
	root := tree(t, map[string]string{"services/a*/": ""})
	if _, err := PlanInit(root); err == nil || !strings.Contains(err.Error(), "skipped") {
		t.Errorf("got %v, want an error saying every directory was skipped", err)
	}
}

func listTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		r, _ := filepath.Rel(root, p)
		out = append(out, filepath.ToSlash(r))
		return nil
	})
	return out
}

func TestWriteRefusesToOverwrite(t *testing.T) {
	root := tree(t, map[string]string{"services/api/x": "", "ci/build.jsonnet": "mine"})
	p, err := PlanInit(root)
	if err != nil {
		t.Fatal(err)
	}
	before := listTree(t, root)
	parent := &File{Path: ParentFile, Data: []byte("x: {}\n")}
	err = p.Write(parent)
	var ex *ErrExist
	if !errors.As(err, &ex) || !reflect.DeepEqual(ex.Paths, []string{"ci/build.jsonnet"}) {
		t.Fatalf("got %v, want ErrExist naming ci/build.jsonnet", err)
	}
	if after := listTree(t, root); !reflect.DeepEqual(after, before) {
		t.Errorf("the tree changed:\n%q\n%q", before, after)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "ci/build.jsonnet")); string(b) != "mine" {
		t.Errorf("ci/build.jsonnet overwritten: %q", b)
	}
}

func TestWrite(t *testing.T) {
	root := tree(t, map[string]string{"services/api/x": ""})
	p, err := PlanInit(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Write(&File{Path: ParentFile, Data: []byte("x: {}\n")}); err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Files {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		if err != nil || string(b) != string(f.Data) {
			t.Errorf("%s: %v, content matches: %v", f.Path, err, string(b) == string(f.Data))
		}
	}
	if b, _ := os.ReadFile(filepath.Join(root, ParentFile)); string(b) != "x: {}\n" {
		t.Errorf("parent file holds %q", b)
	}
	// A second run finds every file and refuses.
	var ex *ErrExist
	if err := p.Write(nil); !errors.As(err, &ex) || len(ex.Paths) != 4 {
		t.Errorf("second write: %v", err)
	}
}

// TestWriteRollsBack: when a file cannot be created part-way, the files and
// directories already created are removed again.
func TestWriteRollsBack(t *testing.T) {
	// ci/scenarios is a file, so the scenario cannot be created after the
	// manifest and the template were.
	root := tree(t, map[string]string{"services/api/x": "", "ci/scenarios": "not a directory"})
	p, err := PlanInit(root)
	if err != nil {
		t.Fatal(err)
	}
	before := listTree(t, root)
	if err := p.Write(nil); err == nil {
		t.Fatal("write succeeded")
	}
	if after := listTree(t, root); !reflect.DeepEqual(after, before) {
		t.Errorf("not rolled back:\n%q\n%q", before, after)
	}
}
