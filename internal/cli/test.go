package cli

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/internal/cilog"
	"gitlab.com/generate-config/generate-config/internal/output"
	"gitlab.com/generate-config/generate-config/internal/scenario"
)

// TestOptions are the inputs of `test`.
type TestOptions struct {
	Factory   *Factory
	Dir       string // repository root
	Config    string // manifest, relative to Dir
	Scenarios string // scenario directory, relative to Dir
	Run       string // regular expression selecting scenarios by name
	Update    bool
	Workers   int
	// JUnit is the JUnit XML report's path ("" for none), relative to
	// the working directory.
	JUnit string
}

// NewCmdTest builds `test`; runF replaces testRun in tests.
func NewCmdTest(f *Factory, runF func(*TestOptions) error) *cobra.Command {
	opts := &TestOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "test [--update] [--run PATTERN] [--scenarios DIR]",
		Short: "Run the scenarios: generate the config for each change set and compare it with the expected one",
		Long: `Run every scenario below the scenario directory (default ci/scenarios):
each *.jsonnet file gives a change set and the child pipeline it must
produce. A scenario is an object with

  changed: ['path', ...]   or  all: true
  vars: { CI_PIPELINE_SOURCE: 'push', ... }   (optional)
  expect: 'ci/scenarios/x.golden.yml'   or  expected: '...YAML...'

vars are the CI variables of that run and the only ones templates see: the
real environment never reaches a scenario, so results are the same on a
laptop and in CI. The golden file's path is relative to the repository root;
without expect or expected it is <scenario>.golden.yml beside the scenario.
The generated header names the version "test" instead of the tool's, so
golden files survive upgrades.

A failing scenario prints a unified diff (expected → generated). --update
rewrites golden files that differ or are missing (never inline expected
strings: edit those by hand); review the diff before committing.

Prints PASS, FAIL or UPDATED per scenario and "N passed, M failed"; exits 1
if any scenario fails, or if no scenario was selected.

--junit FILE also writes a JUnit XML report for artifacts:reports:junit:
one test case per scenario, the diff as a failing case's details, so the
merge request widget shows which scenario changed and how.`,
		Example: `  # Run every scenario in ci/scenarios:
  generate-config test

  # Only the scenarios whose name matches a regular expression:
  generate-config test --run 'api|auth'

  # After an intended template change: rewrite the golden files, then review them.
  generate-config test --update && git diff ci/scenarios

  # In CI, with a report for the merge request widget:
  generate-config test --junit generate-config-junit.xml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Run != "" {
				if _, err := regexp.Compile(opts.Run); err != nil {
					return usagef("--run: %v", err)
				}
			}
			if p := path.Clean(opts.Scenarios); filepath.IsAbs(opts.Scenarios) || p == ".." || len(p) > 2 && p[:3] == "../" {
				return usagef("--scenarios %q must be a directory inside the repository, relative to its root", opts.Scenarios)
			}
			if cmd.Flags().Changed("junit") && opts.JUnit == "" {
				return usagef("--junit needs a file name")
			}
			if runF != nil {
				return runF(opts)
			}
			return testRun(cmd, opts)
		},
	}
	registerRepoFlags(cmd, &opts.Dir, &opts.Config, &opts.Workers)
	cmd.Flags().StringVar(&opts.Scenarios, "scenarios", scenario.DefaultDir, "scenario `DIR`, relative to the repository root")
	cmd.Flags().StringVar(&opts.Run, "run", "", "run only the scenarios whose name (path below the scenario directory, without .jsonnet) matches the regular expression `PATTERN`")
	cmd.Flags().BoolVar(&opts.Update, "update", false, "rewrite golden files that differ or are missing")
	cmd.Flags().StringVar(&opts.JUnit, "junit", "", "also write a JUnit XML report to `FILE` (artifacts:reports:junit)")
	return cmd
}

func testRun(cmd *cobra.Command, opts *TestOptions) error {
	f := opts.Factory
	repoDir := resolvePath(f, opts.Dir)
	root, err := openRoot(repoDir)
	if err != nil {
		return err
	}
	defer root.Close()
	show := func(rel string) string { return workRel(f, filepath.Join(repoDir, filepath.FromSlash(rel))) }
	so := scenario.Options{
		Repo: rootFS(root), Manifest: filepath.ToSlash(opts.Config), Dir: filepath.ToSlash(opts.Scenarios),
		Update: opts.Update, Show: show, Workers: opts.Workers,
		// os.Root keeps --update inside the repository, symlinks included.
		WriteGolden: func(name string, data []byte) error {
			if err := root.MkdirAll(path.Dir(name), 0o755); err != nil {
				return err
			}
			return output.WriteFileInRoot(root, name, data)
		},
	}
	if opts.Run != "" {
		so.Run = regexp.MustCompile(opts.Run)
	}
	sum, err := scenario.Run(cmd.Context(), so)
	if err != nil {
		return err
	}
	w := f.IO.Out
	for _, r := range sum.Results {
		fmt.Fprintf(w, "%-7s %s\n", r.Status, cilog.Quote(r.Name))
		if r.Err != nil {
			fmt.Fprintf(w, "  in %s:\n", cilog.Quote(show(r.File)))
			printError(w, r.Err)
		}
		if r.Diff != "" {
			fmt.Fprint(w, r.Diff)
		}
		if r.Note != "" {
			fmt.Fprintf(w, "  %s\n", cilog.Escape(r.Note))
		}
	}
	if sum.Updated > 0 {
		fmt.Fprintf(w, "updated %d golden file(s): review the diff before committing\n", sum.Updated)
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", sum.Passed, sum.Failed)
	if opts.JUnit != "" {
		data, err := scenario.JUnit(sum, filepath.ToSlash(opts.Scenarios))
		if err != nil {
			return err
		}
		out := resolvePath(f, opts.JUnit)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := output.WriteFile(out, data); err != nil {
			return fmt.Errorf("writing %s: %w", opts.JUnit, err)
		}
		fmt.Fprintf(f.IO.ErrOut, "wrote %s (%d test case(s))\n", filepath.ToSlash(opts.JUnit), len(sum.Results))
	}
	if sum.Failed > 0 {
		return errSilent
	}
	return nil
}
