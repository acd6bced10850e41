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
	d := cilog.Dotenv{Targets: []string{}, Jobs: rep.Jobs, Empty: rep.Noop, Unowned: len(rep.Unowned), ParsedPercent: rep.ParsedPercent(), Files: len(rep.Files)}
	for _, t := range rep.Targets {
		if t.Selected {
			d.Targets = append(d.Targets, t.Name)
		}
	}
	return d
}

func pct(n, limit int) float64 {
	if limit <= 0 {
		return 0
	}
	return 100 * float64(n) / float64(limit)
}

// printRunDetails is the inside of the first collapsed section: the change
// detection's decision trace and, per target, the verdict, reasons and jobs.
func printRunDetails(w io.Writer, rep *generator.Report) {
	for _, l := range rep.Changes.Trace {
		fmt.Fprintf(w, "  %s\n", cilog.Quote(l))
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
	c := rep.Changes
	var rows [][2]string
	for _, f := range rep.Files {
		// The parsed size binds first: GitLab's max_yaml_size_bytes (2 MB
		// on GitLab.com) prices the loaded objects, several times the
		// file's bytes, which have 5 MB (include:artifact).
		rows = append(rows,
			[2]string{"parsed", fmt.Sprintf("%s: about %d of %d bytes (%.1f%%) of max_yaml_size_bytes", f.Name, f.ParsedBytes, f.MaxParsedBytes, pct(f.ParsedBytes, f.MaxParsedBytes))},
			[2]string{"size", fmt.Sprintf("%s: %d of %d bytes (%.1f%%) of the include:artifact limit", f.Name, f.Bytes, f.MaxBytes, pct(f.Bytes, f.MaxBytes))})
	}
	rows = append(rows,
		[2]string{"base", orDash(c.Base)},
		[2]string{"head", orDash(c.Head)},
		[2]string{"rule", c.Rule},
	)
	if len(rep.Ignored) > 0 {
		rows = append(rows, [2]string{"ignored", fmt.Sprintf("%d changed file(s) the manifest's ignore patterns say need no build", len(rep.Ignored))})
	}
	if c.All {
		rows = append(rows, [2]string{"all", c.Reason})
	}
	if len(rep.Unowned) > 0 {
		rows = append(rows, [2]string{"unowned", unownedText(rep)})
	}
	if n := len(run.result.Findings) + len(run.result.Warnings); n > 0 {
		rows = append(rows, [2]string{"warnings", fmt.Sprintf("%d (in the first section)", n)})
	}
	if dotenv != "" {
		rows = append(rows, [2]string{"dotenv", dotenv})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\n", cilog.Paint(color, cilog.Cyan, r[0]), cilog.Quote(strings.TrimSpace(r[1])))
	}
	tw.Flush()
}
