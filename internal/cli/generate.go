package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/cilog"
	"gitlab.com/generate-config/generate-config/internal/output"
)

// GenerateOptions are the inputs of `generate`.
type GenerateOptions struct {
	Factory *Factory
	Dir     string // repository root
	Config  string // manifest, relative to Dir
	Output  string // relative to the working directory
	Changes changeFlags
	Workers int
	// Dotenv is the dotenv report's path ("" disables it); DotenvSet says
	// the flag was given, so it is written outside CI too.
	Dotenv    string
	DotenvSet bool
	Color     string // auto, always or never
}

// NewCmdGenerate builds `generate`; runF replaces generateRun in tests.
func NewCmdGenerate(f *Factory, runF func(*GenerateOptions) error) *cobra.Command {
	opts := &GenerateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write generated-config.yml for the targets the changes affect",
		Long: `Select the targets the changed paths affect, evaluate their templates for
every os × arch cell, validate the result and write it atomically.
On any error nothing is written and the exit code is 1.

When CI=true (in a GitLab job), the log shows each phase in a collapsible
section, ends with a table (the selected targets with their reason, the job
count, the file's size against GitLab's include:artifact limit, the base,
head and rule), and a dotenv report is written beside the output
(generate-config.env; --dotenv FILE to choose, --dotenv='' for none) for
artifacts:reports:dotenv:

  GENERATE_CONFIG_TARGETS            the selected targets, comma-separated
  GENERATE_CONFIG_TARGET_COUNT       how many
  GENERATE_CONFIG_TARGETS_TRUNCATED  true when the list was cut to keep
                                     the file under GitLab's 5 KiB limit
  GENERATE_CONFIG_JOBS               the number of jobs
  GENERATE_CONFIG_EMPTY              true when only the no-op job is there

In a target name, control characters, ',' and '$' are written as '_', so a
name can neither start another variable nor be expanded by GitLab.
Timestamps appear only in the log, never in the YAML.`,
		Example: `  # In the generate-config job of the parent pipeline (changes from git):
  generate-config generate

  # Explicit change list, another output path:
  generate-config generate --changed services/api/main.go --output out/child.yml

  # Everything, e.g. for a nightly pipeline:
  generate-config generate --all

  # The dotenv report outside CI too, and the summary in colour:
  generate-config generate --dotenv generate-config.env --color=always`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Changes.validate(); err != nil {
				return err
			}
			if err := output.CheckName(opts.Output); err != nil {
				return usageError{err}
			}
			if _, err := cilog.UseColor(opts.Color, f.LookupEnv, f.IO.ErrOut); err != nil {
				return usageError{err}
			}
			opts.DotenvSet = cmd.Flags().Changed("dotenv")
			if !opts.DotenvSet {
				opts.Dotenv = filepath.Join(filepath.Dir(opts.Output), dotenvName)
			}
			if runF != nil {
				return runF(opts)
			}
			return generateRun(cmd.Context(), opts)
		},
	}
	registerRepoFlags(cmd, &opts.Dir, &opts.Config, &opts.Workers)
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "generated-config.yml", "output `FILE` (must end in .yml; use '/' separators)")
	cmd.Flags().StringVar(&opts.Dotenv, "dotenv", "", "write the dotenv report to `FILE` ('' for none; default: "+dotenvName+" beside the output, when CI=true)")
	cmd.Flags().StringVar(&opts.Color, "color", cilog.ColorAuto, "colour the summary (and in CI the section headers): auto (on a terminal, unless NO_COLOR is set), always or never")
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
	color, _ := cilog.UseColor(opts.Color, f.LookupEnv, f.IO.ErrOut)
	ci := inCI(f)
	log := &cilog.Log{W: f.IO.ErrOut}
	if ci {
		log.Start("generate_config_run", cilog.Paint(color, cilog.Bold, "generate-config: changes, selection, templates"), true)
	}
	run, err := runGenerationTo(ctx, f, opts.Dir, opts.Config, &opts.Changes, opts.Workers, filepath.ToSlash(opts.Output))
	if ci {
		if err == nil {
			printRunDetails(f.IO.ErrOut, run.report)
		}
		// Closed before the error is printed, so the error stays visible.
		log.End("generate_config_run")
	}
	if err != nil {
		return err
	}
	run.printWarnings(f.IO.ErrOut) // outside any collapsed section
	if ci {
		log.Start("generate_config_write", cilog.Paint(color, cilog.Bold, "generate-config: writing "+filepath.ToSlash(opts.Output)), true)
	}
	dotenv, err := writeOutputs(opts, run, ci)
	if ci {
		log.End("generate_config_write")
	}
	if err != nil {
		return err
	}
	if ci {
		printCITable(f.IO.ErrOut, run, dotenv, color)
	} else {
		printSummary(f.IO.ErrOut, run.report, run.manifest, color)
		fmt.Fprintf(f.IO.ErrOut, "wrote %s (%d bytes)\n", filepath.ToSlash(opts.Output), len(run.result.Document.YAML))
		if dotenv != "" {
			fmt.Fprintf(f.IO.ErrOut, "wrote %s\n", dotenv)
		}
	}
	return nil
}

// writeOutputs writes the config and, in CI or when asked, the dotenv
// report; it returns the report's path as shown ("" when none).
func writeOutputs(opts *GenerateOptions, run *generation, ci bool) (string, error) {
	f := opts.Factory
	out := resolvePath(f, opts.Output)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	if err := output.WriteFile(out, run.result.Document.YAML); err != nil {
		return "", fmt.Errorf("writing %s: %w", opts.Output, err)
	}
	if ci {
		fmt.Fprintf(f.IO.ErrOut, "wrote %s (%d bytes)\n", filepath.ToSlash(opts.Output), len(run.result.Document.YAML))
	}
	if opts.Dotenv == "" || !(ci || opts.DotenvSet) {
		return "", nil
	}
	data := dotenvReport(run.report).Encode()
	path := resolvePath(f, opts.Dotenv)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	if err := output.WriteFile(path, data); err != nil {
		return "", fmt.Errorf("writing %s: %w", filepath.ToSlash(opts.Dotenv), err)
	}
	if ci {
		// The section shows what the next jobs will read.
		fmt.Fprintf(f.IO.ErrOut, "wrote %s:\n%s", filepath.ToSlash(opts.Dotenv), data)
	}
	return filepath.ToSlash(opts.Dotenv), nil
}

// printWarnings shows the validator's warnings; errors never get this far
// (they fail the run).
func (g *generation) printWarnings(w io.Writer) {
	for _, fd := range g.result.Findings {
		fmt.Fprintln(w, fd.String())
	}
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
	root, err := openRoot(repoDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
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
	return &generation{manifest: m, result: r, report: generator.NewReport(res, r)}, nil
}
