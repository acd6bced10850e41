package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
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
		text, err := draw(run.result.Document.Whole())
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f.IO.Out, text); err != nil {
			return err
		}
		printSummary(f.IO.ErrOut, run.report, run.manifest, colorOn(f.IO.ErrOut))
	default:
		// Each output file; with several (output.files), as a YAML stream
		// whose documents say which file they are.
		for i, out := range run.result.Files {
			if len(run.result.Files) > 1 {
				sep := "---\n"
				if i == 0 {
					sep = ""
				}
				fmt.Fprintf(f.IO.Out, "%s# ---- %s ----\n", sep, cilog.Quote(out.Name))
			}
			if _, err := f.IO.Out.Write(out.Data); err != nil {
				return err
			}
		}
		printSummary(f.IO.ErrOut, run.report, run.manifest, colorOn(f.IO.ErrOut))
	}
	return nil
}

// jsonSchemaVersion is the schemaVersion of every --format json output.
// It changes when a field is removed or changes meaning (adding fields does
// not); the JSON Schemas are published in schema/output.
const jsonSchemaVersion = 1

// writeJSON prints v, a JSON object, indented, with schemaVersion as its
// first field: the one home of every --format json output.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) < 2 || b[0] != '{' {
		return fmt.Errorf("internal error: a --format json output must be an object, not %.20s", b)
	}
	var obj bytes.Buffer
	fmt.Fprintf(&obj, `{"schemaVersion":%d`, jsonSchemaVersion)
	if string(b) != "{}" {
		obj.WriteByte(',')
	}
	obj.Write(b[1:])
	var out bytes.Buffer
	if err := json.Indent(&out, obj.Bytes(), "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}

// printSummary fits on one screen: the base, each selected target with its
// first reason, and the size of the result; with color, the count line is
// bold and the target names cyan.
func printSummary(w io.Writer, rep *generator.Report, m *manifest.Manifest, color bool) {
	c := rep.Changes
	if c.All {
		fmt.Fprintf(w, "changes: everything (%s): %s\n", c.Rule, cilog.Quote(c.Reason))
	} else {
		fmt.Fprintf(w, "changes: %d path(s), base %s, head %s, rule %s\n", len(c.Changes), cilog.Quote(orDash(c.Base)), cilog.Quote(orDash(c.Head)), c.Rule)
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
		fmt.Fprintf(w, "  %s %3d job(s)  %s\n", cilog.Paint(color, cilog.Cyan, fmt.Sprintf("%-28s", cilog.Quote(t.Name))), t.VisibleJobs(), describeReason(t))
	}
	if rep.Noop {
		fmt.Fprintln(w, "no target selected: the file holds the no-op job only")
	}
	if len(rep.Unowned) > 0 {
		fmt.Fprintf(w, "unowned: %s\n", unownedText(rep))
	}
	fmt.Fprintf(w, "jobs: %d, size: %d bytes\n", rep.Jobs, rep.Bytes)
	for _, f := range rep.Files {
		fmt.Fprintf(w, "  %s: parsed about %d of %d bytes (%.1f%%, max_yaml_size_bytes), file %d of %d bytes (%.1f%%, include:artifact)\n",
			cilog.Quote(f.Name), f.ParsedBytes, f.MaxParsedBytes, pct(f.ParsedBytes, f.MaxParsedBytes), f.Bytes, f.MaxBytes, pct(f.Bytes, f.MaxBytes))
	}
}

// unownedText says how many changed files no target owns, names the first
// ones (quoted: they come from the repository), and what the policy did.
func unownedText(rep *generator.Report) string {
	const shown = 5
	var names []string
	for i, p := range rep.Unowned {
		if i == shown {
			names = append(names, fmt.Sprintf("and %d more", len(rep.Unowned)-shown))
			break
		}
		names = append(names, strconv.Quote(p))
	}
	what := map[string]string{
		manifest.UnownedAll:    "every target is selected (unowned: 'all')",
		manifest.UnownedWarn:   "they build nothing (unowned: 'warn')",
		manifest.UnownedIgnore: "they build nothing (unowned: 'ignore')",
	}[rep.UnownedPolicy]
	if what == "" {
		what = "they build nothing"
	}
	return fmt.Sprintf("%d changed file(s) no target owns (%s): %s", len(rep.Unowned), strings.Join(names, ", "), what)
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
		return fmt.Sprintf("%s matches %s%s", cilog.Quote(r.File), cilog.Quote(r.Pattern), more)
	case "dep":
		return fmt.Sprintf("depends on %s%s", cilog.Quote(r.Dep), more)
	case "global":
		return fmt.Sprintf("global: %s matches %s%s", cilog.Quote(r.File), cilog.Quote(r.Pattern), more)
	case "unowned":
		return fmt.Sprintf("unowned: %s is owned by no target (unowned: 'all')%s", cilog.Quote(r.File), more)
	}
	return fmt.Sprintf("%s: %s%s", r.Kind, cilog.Quote(r.Detail), more)
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
