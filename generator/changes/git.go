package changes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
)

// GitRunner runs one git command in dir and returns its standard output.
// A command that ran and failed returns a *GitError.
type GitRunner interface {
	Run(ctx context.Context, dir string, args ...string) ([]byte, error)
}

// ExecGit runs the git command-line tool. Every call gets options and an
// environment that make git's output the same for every user: the resolver
// parses that output, and a locale, a pager, or a repository named by the
// caller's environment must not change what it reads.
type ExecGit struct {
	// Path is the git binary; "" means "git", looked up in PATH.
	Path string
	// Env is the environment git starts from (credentials, HOME, config
	// files); nil means the process environment. See cleanEnv for what is
	// removed and set.
	Env []string
}

// ErrGitNotFound is returned (wrapped) when the git binary cannot be run.
var ErrGitNotFound = errors.New("git is not installed or not in PATH")

// GitError is a git command that ran and exited non-zero.
type GitError struct {
	Args     []string
	ExitCode int
	Stderr   string
}

func (e *GitError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = fmt.Sprintf("exit status %d", e.ExitCode)
	}
	return fmt.Sprintf("git %s: %s", strings.Join(e.Args, " "), msg)
}

// gitGlobalArgs come before every subcommand: no pager; no index refresh
// written behind the user's back (another git may hold the lock); and paths
// printed as they are, never C-quoted.
var gitGlobalArgs = []string{"--no-pager", "--no-optional-locks", "-c", "core.quotepath=off"}

func (g ExecGit) Run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	bin := g.Path
	if bin == "" {
		bin = "git"
	}
	env := g.Env
	if env == nil {
		env = os.Environ()
	}
	cmd := exec.CommandContext(ctx, bin, append(append([]string(nil), gitGlobalArgs...), args...)...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return stdout.Bytes(), &GitError{Args: args, ExitCode: exit.ExitCode(), Stderr: stderr.String()}
	}
	// Not found in PATH (*exec.Error), or a path that cannot be executed (a
	// PathError naming the binary): git is missing. Any other failure to
	// start, such as a missing directory, is reported as it is.
	var notFound *exec.Error
	var notRun *fs.PathError
	if errors.As(err, &notFound) || errors.As(err, &notRun) && notRun.Path == bin {
		return nil, fmt.Errorf("%w (%v)", ErrGitNotFound, err)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("running git in %s: %w", dir, err)
}

// cleanEnv returns env without the variables that would make git read
// another repository, run an external diff or a pager, translate its
// messages or wait for a password, plus the settings that forbid those.
// Credentials, HOME and config files stay: fetching needs them, and the
// options the resolver passes override every config key that could change
// the output it parses.
func cleanEnv(env []string) []string {
	drop := map[string]bool{
		"GIT_DIR": true, "GIT_WORK_TREE": true, "GIT_INDEX_FILE": true, "GIT_COMMON_DIR": true,
		"GIT_OBJECT_DIRECTORY": true, "GIT_ALTERNATE_OBJECT_DIRECTORIES": true,
		"GIT_NAMESPACE": true, "GIT_PREFIX": true, "GIT_EXTERNAL_DIFF": true, "GIT_DIFF_OPTS": true,
		"GIT_PAGER": true, "PAGER": true, "GIT_TERMINAL_PROMPT": true,
		"LANG": true, "LANGUAGE": true,
	}
	out := make([]string, 0, len(env)+3)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if drop[k] || strings.HasPrefix(k, "LC_") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat")
}
