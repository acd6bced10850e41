package authoring

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/formatter"
	"github.com/google/go-jsonnet/linter"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/generator/evaluate"
	"gitlab.com/generate-config/generate-config/generator/manifest"
	"gitlab.com/generate-config/generate-config/generator/selection"
	"gitlab.com/generate-config/generate-config/internal/jsonnetvm"
	"gitlab.com/generate-config/generate-config/schema"
	"gitlab.com/generate-config/generate-config/templates"
)

// Lint reports schema.Finding, the one finding type of lint and validate:
// errors break generation (or are certain mistakes), warnings are probably
// mistakes.

// Lint rules, named in every finding.
const (
	RuleSyntax        = "syntax"         // the file does not parse
	RuleJsonnetLint   = "jsonnet-lint"   // go-jsonnet's linter (unused variables, type errors)
	RuleManifest      = "manifest"       // the manifest's shape, keys, patterns, deps
	RuleNoFiles       = "no-files"       // a target's patterns match no file in the repository
	RuleNeverSelected = "never-selected" // every include pattern is also excluded
	RuleNotFunction   = "not-a-function" // a template does not evaluate to function(ctx)
	RuleTemplateError = "template-error" // a template fails to evaluate
	RuleCtxInvariant  = "ctx-invariant"  // every cell yields the same jobs apart from names
	RuleSlowConcat    = "slow-concat"    // an array built with + in a loop
	RuleOverlap       = "overlap"        // one file is owned by two targets
)

// LintOptions configure Lint.
type LintOptions struct {
	Repo     fs.FS
	Manifest string // repository-relative
	Workers  int
	// Files is the repository's listing for the no-files and overlap
	// checks (git's, from the command line); nil walks Repo.
	Files []string
}

// The measured cost of building an array with + in a loop, quoted by the
// slow-concat rule. Measured with BenchmarkArrayBuild (lint_bench_test.go):
// go-jsonnet copies both operands of an array +, so accumulating n elements
// copies about n²/2 of them. Medians of two runs of -benchtime 20x, go-jsonnet
// v0.22 on the project's 2-core machine, against a comprehension building
// the same array.
const (
	foldlSlowdown     = "9× slower than a comprehension for 5,000 elements, 4× for 1,000"
	recursionSlowdown = "17× slower than a comprehension for 5,000 elements, 6× for 1,000"
	concatFix         = "build the array with a comprehension, [f(x) for x in xs] or [y for x in xs for y in f(x)] (std.flattenArrays is itself a std.foldl with + in go-jsonnet)"
)

// Lint checks the manifest and its templates: go-jsonnet's linter, the
// manifest's shape, targets that match no file or can never be selected,
// templates that are not functions, fail, or ignore every ctx field that
// varies between cells, and slow idioms. The error return is for failures
// of the linting itself (reading the repository); problems are findings.
func Lint(ctx context.Context, opts LintOptions) ([]schema.Finding, error) {
	l := &lintRun{opts: opts, seen: map[string]bool{}}
	src, err := fs.ReadFile(opts.Repo, opts.Manifest)
	if err != nil {
		// LoadManifest reports a missing manifest with its usual message.
		_, lerr := generator.LoadManifest(opts.Repo, opts.Manifest)
		if lerr == nil {
			lerr = err
		}
		l.diagErrors(RuleManifest, schema.SeverityError, lerr)
		return l.sorted(), nil
	}
	mroot := l.lintSource(opts.Manifest, src)
	m, err := generator.LoadManifest(opts.Repo, opts.Manifest)
	if err != nil {
		if mroot != nil { // a syntax error was reported already
			l.diagErrors(RuleManifest, schema.SeverityError, err)
		}
		return l.sorted(), nil
	}
	pos := manifestPositions(opts.Manifest, mroot)

	var tpls []string
	byTemplate := map[string][]*manifest.Target{}
	for _, t := range m.Targets {
		if _, ok := byTemplate[t.Template]; !ok {
			tpls = append(tpls, t.Template)
		}
		byTemplate[t.Template] = append(byTemplate[t.Template], t)
	}
	sort.Strings(tpls)
	functions := map[string]ast.Node{}
	for _, tpl := range tpls {
		data, err := fs.ReadFile(opts.Repo, tpl)
		if err != nil {
			return nil, err
		}
		root := l.lintSource(tpl, data)
		if root == nil {
			continue
		}
		if l.checkFunction(tpl, root) {
			functions[tpl] = root
		}
	}

	files := opts.Files
	if files == nil {
		if files, err = generator.TreeFiles(opts.Repo); err != nil {
			return nil, err
		}
	}
	for _, t := range m.Targets {
		l.checkTarget(m, t, files, pos)
	}
	l.checkOverlaps(m, files, pos)

	vars, err := evaluate.AllowedVars(func(string) (string, bool) { return "", false }, m.Vars, evaluate.Secrets{})
	if err != nil {
		l.add(schema.Finding{Pos: diag.Pos{File: opts.Manifest}, Severity: schema.SeverityError, Rule: RuleManifest, Message: err.Error()})
		return l.sorted(), nil
	}
	for _, tpl := range tpls {
		if root, ok := functions[tpl]; ok {
			if err := l.checkVaries(ctx, m, vars, tpl, root, byTemplate[tpl]); err != nil {
				return nil, err
			}
		}
	}
	return l.sorted(), nil
}

type lintRun struct {
	opts     LintOptions
	findings []schema.Finding
	seen     map[string]bool
}

func (l *lintRun) add(f schema.Finding) {
	key := f.String()
	if !l.seen[key] {
		l.seen[key] = true
		l.findings = append(l.findings, f)
	}
}

func (l *lintRun) diagErrors(rule string, sev schema.Severity, err error) {
	for _, e := range diag.Flatten(err) {
		msg := e.Msg
		if e.Cell != nil {
			msg += " (in cell " + e.Cell.String() + ")"
		}
		l.add(schema.Finding{Pos: e.Pos, Severity: sev, Rule: rule, Message: msg})
	}
}

func (l *lintRun) sorted() []schema.Finding {
	out := l.findings
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Pos, out[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

func (l *lintRun) vm() *jsonnet.VM {
	return jsonnetvm.NewVM(jsonnetvm.NewImporter(l.opts.Repo, templates.Library))
}

// lintSource parses a file (syntax errors are findings), runs go-jsonnet's
// linter on it and looks for slow idioms. It returns the raw AST, or nil when
// the file does not parse.
func (l *lintRun) lintSource(file string, src []byte) ast.Node {
	root, _, err := formatter.SnippetToRawAST(file, string(src))
	if err != nil {
		l.diagErrors(RuleSyntax, schema.SeverityError, jsonnetvm.Convert(err))
		return nil
	}
	vm := l.vm()
	capture := &captureFormatter{}
	vm.ErrorFormatter = capture
	linter.LintSnippet(vm, io.Discard, []linter.Snippet{{FileName: file, Code: string(src)}})
	for _, e := range capture.errs {
		l.diagErrors(RuleJsonnetLint, schema.SeverityWarning, jsonnetvm.Convert(e))
	}
	for _, f := range slowIdioms(file, root) {
		l.add(f)
	}
	for _, f := range slowStringConcat(file, root) {
		l.add(f)
	}
	return root
}

// captureFormatter keeps the linter's errors as values instead of text.
type captureFormatter struct{ errs []error }

func (c *captureFormatter) Format(err error) string {
	c.errs = append(c.errs, err)
	return ""
}
func (c *captureFormatter) SetMaxStackTraceSize(int)                 {}
func (c *captureFormatter) SetColorFormatter(jsonnet.ColorFormatter) {}

// checkFunction reports a template that fails to evaluate or is not a
// function of ctx; it returns whether the template is a function.
func (l *lintRun) checkFunction(tpl string, root ast.Node) bool {
	vm := l.vm()
	out, err := vm.EvaluateAnonymousSnippet("<generate-config lint>", fmt.Sprintf("std.type(import %q)", tpl))
	if err != nil {
		// Evaluate through the AST for a positioned error.
		node, _, ierr := vm.ImportAST("", tpl)
		if ierr == nil {
			_, ierr = vm.Evaluate(node)
		}
		if ierr == nil {
			ierr = err
		}
		l.diagErrors(RuleTemplateError, schema.SeverityError, jsonnetvm.Convert(ierr))
		return false
	}
	var typ string
	_ = json.Unmarshal([]byte(out), &typ)
	if typ != "function" {
		l.add(schema.Finding{Pos: nodePos(tpl, root), Severity: schema.SeverityError, Rule: RuleNotFunction,
			Message: fmt.Sprintf("the template is %s %s, not a function of ctx: write function(ctx) { ... } (a non-function ignores ctx, so every cell would get the same jobs)", article(typ), typ)})
		return false
	}
	return true
}

func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an"
	}
	return "a"
}

// checkTarget reports targets that can never be selected by their own
// files, and targets whose patterns match no file of the repository today.
func (l *lintRun) checkTarget(m *manifest.Manifest, t *manifest.Target, files []string, pos *positions) {
	at := pos.target(m, t)
	set := selection.CompileSet(t.Paths)
	if len(set.Include) == 0 {
		return // the manifest check reports it
	}
	var covered []string
	for _, inc := range set.Include {
		by := ""
		for _, ex := range set.Exclude {
			if excludes(ex, inc) {
				by = ex.Raw
				break
			}
		}
		if by == "" {
			covered = nil
			break
		}
		covered = append(covered, fmt.Sprintf("%s by %s", inc.Raw, by))
	}
	if covered != nil {
		l.add(schema.Finding{Pos: at, Severity: schema.SeverityWarning, Rule: RuleNeverSelected, Message: fmt.Sprintf(
			"target %q can never be selected by a change to its files: every include pattern is also excluded (%s); it is selected only through its dependencies or a global pattern",
			t.Name, strings.Join(covered, ", "))})
		return
	}
	for _, f := range files {
		if set.Test(f).Included {
			return
		}
	}
	l.add(schema.Finding{Pos: at, Severity: schema.SeverityWarning, Rule: RuleNoFiles, Message: fmt.Sprintf(
		"the paths of target %q (%s) match no file in the repository: a typo, or a moved directory?", t.Name, strings.Join(t.Paths, ", "))})
}

// checkOverlaps reports each pair of targets that own a common file of the
// tree: a change there builds both, usually the same directory twice (an
// explicit target and a discovered one for the same path). Targets with
// allowOverlap: true are left out.
func (l *lintRun) checkOverlaps(m *manifest.Manifest, files []string, pos *positions) {
	for _, o := range selection.NewTree(files).Overlaps(m) {
		example := strconv.Quote(o.Files[0])
		if n := len(o.Files) - 1; n > 0 {
			example += fmt.Sprintf(" and %d more", n)
		}
		l.add(schema.Finding{Pos: pos.target(m, m.Target(o.B)), Severity: schema.SeverityWarning, Rule: RuleOverlap, Message: fmt.Sprintf(
			"targets %q and %q both own %d file(s) (%s): a change there builds both; make their paths disjoint, or set allowOverlap: true on the one meant to share",
			o.A, o.B, len(o.Files), example)})
	}
}

// excludes reports whether every path the include pattern inc matches is
// also matched by the exclude ex. It proves the common cases and says no
// when unsure: a missed warning is better than a false one.
func excludes(ex, inc selection.Pattern) bool {
	e := strings.TrimPrefix(ex.Raw, "!")
	i := inc.Raw
	switch {
	case e == i, e == "**", e == "**/*":
		return true
	case !hasMeta(i):
		// A literal include matches exactly one path.
		return ex.Match(i)
	}
	if dir, ok := strings.CutSuffix(e, "/**"); ok && !hasMeta(dir) {
		fixed := manifest.FixedDir([]string{i})
		return fixed == dir || strings.HasPrefix(fixed, dir+"/")
	}
	if base, ok := strings.CutPrefix(e, "**/"); ok && !strings.Contains(base, "/") && !strings.Contains(base, "**") {
		last := i[strings.LastIndex(i, "/")+1:]
		if last == base || base == "*" {
			return true
		}
		if !hasMeta(last) {
			return selection.Compile(base).Match(last)
		}
	}
	return false
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[]{}\`) }

// checkVaries evaluates two cells of the template, as different as the
// manifest allows, and warns when they yield the same jobs apart from their
// names: the template then uses no ctx field that varies, and every cell of
// every target runs the same thing.
func (l *lintRun) checkVaries(ctx context.Context, m *manifest.Manifest, vars map[string]string, tpl string, root ast.Node, targets []*manifest.Target) error {
	var cells []evaluate.Cell
	for _, t := range targets {
		for _, os := range t.Matrix.OS {
			for _, arch := range t.Matrix.Arch {
				cells = append(cells, evaluate.Cell{Target: t, OS: os, Arch: arch})
			}
		}
	}
	if len(cells) < 2 {
		return nil // one cell cannot differ from another
	}
	a, b := cells[0], cells[1]
	best := -1
	for _, c := range cells[1:] {
		d := 0
		if c.Target.Name != a.Target.Name {
			d++
		}
		if c.OS != a.OS {
			d++
		}
		if c.Arch != a.Arch {
			d++
		}
		if d > best {
			best, b = d, c
		}
	}
	selected, changed := evaluate.Selection(m, selection.Select(m, changes.Resolution{Rule: "lint", All: true}))
	lim := m.Limits // checked when the manifest loaded
	res, err := evaluate.Evaluate(ctx, evaluate.Input{
		Repo: l.opts.Repo, Lib: templates.Library, Selected: selected, Changed: changed,
		Vars: vars, Workers: l.opts.Workers, MaxCellBytes: lim.WithDefaults().MaxFileBytes,
	}, []evaluate.Cell{a, b})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		l.diagErrors(RuleTemplateError, schema.SeverityError, err)
		return nil
	}
	ja, jb := jobBodies(res[0].Jobs), jobBodies(res[1].Jobs)
	if len(ja) == 0 && len(jb) == 0 {
		return nil
	}
	if strings.Join(ja, "\x00") == strings.Join(jb, "\x00") {
		l.add(schema.Finding{Pos: nodePos(tpl, root), Severity: schema.SeverityWarning, Rule: RuleCtxInvariant, Message: fmt.Sprintf(
			"cells %s and %s yield the same jobs apart from their names: the template uses no ctx field that varies between cells (ctx.target.dir, ctx.os, ctx.arch, ...), so every cell runs the same thing",
			a.ID(), b.ID())})
	}
	return nil
}

// jobBodies are the visible jobs' contents without their names, sorted.
func jobBodies(jobs map[string]any) []string {
	var out []string
	for name, j := range jobs {
		if strings.HasPrefix(name, ".") {
			continue
		}
		data, _ := json.Marshal(j) // map keys sorted: a canonical form
		out = append(out, string(data))
	}
	sort.Strings(out)
	return out
}

// positions finds where the manifest declares each target, so findings
// about a target point at it (the manifest is Jsonnet: when it computes its
// targets, the file alone is named).
type positions struct {
	file     string
	targets  map[string]diag.Pos
	discover diag.Pos
}

func manifestPositions(file string, root ast.Node) *positions {
	p := &positions{file: file, targets: map[string]diag.Pos{}, discover: diag.Pos{File: file}}
	obj, ok := unwrap(root).(*ast.Object)
	if !ok {
		return p
	}
	for _, f := range obj.Fields {
		name, ok := fieldName(f)
		if !ok {
			continue
		}
		switch name {
		case "targets":
			if tobj, ok := unwrap(f.Expr2).(*ast.Object); ok {
				for _, tf := range tobj.Fields {
					if tn, ok := fieldName(tf); ok {
						p.targets[tn] = locPos(file, tf.LocRange)
					}
				}
			}
		case "discover":
			p.discover = locPos(file, f.LocRange)
		}
	}
	return p
}

func (p *positions) target(m *manifest.Manifest, t *manifest.Target) diag.Pos {
	if pos, ok := p.targets[t.Name]; ok && !t.Discovered {
		return pos
	}
	if t.Discovered {
		return p.discover
	}
	return diag.Pos{File: p.file}
}

func fieldName(f ast.ObjectField) (string, bool) {
	switch f.Kind {
	case ast.ObjectFieldID:
		if f.Id != nil {
			return string(*f.Id), true
		}
	case ast.ObjectFieldStr:
		if s, ok := f.Expr1.(*ast.LiteralString); ok {
			return s.Value, true
		}
	}
	return "", false
}

// unwrap skips the locals and parentheses around a file's value.
func unwrap(n ast.Node) ast.Node {
	for {
		switch x := n.(type) {
		case *ast.Local:
			n = x.Body
		case *ast.Parens:
			n = x.Inner
		default:
			return n
		}
	}
}

// nodePos is where a template's value starts: its function(ctx).
func nodePos(file string, root ast.Node) diag.Pos {
	if n := unwrap(root); n != nil && n.Loc() != nil {
		return locPos(file, *n.Loc())
	}
	return diag.Pos{File: file, Line: 1, Col: 1}
}

func locPos(file string, l ast.LocationRange) diag.Pos {
	return diag.Pos{File: file, Line: l.Begin.Line, Col: l.Begin.Column}
}

// slowIdioms finds arrays accumulated with + in std.foldl/std.foldr and in
// recursive functions.
func slowIdioms(file string, root ast.Node) []schema.Finding {
	var out []schema.Finding
	report := func(n ast.Node, msg string) {
		out = append(out, schema.Finding{Pos: locPos(file, *n.Loc()), Severity: schema.SeverityWarning, Rule: RuleSlowConcat, Message: msg})
	}
	accumulations(root, func(a accumulation) {
		isAcc, msg := a.isAccVar, fmt.Sprintf("array built with + inside std.%s: every step copies the accumulator, so the cost grows with the square of its length (measured %s); %s", a.fold, foldlSlowdown, concatFix)
		if a.fold == "" {
			// In a recursive function any parameter may carry the array.
			params := map[string]bool{}
			for _, p := range a.fn.Parameters {
				params[string(p.Name)] = true
			}
			isAcc = func(x ast.Node) bool {
				if v, ok := x.(*ast.Var); ok && params[string(v.Id)] {
					return true
				}
				return a.isRecursion(x)
			}
			msg = fmt.Sprintf("array built with + in the recursive function %s: every call copies the array so far, so the cost grows with the square of its length (measured %s); %s", a.name, recursionSlowdown, concatFix)
		}
		walk(a.fn.Body, func(n ast.Node) {
			if b, ok := n.(*ast.Binary); ok && b.Op == ast.BopPlus && concatAccumulates(b, isAcc) {
				report(b, msg)
			}
		})
	})
	return out
}

// concatAccumulates: one operand of + is an array literal or comprehension
// and the other is what accumulates (the accumulator, or the recursion).
func concatAccumulates(b *ast.Binary, isAcc func(ast.Node) bool) bool {
	l, r := unparen(b.Left), unparen(b.Right)
	return (isArray(l) && isAcc(r)) || (isArray(r) && isAcc(l))
}

func isArray(n ast.Node) bool {
	switch n.(type) {
	case *ast.Array, *ast.ArrayComp:
		return true
	}
	return false
}

func unparen(n ast.Node) ast.Node {
	for {
		p, ok := n.(*ast.Parens)
		if !ok {
			return n
		}
		n = p.Inner
	}
}

// stdCall recognises std.NAME.
func stdCall(n ast.Node) (string, bool) {
	idx, ok := n.(*ast.Index)
	if !ok || idx.Id == nil {
		return "", false
	}
	if v, ok := idx.Target.(*ast.Var); ok && v.Id == "std" {
		return string(*idx.Id), true
	}
	return "", false
}

func isCallTo(n ast.Node, name string) bool {
	a, ok := unparen(n).(*ast.Apply)
	if !ok {
		return false
	}
	v, ok := a.Target.(*ast.Var)
	return ok && string(v.Id) == name
}

func calls(body ast.Node, name string) bool {
	found := false
	walk(body, func(n ast.Node) {
		if isCallTo(n, name) {
			found = true
		}
	})
	return found
}

// walk visits n and every node below it in the raw (not desugared) AST.
func walk(n ast.Node, visit func(ast.Node)) {
	if n == nil {
		return
	}
	visit(n)
	for _, c := range children(n) {
		walk(c, visit)
	}
}

func forSpec(s *ast.ForSpec) []ast.Node {
	var out []ast.Node
	for ; s != nil; s = s.Outer {
		out = append(out, s.Expr)
		for _, c := range s.Conditions {
			out = append(out, c.Expr)
		}
	}
	return out
}

func fields(fs ast.ObjectFields) []ast.Node {
	var out []ast.Node
	for _, f := range fs {
		out = append(out, f.Expr1, f.Expr2, f.Expr3)
		if f.Method != nil {
			out = append(out, f.Method)
		}
	}
	return out
}

func children(n ast.Node) []ast.Node {
	switch x := n.(type) {
	case *ast.Apply:
		out := []ast.Node{x.Target}
		for _, a := range x.Arguments.Positional {
			out = append(out, a.Expr)
		}
		for _, a := range x.Arguments.Named {
			out = append(out, a.Arg)
		}
		return out
	case *ast.ApplyBrace:
		return []ast.Node{x.Left, x.Right}
	case *ast.Array:
		var out []ast.Node
		for _, e := range x.Elements {
			out = append(out, e.Expr)
		}
		return out
	case *ast.ArrayComp:
		return append([]ast.Node{x.Body}, forSpec(&x.Spec)...)
	case *ast.Assert:
		return []ast.Node{x.Cond, x.Message, x.Rest}
	case *ast.Binary:
		return []ast.Node{x.Left, x.Right}
	case *ast.Conditional:
		return []ast.Node{x.Cond, x.BranchTrue, x.BranchFalse}
	case *ast.Error:
		return []ast.Node{x.Expr}
	case *ast.Function:
		out := []ast.Node{x.Body}
		for _, p := range x.Parameters {
			out = append(out, p.DefaultArg)
		}
		return out
	case *ast.Index:
		return []ast.Node{x.Target, x.Index}
	case *ast.Slice:
		return []ast.Node{x.Target, x.BeginIndex, x.EndIndex, x.Step}
	case *ast.Local:
		out := []ast.Node{x.Body}
		for _, b := range x.Binds {
			out = append(out, b.Body)
			if b.Fun != nil {
				out = append(out, b.Fun)
			}
		}
		return out
	case *ast.Object:
		return fields(x.Fields)
	case *ast.ObjectComp:
		return append(fields(x.Fields), forSpec(&x.Spec)...)
	case *ast.Parens:
		return []ast.Node{x.Inner}
	case *ast.SuperIndex:
		return []ast.Node{x.Index}
	case *ast.InSuper:
		return []ast.Node{x.Index}
	case *ast.Unary:
		return []ast.Node{x.Expr}
	}
	return nil
}
