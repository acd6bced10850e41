// Package gitrun is the one way generate-config runs git. Change detection
// (generator/changes) and the commit file system (internal/gitfs) both use
// it, so both get the same guarantees:
//
//   - an environment scrubbed of what would make git read another
//     repository (GIT_DIR, GIT_WORK_TREE, ...), run a pager or an external
//     diff, translate its messages or wait for a password (CleanEnv);
//   - global options that make its output the same for every user;
//   - a deadline on every call: Timeout for local commands, FetchTimeout
//     for network ones, plus curl's low-speed abort on HTTP transports, so
//     a stalled remote cannot hang a pipeline job;
//   - when the deadline passes, the whole process group is killed (a fetch
//     runs git-remote-http as a child, which would otherwise keep the pipes
//     open and Wait blocked).
//
// It is a package of its own, importing only the standard library, so that
// gitfs does not depend on the change resolver and neither pulls anything
// else (go-jsonnet, the manifest) along.
package gitrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Default deadlines. A local command (rev-parse, diff, ls-tree) on the
// largest monorepos takes seconds; a fetch that deepens a shallow clone may
// take minutes on a slow runner, but a remote that stopped answering is
// abandoned after LowSpeedTime by git itself and after FetchTimeout by us.
const (
	DefaultTimeout      = 2 * time.Minute
	DefaultFetchTimeout = 5 * time.Minute
	// LowSpeedLimit and LowSpeedTime become http.lowSpeedLimit and
	// http.lowSpeedTime: an HTTP(S) transfer slower than LowSpeedLimit
	// bytes per second for LowSpeedTime seconds is aborted by git (curl's
	// CURLOPT_LOW_SPEED_LIMIT / _TIME, see git-config(1)).
	LowSpeedLimit = 1000
	LowSpeedTime  = 30
)

// ErrNotFound is returned (wrapped) when the git binary cannot be run.
var ErrNotFound = errors.New("git is not installed or not in PATH")

// Error is a git command that ran and exited non-zero.
type Error struct {
	Args     []string
	ExitCode int
	Stderr   string
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = fmt.Sprintf("exit status %d", e.ExitCode)
	}
	return fmt.Sprintf("git %s: %s", strings.Join(e.Args, " "), msg)
}

// TimeoutError is a git command stopped because its deadline passed while
// the caller's context was still live.
type TimeoutError struct {
	Args  []string
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("git %s: %s", strings.Join(e.Args, " "), e.Reason())
}

// Reason is the error without the command.
func (e *TimeoutError) Reason() string {
	return fmt.Sprintf("no answer within %s; stopped", e.After)
}

// Exec runs the git command-line tool. The zero value is ready to use.
type Exec struct {
	// Path is the git binary; "" means "git", looked up in PATH.
	Path string
	// Env is the environment git starts from (credentials, HOME, config
	// files); nil means the process environment. CleanEnv is applied.
	Env []string
	// Timeout bounds a local command, FetchTimeout a network one (fetch,
	// ls-remote); zero means DefaultTimeout / DefaultFetchTimeout.
	Timeout, FetchTimeout time.Duration
}

// globalArgs come before every subcommand: no pager; no index refresh
// written behind the user's back (another git may hold the lock); paths
// printed as they are, never C-quoted; and the HTTP low-speed abort.
var globalArgs = []string{
	"--no-pager", "--no-optional-locks", "-c", "core.quotepath=off",
	"-c", fmt.Sprintf("http.lowSpeedLimit=%d", LowSpeedLimit),
	"-c", fmt.Sprintf("http.lowSpeedTime=%d", LowSpeedTime),
}

// network lists the subcommands that talk to a remote.
var network = map[string]bool{"fetch": true, "ls-remote": true, "clone": true, "pull": true, "push": true}

// deadline is the timeout of the command args.
func (g Exec) deadline(args []string) time.Duration {
	if len(args) > 0 && network[args[0]] {
		if g.FetchTimeout > 0 {
			return g.FetchTimeout
		}
		return DefaultFetchTimeout
	}
	if g.Timeout > 0 {
		return g.Timeout
	}
	return DefaultTimeout
}

func (g Exec) bin() string {
	if g.Path == "" {
		return "git"
	}
	return g.Path
}

// Command prepares git args in dir, bound to ctx, with the scrubbed
// environment and the global options. When ctx ends, git and every process
// it started are killed. It gives no deadline of its own: use it for a
// long-lived process (git cat-file --batch) whose life the caller bounds,
// and Run for everything else.
func (g Exec) Command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	env := g.Env
	if env == nil {
		env = os.Environ()
	}
	cmd := exec.CommandContext(ctx, g.bin(), append(append([]string(nil), globalArgs...), args...)...)
	cmd.Dir = dir
	cmd.Env = CleanEnv(env)
	killGroup(cmd)
	// A grandchild holding stdout open must not keep Wait blocked once
	// git itself is gone.
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// Run runs git args in dir and returns its standard output. A command that
// ran and failed returns an *Error, one stopped by its deadline a
// *TimeoutError, and a missing binary wraps ErrNotFound. When the caller's
// ctx ends, its error is returned.
func (g Exec) Run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	limit := g.deadline(args)
	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := g.Command(cctx, dir, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if cctx.Err() != nil {
		return nil, &TimeoutError{Args: args, After: limit}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return stdout.Bytes(), &Error{Args: args, ExitCode: exit.ExitCode(), Stderr: stderr.String()}
	}
	// Not found in PATH (*exec.Error), or a path that cannot be executed (a
	// PathError naming the binary): git is missing. Any other failure to
	// start, such as a missing directory, is reported as it is.
	var notFound *exec.Error
	var notRun *fs.PathError
	if errors.As(err, &notFound) || errors.As(err, &notRun) && notRun.Path == g.bin() {
		return nil, fmt.Errorf("%w (%v)", ErrNotFound, err)
	}
	return nil, fmt.Errorf("running git in %s: %w", dir, err)
}

// CleanEnv returns env without the variables that would make git read
// another repository, run an external diff or a pager, translate its
// messages or wait for a password, plus the settings that forbid those.
// Credentials, HOME and config files stay: fetching needs them, and the
// options callers pass override every config key that could change the
// output they parse.
func CleanEnv(env []string) []string {
	out := make([]string, 0, len(env)+3)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if dropped[k] || strings.HasPrefix(k, "LC_") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat")
}

var dropped = map[string]bool{
	"GIT_DIR": true, "GIT_WORK_TREE": true, "GIT_INDEX_FILE": true, "GIT_COMMON_DIR": true,
	"GIT_OBJECT_DIRECTORY": true, "GIT_ALTERNATE_OBJECT_DIRECTORIES": true,
	"GIT_NAMESPACE": true, "GIT_PREFIX": true, "GIT_EXTERNAL_DIFF": true, "GIT_DIFF_OPTS": true,
	"GIT_PAGER": true, "PAGER": true, "GIT_TERMINAL_PROMPT": true,
	"LANG": true, "LANGUAGE": true,
}
