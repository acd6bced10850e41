package generator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/google/go-jsonnet"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/internal/cidoc"
)

// yamlHint replaces the Jsonnet parse error of a manifest written in YAML
// (a common first guess, next to .gitlab-ci.yml) with one that says so and
// shows the same content as Jsonnet. Any other error is returned as it is.
func yamlHint(repo fs.FS, file string, evalErr error) error {
	src, err := fs.ReadFile(repo, file)
	if err != nil {
		return evalErr
	}
	if _, err := jsonnet.SnippetToAST(file, string(src)); err == nil {
		return evalErr // it parses: the error is about something else
	}
	doc, err := cidoc.Parse(src)
	if err != nil || doc.Root == nil {
		return evalErr
	}
	v, err := cidoc.ToJSON(doc.Root, nil) // the values GitLab's Psych would read
	if m, ok := v.(map[string]any); err != nil || !ok || len(m) == 0 {
		return evalErr
	}
	equivalent, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return evalErr
	}
	pos := diag.Pos{File: file, Line: 1, Col: 1}
	said := evalErr.Error()
	var de *diag.Error
	if errors.As(evalErr, &de) && de.Pos.Line > 0 {
		pos, said = de.Pos, de.Msg
	}
	return &diag.Error{
		Pos:   pos,
		Msg:   fmt.Sprintf("the manifest is written in YAML, but it must be Jsonnet (or JSON, which is Jsonnet); Jsonnet says: %s", strings.TrimSpace(firstLine(said))),
		Notes: []string{"the same manifest in Jsonnet (JSON):\n" + string(equivalent)},
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
