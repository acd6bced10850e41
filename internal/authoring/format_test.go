package authoring

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

func TestFormatFile(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// jsonnetfmt style: spaces, single quotes, no trailing comma in
		// one-line literals, unquoted field names where possible.
		{`{a:1,"b":[1,2,],}`, "{ a: 1, b: [1, 2] }\n"},
		{"local x=\"s\";\n{\n  x:x\n}", "local x = 's';\n{\n  x: x,\n}\n"},
		// Comments are kept.
		{"// keep me\n{a: 1} // and me\n", "// keep me\n{ a: 1 }  // and me\n"},
	} {
		got, err := FormatFile("f.jsonnet", []byte(tc.in))
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if string(got) != tc.want {
			t.Errorf("FormatFile(%q) =\n%q\nwant\n%q", tc.in, got, tc.want)
		}
		// Formatting is idempotent, or fmt --check would never pass.
		again, err := FormatFile("f.jsonnet", got)
		if err != nil || string(again) != string(got) {
			t.Errorf("not idempotent on %q: %q, %v", got, again, err)
		}
	}
}

func TestFormatFileErrors(t *testing.T) {
	for _, tc := range []struct {
		in        string
		line, col int
		msg       string
	}{
		{"{\n  a: ,\n}\n", 2, 6, `Unexpected: "," while parsing terminal`},
		{"local x = 1\nx", 2, 1, "Expected , or ; but got"},
		{"{a: 'x\n", 1, 5, "Unterminated String"},
		{"", 1, 1, "Unexpected end of file"},
	} {
		_, err := FormatFile("ci/t.jsonnet", []byte(tc.in))
		var d *diag.Error
		if !errors.As(err, &d) {
			t.Fatalf("%q: got %v, want a *diag.Error", tc.in, err)
		}
		if d.Pos != (diag.Pos{File: "ci/t.jsonnet", Line: tc.line, Col: tc.col}) {
			t.Errorf("%q: position %+v, want line %d col %d", tc.in, d.Pos, tc.line, tc.col)
		}
		// The position is not repeated inside the message.
		if !strings.HasPrefix(d.Msg, tc.msg) || strings.Contains(d.Msg, "t.jsonnet") {
			t.Errorf("%q: message %q, want it to start with %q", tc.in, d.Msg, tc.msg)
		}
	}
}

// tree creates files (path → content; "dir/" for an empty directory) under a
// new temporary directory.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestFindJsonnet(t *testing.T) {
	root := tree(t, map[string]string{
		"generate-config.jsonnet":         "{}",
		"ci/go.jsonnet":                   "{}",
		"ci/lib/util.libsonnet":           "{}",
		"ci/notes.md":                     "",
		"ci/data.json":                    "{}",
		".git/hooks/x.jsonnet":            "{}",
		"node_modules/pkg/a.jsonnet":      "{}",
		"web/node_modules/pkg/b.jsonnet":  "{}",
		"vendor/lib/c.libsonnet":          "{}",
		"services/api/ci/local.jsonnet":   "{}",
		"services/api/.config/d.jsonnet":  "{}",
		"services/api/x.jsonnet.disabled": "{}",
	})
	if runtime.GOOS != "windows" {
		// A linked file is reached through its real path only.
		if err := os.Symlink(filepath.Join(root, "ci/go.jsonnet"), filepath.Join(root, "link.jsonnet")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := FindJsonnet(os.DirFS(root), ".")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ci/go.jsonnet",
		"ci/lib/util.libsonnet",
		"generate-config.jsonnet",
		"services/api/.config/d.jsonnet",
		"services/api/ci/local.jsonnet",
	}
	if g := got; strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("FindJsonnet:\n got %q\nwant %q", g, want)
	}
}

func TestFormatPath(t *testing.T) {
	root := tree(t, map[string]string{
		"ugly.jsonnet":   "{a:1}",
		"pretty.jsonnet": "{ a: 1 }\n",
		"broken.jsonnet": "{a: }",
	})
	ugly := filepath.Join(root, "ugly.jsonnet")
	if err := os.Chmod(ugly, 0o750); err != nil {
		t.Fatal(err)
	}
	r := openRoot(t, root)

	// Check mode reports the change and writes nothing.
	res := FormatPath(r, "ugly.jsonnet", "ugly.jsonnet", false)
	if res.Err != nil || !res.Changed {
		t.Fatalf("check: %+v", res)
	}
	if b, _ := os.ReadFile(ugly); string(b) != "{a:1}" {
		t.Fatalf("check mode wrote the file: %q", b)
	}

	// Write mode replaces the content and keeps the mode.
	res = FormatPath(r, "ugly.jsonnet", "ugly.jsonnet", true)
	if res.Err != nil || !res.Changed {
		t.Fatalf("write: %+v", res)
	}
	if b, _ := os.ReadFile(ugly); string(b) != "{ a: 1 }\n" {
		t.Errorf("rewritten to %q", b)
	}
	if st, _ := os.Stat(ugly); runtime.GOOS != "windows" && st.Mode().Perm() != 0o750 {
		t.Errorf("mode %v, want 0750 kept", st.Mode().Perm())
	}

	// A formatted file is not changed (nor touched).
	pretty := filepath.Join(root, "pretty.jsonnet")
	before, _ := os.Stat(pretty)
	if res := FormatPath(r, "pretty.jsonnet", "pretty.jsonnet", true); res.Err != nil || res.Changed {
		t.Errorf("pretty: %+v", res)
	}
	if after, _ := os.Stat(pretty); !after.ModTime().Equal(before.ModTime()) {
		t.Error("a formatted file was rewritten")
	}

	// A parse error is positioned and leaves the file as it was.
	broken := filepath.Join(root, "broken.jsonnet")
	res = FormatPath(r, "broken.jsonnet", "broken.jsonnet", true)
	var d *diag.Error
	if !errors.As(res.Err, &d) || d.Pos.String() != "broken.jsonnet:1:5" {
		t.Errorf("broken: %+v", res.Err)
	}
	if b, _ := os.ReadFile(broken); string(b) != "{a: }" {
		t.Errorf("broken file changed to %q", b)
	}

	// No temporary file is left behind.
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestFormatPathThroughSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	root := tree(t, map[string]string{"real/t.jsonnet": "{a:1}"})
	link := filepath.Join(root, "t.jsonnet")
	if err := os.Symlink(filepath.Join("real", "t.jsonnet"), link); err != nil {
		t.Fatal(err)
	}
	if res := FormatPath(openRoot(t, root), "t.jsonnet", "t.jsonnet", true); res.Err != nil || !res.Changed {
		t.Fatalf("%+v", res)
	}
	st, err := os.Lstat(link)
	if err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced by a file: %v %v", st.Mode(), err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "real/t.jsonnet")); string(b) != "{ a: 1 }\n" {
		t.Errorf("target holds %q", b)
	}
}

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// A file linked to outside the repository is neither read nor rewritten;
// one linked inside is rewritten where it lives.
func TestFormatPathStaysInTheRepository(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	outside := t.TempDir()
	creds := filepath.Join(outside, "creds.json")
	if err := os.WriteFile(creds, []byte(`{"token":"x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{"real/in.jsonnet": "{a:1}"})
	for name, target := range map[string]string{
		"abs.jsonnet": creds,
		"rel.jsonnet": filepath.Join("..", "..", "..", "..", "..", "..", "..", "..", creds),
	} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
		for _, write := range []bool{false, true} {
			res := FormatPath(openRoot(t, root), name, name, write)
			if res.Err == nil || !strings.Contains(res.Err.Error(), "leads outside the repository") {
				t.Errorf("%s (write=%v): err = %v, want a refusal", name, write, res.Err)
			}
		}
	}
	if b, _ := os.ReadFile(creds); string(b) != `{"token":"x"}` {
		t.Errorf("the file outside was rewritten: %q", b)
	}
	// An absolute link that stays inside is followed.
	if err := os.Symlink(filepath.Join(root, "real", "in.jsonnet"), filepath.Join(root, "inside.jsonnet")); err != nil {
		t.Fatal(err)
	}
	if res := FormatPath(openRoot(t, root), "inside.jsonnet", "inside.jsonnet", true); res.Err != nil || !res.Changed {
		t.Fatalf("%+v", res)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "real", "in.jsonnet")); string(b) != "{ a: 1 }\n" {
		t.Errorf("target holds %q", b)
	}
}
