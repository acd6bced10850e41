// Package authoring holds the engine-independent parts of the template
// authoring workflow: formatting Jsonnet files (`generate-config fmt`),
// linting the manifest and templates (`generate-config lint`), and
// scaffolding a new setup (`generate-config init`), including the plan of
// the two jobs to add to the parent pipeline, which reads the existing
// .gitlab-ci.yml with internal/cidoc.
package authoring

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/formatter"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/internal/output"
)

// FormatFile formats Jsonnet source with go-jsonnet's formatter and its
// default options (the style of `jsonnetfmt`). name is used in errors only. A
// parse error is a *diag.Error positioned at the offending line and column.
func FormatFile(name string, src []byte) ([]byte, error) {
	out, err := formatter.Format(name, string(src), formatter.DefaultOptions())
	if err != nil {
		return nil, formatError(name, err)
	}
	return []byte(out), nil
}

// formatError turns go-jsonnet's static error ("file:1:2-3 message") into a
// diag.Error with the position split out, so every command prints it the
// same way.
func formatError(name string, err error) error {
	var located interface{ Loc() ast.LocationRange }
	if !errors.As(err, &located) {
		return diag.Errorf(diag.Pos{File: name}, "%v", err)
	}
	loc := located.Loc()
	msg := strings.TrimSpace(strings.TrimPrefix(err.Error(), loc.String()))
	if msg == "" {
		msg = err.Error()
	}
	return diag.Errorf(diag.Pos{File: name, Line: loc.Begin.Line, Col: loc.Begin.Column}, "%s", msg)
}

// IsJsonnet reports whether name is a Jsonnet source file by its extension.
func IsJsonnet(name string) bool {
	ext := filepath.Ext(name)
	return ext == ".jsonnet" || ext == ".libsonnet"
}

// skipDirs are never walked: version control, and trees of other people's code.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true}

// FindJsonnet returns the *.jsonnet and *.libsonnet files under dir
// ('/'-separated, in fsys), sorted, skipping .git, node_modules and vendor
// directories. Symbolic links are not followed: a linked file is formatted
// where it really lives, if that is inside the tree.
func FindJsonnet(fsys fs.FS, dir string) ([]string, error) {
	var out []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && skipDirs[d.Name()] {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && IsJsonnet(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// FormatResult is what formatting one file found.
type FormatResult struct {
	Path    string // as given to FormatPath
	Changed bool   // the formatted text differs from the file
	Err     error  // a read, parse or write error; nothing was written then
}

// FormatPath formats the file name ('/'-separated, relative to root),
// shown as display in errors. With write, a file that changes is replaced
// atomically (same mode); otherwise nothing is written. Every read and
// write goes through root, so nothing outside the repository is read or
// written: a symbolic link is followed only while it stays inside (its
// target is rewritten, so the link stays a link); one that leads out is an
// error.
func FormatPath(root *os.Root, name, display string, write bool) FormatResult {
	res := FormatResult{Path: name}
	real, err := output.ResolveInRoot(root, name)
	if err != nil {
		res.Err = diag.Errorf(diag.Pos{File: display}, "cannot read: %v", unwrapPath(err))
		return res
	}
	src, err := root.ReadFile(real)
	if err != nil {
		res.Err = diag.Errorf(diag.Pos{File: display}, "cannot read: %v", unwrapPath(output.Confine(err)))
		return res
	}
	out, err := FormatFile(display, src)
	if err != nil {
		res.Err = err
		return res
	}
	if string(out) == string(src) {
		return res
	}
	res.Changed = true
	if !write {
		return res
	}
	if err := output.WriteFileInRoot(root, real, out); err != nil {
		res.Err = diag.Errorf(diag.Pos{File: display}, "cannot write: %v", unwrapPath(output.Confine(err)))
	}
	return res
}

// unwrapPath drops the path from an *fs.PathError, since the caller already
// names the file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.Is(err, output.ErrOutside) {
		return output.ErrOutside
	}
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
