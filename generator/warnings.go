package generator

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/generator/selection"
)

// Rules of the generator's own warnings (the validator's are in schema).
const (
	RuleUnowned = "unowned-changes" // changed files no target owns
	RuleNoFiles = "no-files"        // a target's paths match no file of the tree
)

// Warning is something a run did that is probably not what was meant,
// though nothing is invalid: a change that builds nothing, a target that
// can never be selected by its own files.
type Warning struct {
	Pos     diag.Pos `json:"pos"`
	Rule    string   `json:"rule"`
	Message string   `json:"message"`
}

// String is the one-line form: file: warning: message (rule).
func (w Warning) String() string {
	pos := w.Pos.String()
	if pos == "" {
		pos = "generate-config"
	}
	return fmt.Sprintf("%s: warning: %s (%s)", pos, w.Message, w.Rule)
}

// maxListed bounds the files a message names; the reports list them all.
const maxListed = 10

// quoteList quotes each name (they come from the repository) and cuts the
// list after maxListed.
func quoteList(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i == maxListed {
			fmt.Fprintf(&b, " and %d more", len(names)-maxListed)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}

// unowned applies the manifest's unowned policy to the selection: a
// warning for 'warn', an error for 'fail'; 'all' has already selected
// everything (selection.Select) and 'ignore' says nothing.
func unowned(m *manifest.Manifest, sel *selection.Result) ([]Warning, error) {
	if len(sel.Unowned) == 0 {
		return nil, nil
	}
	what := fmt.Sprintf("%d changed file(s) owned by no target and no global pattern: %s", len(sel.Unowned), quoteList(sel.Unowned))
	const fix = "add them to a target's paths, to global, or to ignore"
	switch m.Unowned {
	case manifest.UnownedFail:
		return nil, diag.Errorf(diag.Pos{File: m.File}, "%s; %s (the manifest says unowned: 'fail')", what, fix)
	case manifest.UnownedWarn:
		return []Warning{{Pos: diag.Pos{File: m.File}, Rule: RuleUnowned, Message: fmt.Sprintf(
			"%s: they build nothing; %s, or set unowned to 'ignore', 'fail' or 'all'", what, fix)}}, nil
	}
	return nil, nil
}

// deadTargets warns about targets whose paths match no file of the tree.
func deadTargets(m *manifest.Manifest, files []string) []Warning {
	var out []Warning
	for _, t := range selection.NewTree(files).Dead(m) {
		out = append(out, Warning{Pos: diag.Pos{File: m.File}, Rule: RuleNoFiles, Message: fmt.Sprintf(
			"the paths of target %q (%s) match no file in the repository: a typo, or a moved directory? No change can select it by its own files",
			t.Name, quoteList(t.Paths))})
	}
	return out
}

// TreeFiles lists the regular files of the repository, '/'-separated,
// without .git: the listing Input.Files wants.
func TreeFiles(repo fs.FS) ([]string, error) {
	var files []string
	err := fs.WalkDir(repo, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			return nil // an unreadable directory: check what can be read
		}
		if d.IsDir() && d.Name() == ".git" {
			return fs.SkipDir
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}
