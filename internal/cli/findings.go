package cli

import (
	"fmt"
	"io"

	"gitlab.com/generate-config/generate-config/internal/cilog"
	"gitlab.com/generate-config/generate-config/internal/codequality"
	"gitlab.com/generate-config/generate-config/schema"
)

// writeFindings prints lint's and validate's findings in the format asked
// for: text (one escaped line each), json ({schemaVersion, findings}, an
// empty list rather than null) or codequality (GitLab's report; a finding
// without a file is placed in fallback).
func writeFindings(w io.Writer, format string, findings []schema.Finding, fallback string) error {
	switch format {
	case "json":
		if findings == nil {
			findings = []schema.Finding{}
		}
		return writeJSON(w, struct {
			Findings []schema.Finding `json:"findings"`
		}{findings})
	case "codequality":
		data, err := codequality.Encode(codequality.FromFindings(findings, fallback))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	return writeFindingsText(w, findings)
}

// writeFindingsText prints findings for a person: one cause once, with a
// count and a few of its other places (schema.Group, schema.Lines), each
// line escaped for a job log.
func writeFindingsText(w io.Writer, findings []schema.Finding) error {
	for _, g := range schema.Group(findings) {
		for i, l := range schema.Lines(g) {
			indent := ""
			if i > 0 {
				indent = "\t"
			}
			if _, err := fmt.Fprintln(w, indent+cilog.Escape(l)); err != nil {
				return err
			}
		}
	}
	return nil
}
