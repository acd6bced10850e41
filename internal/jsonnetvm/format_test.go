package jsonnetvm

import (
	"testing"
	"testing/fstest"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/internal/jsonnetfmt"
)

// Templates evaluated through NewVM get the native std.format: % on strings
// is answered in Go.
func TestNewVMFormatsInGo(t *testing.T) {
	files := fstest.MapFS{"ci/t.jsonnet": {Data: []byte(`{ name: '%s-%s' % ['build', 'amd64'], n: '%03d' % 7 }`)}}
	vm := NewVM(NewImporter(files, fstest.MapFS{}))
	n0, f0 := jsonnetfmt.Stats()
	out, err := EvaluateFile(vm, "ci/t.jsonnet")
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n   \"n\": \"007\",\n   \"name\": \"build-amd64\"\n}\n"; out != want {
		t.Errorf("out = %q, want %q", out, want)
	}
	if n1, f1 := jsonnetfmt.Stats(); n1 != n0+2 || f1 != f0 {
		t.Errorf("%d calls in Go, %d handed back; want 2 in Go", n1-n0, f1-f0)
	}
}

// A format error still points at the user's % expression, with go-jsonnet's
// own message: the error is raised by the original Jsonnet code.
func TestFormatErrorPointsAtUserCode(t *testing.T) {
	e := evalErr(t, fstest.MapFS{"ci/t.jsonnet": {Data: []byte("local n = 'x';\n{ a: '%d' % [n] }\n")}}, "ci/t.jsonnet")
	if want := (diag.Pos{File: "ci/t.jsonnet", Line: 2, Col: 6}); e.Pos != want {
		t.Errorf("pos = %v, want %v", e.Pos, want)
	}
	if want := "Format required number at 0, got string"; e.Msg != want {
		t.Errorf("msg = %q, want %q", e.Msg, want)
	}
}
