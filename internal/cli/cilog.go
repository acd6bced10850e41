package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/internal/cilog"
)

// dotenvName is the dotenv report's name, beside the output by default.
const dotenvName = "generate-config.env"

// inCI is GitLab's CI=true: the job log gets sections and the summary table.
func inCI(f *Factory) bool { return f.Getenv("CI") == "true" }

// dotenvReport is what the dotenv report says about a run.
func dotenvReport(rep *generator.Report) cilog.Dotenv {
	d := cilog.Dotenv{Targets: []string{}, Jobs: rep.Jobs, Empty: rep.Noop}
	for _, t := range rep.Targets {
		if t.Selected {
			d.Targets = append(d.Targets, t.Name)
		}
	}
	return d
}

// printRunDetails is the inside of the first collapsed section: the change
// detection's decision trace and, per target, the verdict, reasons and jobs.
func printRunDetails(w io.Writer, rep *generator.Report) {
	for _, l := range rep.Changes.Trace {
		fmt.Fprintf(w, "  %s\n", l)
	}
	printExplain(w, rep)
}

// printCITable is the last thing in the job log: the summary (what was
// selected and why, jobs, size) and a table of the size against GitLab's
// limit and where the diff came from.
func printCITable(w io.Writer, run *generation, dotenv string, color bool) {
	rep := run.report
	fmt.Fprintln(w, cilog.Paint(color, cilog.Bold, "generate-config summary"))
	printSummary(w, rep, run.manifest, color)
	limit := 5 << 20
	if l, err := generator.Limits(run.manifest); err == nil {
		limit = l.WithDefaults().MaxFileBytes
	}
	c := rep.Changes
	rows := [][2]string{
		{"limit", fmt.Sprintf("%d of %d bytes (%.1f%%) of GitLab's include:artifact limit", rep.Bytes, limit, 100*float64(rep.Bytes)/float64(limit))},
		{"base", orDash(c.Base)},
		{"head", orDash(c.Head)},
		{"rule", c.Rule},
	}
	if c.All {
		rows = append(rows, [2]string{"all", c.Reason})
	}
	if n := len(run.result.Findings); n > 0 {
		rows = append(rows, [2]string{"warnings", fmt.Sprintf("%d (in the first section)", n)})
	}
	if dotenv != "" {
		rows = append(rows, [2]string{"dotenv", dotenv})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\n", cilog.Paint(color, cilog.Cyan, r[0]), cilog.OneLine(strings.TrimSpace(r[1])))
	}
	tw.Flush()
}
