package jsonnetfmt

import (
	"os"
	"strings"
	"testing"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/astgen"
)

// TestHookIsActive fails when the hook no longer takes effect, e.g. after a
// go-jsonnet bump changes std.format or the shape of astgen.StdAst: the
// native path must actually answer % and std.format.
func TestHookIsActive(t *testing.T) {
	if err := Installed(); err != nil {
		t.Fatalf("std.format is not native: %v", err)
	}
	vm := jsonnet.MakeVM()
	Register(vm)
	for _, src := range []string{`"%s-%s" % ["a", "b"]`, `std.format("%05.1f", 3.14159)`, `"%(x)s" % {x: 1}`} {
		n0, f0 := Stats()
		if _, err := vm.EvaluateAnonymousSnippet("hook.jsonnet", src); err != nil {
			t.Fatal(err)
		}
		if n1, f1 := Stats(); n1 != n0+1 || f1 != f0 {
			t.Errorf("%s: %d native, %d handed back; want 1 native call", src, n1-n0, f1-f0)
		}
	}
	// The std object's format and mod fields are the spliced wrappers
	// around the original bodies.
	for _, h := range hooks {
		var body ast.Node
		for _, f := range astgen.StdAst.Fields {
			if s, ok := f.Name.(*ast.LiteralString); ok && s.Value == h.field {
				body = f.Body.(*ast.Function).Body
			}
		}
		if fp, err := fingerprint(body); err != nil || fp == h.fingerprint {
			t.Errorf("std.%s's body is still the original (fingerprint %s, %v)", h.field, fp, err)
		}
	}
}

// TestInstallIsIdempotent: installing again must not wrap the wrapper.
func TestInstallIsIdempotent(t *testing.T) {
	if err := install(); err == nil {
		t.Fatal("a second install succeeded: the body was not recognised as already hooked")
	}
	if err := Install(); err != nil {
		t.Fatal(err)
	}
}

// TestUnregisteredVMRunsJsonnet: a VM without the native function (any VM
// not made by jsonnetvm.NewVM) runs go-jsonnet's own code.
func TestUnregisteredVMRunsJsonnet(t *testing.T) {
	vm := jsonnet.MakeVM()
	n0, f0 := Stats()
	out, err := vm.EvaluateAnonymousSnippet("x.jsonnet", `"%s" % ["a"]`)
	if err != nil || out != "\"a\"\n" {
		t.Fatalf("%q %v", out, err)
	}
	if n1, f1 := Stats(); n1 != n0 || f1 != f0 {
		t.Error("the native function was called on a VM that did not register it")
	}
}

// TestGoJsonnetPinned: format.go ports go-jsonnet v0.22.0's std.format. A
// bump must come with a look at std.jsonnet's format and mod (and new
// fingerprints): this names the reason before TestHookIsActive does.
func TestGoJsonnetPinned(t *testing.T) {
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "github.com/google/go-jsonnet" {
			found = append(found, f[1])
		}
		if strings.Contains(line, "replace") && strings.Contains(line, "github.com/google/go-jsonnet") {
			t.Errorf("go.mod replaces go-jsonnet: %s", line)
		}
	}
	if len(found) != 1 || found[0] != "v0.22.0" {
		t.Fatalf("go.mod requires go-jsonnet %v; jsonnetfmt ports v0.22.0's std.format: re-check the port and the fingerprints", found)
	}
}
