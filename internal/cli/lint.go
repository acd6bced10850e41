package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/internal/authoring"
)

// LintOptions are the inputs of `lint`.
type LintOptions struct {
	Factory *Factory
	Dir     string
	Config  string
	Strict  bool
	Workers int
}

// NewCmdLint builds `lint`; runF replaces lintRun in tests.
func NewCmdLint(f *Factory, runF func(*LintOptions) error) *cobra.Command {
	opts := &LintOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "lint [--strict]",
		Short: "Check the manifest and templates for mistakes and slow idioms",
		Long: `Check the manifest and every template it uses, one finding per line:

  file:line:col: warning|error: message (rule)

Rules:
  syntax          the file does not parse (error)
  manifest        the manifest's shape, unknown keys, patterns, deps (error)
  jsonnet-lint    go-jsonnet's linter: unused variables, type errors (warning)
  not-a-function  a template does not evaluate to function(ctx) (error)
  template-error  a template fails to evaluate, in a sample cell (error)
  never-selected  every include pattern of a target is also excluded (warning)
  no-files        a target's patterns match no file in the repository (warning)
  ctx-invariant   two cells of a template yield the same jobs apart from
                  their names: it uses no ctx field that varies (warning)
  slow-concat     an array built with + in std.foldl or a recursive
                  function: quadratic, with the measured factor (warning)
  slow-string-concat
                  a string built with + in std.foldl or a recursive
                  function: quadratic since go-jsonnet 0.21; use std.join
                  (warning)

Exits 1 if there is an error, or any finding with --strict.`,
		Example: `  # Before committing a template change:
  generate-config lint

  # In CI, failing on warnings too:
  generate-config lint --strict`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return lintRun(cmd, opts)
		},
	}
	registerRepoFlags(cmd, &opts.Dir, &opts.Config, &opts.Workers)
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "exit 1 on warnings too")
	return cmd
}

func lintRun(cmd *cobra.Command, opts *LintOptions) error {
	f := opts.Factory
	repoDir := resolvePath(f, opts.Dir)
	root, err := openRoot(repoDir)
	if err != nil {
		return err
	}
	defer root.Close()
	findings, err := authoring.Lint(cmd.Context(), authoring.LintOptions{
		Repo: root.FS(), Manifest: filepath.ToSlash(opts.Config), Workers: opts.Workers,
	})
	if err != nil {
		return err
	}
	errs, warns := 0, 0
	for _, fd := range findings {
		if fd.Pos.File != "" {
			// Relative to the working directory, so editors can jump to it.
			fd.Pos.File = workRel(f, filepath.Join(repoDir, filepath.FromSlash(fd.Pos.File)))
		}
		fmt.Fprintln(f.IO.Out, fd.String())
		if fd.Severity == authoring.SeverityError {
			errs++
		} else {
			warns++
		}
	}
	if len(findings) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "%d error(s), %d warning(s)\n", errs, warns)
	}
	if errs > 0 || (opts.Strict && warns > 0) {
		return errSilent
	}
	return nil
}
