package authoring

import (
	"fmt"

	"github.com/google/go-jsonnet/ast"

	"gitlab.com/generate-config/generate-config/schema"
)

// RuleSlowStringConcat: a long string built with + in a loop. Since
// go-jsonnet 0.21 each + on a long string costs its length, so building a
// string of n pieces one + at a time costs about n² (issue 9: 20,000 lines
// took 0.06 s on go-jsonnet 0.20 and 57 s on 0.22).
const RuleSlowStringConcat = "slow-string-concat"

// The measured cost, quoted by the rule. Measured with BenchmarkStringBuild
// (lint_strconcat_bench_test.go), go-jsonnet v0.22 on the project's 2-core
// machine, against std.join over a comprehension building the same string.
const (
	stringSlowdown = "about 50× slower than std.join for 1,000 lines, 150× for 4,000: it grows with the square of the length"
	stringFix      = "collect the pieces in an array and join them once: std.join('', [f(x) for x in xs]) (or std.lines([...]) for lines)"
)

// slowStringConcat finds strings accumulated with + in std.foldl/std.foldr
// and in recursive functions: the accumulator (or the recursive call) and
// a string on the two sides of one + chain, or any + on the accumulator of
// a fold whose initial value is a string.
func slowStringConcat(file string, root ast.Node) []schema.Finding {
	var out []schema.Finding
	seen := map[ast.Node]bool{} // inner + of a chain already examined
	report := func(n ast.Node, where string) {
		out = append(out, schema.Finding{
			Pos: locPos(file, *n.Loc()), Severity: schema.SeverityWarning, Rule: RuleSlowStringConcat,
			Message: fmt.Sprintf("string built with + %s: go-jsonnet (since 0.21) copies the string so far at every step (measured %s); %s", where, stringSlowdown, stringFix),
		})
	}
	check := func(body ast.Node, isAcc func(ast.Node) bool, accIsString bool, where string) {
		walk(body, func(n ast.Node) {
			b, ok := n.(*ast.Binary)
			if !ok || b.Op != ast.BopPlus || seen[b] {
				return
			}
			if chainHas(plusChain(b, seen), isAcc, accIsString) {
				report(b, where)
			}
		})
	}
	accumulations(root, func(a accumulation) {
		if a.fold != "" {
			check(a.fn.Body, a.isAccVar, a.init != nil && isStringy(a.init), "inside std."+a.fold)
			return
		}
		// In a recursive function f, a string accumulates when a + chain
		// with a string in it is f's k-th argument and has f's k-th
		// parameter as an operand (f(i + 1, acc + 'x')), or has a call to f
		// as an operand ('x' + f(i + 1)).
		fn, where := a.fn, "in the recursive function "+a.name
		walk(fn.Body, func(n ast.Node) {
			if call, ok := n.(*ast.Apply); ok && a.isRecursion(call) {
				for k, arg := range call.Arguments.Positional {
					b, ok := unparen(arg.Expr).(*ast.Binary)
					if !ok || b.Op != ast.BopPlus || k >= len(fn.Parameters) {
						continue
					}
					param := string(fn.Parameters[k].Name)
					if chainHas(plusChain(b, map[ast.Node]bool{}), func(x ast.Node) bool {
						v, ok := x.(*ast.Var)
						return ok && string(v.Id) == param
					}, false) {
						seen[b] = true
						report(b, where)
					}
				}
			}
		})
		check(fn.Body, a.isRecursion, false, where)
	})
	return out
}

// chainHas: one operand is the accumulator and another is a string (or
// the accumulator is known to be a string: accIsString).
func chainHas(operands []ast.Node, isAcc func(ast.Node) bool, accIsString bool) bool {
	acc, str := false, accIsString
	for _, o := range operands {
		if isAcc(o) {
			acc = true
		} else if isStringy(o) {
			str = true
		}
	}
	return acc && str
}

// plusChain flattens a + b + c (and parenthesised parts) into its operands,
// marking the inner + nodes as seen so a chain is reported once.
func plusChain(b *ast.Binary, seen map[ast.Node]bool) []ast.Node {
	var out []ast.Node
	var visit func(n ast.Node)
	visit = func(n ast.Node) {
		n = unparen(n)
		if x, ok := n.(*ast.Binary); ok && x.Op == ast.BopPlus {
			seen[x] = true
			visit(x.Left)
			visit(x.Right)
			return
		}
		out = append(out, n)
	}
	visit(b)
	return out
}

// isStringy: the expression is certainly a string (a literal, a % format,
// or a std function that returns strings).
func isStringy(n ast.Node) bool {
	switch x := unparen(n).(type) {
	case *ast.LiteralString:
		return true
	case *ast.Binary:
		if x.Op == ast.BopPercent {
			return isStringy(x.Left)
		}
		if x.Op == ast.BopPlus {
			return isStringy(x.Left) || isStringy(x.Right)
		}
	case *ast.Apply:
		if name, ok := stdCall(x.Target); ok {
			switch name {
			case "toString", "format", "join", "lines", "strReplace", "substr", "asciiUpper", "asciiLower",
				"char", "escapeStringJson", "escapeStringBash", "escapeStringDollars", "escapeStringPython",
				"escapeStringXml", "manifestJson", "manifestJsonEx", "manifestJsonMinified", "manifestYamlDoc",
				"stripChars", "lstripChars", "rstripChars", "trim":
				return true
			}
		}
	}
	return false
}
