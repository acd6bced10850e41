package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/internal/cilog"
	"gitlab.com/generate-config/generate-config/internal/gitfs"
	"gitlab.com/generate-config/generate-config/internal/jobdiff"
)

// DiffOptions are the inputs of `diff`.
type DiffOptions struct {
	Factory  *Factory
	Dir      string
	Config   string
	Against  string // a git revision, or a previously generated YAML file
	Format   string
	ExitCode bool
	Workers  int
	// The change set both sides are generated for (default: all targets).
	Changed     []string
	ChangedFrom string
	All         bool
}

// NewCmdDiff builds `diff`; runF replaces diffRun in tests.
func NewCmdDiff(f *Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "diff [--against REV|FILE] [--changed PATH...|--all]",
		Short: "Show which jobs a change to the manifest or templates adds, removes or modifies",
		Long: `Generate the child pipeline twice for the same change set — from the
manifest and templates of the working tree, and from those of a git revision
(default HEAD, read with git itself, no checkout) — and print the difference
job by job: jobs added, removed and changed, with a YAML diff of each changed
job, and changed global keywords (stages, variables, ...). This is what a
reviewer of a template merge request wants to see.

--against FILE compares with a previously generated YAML file instead (an
existing file is read as such; anything else is a git revision).

The change set is --all (every target) unless --changed or --changed-from is
given. Header comments and YAML layout are not compared.

The exit code is 0 whether or not the configs differ; with --exit-code it is
1 when they do, as for git diff.`,
		Example: `  # What does my template change do to the pipeline, for every target?
  generate-config diff

  # Against the target branch of the merge request, for one change:
  generate-config diff --against origin/main --changed services/api/main.go

  # Against the file the last pipeline generated; fail when anything differs:
  generate-config diff --against generated-config.yml --exit-code`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Format != "text" && opts.Format != "json" {
				return usagef("--format must be text or json, not %q", opts.Format)
			}
			if opts.Against == "" {
				return usagef("--against needs a revision or a file")
			}
			if err := opts.changeFlags().validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return diffRun(cmd.Context(), opts)
		},
	}
	registerRepoFlags(cmd, &opts.Dir, &opts.Config, &opts.Workers)
	fl := cmd.Flags()
	fl.StringVar(&opts.Against, "against", "HEAD", "git revision `REV` to compare with, or a generated YAML file")
	fl.StringVar(&opts.Format, "format", "text", "output `FORMAT`: text or json")
	fl.BoolVar(&opts.ExitCode, "exit-code", false, "exit 1 when the configs differ")
	fl.StringArrayVar(&opts.Changed, "changed", nil, "a changed path, relative to the repository root (repeatable)")
	fl.StringVar(&opts.ChangedFrom, "changed-from", "", "read changed paths from `FILE` ('-' for stdin), one per line or NUL-separated")
	fl.BoolVar(&opts.All, "all", false, "select every target (the default)")
	return cmd
}

func (o *DiffOptions) changeFlags() *changeFlags {
	return &changeFlags{Changed: o.Changed, ChangedFrom: o.ChangedFrom, All: o.All}
}

// diffReport is the JSON form of a diff.
type diffReport struct {
	Against   diffSide           `json:"against"`
	Current   diffSide           `json:"current"`
	Changes   changes.Resolution `json:"changes"`
	Identical bool               `json:"identical"`
	*jobdiff.Result
}

type diffSide struct {
	Rev    string `json:"rev,omitempty"`
	Commit string `json:"commit,omitempty"`
	File   string `json:"file,omitempty"`
	Label  string `json:"label"`
}

func diffRun(ctx context.Context, opts *DiffOptions) error {
	f := opts.Factory
	cf := opts.changeFlags()
	res, explicit, err := cf.explicit(f)
	if err != nil {
		return err
	}
	if !explicit {
		res = changes.Resolution{Rule: "--all", All: true, Reason: "diff compares every target unless --changed is given"}
	}
	repoDir := resolvePath(f, opts.Dir)
	config := filepath.ToSlash(opts.Config)

	root, err := openRoot(repoDir)
	if err != nil {
		return err
	}
	defer root.Close()
	current, err := diffGenerate(ctx, f, rootFS(root), config, res, opts.Workers)
	if err != nil {
		return err
	}

	var old []byte
	against := diffSide{}
	if path := resolvePath(f, opts.Against); isRegularFile(path) {
		against.File = workRel(f, path)
		against.Label = against.File
		if old, err = os.ReadFile(path); err != nil {
			return fmt.Errorf("--against %s: %w", against.File, stripPathErr(err))
		}
	} else {
		var env []string
		if f.Environ != nil {
			env = f.Environ()
		}
		gfs, err := gitfs.Open(ctx, repoDir, opts.Against, env)
		if err != nil {
			return fmt.Errorf("--against %s: %w (neither a file nor a git revision)", opts.Against, err)
		}
		defer gfs.Close()
		against.Rev, against.Commit = opts.Against, gfs.Commit()
		against.Label = opts.Against
		old, err = diffGenerate(ctx, f, gfs, config, res, opts.Workers)
		if err != nil {
			return atRevision(opts.Against, err)
		}
	}
	cur := diffSide{Label: "working tree"}
	r, err := jobdiff.Compare(against.Label, cur.Label, old, current)
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		if err := writeJSON(f.IO.Out, diffReport{Against: against, Current: cur, Changes: res, Identical: r.Empty(), Result: r}); err != nil {
			return err
		}
	} else {
		printJobDiff(f.IO.Out, against, res, r)
	}
	if opts.ExitCode && !r.Empty() {
		return errSilent
	}
	return nil
}

func isRegularFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// diffGenerate runs the data path on repo for a fixed change set. The CI
// variables are the same on both sides, so only the configuration differs.
func diffGenerate(ctx context.Context, f *Factory, repo fs.FS, config string, res changes.Resolution, workers int) ([]byte, error) {
	m, err := generator.LoadManifest(repo, config)
	if err != nil {
		return nil, err
	}
	r, err := generator.Generate(ctx, generator.Input{
		Repo: repo, Manifest: m, Changes: res,
		Pipeline: evaluate.PipelineFromEnv(f.LookupEnv), LookupEnv: f.LookupEnv, Environ: f.environ(),
		Version: version(), Workers: workers,
	})
	if err != nil {
		return nil, err
	}
	return r.Document.Whole(), nil
}

// atRevision names the revision in the positions of errors from its
// configuration, as git does: HEAD:ci/go.jsonnet:3:7.
func atRevision(rev string, err error) error {
	var l diag.List
	for _, e := range diag.Flatten(err) {
		c := *e
		if c.Pos.File != "" {
			c.Pos.File = rev + ":" + c.Pos.File
		} else {
			c.Msg = "at " + rev + ": " + c.Msg
		}
		c.Trace = nil
		for _, t := range e.Trace {
			if t.File != "" {
				t.File = rev + ":" + t.File
			}
			c.Trace = append(c.Trace, t)
		}
		l = append(l, &c)
	}
	return l.Err()
}

func printJobDiff(w io.Writer, against diffSide, res changes.Resolution, r *jobdiff.Result) {
	from := against.Label
	if against.Commit != "" {
		from = fmt.Sprintf("%s (%s)", against.Rev, shortSHA(against.Commit))
	}
	scope := "every target"
	if !res.All {
		scope = fmt.Sprintf("%d changed path(s)", len(res.Changes))
	}
	fmt.Fprintf(w, "comparing %s with the working tree, for %s\n", from, scope)
	for _, name := range r.Added {
		fmt.Fprintf(w, "added    %s\n", cilog.Quote(name))
	}
	for _, name := range r.Removed {
		fmt.Fprintf(w, "removed  %s\n", cilog.Quote(name))
	}
	for _, c := range r.Changed {
		fmt.Fprintf(w, "changed  %s\n", cilog.Quote(c.Name))
	}
	for _, c := range r.Globals {
		fmt.Fprintf(w, "changed  %s (global keyword)\n", cilog.Quote(c.Name))
	}
	for _, c := range append(append([]jobdiff.Change(nil), r.Globals...), r.Changed...) {
		fmt.Fprintf(w, "\n%s", c.Diff)
	}
	if len(r.Changed)+len(r.Globals) > 0 {
		fmt.Fprintln(w)
	}
	globals := ""
	if n := len(r.Globals); n > 0 {
		globals = fmt.Sprintf(", %d global keyword(s) changed", n)
	}
	fmt.Fprintf(w, "%d added, %d removed, %d changed, %d unchanged%s\n", len(r.Added), len(r.Removed), len(r.Changed), r.Unchanged, globals)
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
