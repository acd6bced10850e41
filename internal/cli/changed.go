package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/cilog"
)

// ChangedOptions are the inputs of `changed`.
type ChangedOptions struct {
	Factory *Factory
	Dir     string // repository root
	Config  string // manifest, relative to Dir; its `changes` policy applies
	// ConfigSet is true when --config was given: then a missing manifest is
	// an error rather than "use the default policy".
	ConfigSet bool
	Format    string
	Changes   changeFlags
}

var changedFormats = []string{"text", "json"}

// NewCmdChanged builds `changed`; runF replaces changedRun in tests.
func NewCmdChanged(f *Factory, runF func(*ChangedOptions) error) *cobra.Command {
	opts := &ChangedOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "changed",
		Short: "Show the diff base this pipeline compares with, why, and the changed paths",
		Long: `Resolve the change set exactly as generate and preview do, and print it:
the base and head commits, the rule that chose them and the CI variables it
read, any fetches made to deepen a shallow clone (with their duration), the
decision trace, and each changed path with its git status.

The rules are described in docs/change-detection.md. The manifest's
"changes" policy applies when the manifest exists.`,
		Example: `  # In a job: which base does this pipeline use, and why?
  generate-config changed

  # The same, for scripts:
  generate-config changed --format json

  # Against an explicit base, without touching the network:
  generate-config changed --base origin/main --no-fetch`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Changes.validate(); err != nil {
				return err
			}
			if !contains(changedFormats, opts.Format) {
				return usagef("--format must be one of %s, not %q", strings.Join(changedFormats, ", "), opts.Format)
			}
			opts.ConfigSet = cmd.Flags().Changed("config")
			if runF != nil {
				return runF(opts)
			}
			return changedRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Dir, "dir", "C", ".", "repository root `DIR`")
	cmd.Flags().StringVar(&opts.Config, "config", manifest.DefaultFile, "manifest `FILE` whose changes policy applies, relative to the repository root")
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output `FORMAT`: "+strings.Join(changedFormats, ", "))
	opts.Changes.register(cmd)
	return cmd
}

func changedRun(ctx context.Context, opts *ChangedOptions) error {
	f := opts.Factory
	if err := checkConfig(opts.Config); err != nil {
		return err
	}
	res, explicit, err := opts.Changes.explicit(f)
	policyFrom := ""
	if !explicit {
		// Only git's answer depends on the manifest's policy; an explicit
		// list works even where the manifest is missing or broken.
		repoDir := resolvePath(f, opts.Dir)
		var policy manifest.ChangesPolicy
		policy, policyFrom, err = changesPolicy(repoDir, opts.Config, opts.ConfigSet)
		if err != nil {
			return err
		}
		res, err = resolveFromGit(ctx, f, &opts.Changes, repoDir, policy)
	}
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		return writeJSON(f.IO.Out, res)
	}
	printChanged(f.IO.Out, res, policyFrom)
	return nil
}

// changesPolicy reads the manifest's `changes` policy. Without a manifest
// (and no --config) the defaults apply, so that `changed` also works in a
// repository that is not set up yet.
func changesPolicy(repoDir, config string, configSet bool) (manifest.ChangesPolicy, string, error) {
	if _, err := os.Stat(filepath.Join(repoDir, filepath.FromSlash(config))); errors.Is(err, fs.ErrNotExist) && !configSet {
		return manifest.ChangesPolicy{}, "defaults (no " + config + ")", nil
	}
	root, err := openRoot(repoDir)
	if err != nil {
		return manifest.ChangesPolicy{}, "", err
	}
	defer root.Close()
	m, err := generator.LoadManifest(rootFS(root), filepath.ToSlash(config))
	if err != nil {
		return manifest.ChangesPolicy{}, "", err
	}
	return m.Changes, config, nil
}

// printChanged writes the human-readable report.
func printChanged(w io.Writer, res changes.Resolution, policyFrom string) {
	fmt.Fprintf(w, "base:   %s\n", cilog.Quote(orDash(res.Base)))
	fmt.Fprintf(w, "head:   %s\n", cilog.Quote(orDash(res.Head)))
	fmt.Fprintf(w, "rule:   %s\n", res.Rule)
	if res.Source != "" {
		fmt.Fprintf(w, "source: %s\n", cilog.Quote(res.Source))
	}
	if policyFrom != "" {
		fmt.Fprintf(w, "policy: %s\n", cilog.Quote(policyFrom))
	}
	if len(res.Vars) > 0 {
		fmt.Fprintln(w, "variables read:")
		for _, v := range res.Vars {
			if v.Set {
				fmt.Fprintf(w, "  %s=%s\n", v.Name, cilog.Quote(v.Value))
			} else {
				fmt.Fprintf(w, "  %s (unset)\n", v.Name)
			}
		}
	}
	if len(res.Fetches) > 0 {
		fmt.Fprintln(w, "fetches:")
		for _, ft := range res.Fetches {
			fmt.Fprintf(w, "  %s  (%s; %s)\n", cilog.Quote(ft.Command), ft.Duration.Round(time.Millisecond), cilog.Quote(ft.Reason))
			if ft.Err != "" {
				fmt.Fprintf(w, "    failed: %s\n", cilog.Escape(ft.Err))
			}
		}
	}
	if len(res.Trace) > 0 {
		fmt.Fprintln(w, "trace:")
		for _, l := range res.Trace {
			fmt.Fprintf(w, "  %s\n", cilog.Quote(l))
		}
	}
	if res.All {
		fmt.Fprintf(w, "changed: everything (%s)\n", cilog.Quote(res.Reason))
		return
	}
	fmt.Fprintf(w, "changed: %d path(s)\n", len(res.Changes))
	for _, c := range res.Changes {
		if c.OldPath != "" {
			fmt.Fprintf(w, "  %s  %s  (from %s)\n", c.Status, cilog.Quote(c.Path), cilog.Quote(c.OldPath))
		} else {
			fmt.Fprintf(w, "  %s  %s\n", c.Status, cilog.Quote(c.Path))
		}
	}
}
