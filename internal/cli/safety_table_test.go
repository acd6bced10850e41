package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSafetyTableNamesRealTests: every row of the README's Safety table
// names a test, and every test it names exists (a testscript in
// testdata/script, or a Go test function somewhere in the module), so the
// table cannot promise a check that is not there.
func TestSafetyTableNamesRealTests(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Safety\n")
	if !ok {
		t.Fatal("README.md has no Safety section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var goSrc strings.Builder
	filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, "_test.go") {
			b, _ := os.ReadFile(p)
			goSrc.Write(b)
		}
		return nil
	})
	script := regexp.MustCompile("`([a-z0-9_]+\\.txtar)`")
	goTest := regexp.MustCompile(`\b(Test[A-Za-z0-9_]+)\b`)
	rows := 0
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| Input tried") {
			continue
		}
		rows++
		cells := strings.Split(line, " | ")
		last := cells[len(cells)-1]
		named := 0
		for _, m := range script.FindAllStringSubmatch(last, -1) {
			named++
			if _, err := os.Stat(filepath.Join("../../testdata/script", m[1])); err != nil {
				t.Errorf("row %q names %s, which does not exist", cells[0], m[1])
			}
		}
		for _, m := range goTest.FindAllStringSubmatch(last, -1) {
			named++
			if !strings.Contains(goSrc.String(), "func "+m[1]+"(") {
				t.Errorf("row %q names %s, which no _test.go defines", cells[0], m[1])
			}
		}
		if named == 0 {
			t.Errorf("row %q names no test", cells[0])
		}
	}
	if rows < 40 {
		t.Errorf("the Safety table has %d rows, want at least 40", rows)
	}
}
