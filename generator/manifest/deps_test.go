package manifest_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "gitlab.com/generate-config/generate-config/"

// imports lists the packages the non-test files of the module package
// pkg import, and of every module package they import, transitively,
// each with the module package that imports it.
func imports(t *testing.T, root, pkg string, seen map[string]string) {
	t.Helper()
	dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(pkg, module)))
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files for %s in %s", pkg, dir)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if _, ok := seen[p]; ok {
				continue
			}
			seen[p] = pkg
			if strings.HasPrefix(p, module) {
				imports(t, root, p, seen)
			}
		}
	}
}

// checkNotImported fails for each of bad that the module package pkg
// (module-relative) imports, directly or through module packages.
func checkNotImported(t *testing.T, pkg string, bad ...string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	seen := map[string]string{}
	imports(t, root, module+pkg, seen)
	for _, b := range bad {
		if by, ok := seen[b]; ok {
			t.Errorf("%s depends on %s (imported by %s)", pkg, b, by)
		}
	}
}

// The manifest's types and checks are pure: loading them must not pull in
// go-jsonnet (evaluation is generator.LoadManifest's) nor git (change
// detection), the wrong direction issue 8 found.
func TestManifestDependsOnNeitherJsonnetNorGit(t *testing.T) {
	checkNotImported(t, "generator/manifest",
		"github.com/google/go-jsonnet", module+"internal/jsonnetvm",
		module+"generator/changes", module+"internal/gitrun", "os/exec")
}

// Selection (the path matcher) reads the manifest and a changes.Resolution;
// neither may bring git or go-jsonnet along.
func TestSelectionDependsOnNeitherJsonnetNorGit(t *testing.T) {
	checkNotImported(t, "generator/selection",
		"github.com/google/go-jsonnet", module+"internal/jsonnetvm",
		module+"generator/changes/fromgit", module+"internal/gitrun", "os/exec")
}
