// Package jsonnetfmt runs Jsonnet's std.format (and so the % operator on
// strings) in Go, with exactly the results of go-jsonnet's own Jsonnet code.
//
// # Why
//
// go-jsonnet v0.22 implements std.format in Jsonnet (stdlib/std.jsonnet):
// it parses the format string one character at a time with recursive
// functions and renders numbers digit by digit. A template that builds its
// strings with '%s-%s' % [a, b] spends most of its time there (go-jsonnet
// issue #464; PR #720 gave up on a Go port). Templates should not have to
// trade readability for speed, so % is made native instead.
//
// # The hook
//
// go-jsonnet builds every interpreter's std object by evaluating the
// exported, already desugared AST astgen.StdAst, and lets a VM register Go
// functions reachable through std.native(name). At init this package
// rewrites the body of the "format" field of astgen.StdAst, once, to
//
//	function(str, vals)
//	  local r =
//	    if <the native function is registered, str is a string, the
//	        values are strings, numbers, booleans or null>
//	    then std.native(...)(str, vals) else null;
//	  if r != null then r else <the original body, unchanged>
//
// std.mod (what % desugars to) calls std.format through the std object, so
// every % and std.format of every template takes the native path, without
// a template changing a line. NewVM in internal/jsonnetvm registers the
// native function with Register; a VM without it (any other VM in the
// process) finds std.native(...) null and runs the original body, which is
// also how the tests obtain go-jsonnet's own results to compare against.
//
// The native function (format.go) is a line-by-line port of the Jsonnet
// code. It never raises an error: wherever the Jsonnet code would fail, or
// would apply an operator to a value the port does not model, it returns
// null and the original body runs, raising the error with go-jsonnet's own
// message and stack trace. Errors therefore read exactly as without the
// hook (the same message, the same frames in user code). The differences
// that remain are documented on Install; the
// differential test and FuzzFormat compare both paths byte for byte.
//
// If go-jsonnet's AST no longer has the expected shape (a version bump),
// Install leaves astgen.StdAst untouched and records why; Installed reports
// it and TestHookIsActive fails, so the pin in go.mod cannot be bumped
// without noticing.
//
// # Rewriting % at its call site
//
// The hook makes std.format run in Go, but a % still costs go-jsonnet
// about twenty microseconds of interpretation before the Go code runs:
// the call of std.mod, the call of std.format, the wrapper's guard (a
// std.type test of the format string, of the values and of each value)
// and the native call, which converts its arguments. A template that
// writes 'build:%s:%s' % [name, arch] a dozen times per job spends most of
// its evaluation there. Yet almost every % in a CI template has a literal
// format string whose conversions are plain %s, and for those the result
// is known to be a concatenation: std.format's %s is std.toString(value)
// padded to a width of 0, that is std.toString(value) itself, and go-jsonnet
// converts the other operand of a + with a string by the same builtin
// (builtinPlus and std.toString both call builtinToString). So Rewrite
// turns, in a template's parsed AST,
//
//	'build:%s:%s' % [name, arch]   into   'build:' + name + ':' + arch
//	'cd %s' % dir                   into   (function(v)
//	                                         if std.type(v) == 'string' then 'cd ' + v
//	                                         else if std.type(v) == 'array' || std.type(v) == 'object'
//	                                         then 'cd %s' % v else 'cd ' + v)(dir)
//
// (the second form keeps the original % for an array or object value,
// which std.format reads as the list of values or the mapping form, and is
// called with the value as its argument, as std.mod was). It
// only rewrites a % whose left side is a string literal that std.format
// parses without error, whose conversions are all a bare %s or %%, and,
// for an array literal on the right, whose values are exactly as many as
// the %s: every other % keeps the native path (or go-jsonnet's own code).
// The values are forced in the same order, once each, and an error inside
// a value, or from std.toString of a function, is the same error with the
// same frames in user code: the replacement is called, at the place of the
// %, as a function of no parameters (the frame of the call of std.mod),
// and its own nodes are placed in <std> like std.format's code, whose
// frames traces leave out. The differential test TestRewriteAgrees
// compares results and error texts with go-jsonnet's own std.format, and
// FuzzRewrite does so on random format strings and values. The generator
// rewrites every file a template imports, once per VM
// (generator/evaluate), so % costs about what + costs.
//
// One difference remains, near the stack limit: a rewritten % takes fewer
// stack frames than std.mod and std.format took (the concatenation is one
// frame), but a single value that turns out to be an array or an object
// takes one more before it reaches std.mod. A recursion through % that
// nearly exhausts jsonnetvm.MaxStack may therefore stop at another depth
// ("max stack frames exceeded", as before, with its position): most such
// recursions get more room, those passing arrays or objects through a
// single-value % a little less.
package jsonnetfmt

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/astgen"
)

// NativeName is the std.native name of the Go std.format, for an array of
// values. The mapping form asks keysName for the keys a format string
// uses, then passes their values, in that order, to objectName.
const (
	NativeName = "generate-config/std.format"
	keysName   = NativeName + "/keys"
	objectName = NativeName + "/object"
)

// wrapperSrc is the new body of std.format; __orig stands for the original
// body and is replaced by it. The guard evaluates vals before str, as the
// original does (std.isArray(vals) comes first there), so an error in
// either is the same error. A 'keys' call returns the keys whose values the
// mapping form evaluates, in order (null when the format string fails by
// itself); those values are then passed as an array.
var wrapperSrc = `
function(str, vals)
  local __orig = null;
  local r =
    if std.native('` + NativeName + `') == null then null
    else if std.type(vals) == 'array' then
      if std.type(str) == 'string' && ` + primArray + `
      then std.native('` + NativeName + `')(str, vals) else null
    else if ` + prim("vals") + ` then
      if std.type(str) == 'string' then std.native('` + NativeName + `')(str, [vals]) else null
    else if std.type(vals) == 'object' then
      if std.type(str) == 'string' then
        local keys = std.native('` + keysName + `')(str);
        local has(i) =
          if i >= std.length(keys) then true
          else if std.objectHasEx(vals, keys[i], true) && ` + prim("vals[keys[i]]") + ` then has(i + 1) tailstrict
          else false;
        if keys != null && has(0) then std.native('` + objectName + `')(str, std.makeArray(std.length(keys), function(i) vals[keys[i]])) else null
      else null
    else null;
  if r != null then r else __orig
`

// prim is a Jsonnet test that e is a string, number, boolean or null,
// without a local or a function call (strings, the common case, cost one
// std.type).
func prim(e string) string {
	var alts []string
	for _, t := range []string{"string", "number", "boolean", "null"} {
		alts = append(alts, "std.type("+e+") == '"+t+"'")
	}
	return "(" + strings.Join(alts, " || ") + ")"
}

// primArray tests that every element of vals is prim, in order. The first
// elements are tested inline (no closure to build and call: format calls
// rarely have more), the rest with std.foldl.
var primArray = func() string {
	const inline = 4
	rest := "std.foldl(function(ok, v) ok && " + prim("v") + ", vals, true)"
	for i := inline - 1; i >= 0; i-- {
		rest = fmt.Sprintf("(std.length(vals) == %d || (%s && %s))", i, prim(fmt.Sprintf("vals[%d]", i)), rest)
	}
	return rest
}()

var (
	installOnce sync.Once
	installErr  error

	nativeCalls atomic.Int64 // calls answered in Go
	fallbacks   atomic.Int64 // calls handed back to the Jsonnet code
)

func init() { Install() }

// Install rewrites std.format in astgen.StdAst (once; init calls it). It
// returns why it did not, if it did not.
//
// Known differences from go-jsonnet's own std.format, all about programs
// that fail or nearly fail:
//   - Stack traces. The wrapper is parsed as file "<std>", so its frames
//     read like the standard library's (and jsonnetvm.Convert skips them as
//     it skips std's). An error raised by the original body has the same
//     message and the same frames in user code; the <std> frames between
//     them can differ, as they already do from run to run in go-jsonnet,
//     whose order of forcing arguments varies.
//   - Resource limits. The Jsonnet code recurses once per padding character
//     and per digit, so a width or precision above a few hundred fails with
//     "max stack frames exceeded" (the exact bound depends on how deep the
//     call already is and on the VM's MaxStack). The native path pads up to
//     2^20 characters; past that it falls back to the Jsonnet code.
//   - Values that are errors. The guard evaluates every value of the array
//     (for the mapping form, every value a conversion uses) before
//     formatting, so when one of them raises an error, that error is
//     raised, even where the Jsonnet code would have failed earlier with a
//     format error or would never have evaluated the value (the value of a
//     '*' precision used by %s). Which values are evaluated when nothing
//     fails is the same.
func Install() error {
	installOnce.Do(func() { installErr = install() })
	return installErr
}

// Installed reports whether std.format runs natively in VMs that Register
// the native function, and if not, why.
func Installed() error { return Install() }

// Register makes vm's std.format and % on strings run natively.
func Register(vm *jsonnet.VM) {
	for _, f := range natives {
		vm.NativeFunction(f)
	}
}

// Stats returns how many std.format calls were answered in Go and how many
// were handed back to the Jsonnet code, since the process started.
func Stats() (native, fallback int64) { return nativeCalls.Load(), fallbacks.Load() }

var natives = []*jsonnet.NativeFunction{
	{Name: NativeName, Params: ast.Identifiers{"str", "vals"}, Func: func(args []any) (any, error) {
		return counted(formatArgs(args, formatArray))
	}},
	{Name: objectName, Params: ast.Identifiers{"str", "vals"}, Func: func(args []any) (any, error) {
		return counted(formatArgs(args, formatObject))
	}},
	{Name: keysName, Params: ast.Identifiers{"str"}, Func: func(args []any) (any, error) {
		// One std.format of the mapping form makes two calls: count the
		// format call only, and a refusal here as the hand-back.
		if str, ok := args[0].(string); ok {
			if codes, ok := parseCached(str); ok {
				if keys, ok := objectKeys(codes); ok {
					out := make([]any, len(keys))
					for i, k := range keys {
						out[i] = k
					}
					return out, nil
				}
			}
		}
		fallbacks.Add(1)
		return nil, nil
	}},
}

// formatArgs parses args (str, vals) and formats with f.
func formatArgs(args []any, f func([]piece, []any) (string, bool)) (string, bool) {
	str, ok1 := args[0].(string)
	vals, ok2 := args[1].([]any)
	if !ok1 || !ok2 {
		return "", false
	}
	codes, ok := parseCached(str)
	if !ok {
		return "", false
	}
	return f(codes, vals)
}

// counted returns a native function's result: the string, or null (and a
// count of the hand-back) when the Jsonnet code must run.
func counted(s string, ok bool) (any, error) {
	if !ok {
		fallbacks.Add(1)
		return nil, nil
	}
	nativeCalls.Add(1)
	return s, nil
}

// A hook replaces the body of one function field of the std object.
type hook struct {
	field       string
	params      []ast.Identifier
	free        ast.Identifiers // of the original body
	fingerprint string          // of the original body
	src         string          // the wrapper; __orig is the original body
}

var hooks = []hook{
	{"format", []ast.Identifier{"str", "vals"}, ast.Identifiers{"$std", "std", "str", "vals"}, portedFingerprint, wrapperSrc},
	// std.mod(a, b), what a % b desugars to, tests std.isNumber(a),
	// std.isNumber(b) and std.isString(a), three Jsonnet calls, before it
	// calls std.format for a string a: test that case first, with the one
	// builtin call (a is evaluated first either way).
	{"mod", []ast.Identifier{"a", "b"}, ast.Identifiers{"a", "b", "std"}, modFingerprint, `
function(a, b)
  local __orig = null;
  if std.type(a) == 'string' then std.format(a, b) else __orig
`},
}

func install() error {
	if !bindsStdToSelf(astgen.StdAst) {
		return errors.New("astgen.StdAst does not bind std to self")
	}
	// Prepare every hook before changing anything: all or nothing.
	type change struct {
		fn   *ast.Function
		body ast.Node
		free ast.Identifiers
	}
	var changes []change
	for _, h := range hooks {
		fn, body, free, err := prepare(h)
		if err != nil {
			return err
		}
		changes = append(changes, change{fn, body, free})
	}
	for _, c := range changes {
		c.fn.Body = c.body
		c.fn.FreeVars = union(c.fn.FreeVars, c.free)
	}
	return nil
}

// prepare finds h's field, checks that its body is the code this package
// was written against, and returns the new body: h.src with the original
// body in place of __orig.
func prepare(h hook) (*ast.Function, ast.Node, ast.Identifiers, error) {
	var field *ast.DesugaredObjectField
	for i := range astgen.StdAst.Fields {
		f := &astgen.StdAst.Fields[i]
		if s, ok := f.Name.(*ast.LiteralString); ok && s.Value == h.field {
			if field != nil {
				return nil, nil, nil, fmt.Errorf("astgen.StdAst has two %s fields", h.field)
			}
			field = f
		}
	}
	if field == nil {
		return nil, nil, nil, fmt.Errorf("astgen.StdAst has no %s field", h.field)
	}
	fn, ok := field.Body.(*ast.Function)
	if !ok || len(fn.Parameters) != len(h.params) {
		return nil, nil, nil, fmt.Errorf("std.%s is not a function of %v in astgen.StdAst", h.field, h.params)
	}
	for i, p := range fn.Parameters {
		if p.Name != h.params[i] || p.DefaultArg != nil {
			return nil, nil, nil, fmt.Errorf("std.%s is not a function of %v in astgen.StdAst", h.field, h.params)
		}
	}
	orig := fn.Body
	if !sameIdents(orig.FreeVariables(), h.free) {
		return nil, nil, nil, fmt.Errorf("std.%s's body has free variables %v, expected %v", h.field, orig.FreeVariables(), h.free)
	}
	if err := checkFingerprint(h.field, orig, h.fingerprint); err != nil {
		return nil, nil, nil, err
	}

	node, err := jsonnet.SnippetToAST("<std>", h.src)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parsing the std.%s wrapper: %w", h.field, err)
	}
	wfn, ok := node.(*ast.Function)
	if !ok {
		return nil, nil, nil, fmt.Errorf("the std.%s wrapper is a %T", h.field, node)
	}
	// The wrapper starts with local __orig = null: drop that binding and
	// put the original body where __orig is used.
	first, ok := wfn.Body.(*ast.Local)
	if !ok || len(first.Binds) != 1 || first.Binds[0].Variable != "__orig" {
		return nil, nil, nil, fmt.Errorf("the std.%s wrapper does not start with local __orig", h.field)
	}
	if !splice(first.Body, orig, h.free) {
		return nil, nil, nil, fmt.Errorf("the std.%s wrapper has no single use of __orig on a local/if path", h.field)
	}
	// Free in the function: the body's free variables but the parameters.
	var free ast.Identifiers
	for _, id := range union(wfn.FreeVars, h.free) {
		if !containsIdent(h.params, id) {
			free = append(free, id)
		}
	}
	return fn, first.Body, free, nil
}

// splice replaces the one Var __orig under n (reached through local bodies
// and if branches) with orig, adding extra (orig's free variables) to the
// free variables of every node on the way and removing __orig from them.
func splice(n ast.Node, orig ast.Node, extra ast.Identifiers) bool {
	found := 0
	var visit func(n ast.Node) (ast.Node, bool)
	visit = func(n ast.Node) (ast.Node, bool) {
		switch x := n.(type) {
		case *ast.Var:
			if x.Id == "__orig" {
				found++
				return orig, true
			}
		case *ast.Local:
			for _, b := range x.Binds {
				if containsIdent(b.Body.FreeVariables(), "__orig") {
					return n, false // only the body may use it
				}
			}
			if b, ok := visit(x.Body); ok {
				x.Body = b
				x.FreeVars = fix(x.FreeVars, extra)
				return x, true
			}
		case *ast.Conditional:
			hit := false
			if b, ok := visit(x.BranchTrue); ok {
				x.BranchTrue, hit = b, true
			}
			if b, ok := visit(x.BranchFalse); ok {
				x.BranchFalse, hit = b, true
			}
			if hit {
				x.FreeVars = fix(x.FreeVars, extra)
				return x, true
			}
		}
		return n, false
	}
	_, ok := visit(n)
	return ok && found == 1
}

func fix(ids, extra ast.Identifiers) ast.Identifiers {
	var out ast.Identifiers
	for _, id := range ids {
		if id != "__orig" {
			out = append(out, id)
		}
	}
	return union(out, extra)
}

func union(a, b ast.Identifiers) ast.Identifiers {
	set := map[ast.Identifier]bool{}
	for _, id := range a {
		set[id] = true
	}
	for _, id := range b {
		set[id] = true
	}
	out := make(ast.Identifiers, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func sameIdents(a, b ast.Identifiers) bool {
	return len(a) == len(b) && len(union(a, b)) == len(a)
}

func containsIdent(ids ast.Identifiers, id ast.Identifier) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func bindsStdToSelf(o *ast.DesugaredObject) bool {
	for _, l := range o.Locals {
		if l.Variable == "std" {
			_, ok := l.Body.(*ast.Self)
			return ok
		}
	}
	return false
}
