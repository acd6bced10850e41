package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/selection"
	"gitlab.com/generate-config/generate-config/internal/cilog"
)

// ExplainOptions are the inputs of `explain`.
type ExplainOptions struct {
	Factory *Factory
	Dir     string
	Config  string
	Format  string
	Targets []string
	Changes changeFlags
	Workers int
}

// NewCmdExplain builds `explain`; runF replaces explainRun in tests.
func NewCmdExplain(f *Factory, runF func(*ExplainOptions) error) *cobra.Command {
	opts := &ExplainOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "explain [TARGET...]",
		Short: "Say for each target whether it is selected, why, and which jobs it produces",
		Long: `For each target (or the ones named): selected or not, and why — changed
file → matching pattern (and any exclude that rejected a file) → dependency
edge → global path → fallback — and the job names each selected cell
produced. The same structure is printed by preview --format json.`,
		Example: `  # Why is services/api (not) in this merge request's child pipeline?
  generate-config explain services/api

  # For an explicit change, as JSON:
  generate-config explain --changed libs/core/core.go --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Changes.validate(); err != nil {
				return err
			}
			if opts.Format != "text" && opts.Format != "json" {
				return usagef("--format must be text or json, not %q", opts.Format)
			}
			opts.Targets = args
			if runF != nil {
				return runF(opts)
			}
			return explainRun(cmd, opts)
		},
	}
	registerRepoFlags(cmd, &opts.Dir, &opts.Config, &opts.Workers)
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output `FORMAT`: text or json")
	opts.Changes.register(cmd)
	return cmd
}

func explainRun(cmd *cobra.Command, opts *ExplainOptions) error {
	f := opts.Factory
	run, err := runGeneration(cmd.Context(), f, opts.Dir, opts.Config, &opts.Changes, opts.Workers)
	if err != nil {
		return err
	}
	run.printWarnings(f.IO.ErrOut)
	rep := *run.report
	if len(opts.Targets) > 0 {
		byName := map[string]generator.TargetReport{}
		for _, t := range rep.Targets {
			byName[t.Name] = t
		}
		rep.Targets = nil
		for _, name := range opts.Targets {
			t, ok := byName[name]
			if !ok {
				return fmt.Errorf("no target %q in %s", name, cilog.Quote(run.manifest.File))
			}
			rep.Targets = append(rep.Targets, t)
		}
	}
	if opts.Format == "json" {
		return writeJSON(f.IO.Out, rep)
	}
	printExplain(f.IO.Out, &rep)
	return nil
}

func printExplain(w io.Writer, rep *generator.Report) {
	c := rep.Changes
	if c.All {
		fmt.Fprintf(w, "changes: everything (rule %s): %s\n", c.Rule, cilog.Quote(c.Reason))
	} else {
		fmt.Fprintf(w, "changes: %d path(s), base %s, head %s, rule %s\n", len(c.Changes), cilog.Quote(orDash(c.Base)), cilog.Quote(orDash(c.Head)), c.Rule)
	}
	for _, t := range rep.Targets {
		verdict := "not selected"
		if t.Selected {
			verdict = "selected"
		}
		fmt.Fprintf(w, "\n%s: %s\n", cilog.Quote(t.Name), verdict)
		for _, r := range t.Reasons {
			fmt.Fprintf(w, "  because %s\n", reasonText(r))
		}
		for _, d := range t.Deps {
			origin := d.Origin
			if origin == "deps" {
				origin = "the manifest's deps"
			}
			fmt.Fprintf(w, "  depends on %s: %s\n", d.Name, origin)
		}
		for _, r := range t.Rejected {
			fmt.Fprintf(w, "  %s matches %s but is excluded by %s\n", cilog.Quote(r.File), cilog.Quote(r.Pattern), cilog.Quote(r.By))
		}
		if !t.Selected && len(t.Rejected) == 0 {
			fmt.Fprintln(w, "  no changed file matches its paths, its dependencies, or a global pattern")
		}
		for _, cell := range t.Cells {
			fmt.Fprintf(w, "  cell os=%s arch=%s → %s\n", cilog.Quote(cell.OS), cilog.Quote(cell.Arch), cilog.QuoteAll(cell.Jobs, ", "))
		}
	}
	if len(rep.Unowned) > 0 {
		fmt.Fprintf(w, "\nunowned: %s\n", unownedText(rep))
	}
	if len(rep.Ignored) > 0 {
		fmt.Fprintf(w, "ignored (the manifest's ignore patterns): %d changed file(s)\n", len(rep.Ignored))
	}
}

func reasonText(r selection.Reason) string {
	switch r.Kind {
	case selection.ReasonFile:
		return fmt.Sprintf("%s matches %s", cilog.Quote(r.File), cilog.Quote(r.Pattern))
	case selection.ReasonDep:
		if r.Origin != "" {
			return fmt.Sprintf("it depends on %s, which is selected (inferred: %s)", cilog.Quote(r.Dep), r.Origin)
		}
		return fmt.Sprintf("it depends on %s, which is selected", cilog.Quote(r.Dep))
	case selection.ReasonGlobal:
		return fmt.Sprintf("%s matches the global pattern %s", cilog.Quote(r.File), cilog.Quote(r.Pattern))
	case selection.ReasonUnowned:
		return fmt.Sprintf("%s is owned by no target and the manifest says unowned: 'all'", cilog.Quote(r.File))
	}
	return fmt.Sprintf("everything is selected: %s", cilog.Quote(r.Detail))
}
