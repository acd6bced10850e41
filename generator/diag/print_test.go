package diag

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestPrintGroupsOneCause(t *testing.T) {
	var l List
	for i := range 5 {
		l = append(l, &Error{
			Pos: Pos{File: "t.jsonnet", Line: 2, Col: 7}, Msg: "boom",
			Cell:  &Cell{Target: fmt.Sprintf("svc%d", i), OS: "linux", Arch: "amd64"},
			Notes: []string{fmt.Sprintf("ctx: %d", i)},
		})
	}
	l = append(l, &Error{Pos: Pos{File: "m.jsonnet"}, Msg: "other"})
	var b bytes.Buffer
	Print(&b, l)
	want := `t.jsonnet:2:7: error: boom (in 5 cells)
	in cell target=svc0 os=linux arch=amd64
	in cell target=svc1 os=linux arch=amd64
	in cell target=svc2 os=linux arch=amd64
	and in 2 more cell(s)
	ctx: 0
m.jsonnet: error: other
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// Errors at different places, or with different messages, stay apart; a
// plain error is printed as the tool's own.
func TestPrintKeepsDistinctErrors(t *testing.T) {
	l := List{
		{Pos: Pos{File: "a", Line: 1}, Msg: "x", Cell: &Cell{Target: "t"}},
		{Pos: Pos{File: "a", Line: 2}, Msg: "x", Cell: &Cell{Target: "t"}},
		{Pos: Pos{File: "a", Line: 1}, Msg: "y", Cell: &Cell{Target: "t"}},
	}
	var b bytes.Buffer
	Print(&b, l)
	Print(&b, errors.New("plain"))
	want := "a:1: error: x\n\tin cell target=t os= arch=\n" +
		"a:2: error: x\n\tin cell target=t os= arch=\n" +
		"a:1: error: y\n\tin cell target=t os= arch=\n" +
		"generate-config: error: plain\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestPrintExtVarHint(t *testing.T) {
	var b bytes.Buffer
	Print(&b, &Error{Pos: Pos{File: "t.jsonnet", Line: 1}, Msg: "Undefined external variable: STAGE"})
	if !bytes.Contains(b.Bytes(), []byte(`hint: templates get no external variables (std.extVar): read CI variables as ctx.vars["STAGE"]`)) {
		t.Errorf("no ctx.vars hint in\n%s", b.String())
	}
}
