package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/internal/authoring"
	"gitlab.com/generate-config/generate-config/internal/cilog"
)

// InitOptions are the inputs of `init`.
type InitOptions struct {
	Factory *Factory
	Dir     string // repository root
	Write   bool   // append the parent jobs to .gitlab-ci.yml
	// Component adds an include of the CI/CD component instead of the jobs.
	Component bool
}

// NewCmdInit builds `init`; runF replaces initRun in tests.
func NewCmdInit(f *Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "init [--dir DIR] [--write] [--component]",
		Short: "Scaffold a manifest, a template and a scenario in an existing repository",
		Long: `Scaffold a working setup for the repository: the manifest
generate-config.jsonnet with one target per service directory found, the
template ci/build.jsonnet (a build and a test job per cell), and one scenario
in ci/scenarios/.

Targets: every subdirectory of apps/, cmd/, libs/, packages/ and services/,
and every other top-level directory holding a build file (go.mod,
package.json, Makefile, Cargo.toml, pom.xml, build.gradle, pyproject.toml,
setup.py, CMakeLists.txt, Dockerfile); with none, one target covers the whole
repository. Edit the manifest afterwards.

The two parent-pipeline jobs (generate-config, which writes
generated-config.yml as an artifact in the released image, and
child-pipeline, which triggers it) are printed for you to add to
.gitlab-ci.yml, or appended to it with --write; a job the file already
defines is left alone. With --component, the addition is instead an
include of the generate-config CI/CD component, which defines both jobs.
The image and the component are pinned to this binary's version when it
is a release, to latest otherwise.

init never overwrites a file: if any file it would create exists, it names
them, writes nothing and exits 1. Choose --write (or --component) on the
first run: a second init stops at the files the first one created.`,
		Example: `  # Scaffold, and print the parent jobs to add to .gitlab-ci.yml:
  generate-config init

  # Or scaffold and append the parent jobs to .gitlab-ci.yml:
  generate-config init --write

  # Or scaffold and append an include of the CI/CD component:
  generate-config init --write --component

  # Then look at the child pipeline for every target:
  generate-config preview --all`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Dir, "dir", "C", ".", "repository root `DIR` (must exist)")
	cmd.Flags().BoolVar(&opts.Write, "write", false, "append the parent jobs to .gitlab-ci.yml instead of printing them")
	cmd.Flags().BoolVar(&opts.Component, "component", false, "add an include of the generate-config CI/CD component instead of the two jobs")
	return cmd
}

func initRun(opts *InitOptions) error {
	f := opts.Factory
	root := resolvePath(f, opts.Dir)
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		if err == nil {
			err = errors.New("not a directory")
		}
		return fmt.Errorf("--dir %s: %w", filepath.ToSlash(opts.Dir), stripPathErr(err))
	}
	// Everything is worked out and checked before anything is written.
	plan, err := authoring.PlanInit(root)
	if err != nil {
		return err
	}
	shown := func(rel string) string {
		return workRel(f, filepath.Join(root, filepath.FromSlash(rel)))
	}
	if c := plan.Conflicts(); len(c) > 0 {
		for _, p := range c {
			fmt.Fprintf(f.IO.ErrOut, "generate-config: %s already exists\n", shown(p))
		}
		fmt.Fprintln(f.IO.ErrOut, "generate-config: error: init never overwrites files; nothing was written")
		return errSilent
	}
	repo, err := openRoot(root)
	if err != nil {
		return err
	}
	defer repo.Close()
	existing, err := fs.ReadFile(rootFS(repo), authoring.ParentFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", shown(authoring.ParentFile), stripPathErr(err))
	}
	jobs, err := authoring.PlanParentJobs(existing, authoring.ParentOptions{Version: version(), Component: opts.Component})
	if err != nil {
		return err
	}
	if opts.Write && jobs.ByHand != "" {
		// Checked before anything is written.
		return fmt.Errorf("%s; run init without --write to print it (nothing was written)", jobs.ByHand)
	}
	var parent *authoring.File
	if opts.Write && jobs.Content != nil {
		parent = &authoring.File{Path: authoring.ParentFile, Data: jobs.Content}
	}

	if err := plan.Write(parent); err != nil {
		var ex *authoring.ErrExist
		if errors.As(err, &ex) {
			for _, p := range ex.Paths {
				fmt.Fprintf(f.IO.ErrOut, "generate-config: %s already exists\n", shown(p))
			}
			fmt.Fprintln(f.IO.ErrOut, "generate-config: error: init never overwrites files; nothing was written")
			return errSilent
		}
		return err
	}

	w := f.IO.ErrOut
	fmt.Fprintf(w, "found %d target(s):\n", len(plan.Targets))
	for _, t := range plan.Targets {
		fmt.Fprintf(w, "  %s\t(%s)\n", cilog.Quote(t.Name), t.Why)
	}
	for _, s := range plan.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", cilog.Quote(s.Dir), s.Reason)
	}
	for _, file := range plan.Files {
		fmt.Fprintf(w, "created %s\n", shown(file.Path))
	}
	if len(jobs.Present) > 0 {
		fmt.Fprintf(w, "%s already defines %s; left as it is\n", shown(authoring.ParentFile), cilog.QuoteAll(jobs.Present, " and "))
	}
	what := cilog.QuoteAll(jobs.Added, " and ")
	if jobs.Component {
		what = "an include of the generate-config component (jobs " + what + ")"
	}
	switch {
	case len(jobs.Added) == 0:
	case jobs.ByHand != "":
		fmt.Fprintf(w, "%s:\n", jobs.ByHand)
		f.IO.Out.Write(jobs.YAML)
	case opts.Write:
		verb := "appended"
		if len(existing) == 0 {
			verb = "wrote"
		}
		fmt.Fprintf(w, "%s %s to %s\n", verb, what, shown(authoring.ParentFile))
	default:
		fmt.Fprintf(w, "add the job(s) below to %s:\n", shown(authoring.ParentFile))
		f.IO.Out.Write(jobs.YAML)
	}
	dirFlag := ""
	if opts.Dir != "." {
		dirFlag = " -C " + filepath.ToSlash(opts.Dir)
	}
	fmt.Fprintf(w, "next: generate-config test%s      (passes now: %s holds what %s generates)\n", dirFlag, shown(plan.Golden), shown(plan.Scenario))
	fmt.Fprintf(w, "      generate-config lint%s      (clean on the scaffold)\n", dirFlag)
	fmt.Fprintf(w, "      generate-config preview%s --all   (the child pipeline of every target)\n", dirFlag)
	return nil
}
