package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/cilog"
	"gitlab.com/generate-config/generate-config/internal/graph"
)

// PreviewOptions are the inputs of `preview`.
type PreviewOptions struct {
	Factory *Factory
	Dir     string
	Config  string
	Format  string
	Changes changeFlags
	Workers int
	Color   string // auto, always or never: the summary's colours
}

var previewFormats = []string{"yaml", "json", "summary", "mermaid", "dot"}

// NewCmdPreview builds `preview`; runF replaces previewRun in tests.
func NewCmdPreview(f *Factory, runF func(*PreviewOptions) error) *cobra.Command {
	opts := &PreviewOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "preview",
		Short: "Print the child pipeline the changes would generate, without writing files",
		Long: `Run the same selection, evaluation and validation as generate, but print
instead of writing: the YAML on stdout and a one-screen summary on stderr
(--format yaml), the selection report with every reason as JSON
(--format json), or the summary alone (--format summary).

--format mermaid and --format dot draw the child pipeline: stages as
columns, jobs as nodes, needs as edges. Mermaid renders in GitLab merge
request descriptions and Markdown files (paste it in a mermaid code block);
DOT is for Graphviz (dot -Tsvg) and very large pipelines.`,
		Example: `  # What would the merge request's child pipeline hold?
  generate-config preview

  # The summary alone, in colour even when piped:
  generate-config preview --all --format summary --color=always

  # For an explicit change, as JSON:
  generate-config preview --changed libs/core/core.go --format json

  # A picture of the pipeline for a merge request description:
  generate-config preview --format mermaid

  # Or as an SVG file, with Graphviz:
  generate-config preview --all --format dot | dot -Tsvg -o pipeline.svg`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Changes.validate(); err != nil {
				return err
			}
			if !contains(previewFormats, opts.Format) {
				return usagef("--format must be one of %s, not %q", strings.Join(previewFormats, ", "), opts.Format)
			}
			if _, err := cilog.UseColor(opts.Color, f.LookupEnv, f.IO.ErrOut); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(opts)
			}
			return previewRun(cmd, opts)
		},
	}
	registerRepoFlags(cmd, &opts.Dir, &opts.Config, &opts.Workers)
	cmd.Flags().StringVar(&opts.Format, "format", "yaml", "output `FORMAT`: "+strings.Join(previewFormats, ", "))
	cmd.Flags().StringVar(&opts.Color, "color", cilog.ColorAuto, "colour the summary: auto (on a terminal, unless NO_COLOR is set), always or never")
	opts.Changes.register(cmd)
	return cmd
}

func previewRun(cmd *cobra.Command, opts *PreviewOptions) error {
	f := opts.Factory
	run, err := runGeneration(cmd.Context(), f, opts.Dir, opts.Config, &opts.Changes, opts.Workers)
	if err != nil {
		return err
	}
	run.printWarnings(f.IO.ErrOut)
	colorOn := func(w io.Writer) bool {
		on, _ := cilog.UseColor(opts.Color, f.LookupEnv, w)
		return on
	}
	switch opts.Format {
	case "json":
		return writeJSON(f.IO.Out, run.report)
	case "summary":
		printSummary(f.IO.Out, run.report, run.manifest, colorOn(f.IO.Out))
	case "mermaid", "dot":
		// Drawn from the YAML itself, as GitLab will read it.
		draw := graph.Mermaid
		if opts.Format == "dot" {
			draw = graph.DOT
		}
		text, err := draw(run.result.Document.YAML)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f.IO.Out, text); err != nil {
			return err
		}
		printSummary(f.IO.ErrOut, run.report, run.manifest, colorOn(f.IO.ErrOut))
	default:
		if _, err := f.IO.Out.Write(run.result.Document.YAML); err != nil {
			return err
		}
		printSummary(f.IO.ErrOut, run.report, run.manifest, colorOn(f.IO.ErrOut))
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printSummary fits on one screen: the base, each selected target with its
// first reason, and the size of the result; with color, the count line is
// bold and the target names cyan.
func printSummary(w io.Writer, rep *generator.Report, m *manifest.Manifest, color bool) {
	c := rep.Changes
	if c.All {
		fmt.Fprintf(w, "changes: everything (%s): %s\n", c.Rule, c.Reason)
	} else {
		fmt.Fprintf(w, "changes: %d path(s), base %s, head %s, rule %s\n", len(c.Changes), orDash(c.Base), orDash(c.Head), c.Rule)
	}
	selected := 0
	for _, t := range rep.Targets {
		if t.Selected {
			selected++
		}
	}
	fmt.Fprintln(w, cilog.Paint(color, cilog.Bold, fmt.Sprintf("selected %d of %d targets", selected, len(rep.Targets))))
	const maxLines = 20
	shown := 0
	for _, t := range rep.Targets {
		if !t.Selected {
			continue
		}
		if shown == maxLines {
			fmt.Fprintf(w, "  ... and %d more (preview --format json lists all)\n", selected-maxLines)
			break
		}
		shown++
		jobs := 0
		for _, cell := range t.Cells {
			jobs += len(cell.Jobs)
		}
		fmt.Fprintf(w, "  %s %3d job(s)  %s\n", cilog.Paint(color, cilog.Cyan, fmt.Sprintf("%-28s", t.Name)), jobs, describeReason(t))
	}
	if rep.Noop {
		fmt.Fprintln(w, "no target selected: the file holds the no-op job only")
	}
	fmt.Fprintf(w, "jobs: %d, size: %d bytes\n", rep.Jobs, rep.Bytes)
}

func describeReason(t generator.TargetReport) string {
	if len(t.Reasons) == 0 {
		return ""
	}
	r := t.Reasons[0]
	more := ""
	if n := len(t.Reasons) - 1; n > 0 {
		more = fmt.Sprintf(" (+%d more)", n)
	}
	switch r.Kind {
	case "file":
		return fmt.Sprintf("%s matches %s%s", r.File, r.Pattern, more)
	case "dep":
		return fmt.Sprintf("depends on %s%s", r.Dep, more)
	case "global":
		return fmt.Sprintf("global: %s matches %s%s", r.File, r.Pattern, more)
	}
	return fmt.Sprintf("%s: %s%s", r.Kind, r.Detail, more)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
