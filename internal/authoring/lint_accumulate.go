package authoring

import "github.com/google/go-jsonnet/ast"

// accumulation is one place where a template can build a value up one step
// at a time: the callback of a std.foldl/std.foldr, or a recursive function
// (a local, or an object-local method, whose body calls itself). The
// slow-concat (arrays) and slow-string-concat rules both look for a + on
// what accumulates there.
type accumulation struct {
	fn *ast.Function // the fold's callback or the recursive function

	// A fold: "foldl" or "foldr", the name of the callback's accumulator
	// parameter, and the fold's initial value (nil when not given).
	fold, acc string
	init      ast.Node

	// A recursive function: its name (fold is "").
	name string
}

// isAccVar: n is the fold's accumulator parameter.
func (a accumulation) isAccVar(n ast.Node) bool {
	v, ok := n.(*ast.Var)
	return ok && string(v.Id) == a.acc
}

// isRecursion: n is a call to the recursive function.
func (a accumulation) isRecursion(n ast.Node) bool {
	return isCallTo(n, a.name)
}

// accumulations calls visit for every fold callback and recursive function
// in root, in the order walk meets them.
func accumulations(root ast.Node, visit func(accumulation)) {
	recursive := func(name string, fn *ast.Function) {
		if fn != nil && calls(fn.Body, name) {
			visit(accumulation{fn: fn, name: name})
		}
	}
	walk(root, func(n ast.Node) {
		switch x := n.(type) {
		case *ast.Apply:
			kind, ok := stdCall(x.Target)
			if !ok || (kind != "foldl" && kind != "foldr") {
				return
			}
			var fn *ast.Function
			var init ast.Node
			if len(x.Arguments.Positional) > 0 {
				fn, _ = unparen(x.Arguments.Positional[0].Expr).(*ast.Function)
			}
			if len(x.Arguments.Positional) > 2 {
				init = x.Arguments.Positional[2].Expr
			}
			for _, na := range x.Arguments.Named {
				switch na.Name {
				case "func":
					fn, _ = unparen(na.Arg).(*ast.Function)
				case "init":
					init = na.Arg
				}
			}
			if fn == nil || len(fn.Parameters) < 2 {
				return
			}
			acc := string(fn.Parameters[0].Name)
			if kind == "foldr" {
				acc = string(fn.Parameters[1].Name)
			}
			visit(accumulation{fn: fn, fold: kind, acc: acc, init: init})
		case *ast.Local:
			for _, bind := range x.Binds {
				fn := bind.Fun
				if fn == nil {
					fn, _ = unparen(bind.Body).(*ast.Function)
				}
				recursive(string(bind.Variable), fn)
			}
		case *ast.Object:
			for _, f := range x.Fields {
				if f.Kind == ast.ObjectLocal && f.Id != nil {
					fn := f.Method
					if fn == nil {
						fn, _ = unparen(f.Expr2).(*ast.Function)
					}
					recursive(string(*f.Id), fn)
				}
			}
		}
	})
}
