package fromgit

import "context"

// GitRunner runs one git command in dir and returns its standard output.
// The resolver reads git's output through it; internal/gitrun's Exec (the
// default) gives every call a scrubbed environment and a deadline. A
// command that ran and failed returns a *gitrun.Error.
type GitRunner interface {
	Run(ctx context.Context, dir string, args ...string) ([]byte, error)
}
