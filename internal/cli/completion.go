package cli

import (
	"context"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/internal/scenario"
)

// Shell completion that knows the project (cobra's `completion` command
// writes the scripts; they call the hidden `__complete`): target names for
// explain, the --format values of every command, scenario names for
// test --run, and revisions for diff --against. Completion reads the
// repository named by the command line's -C and --config, and fails
// quietly: a broken manifest completes nothing rather than printing errors
// into the shell.

// formatValues are the --format values of each command that has the flag.
var formatValues = map[string][]string{
	"preview":  previewFormats,
	"changed":  changedFormats,
	"explain":  {"text", "json"},
	"diff":     {"text", "json"},
	"validate": findingFormats,
	"lint":     findingFormats,
}

// registerCompletions wires the completions into the command tree.
func registerCompletions(root *cobra.Command, f *Factory) {
	for _, cmd := range root.Commands() {
		name := cmd.Name()
		if values, ok := formatValues[name]; ok {
			_ = cmd.RegisterFlagCompletionFunc("format", completeFixed(values))
		}
		switch name {
		case "explain":
			cmd.ValidArgsFunction = completeTargets(f)
		case "test":
			_ = cmd.RegisterFlagCompletionFunc("run", completeScenarios(f))
		case "diff":
			_ = cmd.RegisterFlagCompletionFunc("against", completeRevisions(f))
		}
	}
}

// completeFixed proposes the values that start with what is typed.
func completeFixed(values []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completionRepo is the repository root the command line names (-C).
func completionRepo(f *Factory, cmd *cobra.Command) string {
	dir, _ := cmd.Flags().GetString("dir")
	if dir == "" {
		dir = "."
	}
	return resolvePath(f, dir)
}

// completeTargets proposes the manifest's target names not given yet.
func completeTargets(f *Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		root, err := openRoot(completionRepo(f, cmd))
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer root.Close()
		config, _ := cmd.Flags().GetString("config")
		m, err := generator.LoadManifest(root.FS(), filepath.ToSlash(config))
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, t := range m.Targets {
			if strings.HasPrefix(t.Name, toComplete) && !slices.Contains(args, t.Name) {
				out = append(out, t.Name)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeScenarios proposes the scenario names below --scenarios (a name
// matches itself as a --run expression).
func completeScenarios(f *Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		root, err := openRoot(completionRepo(f, cmd))
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer root.Close()
		dir, _ := cmd.Flags().GetString("scenarios")
		dir = path.Clean(filepath.ToSlash(dir))
		files, err := scenario.Find(root.FS(), dir)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, file := range files {
			name := strings.TrimSuffix(strings.TrimPrefix(file, dir+"/"), ".jsonnet")
			if strings.HasPrefix(name, toComplete) {
				out = append(out, name)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeRevisions proposes HEAD, HEAD~1, and the repository's branches,
// tags and remote branches; --against also takes a file, so the shell's
// file completion stays on.
func completeRevisions(f *Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		revs := []string{"HEAD", "HEAD~1"}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		git := exec.CommandContext(ctx, "git", "-C", completionRepo(f, cmd), "for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/tags", "refs/remotes")
		if out, err := git.Output(); err == nil {
			for _, l := range strings.Split(string(out), "\n") {
				if l != "" && !strings.HasSuffix(l, "/HEAD") {
					revs = append(revs, l)
				}
			}
		}
		var out []string
		for _, r := range revs {
			if strings.HasPrefix(r, toComplete) {
				out = append(out, r)
			}
		}
		return out, cobra.ShellCompDirectiveDefault
	}
}
