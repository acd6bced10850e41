// Package jsonnetvm sets up go-jsonnet the way generate-config needs it: an
// importer confined to the repository and the embedded library, and the
// conversion of go-jsonnet's errors into positioned diag errors.
package jsonnetvm

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/internal/jsonnetfmt"
)

// EmbeddedPrefix marks files that come from the embedded library in
// positions and import resolution; no repository path can start with '<'
// after cleaning, so the two namespaces cannot collide.
const EmbeddedPrefix = "<embedded>/"

// Importer resolves imports first in the embedded library (bare names such
// as 'generate-config.libsonnet'), then relative to the importing file inside
// the repository. Nothing outside those two trees can be read: absolute paths
// and paths that climb above the repository root are refused. Symlinks that
// leave the repository are refused by the fs.FS the caller passes (an os.Root
// FS in the command line).
//
// It is safe for concurrent use, so one Importer can serve a VM per worker and
// each file is read once.
type Importer struct {
	Repo fs.FS
	Lib  fs.FS

	mu    sync.Mutex
	cache map[string]jsonnet.Contents
}

// NewImporter returns an importer over the repository and the library.
func NewImporter(repo, lib fs.FS) *Importer {
	return &Importer{Repo: repo, Lib: lib, cache: map[string]jsonnet.Contents{}}
}

// Import implements jsonnet.Importer. foundAt is the repository-relative path
// (with '/'), or EmbeddedPrefix+name for the library: those are the names
// users see in error messages.
func (im *Importer) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	if importedPath == "" {
		return jsonnet.Contents{}, "", errors.New("empty import path")
	}
	if strings.HasPrefix(importedPath, "/") || strings.Contains(importedPath, `\`) || (len(importedPath) > 1 && importedPath[1] == ':') {
		return jsonnet.Contents{}, "", fmt.Errorf("import %q: imports must be relative paths inside the repository ('/' separated)", importedPath)
	}
	if lib, ok := strings.CutPrefix(importedFrom, EmbeddedPrefix); ok {
		p := path.Join(path.Dir(lib), importedPath)
		return im.read(im.Lib, p, EmbeddedPrefix+p)
	}
	// Bare library names win, so a repository file cannot shadow the library
	// by accident and every template sees the same helpers.
	if !strings.Contains(importedPath, "/") {
		if _, err := fs.Stat(im.Lib, importedPath); err == nil {
			return im.read(im.Lib, importedPath, EmbeddedPrefix+importedPath)
		}
	}
	p := path.Join(path.Dir(importedFrom), importedPath)
	if p == ".." || strings.HasPrefix(p, "../") || !fs.ValidPath(p) {
		return jsonnet.Contents{}, "", fmt.Errorf("import %q from %s escapes the repository root; imports stay inside the repository and the embedded library", importedPath, displayFrom(importedFrom))
	}
	return im.read(im.Repo, p, p)
}

func displayFrom(from string) string {
	if from == "" {
		return "the repository root"
	}
	return from
}

func (im *Importer) read(fsys fs.FS, name, foundAt string) (jsonnet.Contents, string, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if c, ok := im.cache[foundAt]; ok {
		return c, foundAt, nil
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return jsonnet.Contents{}, "", fmt.Errorf("import %q: no such file in the repository", name)
		}
		return jsonnet.Contents{}, "", fmt.Errorf("import %q: %w", name, err)
	}
	c := jsonnet.MakeContentsRaw(data)
	im.cache[foundAt] = c
	return c, foundAt, nil
}

// MaxStack bounds the depth of Jsonnet calls (go-jsonnet's and the C++
// jsonnet's default): deeper recursion fails with a positioned "max stack
// frames exceeded" long before Go's own stack limit, which would end the
// process. evaluate makes tail calls count too (they do not in go-jsonnet).
const MaxStack = 500

// NewVM returns a VM that reads files only through imp and has no external
// variables: templates see the CI environment only through ctx.vars. Its
// std.format (and so % on strings) runs in Go: see package jsonnetfmt.
func NewVM(imp jsonnet.Importer) *jsonnet.VM {
	vm := jsonnet.MakeVM()
	vm.MaxStack = MaxStack
	vm.Importer(imp)
	jsonnetfmt.Register(vm)
	return vm
}

// EvaluateFile evaluates the Jsonnet file at file (repository-relative) to
// JSON, with errors converted to positioned diag errors. The parsed file is
// cached by the VM, so evaluating it again costs no parsing.
func EvaluateFile(vm *jsonnet.VM, file string) (string, error) {
	node, _, err := vm.ImportAST("", file)
	if err != nil {
		return "", Convert(err)
	}
	out, err := vm.Evaluate(node)
	if err != nil {
		return "", Convert(err)
	}
	return out, nil
}

// maxTrace bounds the stack shown to the user; deeper frames are noise.
const maxTrace = 8

// Convert turns a go-jsonnet error into a diag.Error whose position is the
// innermost frame in a user's file (or the embedded library), with the rest
// of the stack, trimmed to such frames, as its trace.
func Convert(err error) *diag.Error {
	if err == nil {
		return nil
	}
	var de *diag.Error
	if errors.As(err, &de) {
		return de
	}
	var rt jsonnet.RuntimeError
	if errors.As(err, &rt) {
		e := &diag.Error{Msg: rt.Msg}
		var path []string // the output field being manifested, if any
		var frames []diag.Pos
		for _, fr := range rt.StackTrace {
			if fr.Loc.File == nil && !fr.Loc.IsSet() {
				// go-jsonnet names the field it was writing out in frames
				// without a file: "Field \"build:svc\"", "Array element 0".
				path = append(path, fr.Loc.FileName)
				continue
			}
			if p, ok := position(fr.Loc); ok {
				frames = append(frames, p)
			}
		}
		// go-jsonnet lists the outermost frame first: the error is where
		// the last frame points, and its callers follow, nearest first.
		if n := len(frames); n > 0 {
			e.Pos = frames[n-1]
			for i := n - 2; i >= 0 && len(e.Trace) < maxTrace; i-- {
				if p := frames[i]; p != e.Pos && (len(e.Trace) == 0 || e.Trace[len(e.Trace)-1] != p) {
					e.Trace = append(e.Trace, p)
				}
			}
		}
		if where := manifestPath(path); where != "" {
			e.Notes = append(e.Notes, "while writing out "+where)
		}
		return e
	}
	var st interface {
		Loc() ast.LocationRange
		Error() string
	}
	if errors.As(err, &st) {
		loc := st.Loc()
		p, _ := position(loc)
		msg := st.Error()
		if loc.IsSet() {
			msg = strings.TrimPrefix(msg, loc.String()+" ")
		}
		return &diag.Error{Pos: p, Msg: strings.TrimSpace(msg)}
	}
	return &diag.Error{Msg: err.Error()}
}

// manifestPath turns go-jsonnet's manifestation frames into a key path:
// ["During manifestation", "Field \"build:svc\"", "Field \"script\"",
// "Array element 0"] gives `"build:svc".script[0]`.
func manifestPath(frames []string) string {
	var b strings.Builder
	for _, f := range frames {
		if name, ok := strings.CutPrefix(f, "Field "); ok {
			var key string
			if _, err := fmt.Sscanf(name, "%q", &key); err != nil {
				key = name
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			if isIdent(key) {
				b.WriteString(key)
			} else {
				b.WriteString(strconv.Quote(key))
			}
		} else if idx, ok := strings.CutPrefix(f, "Array element "); ok {
			b.WriteString("[" + idx + "]")
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')) {
			return false
		}
	}
	return s != ""
}

func position(loc ast.LocationRange) (diag.Pos, bool) {
	name := loc.FileName
	if name == "" && loc.File != nil {
		name = string(loc.File.DiagnosticFileName)
	}
	if name == "" || name == "<std>" || strings.HasPrefix(name, "<extvar") || strings.HasPrefix(name, "<top-level-arg") {
		return diag.Pos{}, false
	}
	return diag.Pos{File: name, Line: loc.Begin.Line, Col: loc.Begin.Column}, true
}
