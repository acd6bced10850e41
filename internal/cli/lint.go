package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/internal/authoring"
	"gitlab.com/generate-config/generate-config/schema"
)

// LintOptions are the inputs of `lint`.
type LintOptions struct {
	Factory *Factory
	Dir     string
	Config  string
	Strict  bool
	Workers int
	Format  string // text, json or codequality
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
  overlap         one file is owned by two targets, so a change there builds
                  both; allowOverlap: true on a target accepts it (warning)
  ctx-invariant   two cells of a template yield the same jobs apart from
                  their names: it uses no ctx field that varies (warning)
  slow-concat     an array built with + in std.foldl or a recursive
                  function: quadratic, with the measured factor (warning)
  slow-string-concat
                  a string built with + in std.foldl or a recursive
                  function: quadratic since go-jsonnet 0.21; use std.join
                  (warning)

Exits 1 if there is an error, or any finding with --strict.

--format json prints {schemaVersion, findings} (schema/output/lint.schema.json);
--format codequality prints GitLab's Code Quality report, for
artifacts:reports:codequality (errors are major, warnings minor).`,
		Example: `  # Before committing a template change:
  generate-config lint

  # In CI, failing on warnings too:
  generate-config lint --strict

  # A Code Quality report for the merge request widget:
  generate-config lint --format codequality > gl-code-quality-report.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(opts.Format, findingFormats); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return lintRun(cmd, opts)
		},
	}
	registerRepoFlags(cmd, &opts.Dir, &opts.Config, &opts.Workers)
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "exit 1 on warnings too")
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output `FORMAT`: text, json or codequality")
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
	files, err := treeListing(cmd.Context(), f, repoDir, root.FS())
	if err != nil {
		return err
	}
	findings, err := authoring.Lint(cmd.Context(), authoring.LintOptions{
		Repo: rootFS(root), Manifest: filepath.ToSlash(opts.Config), Workers: opts.Workers, Files: files,
	})
	if err != nil {
		return err
	}
	errs, warns := 0, 0
	for i := range findings {
		fd := &findings[i]
		if fd.Pos.File != "" {
			// Relative to the working directory, so editors can jump to it.
			fd.Pos.File = workRel(f, filepath.Join(repoDir, filepath.FromSlash(fd.Pos.File)))
		}
		if fd.Severity == schema.SeverityError {
			errs++
		} else {
			warns++
		}
	}
	manifestPath := workRel(f, filepath.Join(repoDir, filepath.FromSlash(opts.Config)))
	if err := writeFindings(f.IO.Out, opts.Format, findings, manifestPath); err != nil {
		return err
	}
	if len(findings) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "%d error(s), %d warning(s)\n", errs, warns)
	}
	if errs > 0 || (opts.Strict && warns > 0) {
		return errSilent
	}
	return nil
}

// findingFormats are the --format values of lint and validate.
var findingFormats = []string{"text", "json", "codequality"}

// checkFormat refuses a --format value not in formats (a usage error).
func checkFormat(format string, formats []string) error {
	for _, f := range formats {
		if f == format {
			return nil
		}
	}
	list := strings.Join(formats[:len(formats)-1], ", ") + " or " + formats[len(formats)-1]
	return usagef("--format must be %s, not %q", list, format)
}
