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
//	  local native = std.native('generate-config/std.format');
//	  ... guard: native is registered, str is a string, the values are
//	      strings, numbers, booleans or null ...
//	  local r = if guard then native(str, vals, ...) else null;
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
package jsonnetfmt

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/astgen"
)

// NativeName is the std.native name of the Go std.format.
const NativeName = "generate-config/std.format"

// wrapperSrc is the new body of std.format; __orig stands for the original
// body and is replaced by it. The guard evaluates vals before str, as the
// original does (std.isArray(vals) comes first there), so an error in
// either is the same error. A 'keys' call returns the keys whose values the
// mapping form evaluates, in order (null when the format string fails by
// itself); those values are then passed as an array.
const wrapperSrc = `
function(str, vals)
  local __orig = null;
  local native = std.native('` + NativeName + `'), t = std.type(vals);
  local r =
    if native == null then null
    else if t == 'array' then
      if std.type(str) == 'string'
         && std.foldl(function(ok, v) ok && (local u = std.type(v); u == 'string' || u == 'number' || u == 'boolean' || u == 'null'), vals, true)
      then native(str, vals, 'array') else null
    else if t == 'string' || t == 'number' || t == 'boolean' || t == 'null' then
      if std.type(str) == 'string' then native(str, [vals], 'array') else null
    else if t == 'object' then
      if std.type(str) == 'string' then
        local keys = native(str, null, 'keys');
        local has(i) =
          if i >= std.length(keys) then true
          else if std.objectHasEx(vals, keys[i], true) && (local u = std.type(vals[keys[i]]); u == 'string' || u == 'number' || u == 'boolean' || u == 'null') then has(i + 1) tailstrict
          else false;
        if keys != null && has(0) then native(str, std.makeArray(std.length(keys), function(i) vals[keys[i]]), 'object') else null
      else null
    else null;
  if r != null then r else __orig
`

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
	vm.NativeFunction(nativeFormat)
}

// Stats returns how many std.format calls were answered in Go and how many
// were handed back to the Jsonnet code, since the process started.
func Stats() (native, fallback int64) { return nativeCalls.Load(), fallbacks.Load() }

var nativeFormat = &jsonnet.NativeFunction{
	Name:   NativeName,
	Params: ast.Identifiers{"str", "vals", "mode"},
	Func:   call,
}

func call(args []any) (any, error) {
	out, ok := callGo(args)
	if !ok {
		fallbacks.Add(1)
		return nil, nil
	}
	// The mapping form asks for its keys first: one std.format, two calls.
	if mode, _ := args[2].(string); mode != "keys" {
		nativeCalls.Add(1)
	}
	return out, nil
}

func callGo(args []any) (any, bool) {
	if len(args) != 3 {
		return nil, false
	}
	str, ok1 := args[0].(string)
	mode, ok2 := args[2].(string)
	if !ok1 || !ok2 {
		return nil, false
	}
	codes, ok := parseCached(str)
	if !ok {
		return nil, false
	}
	switch mode {
	case "array":
		vals, ok := args[1].([]any)
		if !ok {
			return nil, false
		}
		return formatArray(codes, vals)
	case "keys":
		keys, ok := objectKeys(codes)
		if !ok {
			return nil, false
		}
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, true
	case "object":
		vals, ok := args[1].([]any)
		if !ok {
			return nil, false
		}
		return formatObject(codes, vals)
	}
	return nil, false
}

func install() error {
	var field *ast.DesugaredObjectField
	for i := range astgen.StdAst.Fields {
		f := &astgen.StdAst.Fields[i]
		if s, ok := f.Name.(*ast.LiteralString); ok && s.Value == "format" {
			if field != nil {
				return errors.New("astgen.StdAst has two format fields")
			}
			field = f
		}
	}
	if field == nil {
		return errors.New("astgen.StdAst has no format field")
	}
	fn, ok := field.Body.(*ast.Function)
	if !ok || len(fn.Parameters) != 2 || fn.Parameters[0].Name != "str" || fn.Parameters[1].Name != "vals" ||
		fn.Parameters[0].DefaultArg != nil || fn.Parameters[1].DefaultArg != nil {
		return errors.New("std.format is not function(str, vals) in astgen.StdAst")
	}
	orig := fn.Body
	// The original body must be the code this package ports: check the
	// free variables and that the std object binds std (the wrapper uses
	// it) as itself.
	if !sameIdents(orig.FreeVariables(), ast.Identifiers{"$std", "std", "str", "vals"}) {
		return fmt.Errorf("std.format's body has free variables %v, expected $std std str vals", orig.FreeVariables())
	}
	if !bindsStdToSelf(astgen.StdAst) {
		return errors.New("astgen.StdAst does not bind std to self")
	}
	if err := checkFingerprint(orig); err != nil {
		return err
	}

	node, err := jsonnet.SnippetToAST("<std>", wrapperSrc)
	if err != nil {
		return fmt.Errorf("parsing the wrapper: %w", err)
	}
	wfn, ok := node.(*ast.Function)
	if !ok {
		return fmt.Errorf("the wrapper is a %T", node)
	}
	// The wrapper starts with local __orig = null; drop that binding and
	// put the original body where __orig is used.
	first, ok := wfn.Body.(*ast.Local)
	if !ok || len(first.Binds) != 1 || first.Binds[0].Variable != "__orig" {
		return errors.New("the wrapper does not start with local __orig")
	}
	extra := ast.Identifiers{"$std", "std", "str", "vals"}
	if !splice(first.Body, orig, extra) {
		return errors.New("the wrapper has no single use of __orig on a local/if path")
	}
	// Only str and vals, bound by the function, are not free in it.
	wfn.Body = first.Body
	wfn.FreeVars = union(wfn.FreeVars, ast.Identifiers{"$std", "std"})

	fn.Body = wfn.Body
	fn.FreeVars = union(fn.FreeVars, wfn.FreeVars)
	return nil
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
