package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/cilog"
	"gitlab.com/generate-config/generate-config/internal/gitrun"
	"gitlab.com/generate-config/generate-config/internal/output"
	"gitlab.com/generate-config/generate-config/schema"
	"gitlab.com/generate-config/generate-config/schema/gitlabci"
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

Every run warns about changed files that no target, global or ignore
pattern owns (the manifest's unowned policy: warn, ignore, fail or all)
and about targets whose paths match no file in the tree (git's listing),
so a typo never builds nothing in silence.

When CI=true (in a GitLab job), the log shows each phase in a collapsible
section, ends with a table (the selected targets with their reason, the job
count, each file's parsed size against max_yaml_size_bytes and its size
against the include:artifact limit, the base,
head and rule), and a dotenv report is written beside the output
(generate-config.env; --dotenv FILE to choose, --dotenv='' for none) for
artifacts:reports:dotenv:

  GENERATE_CONFIG_TARGETS            the selected targets, comma-separated
  GENERATE_CONFIG_TARGET_COUNT       how many
  GENERATE_CONFIG_TARGETS_TRUNCATED  true when the list was cut to keep
                                     the file under GitLab's 5 KiB limit
  GENERATE_CONFIG_JOBS               the number of jobs
  GENERATE_CONFIG_EMPTY              true when only the no-op job is there
  GENERATE_CONFIG_UNOWNED            changed files no target owns (a count)
  GENERATE_CONFIG_PARSED_PERCENT     the largest share of max_yaml_size_bytes
                                     an output file takes (GitLab's parsed
                                     size, estimated): the limit that binds
  GENERATE_CONFIG_FILES              how many output files (output.files)

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
			if err := checkNotDir(f, "--output", opts.Output, "generated-config.yml"); err != nil {
				return err
			}
			if opts.DotenvSet && opts.Dotenv != "" {
				if err := checkNotDir(f, "--dotenv", opts.Dotenv, dotenvName); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return generateRun(cmd.Context(), opts)
		},
	}
	registerRepoFlags(cmd, &opts.Dir, &opts.Config, &opts.Workers)
	cmd.Flags().StringVarP(&opts.Output, "output", "o", generator.DefaultOutput, "output `FILE` (must end in .yml; use '/' separators)")
	cmd.Flags().StringVar(&opts.Dotenv, "dotenv", "", "write the dotenv report to `FILE` ('' for none; default: "+dotenvName+" beside the output, when CI=true)")
	cmd.Flags().StringVar(&opts.Color, "color", cilog.ColorAuto, "colour the summary (and in CI the section headers): auto (on a terminal, unless NO_COLOR is set), always or never")
	opts.Changes.register(cmd)
	return cmd
}

func registerRepoFlags(cmd *cobra.Command, dir, config *string, workers *int) {
	cmd.PreRunE = func(*cobra.Command, []string) error { return checkConfig(*config) }
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
	if err := ctx.Err(); err != nil {
		return err // stopped by a signal: write nothing
	}
	if ci {
		log.Start("generate_config_write", cilog.Paint(color, cilog.Bold, "generate-config: writing "+cilog.Quote(filepath.ToSlash(opts.Output))), true)
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
		printWritten(f.IO.ErrOut, run.result.Files)
		if dotenv != "" {
			fmt.Fprintf(f.IO.ErrOut, "wrote %s\n", cilog.Quote(dotenv))
		}
	}
	return nil
}

// writeOutputs writes the config and, in CI or when asked, the dotenv
// report; it returns the report's path as shown ("" when none). Both files
// are written in one step (output.WriteFiles): when either cannot be
// written, neither is replaced, so exit 1 means nothing changed.
func writeOutputs(opts *GenerateOptions, run *generation, ci bool) (string, error) {
	f := opts.Factory
	// A path inside the repository is written through its os.Root, like
	// every repository file: a committed link (out -> /elsewhere) cannot
	// take the write outside. A path outside it is the user's choice.
	repoDir := resolvePath(f, opts.Dir)
	repo, err := openRoot(repoDir)
	if err != nil {
		return "", err
	}
	defer repo.Close()
	var files []output.File
	var shown []string
	add := func(name string, data []byte) error {
		shown = append(shown, filepath.ToSlash(name))
		if rel, err := repoRel(f, repoDir, name); err == nil {
			files = append(files, output.File{Root: repo, Name: rel, Data: data})
			dir := path.Dir(rel)
			if st, err := repo.Stat(dir); err == nil && !st.IsDir() {
				return fmt.Errorf("%s is not a directory", dir)
			}
			return repo.MkdirAll(dir, 0o755)
		}
		files = append(files, output.File{Name: resolvePath(f, name), Data: data})
		return os.MkdirAll(filepath.Dir(resolvePath(f, name)), 0o755)
	}
	// The child pipeline's files: one, or the manifest's output.files,
	// named after --output (generator.OutputFiles).
	outputs := run.result.Files
	for i, out := range outputs {
		if err := add(out.Name, out.Data); err != nil {
			return "", fmt.Errorf("writing %s: %w; nothing was written", cilog.Quote(shown[i]), stripPathErr(confined(err)))
		}
	}
	var data []byte
	if opts.Dotenv != "" && (ci || opts.DotenvSet) {
		data = dotenvReport(run.report).Encode()
		if err := add(opts.Dotenv, data); err != nil {
			return "", fmt.Errorf("writing %s: %w; nothing was written", cilog.Quote(shown[len(outputs)]), stripPathErr(confined(err)))
		}
	}
	if err := output.WriteFiles(files...); err != nil {
		name := shown[0]
		var pe *fs.PathError
		if errors.As(err, &pe) {
			for i, file := range files {
				if pe.Path == file.Name {
					name = shown[i]
				}
			}
		}
		return "", fmt.Errorf("writing %s: %w; nothing was written", cilog.Quote(name), stripPathErr(err))
	}
	if ci {
		printWritten(f.IO.ErrOut, outputs)
	}
	if len(files) == len(outputs) {
		return "", nil
	}
	dotenv := shown[len(outputs)]
	if ci {
		// The section shows what the next jobs will read.
		fmt.Fprintf(f.IO.ErrOut, "wrote %s:\n%s", cilog.Quote(dotenv), data)
	}
	return dotenv, nil
}

// printWritten says which files of the child pipeline were written.
func printWritten(w io.Writer, files []schema.File) {
	for _, out := range files {
		fmt.Fprintf(w, "wrote %s (%d bytes)\n", cilog.Quote(out.Name), len(out.Data))
	}
}

// printWarnings shows the validator's warnings; errors never get this far
// (they fail the run).
func (g *generation) printWarnings(w io.Writer) {
	for _, wn := range g.result.Warnings {
		fmt.Fprintln(w, wn.String())
	}
	_ = writeFindingsText(w, g.result.Findings)
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
	repoDir := resolvePath(f, dir)
	root, err := openRoot(repoDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	repo := rootFS(root)
	// The listing lets every run warn about targets that match no file;
	// git lists while the manifest loads and the changes are resolved.
	type listing struct {
		files []string
		err   error
	}
	listed := make(chan listing, 1)
	// While one core loads the manifest: compile GitLab's schema, which
	// the validator needs at the end (it is compiled once per process).
	go func() { _, _ = gitlabci.Schema() }()
	go func() {
		files, err := treeListing(ctx, f, repoDir, repo)
		listed <- listing{files, err}
	}()
	m, err := generator.LoadManifest(repo, filepath.ToSlash(config))
	if err != nil {
		return nil, err
	}
	printManifestWarnings(f.IO.ErrOut, m)
	res, err := cf.resolve(ctx, f, repoDir, m.Changes)
	if err != nil {
		return nil, err
	}
	l := <-listed
	if l.err != nil {
		return nil, l.err
	}
	files := l.files
	r, err := generator.Generate(ctx, generator.Input{
		Repo: repo, Manifest: m, Changes: res,
		Pipeline: evaluate.PipelineFromEnv(f.LookupEnv), LookupEnv: f.LookupEnv, Environ: f.environ(),
		Version: version(), Workers: workers, OutputName: outputName, Files: files,
	})
	if err != nil {
		return nil, err
	}
	rep := generator.NewReport(res, r)
	rep.UnownedPolicy = m.Unowned
	return &generation{manifest: m, result: r, report: rep}, nil
}

// treeListing lists the repository's files for the dead-pattern check:
// what git already knows (tracked files, and untracked ones it does not
// ignore, so a new directory counts on a laptop), which is cheap and skips
// build outputs and node_modules; a walk of the tree when the directory is
// not in a git work tree.
func treeListing(ctx context.Context, f *Factory, repoDir string, repo fs.FS) ([]string, error) {
	git := gitrun.Exec{}
	if f.Environ != nil {
		git.Env = f.Environ()
	}
	out, err := git.Run(ctx, repoDir, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	if err != nil {
		return generator.TreeFiles(repo)
	}
	files := []string{}
	for _, p := range strings.Split(string(out), "\x00") {
		if p != "" {
			files = append(files, p)
		}
	}
	return files, nil
}
