package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/internal/output"
)

// defaultTimeout bounds a whole run. GitLab's job timeout (60 minutes by
// default) was the only bound before: a template that loops, or a stalled
// command, held the parent pipeline's job until then.
const defaultTimeout = 10 * time.Minute

// timeoutGrace is how long a run that passed its deadline gets to stop by
// itself (between cells, between git commands) and report where, before
// the watchdog ends the process.
const timeoutGrace = 2 * time.Second

// registerTimeout adds --timeout to the root: every command runs under it.
func registerTimeout(root *cobra.Command, f *Factory, timeout *time.Duration) {
	root.PersistentFlags().DurationVar(timeout, "timeout", defaultTimeout, "stop the whole run after `DURATION` (e.g. 30s, 5m) with exit 1")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if *timeout <= 0 {
			return usagef("--timeout must be positive, not %s", *timeout)
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), *timeout)
		cmd.SetContext(ctx)
		f.stopWatchdog = startWatchdog(f, *timeout, cancel)
		return nil
	}
}

// startWatchdog ends the process when the run is still going timeoutGrace
// after its deadline: evaluating a Jsonnet cell cannot be interrupted, so
// the context alone cannot stop a template that loops. Temporary files are
// removed first; nothing was renamed into place. It returns the function
// that disarms it.
func startWatchdog(f *Factory, timeout time.Duration, cancel context.CancelFunc) func() {
	t := time.AfterFunc(timeout+timeoutGrace, func() {
		output.RemoveTemps()
		fmt.Fprintf(f.IO.ErrOut, "generate-config: error: %s; nothing was written\n", timeoutMessage(timeout))
		exit := f.Exit
		if exit == nil {
			exit = os.Exit
		}
		exit(ExitInvalid)
	})
	return func() {
		t.Stop()
		cancel()
	}
}

func timeoutMessage(timeout time.Duration) string {
	return fmt.Sprintf("the run took longer than --timeout %s and was stopped (a template that never ends? raise --timeout if the work is really that long)", timeout)
}

// timeoutError rewrites a run that ended by its deadline.
func timeoutError(err error, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New(timeoutMessage(timeout))
	}
	return err
}
