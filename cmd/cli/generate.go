package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/generator/output"
)

// GenerateOptions are the inputs of `generate`.
type GenerateOptions struct {
	Factory *Factory
	Dir     string // repository root
	Config  string // manifest, relative to Dir
	Output  string // relative to the working directory
	Changes changeFlags
	Workers int
}

// NewCmdGenerate builds `generate`; runF replaces generateRun in tests.
func NewCmdGenerate(f *Factory, runF func(*GenerateOptions) error) *cobra.Command {
	opts := &GenerateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write generated-config.yml for the targets the changes affect",
		Long: `Select the targets the changed paths affect, evaluate their templates for
every os × arch cell, validate the result and write it atomically.
On any error nothing is written and the exit code is 1.`,
		Example: `  # In the generate-config job of the parent pipeline (changes from git):
  generate-config generate

  # Explicit change list, another output path:
  generate-config generate --changed services/api/main.go --output out/child.yml

  # Everything, e.g. for a nightly pipeline:
  generate-config generate --all`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Changes.validate(); err != nil {
				return err
			}
			if err := output.CheckName(opts.Output); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(opts)
			}
			return generateRun(cmd.Context(), opts)
		},
	}
	registerRepoFlags(cmd, &opts.Dir, &opts.Config, &opts.Workers)
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "generated-config.yml", "output `FILE` (must end in .yml; use '/' separators)")
	opts.Changes.register(cmd)
	return cmd
}

func registerRepoFlags(cmd *cobra.Command, dir, config *string, workers *int) {
	cmd.Flags().StringVarP(dir, "dir", "C", ".", "repository root `DIR`")
	cmd.Flags().StringVar(config, "config", manifest.DefaultFile, "manifest `FILE`, relative to the repository root")
	cmd.Flags().IntVar(workers, "workers", 0, "cells evaluated in parallel (default: number of CPUs)")
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

func generateRun(ctx context.Context, opts *GenerateOptions) error {
	f := opts.Factory
	run, err := runGenerationTo(ctx, f, opts.Dir, opts.Config, &opts.Changes, opts.Workers, filepath.ToSlash(opts.Output))
	if err != nil {
		return err
	}
	out := resolvePath(f, opts.Output)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := output.WriteFile(out, run.result.Document.YAML); err != nil {
		return fmt.Errorf("writing %s: %w", opts.Output, err)
	}
	printSummary(f.IO.ErrOut, run.report, run.manifest)
	fmt.Fprintf(f.IO.ErrOut, "wrote %s (%d bytes)\n", filepath.ToSlash(opts.Output), len(run.result.Document.YAML))
	return nil
}

// generation is a finished, validated run, ready to print or write.
type generation struct {
	manifest *manifest.Manifest
	result   *generator.Result
	report   *generator.Report
}

// runGeneration is the whole data path short of writing: shared by
// generate, preview and explain so they can never disagree.
func runGeneration(ctx context.Context, f *Factory, dir, config string, cf *changeFlags, workers int) (*generation, error) {
	return runGenerationTo(ctx, f, dir, config, cf, workers, "")
}

// runGenerationTo is runGeneration with the output file's name, which the
// validator's findings are reported against.
func runGenerationTo(ctx context.Context, f *Factory, dir, config string, cf *changeFlags, workers int, outputName string) (*generation, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	repoDir := resolvePath(f, dir)
	root, err := os.OpenRoot(repoDir)
	if err != nil {
		return nil, fmt.Errorf("repository root: %w", err)
	}
	defer root.Close()
	// os.Root confines every read, symlinks included, to the repository.
	repo := root.FS()
	m, err := generator.LoadManifest(repo, filepath.ToSlash(config))
	if err != nil {
		return nil, err
	}
	res, err := cf.resolve(f, repoDir, m.Changes)
	if err != nil {
		return nil, err
	}
	r, err := generator.Generate(ctx, generator.Input{
		Repo: repo, Manifest: m, Changes: res,
		Pipeline: evaluate.PipelineFromEnv(f.LookupEnv), LookupEnv: f.LookupEnv,
		Version: version(), Workers: workers, OutputName: outputName,
	})
	if err != nil {
		return nil, err
	}
	// Warnings do not stop a run; errors came back as err above.
	for _, w := range r.Findings {
		fmt.Fprintln(f.IO.ErrOut, w.String())
	}
	return &generation{manifest: m, result: r, report: generator.NewReport(res, r)}, nil
}
