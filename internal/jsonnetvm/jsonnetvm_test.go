package jsonnetvm

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

func evalErr(t *testing.T, files fstest.MapFS, main string) *diag.Error {
	t.Helper()
	vm := NewVM(NewImporter(files, fstest.MapFS{"lib.libsonnet": {Data: []byte("{ f(x):: error 'lib says ' + x }")}}))
	node, _, err := vm.ImportAST("", main)
	if err == nil {
		_, err = vm.Evaluate(node)
	}
	if err == nil {
		t.Fatal("expected an error")
	}
	return Convert(err)
}

// The position is where the error is raised; callers follow, nearest first.
func TestRuntimeErrorPointsAtTheErrorNotTheCaller(t *testing.T) {
	e := evalErr(t, fstest.MapFS{"ci/t.jsonnet": {Data: []byte(
		"local image(os) =\n  if os == 'windows' then error 'no image' else 'x';\nlocal outer(os) = image(os);\n{ job: { image: outer('windows') } }\n")}}, "ci/t.jsonnet")
	if want := (diag.Pos{File: "ci/t.jsonnet", Line: 2, Col: 27}); e.Pos != want {
		t.Errorf("pos = %v, want %v (the error expression)", e.Pos, want)
	}
	if len(e.Trace) < 2 || e.Trace[0].Line != 3 || e.Trace[len(e.Trace)-1].Line != 4 {
		t.Errorf("trace = %v, want the caller on line 3 first, then line 4", e.Trace)
	}
	if e.Msg != "no image" || !reflect.DeepEqual(e.Notes, []string{"while writing out job.image"}) {
		t.Errorf("msg %q notes %v", e.Msg, e.Notes)
	}
}

// An error raised in the embedded library points into it, by its embedded name.
func TestErrorInsideLibrary(t *testing.T) {
	e := evalErr(t, fstest.MapFS{"t.jsonnet": {Data: []byte("local l = import 'lib.libsonnet';\n{ a: l.f('boom') }\n")}}, "t.jsonnet")
	if e.Pos.File != EmbeddedPrefix+"lib.libsonnet" || e.Msg != "lib says boom" {
		t.Errorf("got %v %q", e.Pos, e.Msg)
	}
	if len(e.Trace) == 0 || e.Trace[0].File != "t.jsonnet" {
		t.Errorf("trace %v should lead back to t.jsonnet", e.Trace)
	}
}

func TestStaticErrorKeepsPosition(t *testing.T) {
	e := evalErr(t, fstest.MapFS{"bad.jsonnet": {Data: []byte("{\n  a: [1, }\n")}}, "bad.jsonnet")
	if e.Pos.File != "bad.jsonnet" || e.Pos.Line != 2 || strings.HasPrefix(e.Msg, "bad.jsonnet") {
		t.Errorf("got %v %q", e.Pos, e.Msg)
	}
}

func TestImportsStayInside(t *testing.T) {
	imp := NewImporter(fstest.MapFS{"a/b.jsonnet": {Data: []byte("1")}, "c.jsonnet": {Data: []byte("2")}}, fstest.MapFS{"lib.libsonnet": {Data: []byte("{}")}})
	for _, tc := range []struct{ from, path, wantAt, wantErr string }{
		{"a/x.jsonnet", "b.jsonnet", "a/b.jsonnet", ""},
		{"a/x.jsonnet", "../c.jsonnet", "c.jsonnet", ""},
		{"a/x.jsonnet", "lib.libsonnet", EmbeddedPrefix + "lib.libsonnet", ""},
		{"a/x.jsonnet", "../../etc/passwd", "", "escapes the repository root"},
		{"", "/etc/passwd", "", "must be relative"},
		{"", `C:\x.jsonnet`, "", "must be relative"},
		{"", "missing.jsonnet", "", "no such file"},
		{EmbeddedPrefix + "lib.libsonnet", "../c.jsonnet", "", "import"},
	} {
		_, at, err := imp.Import(tc.from, tc.path)
		switch {
		case tc.wantErr == "" && (err != nil || at != tc.wantAt):
			t.Errorf("Import(%q, %q) = %q, %v; want %q", tc.from, tc.path, at, err, tc.wantAt)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("Import(%q, %q) err = %v; want %q", tc.from, tc.path, err, tc.wantErr)
		}
	}
}
