package generator_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// `make golden` must rewrite every golden file: every package whose tests
// declare an -update flag is run with -update by the Makefile's golden
// target (issue 8: the graph's goldens were left out).
func TestMakeGoldenUpdatesEveryGolden(t *testing.T) {
	root := ".."
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	recipe := regexp.MustCompile(`(?m)^golden:.*\n((?:\t.*\n)+)`).FindSubmatch(mk)
	if recipe == nil {
		t.Fatal("the Makefile has no golden target")
	}
	updated := map[string]bool{}
	for _, m := range regexp.MustCompile(`test (\./\S*) .*-update`).FindAllSubmatch(recipe[1], -1) {
		updated[filepath.Clean(strings.TrimSuffix(string(m[1]), "/"))] = true
	}
	declares := regexp.MustCompile(`flag\.Bool\("update"`)
	found := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "tools" || strings.HasPrefix(d.Name(), ".") && p != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if declares.Match(src) {
			found++
			pkg, _ := filepath.Rel(root, filepath.Dir(p))
			if !updated[filepath.Clean(pkg)] {
				t.Errorf("%s takes -update, but `make golden` does not run ./%s with it", p, filepath.ToSlash(pkg))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("no test declares -update: the scan is broken")
	}
	if !strings.Contains(string(recipe[1]), "test --update -C testdata/example") {
		t.Error("`make golden` does not update the example's scenario goldens")
	}
}
