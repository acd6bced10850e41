package jsonnetfmt

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/google/go-jsonnet/ast"
)

// portedFingerprint is the fingerprint of the body of std.format in
// go-jsonnet v0.22.0, the code format.go ports, and modFingerprint that of
// std.mod, whose string case the hook shortcuts. Install refuses to hook a
// different body: a go-jsonnet bump that changes either must be checked
// (and format.go ported) and these constants updated before % is native
// again.
const modFingerprint = "7c30f6b16c897aa5cf7701e76ee35c729cf49f6673ea0a41c9b86a03086ea694"

const portedFingerprint = "9dedf7a44c533e06a17f832654d662ef34cc826f870b3e9fe29fc07155b22614"

// checkFingerprint compares the structure of body (node kinds, identifiers,
// operators, literals; not positions) with want.
func checkFingerprint(field string, body ast.Node, want string) error {
	got, err := fingerprint(body)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("std.%s in astgen.StdAst is not the code this package was written for (fingerprint %s, expected %s)", field, got, want)
	}
	return nil
}

func fingerprint(n ast.Node) (string, error) {
	var b strings.Builder
	if err := writeNode(&b, n); err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:]), nil
}

func writeNode(b *strings.Builder, n ast.Node) error {
	if n == nil {
		b.WriteString("nil;")
		return nil
	}
	all := func(ns ...ast.Node) error {
		for _, c := range ns {
			if err := writeNode(b, c); err != nil {
				return err
			}
		}
		return nil
	}
	switch x := n.(type) {
	case *ast.Apply:
		fmt.Fprintf(b, "apply(%d,%d,%v:", len(x.Arguments.Positional), len(x.Arguments.Named), x.TailStrict)
		if err := writeNode(b, x.Target); err != nil {
			return err
		}
		for _, a := range x.Arguments.Positional {
			if err := writeNode(b, a.Expr); err != nil {
				return err
			}
		}
		for _, a := range x.Arguments.Named {
			fmt.Fprintf(b, "%q=", a.Name)
			if err := writeNode(b, a.Arg); err != nil {
				return err
			}
		}
	case *ast.Array:
		fmt.Fprintf(b, "array(%d:", len(x.Elements))
		for _, e := range x.Elements {
			if err := writeNode(b, e.Expr); err != nil {
				return err
			}
		}
	case *ast.Binary:
		fmt.Fprintf(b, "binary(%s:", x.Op)
		if err := all(x.Left, x.Right); err != nil {
			return err
		}
	case *ast.Unary:
		fmt.Fprintf(b, "unary(%s:", x.Op)
		if err := all(x.Expr); err != nil {
			return err
		}
	case *ast.Conditional:
		b.WriteString("if(")
		if err := all(x.Cond, x.BranchTrue, x.BranchFalse); err != nil {
			return err
		}
	case *ast.DesugaredObject:
		fmt.Fprintf(b, "object(%d,%d,%d:", len(x.Locals), len(x.Fields), len(x.Asserts))
		for _, l := range x.Locals {
			fmt.Fprintf(b, "%q=", l.Variable)
			if err := writeNode(b, l.Body); err != nil {
				return err
			}
		}
		for _, f := range x.Fields {
			fmt.Fprintf(b, "field(%d,%v:", f.Hide, f.PlusSuper)
			if err := all(f.Name, f.Body); err != nil {
				return err
			}
			b.WriteString(")")
		}
		if err := all(x.Asserts...); err != nil {
			return err
		}
	case *ast.Error:
		b.WriteString("error(")
		if err := all(x.Expr); err != nil {
			return err
		}
	case *ast.Function:
		b.WriteString("function(")
		for _, p := range x.Parameters {
			fmt.Fprintf(b, "%q=", p.Name)
			if err := writeNode(b, p.DefaultArg); err != nil {
				return err
			}
		}
		if err := all(x.Body); err != nil {
			return err
		}
	case *ast.Index:
		b.WriteString("index(")
		if x.Id != nil {
			fmt.Fprintf(b, "%q", *x.Id)
		}
		if err := all(x.Target, x.Index); err != nil {
			return err
		}
	case *ast.LiteralBoolean:
		fmt.Fprintf(b, "bool(%v", x.Value)
	case *ast.LiteralNull:
		b.WriteString("null(")
	case *ast.LiteralNumber:
		fmt.Fprintf(b, "number(%q", x.OriginalString)
	case *ast.LiteralString:
		fmt.Fprintf(b, "string(%d,%q", x.Kind, x.Value)
	case *ast.Local:
		b.WriteString("local(")
		for _, l := range x.Binds {
			fmt.Fprintf(b, "%q=", l.Variable)
			if err := writeNode(b, l.Body); err != nil {
				return err
			}
		}
		if err := all(x.Body); err != nil {
			return err
		}
	case *ast.Var:
		fmt.Fprintf(b, "var(%q", x.Id)
	case *ast.Self:
		b.WriteString("self(")
	default:
		return fmt.Errorf("a std function in astgen.StdAst contains a %T, which this package does not expect", n)
	}
	b.WriteString(")")
	return nil
}
