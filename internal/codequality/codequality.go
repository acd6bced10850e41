// Package codequality writes GitLab's Code Quality report
// (artifacts:reports:codequality): a JSON array of issues, each with
// description, check_name, fingerprint, severity, location.path and
// location.lines.begin, the fields GitLab documents
// (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).
// lint and validate print their findings in it with --format codequality,
// so the merge request widget lists them beside the changed lines.
package codequality

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"gitlab.com/generate-config/generate-config/schema"
)

// GitLab's severities, lowest first.
const (
	Info     = "info"
	Minor    = "minor"
	Major    = "major"
	Critical = "critical"
	Blocker  = "blocker"
)

// Issue is one finding in GitLab's format.
type Issue struct {
	Description string   `json:"description"`
	CheckName   string   `json:"check_name"`
	Fingerprint string   `json:"fingerprint"`
	Severity    string   `json:"severity"`
	Location    Location `json:"location"`
}

// Location is where the issue is: a path relative to the repository root,
// as GitLab links it, and a 1-based line.
type Location struct {
	Path  string `json:"path"`
	Lines Lines  `json:"lines"`
}

// Lines holds the first line of the issue.
type Lines struct {
	Begin int `json:"begin"`
}

// Severity maps generate-config's two severities: an error (GitLab would
// reject the config, or generation fails) is major, a warning is minor.
// The mapping is our choice; GitLab only orders the five levels.
func Severity(s string) string {
	if s == "error" {
		return Major
	}
	return Minor
}

// New makes an issue; line 0 (unknown) becomes 1, since GitLab needs a
// line to place it.
func New(check, severity, path string, line int, description string) Issue {
	if line < 1 {
		line = 1
	}
	return Issue{Description: description, CheckName: check, Severity: severity, Location: Location{Path: path, Lines: Lines{Begin: line}}}
}

// Encode fills in the fingerprints and writes the report, one array (empty
// when there is nothing), indented, with a final newline.
//
// GitLab compares fingerprints between the base and the head of a merge
// request to tell new issues from fixed ones, so a fingerprint hashes the
// check, the path and the description but not the line: an issue that
// moves down because lines were added above it is not "new". Identical
// issues in one file are told apart by their order.
func Encode(issues []Issue) ([]byte, error) {
	seen := map[string]int{}
	out := make([]Issue, len(issues))
	for i, is := range issues {
		key := is.CheckName + "\x00" + is.Location.Path + "\x00" + is.Description
		n := seen[key]
		seen[key] = n + 1
		h := sha256.Sum256([]byte(key + "\x00" + strconv.Itoa(n)))
		is.Fingerprint = hex.EncodeToString(h[:16])
		out[i] = is
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// FromFindings turns lint and validate findings into issues. A finding of
// a job names it in the description when its message does not; a finding
// without a file is placed in fallback, since GitLab needs a path.
func FromFindings(findings []schema.Finding, fallback string) []Issue {
	issues := make([]Issue, 0, len(findings))
	for _, fd := range findings {
		desc := fd.Message
		if fd.Job != "" && !strings.Contains(desc, fd.Job) {
			desc = fd.Job + ": " + desc
		}
		path := fd.Pos.File
		if path == "" {
			path = fallback
		}
		issues = append(issues, New(fd.Rule, Severity(string(fd.Severity)), path, fd.Pos.Line, desc))
	}
	return issues
}
