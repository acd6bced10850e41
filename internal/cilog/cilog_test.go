package cilog

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSections(t *testing.T) {
	var b bytes.Buffer
	ts := time.Unix(1700000000, 0)
	l := &Log{W: &b, Now: func() time.Time { return ts }}
	l.Start("generate config/run", "Header\nwith a newline", true)
	b.WriteString("inside\n")
	ts = ts.Add(3 * time.Second)
	l.End("generate config/run")
	l.Start("open", "Shown", false)
	want := "\x1b[0Ksection_start:1700000000:generate_config_run[collapsed=true]\r\x1b[0KHeader with a newline\n" +
		"inside\n" +
		"\x1b[0Ksection_end:1700000003:generate_config_run\r\x1b[0K\n" +
		"\x1b[0Ksection_start:1700000003:open\r\x1b[0KShown\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}

func TestUseColor(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	var buf bytes.Buffer
	// /dev/null is a character device, as a terminal is: IsTerminal takes
	// character devices for terminals (colour sent to /dev/null is harmless).
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	for _, c := range []struct {
		mode string
		env  map[string]string
		w    any
		want bool
	}{
		{"never", nil, devNull, false},
		{"always", map[string]string{"NO_COLOR": "1"}, &buf, true},   // an explicit request wins
		{"auto", nil, &buf, false},                                   // a buffer is no terminal
		{"auto", nil, devNull, true},                                 // a character device is
		{"auto", map[string]string{"NO_COLOR": "1"}, devNull, false}, // NO_COLOR is respected
		{"auto", map[string]string{"NO_COLOR": ""}, devNull, true},   // an empty NO_COLOR is unset
	} {
		var got bool
		var err error
		switch w := c.w.(type) {
		case *bytes.Buffer:
			got, err = UseColor(c.mode, env(c.env), w)
		case *os.File:
			got, err = UseColor(c.mode, env(c.env), w)
		}
		if err != nil || got != c.want {
			t.Errorf("%s %v %T: got %v %v, want %v", c.mode, c.env, c.w, got, err, c.want)
		}
	}
	if _, err := UseColor("sometimes", env(nil), &buf); err == nil {
		t.Error("a bad mode is accepted")
	}
	if Paint(false, Bold, "x") != "x" || Paint(true, Bold, "x") != "\x1b[1mx\x1b[0m" {
		t.Error("Paint")
	}
}

// parseDotenv reads a report the way GitLab's parser does: every line is
// /^(.*?)=(.*)$/ with both sides stripped.
func parseDotenv(t *testing.T, data []byte) map[string]string {
	t.Helper()
	line := regexp.MustCompile(`^(.*?)=(.*)$`)
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("line %q is not KEY=value", sc.Text())
		}
		k := strings.TrimSpace(m[1])
		if _, dup := out[k]; dup {
			t.Fatalf("variable %s set twice", k)
		}
		out[k] = strings.TrimSpace(m[2])
	}
	return out
}

func TestDotenv(t *testing.T) {
	d := Dotenv{Targets: []string{"libs/core", "services/api"}, Jobs: 12, ParsedPercent: 93, Files: 2}
	got := string(d.Encode())
	want := "GENERATE_CONFIG_TARGETS=libs/core,services/api\nGENERATE_CONFIG_TARGET_COUNT=2\nGENERATE_CONFIG_TARGETS_TRUNCATED=false\nGENERATE_CONFIG_JOBS=12\nGENERATE_CONFIG_EMPTY=false\nGENERATE_CONFIG_UNOWNED=0\nGENERATE_CONFIG_PARSED_PERCENT=93\nGENERATE_CONFIG_FILES=2\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	e := parseDotenv(t, Dotenv{Jobs: 1, Empty: true}.Encode())
	if e[VarTargets] != "" || e[VarEmpty] != "true" || e[VarCount] != "0" {
		t.Errorf("empty: %v", e)
	}
}

// TestDotenvInjection: hostile target names cannot add a variable, change
// another, or be expanded by GitLab.
func TestDotenvInjection(t *testing.T) {
	names := []string{
		"a\nGENERATE_CONFIG_EMPTY=true",
		"b\rGENERATE_CONFIG_JOBS=0",
		"c\u2028X=1", "d\u0085Y=1",
		"e,f", "$CI_JOB_TOKEN", " padded ", "g=h", "ok",
	}
	data := Dotenv{Targets: names, Jobs: 3}.Encode()
	vars := parseDotenv(t, data)
	if len(vars) != 8 {
		t.Fatalf("got %d variables: %v", len(vars), vars)
	}
	if vars[VarEmpty] != "false" || vars[VarJobs] != "3" || vars[VarCount] != "9" {
		t.Errorf("a name changed another variable: %v", vars)
	}
	items := strings.Split(vars[VarTargets], ",")
	if len(items) != len(names) {
		t.Fatalf("the list has %d items, want %d: %q", len(items), len(names), vars[VarTargets])
	}
	if strings.ContainsAny(vars[VarTargets], "$\r\u2028\u0085") {
		t.Errorf("unsafe characters kept: %q", vars[VarTargets])
	}
	if items[6] != "_padded_" || items[8] != "ok" || items[7] != "g=h" {
		t.Errorf("items %q", items)
	}
}

// TestDotenvSizeLimit: a monorepo with many targets still gets a report
// GitLab accepts: the list is cut at a name, and the count and a flag say so.
func TestDotenvSizeLimit(t *testing.T) {
	var names []string
	for i := 0; i < 1000; i++ {
		names = append(names, fmt.Sprintf("services/service-%04d", i))
	}
	data := Dotenv{Targets: names, Jobs: 4000}.Encode()
	if len(data) >= MaxDotenvBytes {
		t.Fatalf("the report is %d bytes, GitLab accepts less than %d", len(data), MaxDotenvBytes)
	}
	vars := parseDotenv(t, data)
	if vars[VarTruncated] != "true" || vars[VarCount] != "1000" {
		t.Errorf("%v", vars)
	}
	items := strings.Split(vars[VarTargets], ",")
	for i, it := range items {
		if it != names[i] {
			t.Fatalf("item %d is %q, want %q (cut inside a name?)", i, it, names[i])
		}
	}
	// Exactly at the boundary: as many names as fit, no more.
	next := len(data) + 1 + len(names[len(items)])
	if next < MaxDotenvBytes {
		t.Errorf("one more name (%d bytes) would still have fit", next)
	}
}
