package gitlabschema

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records Fatal and Skip instead of stopping the test.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

type stop struct{}

func (f *fakeTB) Helper()                      {}
func (f *fakeTB) Fatal(args ...any)            { f.fatal = fmt.Sprint(args...); panic(stop{}) }
func (f *fakeTB) Skip(args ...any)             { f.skip = fmt.Sprint(args...); panic(stop{}) }
func (f *fakeTB) Fatalf(s string, args ...any) { f.Fatal(fmt.Sprintf(s, args...)) }

func runMustLoad(f *fakeTB) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stop); !ok {
				panic(r)
			}
		}
	}()
	MustLoad(f)
}

// TestMustLoadNeedsNoSharedDir: the schema is embedded in the product, so
// even without ../shared (and in CI) MustLoad neither skips nor fails.
func TestMustLoadNeedsNoSharedDir(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "module")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(mod)
	if _, ok := SharedDir(); ok {
		t.Fatal("SharedDir found a directory that does not exist")
	}
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		f := &fakeTB{TB: t}
		runMustLoad(f)
		if f.skip != "" || f.fatal != "" {
			t.Errorf("CI=%q: got skip %q fatal %q, want the embedded schema", ci, f.skip, f.fatal)
		}
	}

	if err := os.MkdirAll(filepath.Join(dir, "shared"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, ok := SharedDir(); !ok || got != filepath.Join(dir, "shared") {
		t.Errorf("SharedDir = %q, %v", got, ok)
	}
}

// TestNoTestingOutsideTests: the package is a test helper, but its non-test
// files must not import testing (issue 8).
func TestNoTestingOutsideTests(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		pf, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pf.Imports {
			if imp.Path.Value == `"testing"` {
				t.Errorf("%s imports testing", f)
			}
		}
	}
}
