// Package cli holds the cobra commands of generate-config. Commands are thin:
// each parses flags into an options struct and hands it to a run function that
// calls the generator library, so flag parsing and work can be tested apart
// (NewCmdX(f, runF) / xRun(opts), as in gh). Nothing here calls os.Exit: Main
// returns the exit code and cmd/generate-config/main.go exits with it.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

// Exit codes, documented in the README.
const (
	ExitOK      = 0 // success
	ExitInvalid = 1 // the config or a template is invalid, or generation failed
	ExitUsage   = 2 // bad flags or arguments
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=v1.2.3"
// (make build, make install, goreleaser). Without it, version() reads the
// build information the go command stamps into every binary.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return versionFromBuildInfo(bi)
}

// versionFromBuildInfo is the version of a binary built without -ldflags:
//   - `go install gitlab.com/...@v0.3.0` stamps the module version, v0.3.0;
//   - `go build` or `go install ./cmd/generate-config` in a git checkout
//     stamps the module version git derives (a tag, or a pseudo-version,
//     with "+dirty" for local changes) and the vcs.* settings; when the
//     main module's version is "(devel)", the commit is used instead:
//     devel-<12 hex digits>, with "-dirty" for uncommitted changes;
//   - anything else is "dev".
func versionFromBuildInfo(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified {
		return "devel-" + rev + "-dirty"
	}
	return "devel-" + rev
}

// IOStreams are the streams a command reads and writes; tests replace them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// Factory carries what commands need from the outside world, injected so that
// tests (and testscript) control it completely.
type Factory struct {
	IO IOStreams
	// LookupEnv reads the process environment (GitLab's predefined variables).
	LookupEnv func(string) (string, bool)
	// Environ lists the environment, for the CI-variable allow-list.
	Environ func() []string
	// WorkDir is the directory relative paths are resolved against.
	WorkDir string
	// Exit ends the process when --timeout passes and the run does not
	// stop by itself (os.Exit when nil).
	Exit func(int)

	timeout      time.Duration
	stopWatchdog func()
}

func (f *Factory) Getenv(k string) string {
	v, _ := f.LookupEnv(k)
	return v
}

// Main runs the command line of the current process and returns its exit code.
func Main() int {
	TuneGC(os.LookupEnv)
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate-config: cannot read the working directory:", err)
		return ExitInvalid
	}
	f := &Factory{
		IO:        IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr},
		LookupEnv: os.LookupEnv,
		Environ:   os.Environ,
		WorkDir:   wd,
	}
	// SIGINT and SIGTERM (GitLab cancelling the job) cancel the run's
	// context: evaluation stops between cells and nothing is written, so
	// no temporary file is left behind. A second signal gets the default
	// behaviour back and ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	return RunContext(ctx, f, os.Args[1:])
}

// Run executes args against f and returns the exit code.
func Run(f *Factory, args []string) int {
	return RunContext(context.Background(), f, args)
}

// RunContext executes args against f with ctx, which every command passes
// down to the work it starts, and returns the exit code. Errors are printed
// once, here, by printError; cobra's own printing is silenced.
func RunContext(ctx context.Context, f *Factory, args []string) int {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if f.stopWatchdog != nil {
		f.stopWatchdog()
	}
	err = timeoutError(err, f.timeout)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil {
		// Whatever failed, it failed because the run was stopped.
		fmt.Fprintf(f.IO.ErrOut, "generate-config: error: stopped: %v\n", context.Cause(ctx))
		return ExitInvalid
	}
	if errors.Is(err, errSilent) {
		return ExitInvalid
	}
	if isUsage(err) {
		fmt.Fprintf(f.IO.ErrOut, "generate-config: %s\n", err)
		if cmd != nil {
			fmt.Fprintf(f.IO.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return ExitUsage
	}
	printError(f.IO.ErrOut, err)
	return ExitInvalid
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "generate-config",
		Short: "Generate a GitLab child pipeline for the monorepo targets a change affects",
		Long: `generate-config works out which paths changed, selects the targets of the
monorepo those paths affect, evaluates their Jsonnet templates for every
os × arch cell, and writes a validated generated-config.yml for a
"trigger: include: artifact:" child pipeline.`,
		Example: `  # In the generate-config job of the parent pipeline:
  generate-config generate

  # On a laptop: what would the child pipeline hold for these changes?
  generate-config preview --changed services/api/main.go`,
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	registerTimeout(root, f, &f.timeout)
	root.AddCommand(
		NewCmdGenerate(f, nil),
		NewCmdPreview(f, nil),
		NewCmdChanged(f, nil),
		NewCmdExplain(f, nil),
		NewCmdFmt(f, nil),
		NewCmdInit(f, nil),
		NewCmdValidate(f, nil),
		NewCmdTest(f, nil),
		NewCmdDiff(f, nil),
		NewCmdLint(f, nil),
	)
	registerCompletions(root, f)
	return root
}

// usageError marks an error as a usage error (exit 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func isUsage(err error) bool {
	var u usageError
	if errors.As(err, &u) {
		return true
	}
	// cobra reports unknown commands and argument-count errors as plain errors.
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "invalid argument"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// errSilent is returned by a command that already reported its failure
// (for example validation findings) and only needs the exit code.
var errSilent = errors.New("already reported")

// printError renders any error with the one printer, diag.Print.
func printError(w io.Writer, err error) { diag.Print(w, err) }

// environ is the environment, for the secret scan (nil when unknown).
func (f *Factory) environ() []string {
	if f.Environ == nil {
		return nil
	}
	return f.Environ()
}
