//go:build unix

package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slowRepo is a repository whose cells each take a noticeable time, so a
// run can be stopped while it evaluates.
func slowRepo(t *testing.T, targets int) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("{ targets: {\n")
	for i := range targets {
		fmt.Fprintf(&b, "  t%02d: { paths: ['t%02d/**'], template: 't.jsonnet' },\n", i, i)
	}
	b.WriteString("} }\n")
	files := map[string]string{
		"generate-config.jsonnet": b.String(),
		// A few hundred milliseconds of work per cell.
		"t.jsonnet": "function(ctx) { ['build:' + ctx.target.name]: { script: ['echo ' + std.length([x for x in std.range(1, 10000) if x % 7 == 0])] } }\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// leftovers lists what a run left in dir besides the inputs.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if n := e.Name(); n != "generate-config.jsonnet" && n != "t.jsonnet" {
			out = append(out, n)
		}
	}
	return out
}

// SIGTERM (GitLab cancelling the job) in the middle of evaluation stops the
// run: exit 1, a message saying it was stopped, and nothing on disk — no
// output, no temporary file.
func TestSIGTERMStopsTheRun(t *testing.T) {
	bin, err := exec.LookPath("generate-config") // set up by testscript.Main
	if err != nil {
		t.Skip("the generate-config test command is not in PATH")
	}
	dir := slowRepo(t, 150)
	cmd := exec.Command(bin, "generate", "--all", "--workers", "1", "-C", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	took := time.Since(start)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != ExitInvalid {
		t.Fatalf("run ended with %v, want exit status %d (a run killed by the signal has no handler)\nstderr:\n%s", err, ExitInvalid, stderr.String())
	}
	if took > 10*time.Second {
		t.Errorf("the run went on for %s after SIGTERM", took)
	}
	if !strings.Contains(stderr.String(), "generate-config: error: stopped: ") {
		t.Errorf("stderr does not say the run was stopped:\n%s", stderr.String())
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("a stopped run left %q", l)
	}
}

// A cancelled context reaches evaluation: the run fails, says why, and
// writes nothing.
func TestCancelledContextWritesNothing(t *testing.T) {
	dir := slowRepo(t, 3)
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("test signal"))
	var stdout, stderr bytes.Buffer
	f := &Factory{
		IO:        IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr},
		LookupEnv: func(string) (string, bool) { return "", false },
		Environ:   func() []string { return nil },
		WorkDir:   dir,
	}
	if code := RunContext(ctx, f, []string{"generate", "--all"}); code != ExitInvalid {
		t.Fatalf("exit %d, want %d\n%s", code, ExitInvalid, stderr.String())
	}
	if got, want := stderr.String(), "generate-config: error: stopped: test signal\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("a cancelled run left %q", l)
	}
}
