// Package psychtest runs Ruby for the Psych differential tests: GitLab
// loads CI YAML with Ruby's Psych, so the tests ask the real thing.
package psychtest

import (
	"bytes"
	"os"
	"os/exec"
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
