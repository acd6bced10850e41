package jsonnetfmt

import (
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/astgen"
)

// valueVar is the local the single-value form binds. Identifiers with $
// cannot be written in Jsonnet source, so it cannot capture or shadow a
// template's own variable (go-jsonnet's desugarer names $std the same way).
const valueVar ast.Identifier = "$jsonnetfmt_v"

// Rewrite rewrites the % expressions of a parsed, desugared file in place
// (see above) and returns how many it rewrote. The node must be go-jsonnet's
// desugared AST (VM.ImportAST); nodes of other kinds are left alone.
func Rewrite(root *ast.Node) int {
	n := 0
	var visit func(p *ast.Node)
	visit = func(p *ast.Node) {
		if *p == nil {
			return
		}
		switch x := (*p).(type) {
		case *ast.Apply:
			visit(&x.Target)
			for i := range x.Arguments.Positional {
				visit(&x.Arguments.Positional[i].Expr)
			}
			for i := range x.Arguments.Named {
				visit(&x.Arguments.Named[i].Arg)
			}
			if r := rewriteMod(x); r != nil {
				*p = r
				n++
			}
		case *ast.Array:
			for i := range x.Elements {
				visit(&x.Elements[i].Expr)
			}
		case *ast.Binary:
			visit(&x.Left)
			visit(&x.Right)
		case *ast.Conditional:
			visit(&x.Cond)
			visit(&x.BranchTrue)
			visit(&x.BranchFalse)
		case *ast.DesugaredObject:
			for i := range x.Asserts {
				visit(&x.Asserts[i])
			}
			for i := range x.Fields {
				visit(&x.Fields[i].Name)
				visit(&x.Fields[i].Body)
			}
			for i := range x.Locals {
				visit(&x.Locals[i].Body)
			}
		case *ast.Error:
			visit(&x.Expr)
		case *ast.Function:
			for i := range x.Parameters {
				visit(&x.Parameters[i].DefaultArg)
			}
			visit(&x.Body)
		case *ast.Index:
			visit(&x.Target)
			visit(&x.Index)
		case *ast.InSuper:
			visit(&x.Index)
		case *ast.Local:
			for i := range x.Binds {
				visit(&x.Binds[i].Body)
			}
			visit(&x.Body)
		case *ast.SuperIndex:
			visit(&x.Index)
		case *ast.Unary:
			visit(&x.Expr)
		}
	}
	visit(root)
	return n
}

// rewriteMod returns the replacement of a desugared `LIT % vals`
// ($std.mod(LIT, vals)), or nil if it is not one Rewrite handles.
func rewriteMod(a *ast.Apply) ast.Node {
	if len(a.Arguments.Positional) != 2 || len(a.Arguments.Named) != 0 || !isStdField(a.Target, "mod") {
		return nil
	}
	lit, ok := a.Arguments.Positional[0].Expr.(*ast.LiteralString)
	if !ok {
		return nil
	}
	chunks, ok := plainChunks(lit.Value)
	if !ok {
		return nil
	}
	vals := a.Arguments.Positional[1].Expr
	if arr, ok := vals.(*ast.Array); ok {
		if len(arr.Elements) != len(chunks)-1 {
			return nil // std.format's own error about the count
		}
		elems := make([]ast.Node, len(arr.Elements))
		for i, e := range arr.Elements {
			elems[i] = e.Expr
		}
		return called(a.NodeBase, concat(a.NodeBase, chunks, elems))
	}
	if len(chunks) != 2 {
		return nil
	}
	// (function(v) if std.type(v) == 'string' then chunk0 + v + chunk1
	//   else if std.type(v) == 'array' || std.type(v) == 'object'
	//   then $std.mod(LIT, v) else chunk0 + v + chunk1)(vals),
	// called at the place of the % with vals as its argument, as std.mod
	// was; the function's code is placed in <std>. A string, the common
	// case, costs one std.type.
	in := func(free ...ast.Identifier) ast.NodeBase {
		b := inStd(a.NodeBase)
		b.FreeVars = free
		return b
	}
	v := &ast.Var{NodeBase: in(valueVar), Id: valueVar}
	isType := func(t string) ast.Node {
		call := &ast.Apply{
			NodeBase:  in("$std", valueVar),
			Target:    stdField(inStd(a.NodeBase), "type"),
			Arguments: ast.Arguments{Positional: []ast.CommaSeparatedExpr{{Expr: v}}},
		}
		return &ast.Binary{NodeBase: in("$std", valueVar), Left: call, Op: ast.BopManifestEqual, Right: str(a.NodeBase, t)}
	}
	mod := &ast.Apply{
		NodeBase: in("$std", valueVar),
		Target:   a.Target,
		Arguments: ast.Arguments{Positional: []ast.CommaSeparatedExpr{
			{Expr: a.Arguments.Positional[0].Expr},
			{Expr: v},
		}},
	}
	body := &ast.Conditional{
		NodeBase:   in("$std", valueVar),
		Cond:       isType("string"),
		BranchTrue: concat(a.NodeBase, chunks, []ast.Node{v}),
		BranchFalse: &ast.Conditional{
			NodeBase:    in("$std", valueVar),
			Cond:        &ast.Binary{NodeBase: in("$std", valueVar), Left: isType("array"), Op: ast.BopOr, Right: isType("object")},
			BranchTrue:  mod,
			BranchFalse: concat(a.NodeBase, chunks, []ast.Node{v}),
		},
	}
	fn := &ast.Function{
		NodeBase:   in("$std"),
		Parameters: []ast.Parameter{{Name: valueVar}},
		Body:       body,
	}
	return &ast.Apply{
		NodeBase:  ast.NodeBase{LocRange: a.LocRange, Ctx: a.Ctx, FreeVars: union(vals.FreeVariables(), ast.Identifiers{"$std"})},
		Target:    fn,
		Arguments: ast.Arguments{Positional: []ast.CommaSeparatedExpr{{Expr: vals}}},
	}
}

// plainChunks splits a format string whose conversions are all a bare %s
// or %% into the literal text around the %s (one more chunk than there
// are %s). ok is false for any other format string, and for one std.format
// cannot parse.
func plainChunks(s string) (chunks []string, ok bool) {
	pieces, ok := parse(s)
	if !ok {
		return nil, false
	}
	cur := ""
	for _, p := range pieces {
		if p.code == nil {
			cur += p.lit
			continue
		}
		c := *p.code
		if c.hasMkey || c.alt || c.zero || c.left || c.blank || c.plus || c.fwStar || c.fw != 0 || c.hasPrec || c.caps {
			return nil, false
		}
		switch c.ctype {
		case '%':
			cur += "%"
		case 's':
			chunks = append(chunks, cur)
			cur = ""
		default:
			return nil, false
		}
	}
	return append(chunks, cur), true
}

// called wraps body in a call of a function of no parameters, made at the
// place of the %: the call that the % was (of std.mod) stays a frame of
// the stack trace, so an error inside one of the values shows the line of
// the % among its callers, as without the rewrite.
func called(at ast.NodeBase, body ast.Node) ast.Node {
	free := body.FreeVariables()
	fn := &ast.Function{NodeBase: ast.NodeBase{LocRange: at.LocRange, Ctx: at.Ctx, FreeVars: free}, Body: body}
	return &ast.Apply{NodeBase: ast.NodeBase{LocRange: at.LocRange, Ctx: at.Ctx, FreeVars: free}, Target: fn}
}

// concat builds chunks[0] + vals[0] + chunks[1] + ... left to right, so
// the values are forced in order, each converted by builtinToString. The
// first operand is always a string (possibly empty), so every + is a
// string concatenation.
func concat(at ast.NodeBase, chunks []string, vals []ast.Node) ast.Node {
	var acc ast.Node = str(at, chunks[0])
	for i, v := range vals {
		acc = plus(at, acc, v)
		if chunks[i+1] != "" {
			acc = plus(at, acc, str(at, chunks[i+1]))
		}
	}
	return acc
}

func plus(at ast.NodeBase, l, r ast.Node) ast.Node {
	b := inStd(at)
	b.FreeVars = union(l.FreeVariables(), r.FreeVariables())
	return &ast.Binary{NodeBase: b, Left: l, Op: ast.BopPlus, Right: r}
}

func str(at ast.NodeBase, s string) ast.Node {
	return &ast.LiteralString{NodeBase: inStd(at), Value: s, Kind: ast.StringDouble}
}

// inStd is a node base for the work std.format did: placed in the file
// <std>, as the standard library's code is, so that its frames read and
// are left out of traces (jsonnetvm.Convert) as std.format's own were.
func inStd(at ast.NodeBase) ast.NodeBase {
	return ast.NodeBase{LocRange: astgen.StdAst.LocRange, Ctx: at.Ctx}
}

// stdField is $std.name, as the desugarer writes it, at b.
func stdField(b ast.NodeBase, name string) ast.Node {
	b.FreeVars = ast.Identifiers{"$std"}
	return &ast.Index{
		NodeBase: b,
		Target:   &ast.Var{NodeBase: b, Id: "$std"},
		Index:    &ast.LiteralString{NodeBase: ast.NodeBase{LocRange: b.LocRange, Ctx: b.Ctx}, Value: name, Kind: ast.StringDouble},
	}
}

func isStdField(n ast.Node, name string) bool {
	ix, ok := n.(*ast.Index)
	if !ok || ix.Id != nil {
		return false
	}
	v, ok := ix.Target.(*ast.Var)
	if !ok || v.Id != "$std" {
		return false
	}
	s, ok := ix.Index.(*ast.LiteralString)
	return ok && s.Value == name
}
