// Package manifest checks and decodes generate-config.jsonnet once it is
// evaluated (generator.LoadManifest runs the Jsonnet): it checks the JSON
// against the published JSON Schema, expands `discover`, and checks what a
// schema cannot (patterns, deps, cycles, templates). Every error names the
// manifest file and the key path it is about. It imports neither go-jsonnet
// nor git.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/infer"
	"gitlab.com/generate-config/generate-config/schema"
	"gitlab.com/generate-config/generate-config/schema/manifestschema"
)

// DefaultFile is the manifest's name at the repository root.
const DefaultFile = "generate-config.jsonnet"

// Matrix lists the values of each axis.
type Matrix struct {
	OS   []string `json:"os,omitempty"`
	Arch []string `json:"arch,omitempty"`
}

// Target is a unit of the monorepo that gets its own jobs.
type Target struct {
	Name     string   `json:"name"`
	Paths    []string `json:"paths"`
	Deps     []string `json:"deps"`
	Template string   `json:"template"`
	Matrix   Matrix   `json:"matrix"`
	// Dir is the fixed directory prefix of the first include pattern
	// ("services/api" for "services/api/**"), "." at the root.
	Dir string `json:"dir"`
	// Discovered is set for targets made by a `discover` entry.
	Discovered bool `json:"discovered,omitempty"`
	// AllowOverlap says that sharing files with other targets is intended:
	// lint does not report the overlaps this target takes part in.
	AllowOverlap bool `json:"allowOverlap,omitempty"`
	// Inferred are the dependencies an inferrer found (the manifest's
	// infer), each with the line it comes from. They are in Deps too.
	Inferred []InferredDep `json:"inferred,omitempty"`

	// from is the index of the `discover` entry that made the target, so
	// that errors name the key the user wrote.
	from int
	// explicit are the deps the manifest lists, before inference.
	explicit []string
}

// InferredDep is a dependency found in an ecosystem's files.
type InferredDep struct {
	Dep    string   `json:"dep"`
	Pos    diag.Pos `json:"pos"`
	Origin string   `json:"origin"` // "services/api/go.mod:7 requires example.com/libs/auth (...)"
}

// DepOrigin says where the dependency on d comes from: "deps" when the
// manifest lists it, the inferred origin otherwise, both when both.
func (t *Target) DepOrigin(d string) string {
	explicit := false
	for _, e := range t.explicit {
		if e == d {
			explicit = true
		}
	}
	for _, in := range t.Inferred {
		if in.Dep == d {
			if explicit {
				return "deps; also " + in.Origin
			}
			return in.Origin
		}
	}
	if explicit {
		return "deps"
	}
	return ""
}

// Discover makes one target per directory that matches Glob.
type Discover struct {
	Glob     string   `json:"glob"`
	Template string   `json:"template"`
	Matrix   *Matrix  `json:"matrix,omitempty"`
	Deps     []string `json:"deps,omitempty"`
	Exclude  []string `json:"exclude,omitempty"`
	// AllowOverlap is copied to every discovered target.
	AllowOverlap bool `json:"allowOverlap,omitempty"`
}

// Policies for changed files that no target and no global pattern owns
// (the manifest's `unowned`).
const (
	UnownedIgnore = "ignore" // say nothing
	UnownedWarn   = "warn"   // a warning in the log, the summary and the reports (the default)
	UnownedFail   = "fail"   // generation fails and writes nothing
	UnownedAll    = "all"    // every target is selected, and the reason says which file did it
)

// Output shapes the generated child pipeline (the manifest's `output`).
type Output struct {
	// Compact is when values that jobs share move into hidden jobs they
	// extend (internal/compact): CompactAuto (the default), CompactAlways
	// or CompactNever.
	Compact string `json:"compact,omitempty"`
	// Files is how many files the jobs are spread over, 1 to MaxFiles
	// (default 1): GitLab's trigger:include takes up to 3 and applies
	// max_yaml_size_bytes to each.
	Files int `json:"files,omitempty"`
}

// Compaction policies (the manifest's `output.compact`).
const (
	// CompactAuto compacts only when the plain form would take more than
	// half of the parsed-YAML or file-size limit, so small pipelines stay
	// fully readable.
	CompactAuto   = "auto"
	CompactAlways = "always"
	CompactNever  = "never"
)

// MaxFiles is how many files trigger:include accepts (INCLUDE_MAX_SIZE in
// GitLab's lib/gitlab/ci/config/entry/trigger.rb).
const MaxFiles = 3

// Infer turns on dependency inference per ecosystem (generator/infer).
type Infer struct {
	// Go makes a target whose directory holds a go.mod depend on the
	// targets whose modules it requires through go.work or a local replace.
	Go bool `json:"go,omitempty"`
}

// Noop configures the job written when nothing is selected.
type Noop struct {
	Name string         `json:"name,omitempty"`
	Job  map[string]any `json:"job,omitempty"`
}

// Manifest is the evaluated, checked manifest. Targets is sorted by name.
type Manifest struct {
	File     string         `json:"-"`
	Global   []string       `json:"global,omitempty"`
	Matrix   Matrix         `json:"matrix"`
	Stages   []string       `json:"stages,omitempty"`
	Targets  []*Target      `json:"-"`
	Discover []Discover     `json:"discover,omitempty"`
	Noop     Noop           `json:"noop"`
	Vars     []string       `json:"vars,omitempty"`
	Pipeline map[string]any `json:"pipeline,omitempty"`
	Changes  ChangesPolicy  `json:"changes"`
	Limits   schema.Limits  `json:"limits"`
	// Unowned is the policy for changed files no target owns (UnownedWarn
	// when the manifest sets none).
	Unowned string `json:"unowned,omitempty"`
	// Ignore lists patterns of files that need no build (docs, *.md):
	// a change to them alone is not reported as unowned.
	Ignore []string `json:"ignore,omitempty"`
	Infer  Infer    `json:"infer"`
	Output Output   `json:"output"`

	byName map[string]*Target
	// Warnings are problems that did not stop loading (a symbolic link
	// loop under a discover glob, skipped); commands print them.
	Warnings []string `json:"-"`
}

// ChangesPolicy is the manifest's `changes` field: how change detection
// (generator/changes) behaves where no trustworthy base is known. The
// manifest's JSON Schema checks its values; the caller copies it into
// changes.ResolveOptions, so that neither package imports the other.
// Zero values mean the documented defaults (docs/change-detection.md).
type ChangesPolicy struct {
	// OnUnknownBase is "all" (default: select everything and say why) or
	// "fail" when no trustworthy base can be established.
	OnUnknownBase string `json:"onUnknownBase,omitempty"`
	// Sources maps a CI_PIPELINE_SOURCE (schedule, web, api, trigger,
	// pipeline, tag, ...) to "all" (default), "default-branch" (merge-base
	// with the default branch) or "fail".
	Sources map[string]string `json:"sources,omitempty"`
	// MaxFetchDepth bounds how deep a shallow clone may be deepened while
	// looking for the base (default 1000 commits).
	MaxFetchDepth int `json:"maxFetchDepth,omitempty"`
}

// Target returns the target called name, or nil.
func (m *Manifest) Target(name string) *Target { return m.byName[name] }

// DefaultMatrix is used when the manifest sets none.
var DefaultMatrix = Matrix{OS: []string{"linux"}, Arch: []string{"amd64"}}

// Decode checks and decodes the manifest's JSON (the Jsonnet output).
func Decode(repo fs.FS, file string, data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, diag.Errorf(diag.Pos{File: file}, "manifest is not JSON-compatible: %v", err)
	}
	problems, err := manifestschema.Validate(raw)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		var l diag.List
		for _, p := range problems {
			l = append(l, diag.Errorf(diag.Pos{File: file}, "%s: %s", p.Path, p.Message))
		}
		return nil, l
	}
	var wire struct {
		Manifest
		Targets map[string]*Target `json:"targets"`
	}
	// UseNumber keeps the numbers of `pipeline` and `noop.job` exact, so the
	// renderer writes them as they are, without a JSON round trip.
	wdec := json.NewDecoder(bytes.NewReader(data))
	wdec.UseNumber()
	if err := wdec.Decode(&wire); err != nil {
		return nil, diag.Errorf(diag.Pos{File: file}, "manifest: %v", err)
	}
	m := wire.Manifest
	m.File = file
	if len(m.Matrix.OS) == 0 {
		m.Matrix.OS = DefaultMatrix.OS
	}
	if len(m.Matrix.Arch) == 0 {
		m.Matrix.Arch = DefaultMatrix.Arch
	}
	if m.Unowned == "" {
		m.Unowned = UnownedWarn
	}
	if m.Output.Compact == "" {
		m.Output.Compact = CompactAuto
	}
	if m.Output.Files == 0 {
		m.Output.Files = 1
	}
	m.byName = map[string]*Target{}
	var errs diag.List
	seen := map[string]bool{}
	at := func(keyPath string, format string, args ...any) {
		e := diag.Errorf(diag.Pos{File: file}, "%s: %s", keyPath, fmt.Sprintf(format, args...))
		if !seen[e.Msg] { // a discover entry's error is the same for every directory
			seen[e.Msg] = true
			errs = append(errs, e)
		}
	}
	for name, t := range wire.Targets {
		t.Name = name
		m.fill(t)
		m.byName[name] = t
	}
	for i, d := range m.Discover {
		if err := m.discover(repo, i, d); err != nil {
			at(fmt.Sprintf("discover[%d].glob", i), "%v", err)
		}
		for j, ex := range d.Exclude {
			if err := CheckPattern("!" + strings.TrimPrefix(ex, "!")); err != nil {
				at(fmt.Sprintf("discover[%d].exclude[%d]", i, j), "%v", err)
			}
		}
		if err := checkTemplate(repo, d.Template); err != nil {
			at(fmt.Sprintf("discover[%d].template", i), "%v", err)
		}
	}
	for name := range m.byName {
		m.Targets = append(m.Targets, m.byName[name])
	}
	sort.Slice(m.Targets, func(i, j int) bool { return m.Targets[i].Name < m.Targets[j].Name })

	for i, p := range m.Global {
		if err := CheckPattern(p); err != nil {
			at(fmt.Sprintf("global[%d]", i), "%v", err)
		}
	}
	for i, p := range m.Ignore {
		if err := CheckPattern(p); err != nil {
			at(fmt.Sprintf("ignore[%d]", i), "%v", err)
		}
	}
	names := make([]string, len(m.Targets))
	for i, t := range m.Targets {
		names[i] = t.Name
	}
	for _, t := range m.Targets {
		key := "targets" + keyOf(t.Name)
		depKey := func(i int) string { return fmt.Sprintf("%s.deps[%d]", key, i) }
		if t.Discovered {
			// Its paths, template and deps come from discover[from]: checked
			// there (the include is the escaped directory), errors named there.
			depKey = func(i int) string { return fmt.Sprintf("discover[%d].deps[%d]", t.from, i) }
		} else {
			m.checkPaths(t, key, at)
			if err := checkTemplate(repo, t.Template); err != nil {
				at(key+".template", "%v", err)
			}
		}
		for i, d := range t.Deps { // as written: the index is the user's
			switch {
			case d == t.Name:
				at(depKey(i), "target %q depends on itself", d)
			case m.byName[d] == nil:
				at(depKey(i), "unknown target %q%s", d, diag.DidYouMean(d, names))
			}
		}
	}
	for _, t := range m.Targets {
		t.explicit = append([]string(nil), t.Deps...)
	}
	if len(errs) == 0 && m.Infer.Go {
		if err := m.inferDeps(repo, infer.Go()); err != nil {
			errs = append(errs, diag.Flatten(err)...)
		}
	}
	for _, t := range m.Targets {
		sort.Strings(t.Deps)
	}
	if len(errs) == 0 {
		if cyc := m.findCycle(); cyc != nil {
			var b strings.Builder
			b.WriteString(cyc[0])
			for i, n := range cyc[1:] { // each edge, with its origin when inferred
				b.WriteString(" -> " + n)
				if o := m.byName[cyc[i]].DepOrigin(n); o != "" && o != "deps" {
					b.WriteString(" (" + o + ")")
				}
			}
			at("targets", "dependency cycle: %s", b.String())
		}
	}
	if m.Noop.Name != "" && strings.HasPrefix(m.Noop.Name, ".") {
		at("noop.name", "%q starts with '.', which makes it a hidden job; GitLab needs a visible one", m.Noop.Name)
	}
	return &m, errs.Err()
}

// inferDeps adds the edges the inferrer finds to the targets' deps; an
// explicit dep that is also inferred is kept once, and explain names both.
// Errors (a go.mod that does not parse) keep their file and line.
func (m *Manifest) inferDeps(repo fs.FS, in infer.Inferrer) error {
	targets := make([]infer.Target, len(m.Targets))
	for i, t := range m.Targets {
		targets[i] = infer.Target{Name: t.Name, Dir: t.Dir}
	}
	edges, err := in.Infer(repo, targets)
	if err != nil {
		return err
	}
	for _, e := range edges {
		t := m.byName[e.From]
		t.Inferred = append(t.Inferred, InferredDep{Dep: e.To, Pos: e.Pos, Origin: e.Origin})
		if !slices.Contains(t.Deps, e.To) {
			t.Deps = append(t.Deps, e.To)
		}
	}
	return nil
}

// checkPaths checks an explicit target's patterns.
func (m *Manifest) checkPaths(t *Target, key string, at func(string, string, ...any)) {
	includes := 0
	for i, p := range t.Paths {
		if err := CheckPattern(p); err != nil {
			at(fmt.Sprintf("%s.paths[%d]", key, i), "%v", err)
		}
		if !strings.HasPrefix(p, "!") {
			includes++
		}
	}
	if includes == 0 {
		at(key+".paths", "has only '!' exclude patterns, so no file can ever belong to the target")
	}
}

// checkTemplate reports a template that is not a file of the repository.
func checkTemplate(repo fs.FS, name string) error {
	st, err := fs.Stat(repo, name)
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("template %s: no such file in the repository", name)
	case errors.As(err, &pe):
		return fmt.Errorf("template %s: %v", name, pe.Err) // e.g. a link leading outside
	case err != nil:
		return fmt.Errorf("template %s: %v", name, err)
	case st.IsDir():
		return fmt.Errorf("template %s is a directory, not a Jsonnet file", name)
	}
	return nil
}

func (m *Manifest) fill(t *Target) {
	if len(t.Matrix.OS) == 0 {
		t.Matrix.OS = m.Matrix.OS
	}
	if len(t.Matrix.Arch) == 0 {
		t.Matrix.Arch = m.Matrix.Arch
	}
	if t.Deps == nil {
		t.Deps = []string{}
	}
	t.Dir = FixedDir(t.Paths)
}

// discover adds one target per directory matching d.Glob. Explicit targets of
// the same name win, so a generated target can be refined by hand.
func (m *Manifest) discover(repo fs.FS, i int, d Discover) error {
	if err := checkGlob(d.Glob); err != nil { // a final '/' is fine: directories only
		return err
	}
	// A symbolic link is a match, never a way down: `**` through a link
	// loop would otherwise go on until the path is too long.
	matches, err := doublestar.Glob(repo, d.Glob, doublestar.WithFailOnIOErrors(), doublestar.WithNoFollow())
	if err != nil {
		return fmt.Errorf("%q: %v", d.Glob, err)
	}
	sort.Strings(matches)
	for _, dir := range matches {
		if isHiddenOrVCS(dir) {
			continue
		}
		if dir == "." {
			return fmt.Errorf("%q matches the repository root itself ('.'); discover makes one target per directory under it, e.g. \"services/*\"", d.Glob)
		}
		st, err := fs.Stat(repo, dir)
		if err != nil {
			if lst, lerr := fs.Lstat(repo, dir); lerr == nil && lst.Mode()&fs.ModeSymlink != 0 {
				// A link in a loop, or one leading out of the repository.
				m.Warnings = append(m.Warnings, fmt.Sprintf("discover[%d].glob: %q: skipped %s, a symbolic link that leads nowhere usable (%v)", i, d.Glob, dir, unwrapPathErr(err)))
			}
			continue
		}
		if !st.IsDir() {
			continue
		}
		if loopsBack(repo, dir) {
			m.Warnings = append(m.Warnings, fmt.Sprintf("discover[%d].glob: %q: skipped %s, a symbolic link loop (it leads back to a directory above it)", i, d.Glob, dir))
			continue
		}
		if m.byName[dir] != nil {
			continue
		}
		t := &Target{Name: dir, Paths: []string{escapeGlob(dir) + "/**"}, Deps: append([]string(nil), d.Deps...), Template: d.Template, Discovered: true, AllowOverlap: d.AllowOverlap, from: i}
		for _, ex := range d.Exclude {
			t.Paths = append(t.Paths, "!"+strings.TrimPrefix(ex, "!"))
		}
		if d.Matrix != nil {
			t.Matrix = *d.Matrix
		}
		m.fill(t)
		m.byName[dir] = t
	}
	return nil
}

func isHiddenOrVCS(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == ".git" || seg == "node_modules" {
			return true
		}
	}
	return false
}

// escapeGlob quotes glob metacharacters in a directory name so that a
// discovered directory called "a[1]" or "{x}" matches only itself.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]{}\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CheckPattern reports a pattern that cannot match the way the user means.
func CheckPattern(p string) error {
	if err := checkGlob(p); err != nil {
		return err
	}
	if q := strings.TrimPrefix(p, "!"); strings.HasSuffix(q, "/") {
		return fmt.Errorf("pattern %q ends with '/', which never matches: changed paths are files (write %q for everything below it)", p, p+"**")
	}
	return nil
}

func checkGlob(p string) error {
	q := strings.TrimPrefix(p, "!")
	switch {
	case q == "":
		return fmt.Errorf("empty pattern")
	case strings.HasPrefix(q, "/"):
		return fmt.Errorf("pattern %q starts with '/': patterns are relative to the repository root, as in GitLab's rules:changes", p)
	case strings.HasPrefix(q, "./"):
		return fmt.Errorf("pattern %q starts with './', which never matches: changed paths have no './' prefix (GitLab compares exact strings)", p)
	case !doublestar.ValidatePattern(q):
		return fmt.Errorf("pattern %q is not a valid glob (unclosed '[' or '{', or a trailing '\\')", p)
	}
	return nil
}

// FixedDir is the directory part of the first include pattern that has no
// glob metacharacter: "services/api" for "services/api/**", "libs" for
// "libs/{a,b}/**", "." for "*.go". Escaped characters are literal:
// "services/svc\[1\]/**" (a discovered "services/svc[1]") gives
// "services/svc[1]".
func FixedDir(patterns []string) string {
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			continue
		}
		segs := strings.Split(p, "/")
		var fixed []string
		for _, s := range segs[:len(segs)-1] { // the last one is a file name
			lit, ok := unescapeLiteral(s)
			if !ok {
				break
			}
			fixed = append(fixed, lit)
		}
		if len(fixed) == 0 {
			return "."
		}
		return path.Join(fixed...)
	}
	return "."
}

// unescapeLiteral returns the text a glob segment matches when it has no
// unescaped metacharacter.
func unescapeLiteral(seg string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		switch c := seg[i]; c {
		case '*', '?', '[', '{':
			return "", false
		case '\\':
			if i++; i == len(seg) {
				return "", false
			}
			b.WriteByte(seg[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// findCycle returns one dependency cycle (first name repeated at the end), or
// nil. Targets and deps are visited in sorted order, so the cycle reported is
// always the same one.
func (m *Manifest) findCycle() []string {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(n string) []string
	visit = func(n string) []string {
		color[n] = grey
		stack = append(stack, n)
		for _, d := range m.byName[n].Deps {
			switch color[d] {
			case grey:
				for i, s := range stack {
					if s == d {
						return append(append([]string(nil), stack[i:]...), d)
					}
				}
			case white:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return nil
	}
	for _, t := range m.Targets {
		if color[t.Name] == white {
			if c := visit(t.Name); c != nil {
				return c
			}
		}
	}
	return nil
}

// keyOf renders a target name as a key-path suffix: ".api" or ["libs/core"].
func keyOf(name string) string {
	return strings.TrimPrefix(manifestschema.KeyPath([]string{"targets", name}), "targets")
}

// unwrapPathErr drops the path an *fs.PathError repeats.
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// loopsBack reports whether dir is a symbolic link to itself or to one of
// the directories it is in (a/b/loop -> ../b): following it never ends.
func loopsBack(repo fs.FS, dir string) bool {
	target, err := fs.ReadLink(repo, dir)
	if err != nil || path.IsAbs(target) {
		return false // not a link (or refused by Stat already)
	}
	to := path.Join(path.Dir(dir), target)
	return to == "." || dir == to || strings.HasPrefix(dir+"/", to+"/")
}
