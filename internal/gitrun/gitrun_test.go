package gitrun

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gitlab.com/generate-config/generate-config/internal/gitrun/gitruntest"
)

func needGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
}

func hermetic() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
	}
}

// A fetch from a remote that accepts and never answers ends at the fetch
// deadline with a TimeoutError, instead of hanging the run (issue 11).
func TestFetchFromStalledRemoteEndsAtDeadline(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	g := Exec{Env: hermetic(), FetchTimeout: 2 * time.Second}
	if _, err := g.Run(context.Background(), dir, "init", "-q"); err != nil {
		t.Fatal(err)
	}
	url, stop, err := gitruntest.StalledRemote()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	start := time.Now()
	_, err = g.Run(context.Background(), dir, "fetch", "--no-tags", url, "main")
	took := time.Since(start)
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("fetch from a stalled remote: err = %v, want a TimeoutError", err)
	}
	if te.After != 2*time.Second || !strings.Contains(err.Error(), "no answer within 2s") {
		t.Errorf("error %q does not say which deadline passed", err)
	}
	// The deadline, plus WaitDelay at most: never the minutes curl would wait.
	if took > 2*time.Second+4*time.Second {
		t.Errorf("the fetch took %s, beyond its 2s deadline", took)
	}
}

// The caller's context still wins: a cancelled run returns its error, not
// a timeout of git's own.
func TestRunReturnsCallerContextError(t *testing.T) {
	needGit(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Exec{Env: hermetic()}.Run(ctx, t.TempDir(), "init", "-q")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// Every command carries the HTTP low-speed abort, so git itself gives up
// on a remote that trickles.
func TestCommandHasLowSpeedLimits(t *testing.T) {
	cmd := Exec{}.Command(context.Background(), ".", "fetch")
	args := strings.Join(cmd.Args, " ")
	for _, want := range []string{"-c http.lowSpeedLimit=1000", "-c http.lowSpeedTime=30", "--no-pager"} {
		if !strings.Contains(args, want) {
			t.Errorf("git %s lacks %q", args, want)
		}
	}
	if cmd.WaitDelay == 0 {
		t.Error("no WaitDelay: a transport helper holding the pipes would block Wait")
	}
}

func TestDeadlines(t *testing.T) {
	if d := (Exec{}).deadline([]string{"fetch"}); d != DefaultFetchTimeout {
		t.Errorf("fetch deadline %s, want %s", d, DefaultFetchTimeout)
	}
	if d := (Exec{}).deadline([]string{"rev-parse"}); d != DefaultTimeout {
		t.Errorf("local deadline %s, want %s", d, DefaultTimeout)
	}
	g := Exec{Timeout: time.Second, FetchTimeout: 3 * time.Second}
	if g.deadline([]string{"ls-remote"}) != 3*time.Second || g.deadline([]string{"diff"}) != time.Second {
		t.Error("configured deadlines are not used")
	}
}

func TestCleanEnv(t *testing.T) {
	in := []string{
		"GIT_DIR=/other/.git", "GIT_WORK_TREE=/other", "GIT_INDEX_FILE=/x", "GIT_EXTERNAL_DIFF=evil",
		"PAGER=less", "LANG=de_DE.UTF-8", "LC_MESSAGES=de_DE", "GIT_TERMINAL_PROMPT=1",
		"HOME=/home/u", "PATH=/bin", "GIT_CONFIG_GLOBAL=/dev/null",
	}
	got := CleanEnv(in)
	want := []string{"HOME=/home/u", "PATH=/bin", "GIT_CONFIG_GLOBAL=/dev/null", "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat"}
	if !slices.Equal(got, want) {
		t.Errorf("CleanEnv = %q, want %q", got, want)
	}
}

// An inherited GIT_DIR does not redirect git to another repository.
func TestRunIgnoresInheritedGitDir(t *testing.T) {
	needGit(t)
	here, other := t.TempDir(), t.TempDir()
	g := Exec{Env: hermetic()}
	for _, d := range []string{here, other} {
		if _, err := g.Run(context.Background(), d, "init", "-q"); err != nil {
			t.Fatal(err)
		}
	}
	g.Env = append(hermetic(), "GIT_DIR="+filepath.Join(other, ".git"))
	out, err := g.Run(context.Background(), here, "rev-parse", "--absolute-git-dir")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); !strings.HasPrefix(got, here) {
		t.Errorf("git dir %s, want the one of %s", got, here)
	}
}

func TestMissingBinary(t *testing.T) {
	_, err := Exec{Path: filepath.Join(t.TempDir(), "no-git")}.Run(context.Background(), ".", "version")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}
