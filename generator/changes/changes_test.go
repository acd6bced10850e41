package changes_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"gitlab.com/generate-config/generate-config/generator/changes"
)

func TestPaths(t *testing.T) {
	c := func(st changes.Status, path, old string) changes.Change {
		return changes.Change{Status: st, Path: path, OldPath: old}
	}
	cases := []struct {
		name string
		in   []changes.Change
		want []string
	}{
		{"nothing", nil, []string{}},
		{"a modification counts at its path", []changes.Change{c(changes.Modified, "a/x.go", "")}, []string{"a/x.go"}},
		{"an addition counts at its path", []changes.Change{c(changes.Added, "a/new.go", "")}, []string{"a/new.go"}},
		{"a deletion counts at its path", []changes.Change{c(changes.Deleted, "a/gone.go", "")}, []string{"a/gone.go"}},
		{"a type change counts at its path", []changes.Change{c(changes.TypeChg, "a/link", "")}, []string{"a/link"}},
		{"a rename counts at its old and its new path", []changes.Change{c(changes.Renamed, "b/x.go", "a/x.go")}, []string{"a/x.go", "b/x.go"}},
		{"a copy counts at its new path only", []changes.Change{c(changes.Copied, "b/x.go", "a/x.go")}, []string{"b/x.go"}},
		{"an old path on a non-rename is ignored", []changes.Change{c(changes.Modified, "b/x.go", "a/x.go")}, []string{"b/x.go"}},
		{
			"duplicates are listed once",
			[]changes.Change{
				c(changes.Modified, "a", ""), c(changes.Modified, "a", ""),
				c(changes.Renamed, "b", "a"), c(changes.Deleted, "b", ""),
			},
			[]string{"a", "b"},
		},
		{
			"sorted by byte order, whatever the input order",
			[]changes.Change{
				c(changes.Modified, "z", ""), c(changes.Modified, "B", ""), c(changes.Modified, "a/b", ""),
				c(changes.Modified, "a b", ""), c(changes.Renamed, "é", "0"), c(changes.Modified, "a", ""),
			},
			[]string{"0", "B", "a", "a b", "a/b", "z", "é"},
		},
		{"empty paths are dropped", []changes.Change{c(changes.Modified, "", ""), c(changes.Renamed, "x", "")}, []string{"x"}},
	}
	for _, tc := range cases {
		got := changes.Paths(tc.in)
		if got == nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: Paths = %#v, want %q", tc.name, got, tc.want)
		}
		// Any order of the same changes gives the same paths.
		rev := slices.Clone(tc.in)
		slices.Reverse(rev)
		if got := changes.Paths(rev); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Paths(reversed) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestExplicit(t *testing.T) {
	r := changes.Explicit([]string{"b", "a"}, "flags")
	want := []changes.Change{{Status: changes.Modified, Path: "b"}, {Status: changes.Modified, Path: "a"}}
	if r.Rule != "flags" || r.All || !slices.Equal(r.Changes, want) {
		t.Errorf("Explicit = %+v", r)
	}
}

func TestParseList(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
		err  string // part of the error; "" for none
	}{
		{"empty input", "", []string{}, ""},
		{"one path per line", "a/x.go\nb/y.go\n", []string{"a/x.go", "b/y.go"}, ""},
		{"no final newline", "a/x.go\nb/y.go", []string{"a/x.go", "b/y.go"}, ""},
		{"CRLF line ends are stripped", "a/x.go\r\nb/y.go\r\n", []string{"a/x.go", "b/y.go"}, ""},
		{"a UTF-8 BOM is dropped", "\ufeffa/x.go\nb/y.go\n", []string{"a/x.go", "b/y.go"}, ""},
		{"blank lines are skipped", "\n\na/x.go\n\r\n\nb/y.go\n\n", []string{"a/x.go", "b/y.go"}, ""},
		{"spaces are part of the name", " a b.txt \n", []string{" a b.txt "}, ""},
		{"non-ASCII names", "ünïcode/naïve.txt\n日本語.md\n", []string{"ünïcode/naïve.txt", "日本語.md"}, ""},
		{"the order and duplicates are kept", "b\na\nb\n", []string{"b", "a", "b"}, ""},
		{"an absolute path is rejected", "a\n/etc/passwd\n", nil, `entry 2: changed path "/etc/passwd" is absolute`},
		{"a .. segment is rejected", "a/../b\n", nil, `entry 1: changed path "a/../b" is not a clean repository path`},
		{"a .. path is rejected", "x\n\n..\n", nil, `entry 3: changed path ".." is not a clean repository path`},
		{"a . segment is rejected", "./a\n", nil, "not a clean repository path"},
		{"an empty segment is rejected", "a//b\n", nil, "not a clean repository path"},
		{"a trailing slash is rejected", "a/\n", nil, "not a clean repository path"},
		{"a backslash is rejected in the line form", "a\\b.go\n", nil, `entry 1: changed path "a\\b.go" uses '\'`},
		{"a Windows path is rejected in the line form", "src\\main.go\r\n", nil, "git and GitLab paths use '/'"},

		{"NUL form", "a/x.go\x00b/y.go\x00", []string{"a/x.go", "b/y.go"}, ""},
		{"NUL form without the final NUL", "a\x00b", []string{"a", "b"}, ""},
		{"NUL form keeps newlines in names", "a\nb\x00c\r\n\x00", []string{"a\nb", "c\r\n"}, ""},
		{"NUL form keeps backslashes in names", "dir\\file\x00x\\\\y\x00", []string{"dir\\file", "x\\\\y"}, ""},
		{"NUL form keeps leading and trailing spaces", " a \x00", []string{" a "}, ""},
		{"NUL form skips empty entries", "\x00\x00a\x00\x00", []string{"a"}, ""},
		{"NUL form still rejects absolute paths", "a\x00/b\x00", nil, `entry 2: changed path "/b" is absolute`},
		{"NUL form still rejects ..", "../a\x00", nil, "not a clean repository path"},
	}
	for _, tc := range cases {
		got, err := changes.ParseList(strings.NewReader(tc.in))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: error %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: err = %v, want one with %q", tc.name, err, tc.err)
		case tc.err == "" && !slices.Equal(got, tc.want):
			t.Errorf("%s: ParseList = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseListLongLine(t *testing.T) {
	long := strings.Repeat("a", 200_000) // longer than bufio's default token
	got, err := changes.ParseList(strings.NewReader("x\n" + long + "\n"))
	if err != nil || len(got) != 2 || got[1] != long {
		t.Errorf("a 200 kB line: err %v, %d paths", err, len(got))
	}
}

func TestParseListReadError(t *testing.T) {
	boom := errors.New("boom")
	if _, err := changes.ParseList(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the reader's error", err)
	}
}

func TestCheckPath(t *testing.T) {
	for _, c := range []struct {
		path string
		ok   bool
	}{
		{"a", true},
		{"a/b/c.go", true},
		{".gitlab-ci.yml", true},
		{"a/.hidden/..x", true},
		{"...", true},
		{"a b/c d", true},
		{"ünï/cødé", true},
		{"[id].ts", true},
		{"/a", false},
		{"/", false},
		{"", false},
		{".", false},
		{"..", false},
		{"./a", false},
		{"a/./b", false},
		{"a/..", false},
		{"../a", false},
		{"a//b", false},
		{"a/", false},
		{"a\\b", false},
		{"C:\\x", false},
	} {
		err := changes.CheckPath(c.path)
		if (err == nil) != c.ok {
			t.Errorf("CheckPath(%q) = %v, want ok=%v", c.path, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "changed path") {
			t.Errorf("CheckPath(%q) error %q does not say what it is about", c.path, err)
		}
	}
}
