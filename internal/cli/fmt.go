package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/authoring"
	"gitlab.com/generate-config/generate-config/internal/cilog"
)

// FmtOptions are the inputs of `fmt`.
type FmtOptions struct {
	Factory *Factory
	Dir     string   // repository root
	Config  string   // manifest, relative to Dir
	Check   bool     // report, write nothing
	Paths   []string // files or directories, relative to the working directory
}

// NewCmdFmt builds `fmt`; runF replaces fmtRun in tests.
func NewCmdFmt(f *Factory, runF func(*FmtOptions) error) *cobra.Command {
	opts := &FmtOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "fmt [--check] [PATH...]",
		Short: "Format the manifest and the Jsonnet templates",
		Long: `Format Jsonnet files with go-jsonnet's formatter (the jsonnetfmt style, default
options). Without PATHs: the manifest plus every *.jsonnet and *.libsonnet
file under the repository root (.git, node_modules and vendor are skipped). A
PATH that is a directory is searched the same way; a file is formatted
whatever its name.

Files are rewritten in place, atomically, keeping their mode, and the names
of those that changed are printed. With --check nothing is written: the
files that would change are printed and the exit code is 1 if there are any.
A file that does not parse is reported as file:line:col and exits 1.`,
		Example: `  # Format the manifest and every template of the repository:
  generate-config fmt

  # In CI: fail when a file is not formatted.
  generate-config fmt --check

  # Only these:
  generate-config fmt generate-config.jsonnet ci/go.jsonnet`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if runF != nil {
				return runF(opts)
			}
			return fmtRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Dir, "dir", "C", ".", "repository root `DIR`")
	cmd.Flags().StringVar(&opts.Config, "config", manifest.DefaultFile, "manifest `FILE`, relative to the repository root")
	cmd.Flags().BoolVar(&opts.Check, "check", false, "write nothing; list the files that would change and exit 1 if any")
	return cmd
}

func fmtRun(opts *FmtOptions) error {
	f := opts.Factory
	if err := checkConfig(opts.Config); err != nil {
		return err
	}
	repoDir := resolvePath(f, opts.Dir)
	root, err := openRoot(repoDir)
	if err != nil {
		return err
	}
	defer root.Close()
	files, err := fmtFiles(opts, root, repoDir)
	if err != nil {
		return err
	}
	var changed []string
	failed := false
	for _, file := range files {
		name := workRel(f, filepath.Join(repoDir, filepath.FromSlash(file)))
		res := authoring.FormatPath(root, file, name, !opts.Check)
		if res.Err != nil {
			printError(f.IO.ErrOut, res.Err)
			failed = true
			continue
		}
		if res.Changed {
			changed = append(changed, name)
			fmt.Fprintln(f.IO.Out, cilog.Quote(name))
		}
	}
	if opts.Check && len(changed) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "generate-config: %d of %d files are not formatted; run 'generate-config fmt' to fix them\n", len(changed), len(files))
		failed = true
	}
	if failed {
		return errSilent
	}
	return nil
}

// fmtFiles lists the files to format, relative to the repository root
// ('/'-separated), sorted, without duplicates. PATHs outside the
// repository are refused, like every path that leads out of it.
func fmtFiles(opts *FmtOptions, root *os.Root, repoDir string) ([]string, error) {
	f := opts.Factory
	fsys := rootFS(root)
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if len(opts.Paths) == 0 {
		cfg := path.Clean(filepath.ToSlash(opts.Config))
		if _, err := fs.Stat(fsys, cfg); err == nil {
			add(cfg) // the manifest may be named anything with --config
		} else if opts.Config != manifest.DefaultFile || !errors.Is(err, fs.ErrNotExist) {
			return nil, diag.Errorf(diag.Pos{File: workRel(f, filepath.Join(repoDir, filepath.FromSlash(cfg)))}, "%v", stripPathErr(err))
		}
		found, err := authoring.FindJsonnet(fsys, ".")
		if err != nil {
			return nil, err
		}
		for _, p := range found {
			add(p)
		}
		sort.Strings(out)
		return out, nil
	}
	for _, arg := range opts.Paths {
		rel, err := repoRel(f, repoDir, arg)
		if err != nil {
			return nil, err
		}
		st, err := fs.Stat(fsys, rel)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.ToSlash(arg), stripPathErr(err))
		}
		if !st.IsDir() {
			add(rel)
			continue
		}
		found, err := authoring.FindJsonnet(fsys, rel)
		if err != nil {
			return nil, err
		}
		for _, q := range found {
			add(q)
		}
	}
	sort.Strings(out)
	return out, nil
}

// workRel shows p relative to the working directory with '/', as users
// typed it; a path outside it stays absolute.
func workRel(f *Factory, p string) string {
	if rel, err := filepath.Rel(f.WorkDir, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(p)
}

// stripPathErr drops the path an *fs.PathError repeats.
func stripPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
