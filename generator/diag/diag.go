// Package diag is the one error type of generate-config: a message that keeps
// where it came from (file, line, column, and for templates the matrix cell),
// so that one printer at the top (internal/cli) can render every failure the same way.
package diag

import (
	"errors"
	"fmt"
	"strings"
)

// Pos is a place in a user's file. File is relative to the repository root and
// always uses '/'; Line and Col are 1-based, 0 when unknown.
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Cell names one target × os × arch evaluation.
type Cell struct {
	Target string `json:"target"`
	OS     string `json:"os"`
	Arch   string `json:"arch"`
}

func (c Cell) String() string {
	return fmt.Sprintf("target=%s os=%s arch=%s", c.Target, c.OS, c.Arch)
}

// Error is a positioned failure.
type Error struct {
	Pos  Pos    `json:"pos"`
	Msg  string `json:"message"`
	Cell *Cell  `json:"cell,omitempty"`
	// Trace holds further positions (a Jsonnet stack trimmed to user files).
	Trace []Pos `json:"trace,omitempty"`
	// Notes are extra lines shown under the message (hints, context).
	Notes []string `json:"notes,omitempty"`
}

func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Cell != nil {
		b.WriteString(" (in cell ")
		b.WriteString(e.Cell.String())
		b.WriteString(")")
	}
	return b.String()
}

// Errorf builds an Error at pos.
func Errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// List is several errors reported together (for example every bad pattern in
// a manifest), in a stable order.
type List []*Error

func (l List) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Err returns nil for an empty list, so callers can `return list.Err()`.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Flatten turns any error into positioned errors; a plain error becomes one
// Error with no position.
func Flatten(err error) []*Error {
	if err == nil {
		return nil
	}
	var l List
	if errors.As(err, &l) {
		return l
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return []*Error{{Msg: err.Error()}}
}
