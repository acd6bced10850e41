package evaluate

import (
	"strings"

	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

// checkParams reads a template's top-level function (under its locals)
// and refuses one that cannot be called with ctx alone: a second parameter
// without a default (function(ctx, extra)) or none at all. go-jsonnet's own
// error ("Missing argument: extra") names neither the file nor the line. A
// template that computes its function (lib.template) is not judged here.
func checkParams(vm *jsonnet.VM, tpl string) error {
	node, _, err := vm.ImportAST("", tpl)
	if err != nil {
		return nil // evaluating it reports the error, positioned
	}
	for {
		l, ok := node.(*ast.Local)
		if !ok {
			break
		}
		node = l.Body
	}
	fn, ok := node.(*ast.Function)
	if !ok {
		return nil
	}
	var names, required []string
	for _, p := range fn.Parameters {
		names = append(names, string(p.Name))
		if p.DefaultArg == nil {
			required = append(required, string(p.Name))
		}
	}
	pos := diag.Pos{File: tpl, Line: 1, Col: 1}
	if loc := fn.Loc(); loc != nil && loc.Begin.Line > 0 {
		pos.Line, pos.Col = loc.Begin.Line, loc.Begin.Column
	}
	switch {
	case len(names) == 0:
		return diag.Errorf(pos, "the template's function takes no parameter, but it is called with ctx: write function(ctx) { ... }")
	case len(required) > 1:
		extra := required[1:]
		return diag.Errorf(pos, "the template's function takes the parameters (%s), but it is called with ctx only: remove %s, or give %s a default (%s=null)",
			strings.Join(names, ", "), strings.Join(extra, ", "), plural(len(extra), "it", "them"), extra[0])
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
