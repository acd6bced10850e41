package generator

import (
	"sort"

	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/selection"
	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/schema"
)

// Report connects each changed file to the jobs it caused: changed file →
// pattern → target → dependency edge → cell → job names. `preview --format
// json`, `explain` and the summary all print this one structure.
type Report struct {
	Changes changes.Resolution `json:"changes"`
	Targets []TargetReport     `json:"targets"`
	Unowned []string           `json:"unowned_changes,omitempty"`
	// Ignored are changed files no target owns that the manifest's
	// ignore patterns say need no build.
	Ignored []string `json:"ignored_changes,omitempty"`
	// UnownedPolicy is the manifest's unowned policy the run applied.
	UnownedPolicy string    `json:"unowned_policy,omitempty"`
	Warnings      []Warning `json:"warnings,omitempty"`
	Jobs          int       `json:"jobs"`  // visible jobs (Document.VisibleJobs)
	Bytes         int       `json:"bytes"` // of all output files
	// Files are the output files with their size and estimated parsed size
	// against GitLab's limits (include:artifact's 5 MB, max_yaml_size_bytes).
	Files []schema.FileSize `json:"files"`
	Noop  bool              `json:"noop"`
}

// TargetReport is a selection verdict with the jobs its cells produced.
type TargetReport struct {
	*selection.Target
	Cells []CellReport `json:"cells,omitempty"`
}

// VisibleJobs is the number of jobs the target's cells produced, hidden
// templates (`.name`) not counted, as in Report.Jobs.
func (t TargetReport) VisibleJobs() int {
	n := 0
	for _, c := range t.Cells {
		for _, j := range c.Jobs {
			if !cidoc.IsHidden(j) {
				n++
			}
		}
	}
	return n
}

// CellReport lists one cell's jobs.
type CellReport struct {
	OS   string   `json:"os"`
	Arch string   `json:"arch"`
	Jobs []string `json:"jobs"`
}

// ParsedPercent is the largest share of max_yaml_size_bytes that an output
// file takes in GitLab's memory (estimated): the limit that binds first.
func (r *Report) ParsedPercent() int {
	p := 0
	for _, f := range r.Files {
		if f.MaxParsedBytes > 0 {
			p = max(p, f.ParsedBytes*100/f.MaxParsedBytes)
		}
	}
	return p
}

// NewReport builds the report of a generation.
func NewReport(res changes.Resolution, r *Result) *Report {
	rep := &Report{Changes: res, Unowned: r.Selection.Unowned, Ignored: r.Selection.Ignored, Warnings: r.Warnings, Noop: r.Document.Noop, Files: r.Sizes}
	for _, f := range r.Sizes {
		rep.Bytes += f.Bytes
	}
	cells := map[string][]CellReport{}
	for _, c := range r.Cells {
		names := make([]string, 0, len(c.Jobs))
		for n := range c.Jobs {
			names = append(names, n)
		}
		sort.Strings(names)
		cells[c.Cell.Target.Name] = append(cells[c.Cell.Target.Name], CellReport{OS: c.Cell.OS, Arch: c.Cell.Arch, Jobs: names})
	}
	for _, t := range r.Selection.Targets {
		rep.Targets = append(rep.Targets, TargetReport{Target: t, Cells: cells[t.Name]})
	}
	rep.Jobs = r.Document.VisibleJobs()
	return rep
}
