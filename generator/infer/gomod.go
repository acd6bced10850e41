package infer

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

// Go infers edges from go.mod files: a target whose directory holds a
// go.mod depends on every other such target whose module it requires, when
// the requirement resolves to that target's directory inside the
// repository, through
//
//   - a replace directive of the go.mod with a local path
//     (replace example.com/libs/auth => ../../libs/auth), or
//   - the go.work at the repository root: a module of one of its `use`
//     directories, or one of its own local replace directives.
//
// The files are read with golang.org/x/mod/modfile; the go command is never
// run (the generator's image may have no Go). A requirement of a module
// that is not in the repository (a registry version) is no edge, and
// neither is a `// indirect` one: the module is needed only through another
// requirement, whose own edge selection follows transitively.
func Go() Inferrer { return goInferrer{} }

type goInferrer struct{}

func (goInferrer) Name() string { return "go" }

// goModule is a go.mod of a target.
type goModule struct {
	target string
	dir    string
	file   string // repository-relative go.mod path
	mf     *modfile.File
}

func (goInferrer) Infer(repo fs.FS, targets []Target) ([]Edge, error) {
	byDir := map[string]*goModule{}
	var mods []*goModule
	var errs diag.List
	for _, t := range targets {
		if byDir[t.Dir] != nil {
			continue // two targets with one directory: the first by name owns the module
		}
		file := path.Join(t.Dir, "go.mod")
		data, err := fs.ReadFile(repo, file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, diag.Errorf(diag.Pos{File: file}, "infer go: %v", err)
		}
		mf, err := modfile.Parse(file, data, nil)
		if err != nil {
			errs = append(errs, modfileErrors(file, err)...)
			continue
		}
		m := &goModule{target: t.Name, dir: t.Dir, file: file, mf: mf}
		byDir[t.Dir] = m
		mods = append(mods, m)
	}
	work, err := readWork(repo)
	if err != nil {
		errs = append(errs, diag.Flatten(err)...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	// Module paths of the workspace's modules, from their own go.mod files.
	workDirs := map[string]string{} // module path → directory
	if work != nil {
		for _, u := range work.Use {
			dir := path.Clean(u.Path)
			if m := byDir[dir]; m != nil && m.mf.Module != nil {
				workDirs[m.mf.Module.Mod.Path] = dir
			}
		}
	}
	var edges []Edge
	for _, m := range mods {
		for _, r := range m.mf.Require {
			if r.Indirect {
				// Needed only through another requirement, which is an
				// edge of its own: selection follows edges transitively.
				continue
			}
			dir, how := resolve(m, work, workDirs, r.Mod.Path)
			if dir == "" {
				continue
			}
			to := byDir[dir]
			if to == nil || to.target == m.target {
				continue
			}
			line := 0
			if r.Syntax != nil {
				line = r.Syntax.Start.Line
			}
			pos := diag.Pos{File: m.file, Line: line}
			edges = append(edges, Edge{From: m.target, To: to.target, Pos: pos,
				Origin: fmt.Sprintf("%s requires %s (%s)", pos, r.Mod.Path, how)})
		}
	}
	return Sort(edges), nil
}

// resolve finds the repository directory of a required module, and says
// how: the go.mod's own local replace wins, as with the go command; then
// go.work's replace, then go.work's use.
func resolve(m *goModule, work *modfile.WorkFile, workDirs map[string]string, modPath string) (dir, how string) {
	for _, r := range m.mf.Replace {
		if r.Old.Path == modPath && isLocal(r.New) {
			if d, ok := inRepo(path.Join(m.dir, r.New.Path)); ok {
				return d, "replace => " + r.New.Path
			}
			return "", ""
		}
	}
	if work == nil {
		return "", ""
	}
	for _, r := range work.Replace {
		if r.Old.Path == modPath && isLocal(r.New) {
			if d, ok := inRepo(r.New.Path); ok {
				return d, "go.work replace => " + r.New.Path
			}
			return "", ""
		}
	}
	if d, ok := workDirs[modPath]; ok {
		return d, "go.work uses " + d
	}
	return "", ""
}

// isLocal reports a replacement by a directory: no version, and a path
// that starts with ./ or ../ (or is absolute, which leaves the repository).
func isLocal(v module.Version) bool {
	return v.Version == "" && (strings.HasPrefix(v.Path, "./") || strings.HasPrefix(v.Path, "../") || v.Path == "." || v.Path == ".." || path.IsAbs(v.Path))
}

// inRepo cleans a repository-relative directory and reports whether it is
// inside the repository.
func inRepo(p string) (string, bool) {
	p = path.Clean(p)
	if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}

// readWork parses the repository's go.work, if any.
func readWork(repo fs.FS) (*modfile.WorkFile, error) {
	data, err := fs.ReadFile(repo, "go.work")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, diag.Errorf(diag.Pos{File: "go.work"}, "infer go: %v", err)
	}
	wf, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		return nil, diag.List(modfileErrors("go.work", err))
	}
	return wf, nil
}

// modfileErrors turns modfile's errors (an ErrorList of "file:line: msg")
// into positioned errors.
func modfileErrors(file string, err error) []*diag.Error {
	var list modfile.ErrorList
	if errors.As(err, &list) {
		out := make([]*diag.Error, 0, len(list))
		for _, e := range list {
			out = append(out, diag.Errorf(diag.Pos{File: file, Line: e.Pos.Line, Col: e.Pos.LineRune}, "infer go: %v", e.Err))
		}
		return out
	}
	return []*diag.Error{diag.Errorf(diag.Pos{File: file}, "infer go: %s", strings.TrimPrefix(err.Error(), file+":"))}
}
