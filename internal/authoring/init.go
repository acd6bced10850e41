package authoring

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"gitlab.com/generate-config/generate-config/internal/output"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing/fstest"
	"text/template"
	"unicode"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/internal/scenario"
)

// The starter files init writes, as text/template sources. They are real
// files so they can be read and reviewed as Jsonnet.
//
//go:embed starter
var starterFS embed.FS

var starter = template.Must(template.New("starter").Funcs(template.FuncMap{
	"jsonnet": jsonnetString,
}).ParseFS(starterFS, "starter/*.tmpl"))

// TemplateFile is the template init creates, relative to the repository
// root; the manifest is manifest.DefaultFile and the scenarios go to
// scenario.DefaultDir.
const TemplateFile = "ci/build.jsonnet"

// ContainerDirs are top-level directories whose every subdirectory is a
// target (services/api, apps/web, cmd/tool, packages/ui, libs/core).
var ContainerDirs = []string{"apps", "cmd", "libs", "packages", "services"}

// BuildFiles mark a top-level directory as a target of its own.
var BuildFiles = []string{
	"go.mod", "package.json", "Makefile", "makefile", "GNUmakefile", "Cargo.toml",
	"pom.xml", "build.gradle", "build.gradle.kts", "pyproject.toml", "setup.py",
	"CMakeLists.txt", "Dockerfile",
}

// Target is a target init proposes.
type Target struct {
	// Name is the target's name: its directory relative to the repository
	// root with '/' ("services/api"), or "root" for the whole repository.
	Name string
	// Dir is the directory ("" for the whole repository).
	Dir string
	// Why says which rule found it, for the manifest's comment.
	Why string
}

// Pattern is the target's path pattern.
func (t Target) Pattern() string {
	if t.Dir == "" {
		return "**"
	}
	return t.Dir + "/**"
}

// Skipped is a directory that looked like a target but was left out.
type Skipped struct {
	Dir    string
	Reason string
}

// DiscoverTargets finds the targets of the repository at root:
//
//  1. every subdirectory of a top-level container directory (apps, cmd,
//     libs, packages, services) is a target;
//  2. every other top-level directory holding a build file (BuildFiles:
//     go.mod, package.json, Makefile, Cargo.toml, pom.xml, Dockerfile, …)
//     directly is a target;
//  3. when neither finds anything, one target, "root", covers the whole
//     repository.
//
// Hidden directories, .git, node_modules, vendor, testdata, ci (where the
// templates live) and symbolic links are never targets. A directory whose
// name has glob metacharacters (* ? [ ] { } \ !), '"', '$', '`' or
// control characters is skipped and reported, since its name cannot be used
// as a pattern or in a script as it is. Targets are sorted by name.
func DiscoverTargets(root string) ([]Target, []Skipped, error) {
	var targets []Target
	var skipped []Skipped
	add := func(dir, why string) {
		if reason := unusableName(dir); reason != "" {
			skipped = append(skipped, Skipped{Dir: dir, Reason: reason})
			return
		}
		targets = append(targets, Target{Name: dir, Dir: dir, Why: why})
	}
	top, err := os.ReadDir(root)
	if err != nil {
		return nil, nil, err
	}
	containers := map[string]bool{}
	for _, c := range ContainerDirs {
		containers[c] = true
	}
	for _, e := range top {
		name := e.Name()
		if !e.IsDir() || ignoredDir(name) || name == "ci" {
			continue
		}
		if containers[name] {
			subs, err := os.ReadDir(filepath.Join(root, name))
			if err != nil {
				return nil, nil, err
			}
			for _, s := range subs {
				if s.IsDir() && !ignoredDir(s.Name()) {
					add(name+"/"+s.Name(), "a directory under "+name+"/")
				}
			}
			continue
		}
		if f := buildFile(filepath.Join(root, name)); f != "" {
			add(name, "a top-level directory with a "+f)
		}
	}
	if len(targets) == 0 && len(skipped) == 0 {
		why := "no service directory was found: one target for the whole repository"
		if f := buildFile(root); f != "" {
			why = "the repository root has a " + f + " and no service directory was found"
		}
		targets = append(targets, Target{Name: "root", Why: why})
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].Name < targets[j].Name })
	return targets, skipped, nil
}

func ignoredDir(name string) bool {
	return strings.HasPrefix(name, ".") || skipDirs[name] || name == "testdata"
}

// buildFile returns the first BuildFiles entry that is a regular file in dir.
func buildFile(dir string) string {
	for _, f := range BuildFiles {
		if st, err := os.Lstat(filepath.Join(dir, f)); err == nil && st.Mode().IsRegular() {
			return f
		}
	}
	return ""
}

func unusableName(dir string) string {
	for _, r := range dir {
		switch {
		case strings.ContainsRune("*?[]{}\\!", r):
			return fmt.Sprintf("its name has the glob character %q; add it to the manifest by hand, escaping it", r)
		case strings.ContainsRune("\"$`", r):
			return fmt.Sprintf("its name has %q, which the starter template's scripts cannot quote; add it by hand", r)
		case unicode.IsControl(r) || !unicode.IsPrint(r) && r != ' ':
			return fmt.Sprintf("its name has the invisible character %U", r)
		}
	}
	return ""
}

// File is a file init writes.
type File struct {
	Path string // relative to the repository root, '/'-separated
	Data []byte
}

// Plan is everything init would create in a repository, computed without
// writing anything.
type Plan struct {
	Root     string
	Targets  []Target
	Skipped  []Skipped
	Scenario string // the scenario file, also in Files
	Golden   string // its golden file, computed by running it; also in Files
	Files    []File
}

// PlanInit discovers the targets of the repository at root and renders the
// manifest, the template and one scenario. Every Jsonnet file is run through
// the formatter, so what init writes passes `generate-config fmt --check`.
func PlanInit(root string) (*Plan, error) {
	targets, skipped, err := DiscoverTargets(root)
	if err != nil {
		return nil, err
	}
	p := &Plan{Root: root, Targets: targets, Skipped: skipped}
	if len(targets) == 0 {
		return nil, errors.New("every candidate directory was skipped; write the manifest by hand")
	}

	type manifestTarget struct{ Name, Pattern, Why string }
	var mts []manifestTarget
	prev := ""
	for _, t := range targets {
		why := t.Why
		if why == prev {
			why = "" // one comment for a run of targets found by the same rule
		} else {
			prev = why
		}
		mts = append(mts, manifestTarget{Name: t.Name, Pattern: t.Pattern(), Why: why})
	}
	if err := p.add(manifest.DefaultFile, "generate-config.jsonnet.tmpl", map[string]any{"Targets": mts}); err != nil {
		return nil, err
	}
	if err := p.add(TemplateFile, "build.jsonnet.tmpl", nil); err != nil {
		return nil, err
	}

	first := targets[0]
	name := slug(first.Name)
	changed, err := firstFile(root, first.Dir)
	if err != nil {
		return nil, err
	}
	p.Scenario = path.Join(scenario.DefaultDir, name+".jsonnet")
	if err := p.add(p.Scenario, "scenario.jsonnet.tmpl", map[string]any{
		"Why":     fmt.Sprintf("A change to %s selects the target %s.", changed, first.Name),
		"Changed": changed,
		"Expect":  path.Join(scenario.DefaultDir, name+".golden.yml"),
	}); err != nil {
		return nil, err
	}
	if err := p.addGolden(name); err != nil {
		return nil, err
	}
	return p, nil
}

// addGolden runs the scaffolded scenario over the repository as it will be
// once the plan is written, and adds its output as the golden file, so that
// the first `generate-config test` after init passes.
func (p *Plan) addGolden(name string) error {
	files := map[string][]byte{}
	for _, f := range p.Files {
		files[f.Path] = f.Data
	}
	repo := overlayFS{base: os.DirFS(p.Root), files: files}
	m, err := generator.LoadManifest(repo, manifest.DefaultFile)
	if err != nil {
		return fmt.Errorf("internal error: the scaffolded manifest does not load: %w", err)
	}
	s, err := scenario.Load(repo, p.Scenario, name)
	if err != nil {
		return fmt.Errorf("internal error: the scaffolded scenario does not load: %w", err)
	}
	got, err := scenario.Generate(context.Background(), repo, m, s, 1)
	if err != nil {
		return fmt.Errorf("internal error: the scaffolded scenario does not generate: %w", err)
	}
	p.Golden = s.Golden
	p.Files = append(p.Files, File{Path: s.Golden, Data: got})
	return nil
}

// overlayFS is base with files added (or replaced) by path: the repository
// as it will be after init, read before anything is written.
type overlayFS struct {
	base  fs.FS
	files map[string][]byte
}

func (o overlayFS) Open(name string) (fs.File, error) {
	if data, ok := o.files[name]; ok {
		return fstest.MapFS{name: &fstest.MapFile{Data: data, Mode: 0o644}}.Open(name)
	}
	return o.base.Open(name)
}

func (p *Plan) add(name, tmpl string, data any) error {
	var b bytes.Buffer
	if err := starter.ExecuteTemplate(&b, tmpl, data); err != nil {
		return fmt.Errorf("starter %s: %w", tmpl, err)
	}
	out, err := FormatFile(name, b.Bytes())
	if err != nil {
		// A bug in a starter file or in the quoting, never the user's fault.
		return fmt.Errorf("internal error: the scaffolded %s does not parse: %w", name, err)
	}
	p.Files = append(p.Files, File{Path: name, Data: out})
	return nil
}

// jsonnetString quotes s as a Jsonnet string literal (JSON's escapes are
// Jsonnet's; the formatter then turns it into the usual single quotes).
func jsonnetString(s string) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// slug makes a file name from a target name: "services/api" → "services-api".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "first-target"
	}
	return b.String()
}

// firstFile returns a file of the repository under dir ("" for the root),
// '/'-separated: the first regular file in lexical walk order, skipping the
// directories no target has. An empty directory gives dir/README.md, a path
// the target's pattern matches all the same.
func firstFile(root, dir string) (string, error) {
	found := ""
	start := filepath.Join(root, filepath.FromSlash(dir))
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != start && ignoredDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if dir == "" && (rel == manifest.DefaultFile || strings.HasPrefix(rel, "ci/")) {
			return nil // a global path selects everything, not the target
		}
		if unusableName(rel) != "" {
			return nil // keep the scenario readable
		}
		found = rel
		return filepath.SkipAll
	})
	if err != nil {
		return "", err
	}
	if found == "" {
		found = path.Join(dir, "README.md")
	}
	return found, nil
}

// Conflicts lists the plan's files that already exist.
func (p *Plan) Conflicts() []string {
	var out []string
	for _, f := range p.Files {
		if _, err := os.Lstat(filepath.Join(p.Root, filepath.FromSlash(f.Path))); err == nil {
			out = append(out, f.Path)
		}
	}
	return out
}

// ErrExist is returned by Write when a file of the plan exists.
type ErrExist struct{ Paths []string }

func (e *ErrExist) Error() string {
	return fmt.Sprintf("refusing to overwrite existing files: %s", strings.Join(e.Paths, ", "))
}

// Write creates the plan's files, and then, when parent is not nil, replaces
// the parent pipeline file with it (atomically). It writes nothing at all
// when any file of the plan exists; a file is never overwritten, even one
// created by someone else meanwhile. On a failure part-way, the files it
// created (and the directories it made for them) are removed again. Every
// write goes through an os.Root of the repository: a directory linked to
// outside it (ci -> /elsewhere) is refused, never written through.
func (p *Plan) Write(parent *File) (err error) {
	if c := p.Conflicts(); len(c) > 0 {
		return &ErrExist{Paths: c}
	}
	root, err := os.OpenRoot(p.Root)
	if err != nil {
		return err
	}
	defer root.Close()
	var created []string
	var madeDirs []string
	defer func() {
		if err == nil {
			return
		}
		for i := len(created) - 1; i >= 0; i-- {
			root.Remove(created[i])
		}
		for i := len(madeDirs) - 1; i >= 0; i-- {
			root.Remove(madeDirs[i]) // only succeeds when empty
		}
	}()
	for _, f := range p.Files {
		dirs, err := mkdirAll(root, path.Dir(f.Path))
		madeDirs = append(madeDirs, dirs...)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Path, unwrapPath(output.Confine(err)))
		}
		if err := output.CreateFileInRoot(root, f.Path, f.Data); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return &ErrExist{Paths: []string{f.Path}}
			}
			return fmt.Errorf("%s: %w", f.Path, unwrapPath(output.Confine(err)))
		}
		created = append(created, f.Path)
	}
	if parent != nil {
		if err := output.WriteFileInRoot(root, parent.Path, parent.Data); err != nil {
			return fmt.Errorf("%s: %w", parent.Path, unwrapPath(output.Confine(err)))
		}
	}
	return nil
}

// mkdirAll is root.MkdirAll that returns the directories it created,
// outermost first, so they can be removed again.
func mkdirAll(root *os.Root, dir string) ([]string, error) {
	var missing []string
	for d := dir; d != "." && d != "/"; d = path.Dir(d) {
		if _, err := root.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, d)
	}
	var made []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := root.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return made, err
		}
		made = append(made, missing[i])
	}
	return made, nil
}
