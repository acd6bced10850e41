package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/changes/fromgit"
	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/gitrun"
)

// changeFlags are the flags every command that needs a change set shares.
type changeFlags struct {
	Changed     []string
	ChangedFrom string
	All         bool
	Base        string
	Head        string
	NoFetch     bool
	OnUnknown   string
	// FetchTimeout bounds each network git command (gitrun's deadline).
	FetchTimeout time.Duration
}

func (c *changeFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&c.Changed, "changed", nil, "a changed path, relative to the repository root (repeatable); skips git")
	fl.StringVar(&c.ChangedFrom, "changed-from", "", "read changed paths from `FILE` ('-' for stdin), one per line or NUL-separated; skips git")
	fl.BoolVar(&c.All, "all", false, "select every target, whatever changed")
	fl.StringVar(&c.Base, "base", "", "diff base `REV`, overriding GitLab's variables")
	fl.StringVar(&c.Head, "head", "", "diff head `REV` (default HEAD)")
	fl.BoolVar(&c.NoFetch, "no-fetch", false, "never run network git commands (no deepening of shallow clones)")
	fl.StringVar(&c.OnUnknown, "on-unknown-base", "", "when no diff base can be established: 'all' (default) or 'fail'")
	fl.DurationVar(&c.FetchTimeout, "fetch-timeout", gitrun.DefaultFetchTimeout, "give up a git fetch after `DURATION`; the base is then unknown")
}

func (c *changeFlags) validate() error {
	n := 0
	if len(c.Changed) > 0 {
		n++
	}
	if c.ChangedFrom != "" {
		n++
	}
	if c.All {
		n++
	}
	if n > 1 {
		return usagef("--changed, --changed-from and --all exclude each other")
	}
	if n == 1 && (c.Base != "" || c.Head != "") {
		return usagef("--base/--head cannot be combined with --changed, --changed-from or --all")
	}
	if c.FetchTimeout < 0 {
		return usagef("--fetch-timeout must not be negative, got %s", c.FetchTimeout)
	}
	switch c.OnUnknown {
	case "", "all", "fail":
	default:
		return usagef("--on-unknown-base must be 'all' or 'fail', not %q", c.OnUnknown)
	}
	for _, p := range c.Changed {
		if err := changes.CheckPath(p); err != nil {
			return usageError{err}
		}
	}
	return nil
}

// explicit reports whether the change set is given on the command line, and
// if so returns it. Explicit lists override everything git would say.
func (c *changeFlags) explicit(f *Factory) (changes.Resolution, bool, error) {
	switch {
	case c.All:
		return changes.Resolution{Rule: "--all", All: true, Reason: "--all was given"}, true, nil
	case len(c.Changed) > 0:
		return changes.Explicit(c.Changed, "--changed"), true, nil
	case c.ChangedFrom != "":
		in := f.IO.In
		if c.ChangedFrom != "-" {
			file, err := os.Open(resolvePath(f, c.ChangedFrom))
			if err != nil {
				return changes.Resolution{}, true, fmt.Errorf("--changed-from: %w", err)
			}
			defer file.Close()
			in = file
		}
		what := "the list"
		if c.ChangedFrom == "-" {
			what = "standard input"
		}
		data, err := readCapped(in, maxInputBytes, what)
		if err != nil {
			return changes.Resolution{}, true, fmt.Errorf("--changed-from %s: %w", c.ChangedFrom, err)
		}
		paths, err := changes.ParseList(bytes.NewReader(data))
		if err != nil {
			return changes.Resolution{}, true, fmt.Errorf("--changed-from %s: %w", c.ChangedFrom, err)
		}
		return changes.Explicit(paths, "--changed-from"), true, nil
	}
	return changes.Resolution{}, false, nil
}

// resolve returns the change set: the explicit one when given, otherwise what
// the git resolver finds for this pipeline.
func (c *changeFlags) resolve(ctx context.Context, f *Factory, repoDir string, policy manifest.ChangesPolicy) (changes.Resolution, error) {
	if res, ok, err := c.explicit(f); ok {
		return res, err
	}
	return resolveFromGit(ctx, f, c, repoDir, policy)
}

// resolveFromGit runs the git resolver (docs/change-detection.md) in
// repoDir with the job's environment. A failure carries the decision trace,
// so the message says what was tried before giving up.
func resolveFromGit(ctx context.Context, f *Factory, c *changeFlags, repoDir string, policy manifest.ChangesPolicy) (changes.Resolution, error) {
	git := gitrun.Exec{FetchTimeout: c.FetchTimeout}
	if f.Environ != nil {
		git.Env = f.Environ()
	}
	res, err := fromgit.Resolve(ctx, fromgit.ResolveOptions{
		Dir: repoDir, LookupEnv: f.LookupEnv,
		Base: c.Base, Head: c.Head, NoFetch: c.NoFetch, OnUnknownBase: c.OnUnknown,
		PolicyOnUnknownBase: policy.OnUnknownBase, Sources: policy.Sources, MaxFetchDepth: policy.MaxFetchDepth,
		Git: git,
	})
	if err != nil && len(res.Trace) > 0 {
		notes := []string{"decision trace:"}
		for _, l := range res.Trace {
			notes = append(notes, "  "+l)
		}
		err = &diag.Error{Msg: err.Error(), Notes: notes}
	}
	return res, err
}

func resolvePath(f *Factory, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(f.WorkDir, p)
}
