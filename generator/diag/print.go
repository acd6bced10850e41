package diag

import (
	"gitlab.com/generate-config/generate-config/internal/cilog"

	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxCellsShown is how many cells a grouped error names; the others are
// counted.
const MaxCellsShown = 3

// Print renders any error for a person, one positioned line per distinct
// diagnostic with its cells, trace and notes below it. It is the one
// printer of the command line.
//
// Errors that differ only in their matrix cell (and in notes that describe
// the cell, such as the ctx it ran with) are one cause: a template that
// fails the same way in 600 cells is printed once, with the count and the
// first MaxCellsShown cells; its notes are those of the first cell.
func Print(w io.Writer, err error) {
	for _, g := range group(Flatten(err)) {
		e := g[0]
		// Messages name files, targets and jobs that the repository
		// controls: escaped so that none can forge a line or a section
		// marker of the job log.
		at := e.Pos
		at.File = cilog.Quote(at.File)
		pos := at.String()
		if pos == "" {
			pos = "generate-config"
		}
		msg := cilog.Escape(e.Msg)
		switch n := cells(g); {
		case len(g) > 1 && n == len(g):
			msg += fmt.Sprintf(" (in %d cells)", n)
		case len(g) > 1:
			msg += fmt.Sprintf(" (%d times)", len(g))
		}
		fmt.Fprintf(w, "%s: error: %s\n", pos, msg)
		shown := 0
		for _, x := range g {
			if x.Cell != nil && shown < MaxCellsShown {
				fmt.Fprintf(w, "\tin cell %s\n", cilog.Escape(x.Cell.String()))
				shown++
			}
		}
		if more := cells(g) - shown; more > 0 {
			fmt.Fprintf(w, "\tand in %d more cell(s)\n", more)
		}
		for _, t := range e.Trace {
			fmt.Fprintf(w, "\tfrom %s\n", cilog.Escape(t.String()))
		}
		for _, n := range e.Notes {
			fmt.Fprintf(w, "\t%s\n", strings.ReplaceAll(cilog.Escape(n), "\n", "\n\t"))
		}
		if h := hint(e.Msg); h != "" {
			fmt.Fprintf(w, "\thint: %s\n", h)
		}
	}
}

func cells(g []*Error) int {
	n := 0
	for _, e := range g {
		if e.Cell != nil {
			n++
		}
	}
	return n
}

// group gathers errors with the same position, message and trace, in the
// order each first appears.
func group(errs []*Error) [][]*Error {
	var out [][]*Error
	index := map[string]int{}
	for _, e := range errs {
		var k strings.Builder
		fmt.Fprintf(&k, "%s\x00%s", e.Pos, e.Msg)
		for _, t := range e.Trace {
			fmt.Fprintf(&k, "\x00%s", t)
		}
		if i, ok := index[k.String()]; ok {
			out[i] = append(out[i], e)
			continue
		}
		index[k.String()] = len(out)
		out = append(out, []*Error{e})
	}
	return out
}

// hint adds what to do for errors whose cure is not in the message.
func hint(msg string) string {
	// go-jsonnet's wording for std.extVar of a name the VM was not given.
	if name, ok := strings.CutPrefix(msg, "Undefined external variable: "); ok {
		name = strings.TrimSpace(name)
		return fmt.Sprintf("templates get no external variables (std.extVar): read CI variables as ctx.vars[%s], and list %s in the manifest's vars (see \"ctx.vars\" in the README)",
			strconv.Quote(name), strconv.Quote(name))
	}
	return ""
}
