// Package psychtest runs Ruby for the Psych differential tests: GitLab
// loads CI YAML with Ruby's Psych, so the tests ask the real thing.
package psychtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Ruby returns the path of `ruby`. Without it the test is skipped, except
// in CI (CI=true), where it must be installed.
func Ruby(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("ruby")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ruby is required in CI for the Psych differential test: %v", err)
		}
		t.Skip("ruby is not installed: skipping the Psych differential test (it runs in CI)")
	}
	return path
}

// Script is the path of one of the Ruby scripts beside this file:
// psych-tagged.rb (load YAML documents as GitLab does) and tokenize.rb
// (Psych's ScalarScanner on single strings).
func Script(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), name)
}

// LoadTagged loads each document with Psych exactly as GitLab does
// (psych-tagged.rb, one Ruby run for all) and returns the values with their
// Ruby classes: {"s": string}, {"h": [[key, value]...]}, {"a": [...]},
// {"i": "integer"}, {"f": "float"}, {"o": "Class inspect"}, or {"error": "Class: message"}.
func LoadTagged(t testing.TB, docs []string) []map[string]any {
	t.Helper()
	in, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(Run(t, Script("psych-tagged.rb"), in), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(docs) {
		t.Fatalf("ruby returned %d results for %d documents", len(out), len(docs))
	}
	return out
}

// Run runs a Ruby script file with stdin and returns its stdout.
func Run(t testing.TB, script string, stdin []byte) []byte {
	t.Helper()
	cmd := exec.Command(Ruby(t), script)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ruby %s: %v\n%s", script, err, stderr.Bytes())
	}
	return out
}
