package schema

import (
	"fmt"
	"sort"
	"strings"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

// Severity of a finding: an error means GitLab would refuse the config; a
// warning means it would accept it but probably not do what was meant.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Finding is one problem at one place in a config file.
type Finding struct {
	Pos      diag.Pos `json:"pos"`
	Severity Severity `json:"severity"`
	// Message uses GitLab's own wording where GitLab has one.
	Message string `json:"message"`
	// Rule is the stable rule id (see docs/validation.md).
	Rule string `json:"rule"`
	// Job is the job the finding is about, if any.
	Job string `json:"job,omitempty"`
	// Origin is where the job came from (Options.Origins[Job]), if known.
	Origin *Origin `json:"origin,omitempty"`
}

// Origin names the matrix cell and the template that produced a job.
type Origin struct {
	Cell     diag.Cell `json:"cell"`
	Template string    `json:"template,omitempty"` // repo-relative template file
}

// String renders "FILE:LINE:COL: error|warning: message (rule-id)", plus
// " [target=… os=… arch=…, template …]" when the origin is known. The
// position is diag.Pos's ("FILE" alone when the line is unknown), or
// "generate-config" for a finding about no file. validate and lint print
// their findings this way.
func (f Finding) String() string {
	var b strings.Builder
	pos := f.Pos.String()
	if pos == "" {
		pos = "generate-config"
	}
	fmt.Fprintf(&b, "%s: %s: %s (%s)", pos, f.Severity, f.Message, f.Rule)
	if f.Origin != nil {
		b.WriteString(" [")
		b.WriteString(f.Origin.Cell.String())
		if f.Origin.Template != "" {
			b.WriteString(", template ")
			b.WriteString(f.Origin.Template)
		}
		b.WriteString("]")
	}
	return b.String()
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// sortFindings orders by line, column, rule, then the rest, so output is
// stable whatever order the checks ran in.
func sortFindings(fs []Finding, fileOrder map[string]int) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Pos.File != b.Pos.File {
			return fileOrder[a.Pos.File] < fileOrder[b.Pos.File]
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Job != b.Job {
			return a.Job < b.Job
		}
		if a.Severity != b.Severity {
			return a.Severity < b.Severity
		}
		return a.Message < b.Message
	})
}

// dedupe drops exact repeats (a template's bad key reached through several
// extends chains is reported once per job, never twice for one job).
func dedupe(fs []Finding) []Finding {
	out := fs[:0]
	for i, f := range fs {
		if i > 0 {
			p := out[len(out)-1]
			if p.Pos == f.Pos && p.Rule == f.Rule && p.Job == f.Job && p.Message == f.Message && p.Severity == f.Severity {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// MaxPlacesShown is how many further places a group of findings names in
// text; the others are counted.
const MaxPlacesShown = 3

// Group gathers the findings that are one cause — the same severity, rule
// and message (but for the job it is about, named in backquotes as
// `job` or `job:key`), from the same template (or none) — in the order
// each first appears. A template that makes 4,000 jobs with the same pitfall is one
// group, printed once with a count (Lines), not 4,000 times.
func Group(fs []Finding) [][]Finding {
	var out [][]Finding
	index := map[string]int{}
	for _, f := range fs {
		tpl := ""
		if f.Origin != nil {
			tpl = f.Origin.Template
		}
		msg := f.Message
		if f.Job != "" {
			// "`build:a:amd64:when` does not match" is the same cause in
			// every job the template made.
			msg = strings.ReplaceAll(msg, "`"+f.Job+"`", "`\x01`")
			msg = strings.ReplaceAll(msg, "`"+f.Job+":", "`\x01:")
		}
		k := string(f.Severity) + "\x00" + f.Rule + "\x00" + msg + "\x00" + tpl
		if i, ok := index[k]; ok {
			out[i] = append(out[i], f)
			continue
		}
		index[k] = len(out)
		out = append(out, []Finding{f})
	}
	return out
}

// Lines renders a group for a person: the first finding as String does,
// with the count when there are more (" (in N jobs)", or " (N times)" when
// some are about no job), and then a line, to be indented, naming the next
// MaxPlacesShown places and counting the rest.
func Lines(g []Finding) []string {
	first := g[0].String()
	if len(g) == 1 {
		return []string{first}
	}
	jobs := true
	for _, f := range g {
		jobs = jobs && f.Job != ""
	}
	if jobs {
		first += fmt.Sprintf(" (in %d jobs)", len(g))
	} else {
		first += fmt.Sprintf(" (%d times)", len(g))
	}
	var places []string
	for _, f := range g[1:min(len(g), 1+MaxPlacesShown)] {
		p := f.Pos.String()
		if f.Origin != nil {
			p += " [" + f.Origin.Cell.String() + "]"
		}
		places = append(places, p)
	}
	also := "also at " + strings.Join(places, ", ")
	if more := len(g) - 1 - len(places); more > 0 {
		also += fmt.Sprintf(" and %d more", more)
	}
	return []string{first, also}
}
