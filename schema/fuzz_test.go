package schema

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// FuzzValidate: no input makes the validator panic or hang, and every
// finding is well formed, sorted, and the same on a second run. The seeds
// are all fixtures.
//
// A second fuzz target, the renderer round trip (anything the YAML renderer
// emits the validator accepts and re-parses to the same data), belongs with
// the renderer in generator/render once it exists.
//
//	go test ./schema -run '^$' -fuzz FuzzValidate -fuzztime 30s
func FuzzValidate(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yml"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data, 1)
		}
	}
	f.Add([]byte("a: &a [*a]\n"), 2)
	f.Add([]byte("a: &a {<<: *a, script: x}\n"), 1)
	known := map[string]bool{}
	for _, r := range RuleTable {
		known[r.ID] = true
	}
	f.Fuzz(func(t *testing.T, data []byte, level int) {
		// Small limits reach the limit checks with small inputs.
		opts := Options{Level: level % 4, Limits: Limits{MaxYAMLSizeBytes: 64 << 10, MaxFileBytes: 64 << 10}}
		start := time.Now()
		fs := Validate("fuzz.yml", data, opts)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("validation took %v", d)
		}
		for i, fd := range fs {
			if !known[fd.Rule] || fd.Message == "" || fd.Pos.File != "fuzz.yml" || fd.Pos.Line < 1 || fd.Pos.Col < 1 {
				t.Fatalf("malformed finding %+v", fd)
			}
			if fd.Severity != SeverityError && fd.Severity != SeverityWarning {
				t.Fatalf("bad severity %+v", fd)
			}
			if i > 0 && (fs[i-1].Pos.Line > fd.Pos.Line || (fs[i-1].Pos.Line == fd.Pos.Line && fs[i-1].Pos.Col > fd.Pos.Col)) {
				t.Fatalf("findings not sorted:\n%s", render(fs))
			}
		}
		if again := Validate("fuzz.yml", data, opts); !reflect.DeepEqual(fs, again) {
			t.Fatalf("not deterministic:\n%s\nvs\n%s", render(fs), render(again))
		}
	})
}
