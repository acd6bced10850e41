package gitlabci

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
)

// pinnedSHA256 is ci.json's digest, as SOURCE.md records it.
const pinnedSHA256 = "7568b544b4b95102f21e9fd89d769d54ee6f86b35d2fbb7f7b947d6fa9fc4dda"

func TestEmbeddedSchemaIsThePinnedCopy(t *testing.T) {
	sum := sha256.Sum256(JSON())
	if got := hex.EncodeToString(sum[:]); got != pinnedSHA256 {
		t.Errorf("ci.json has SHA-256 %s, SOURCE.md pins %s: update both together", got, pinnedSHA256)
	}
	src, err := os.ReadFile("SOURCE.md")
	if err != nil || !bytes.Contains(src, []byte(pinnedSHA256)) {
		t.Errorf("SOURCE.md does not record the digest %s (%v)", pinnedSHA256, err)
	}
	lic, err := os.ReadFile("LICENSE")
	if err != nil || !bytes.Contains(lic, []byte("Permission is hereby granted")) || !bytes.Contains(lic, []byte("Mads Kristensen")) {
		t.Errorf("LICENSE lacks the MIT notice or the schema's NOTICE (%v)", err)
	}
	if _, err := Schema(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckPositionsSchemaErrors(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want []string // "line:col message-part"
	}{
		{"build:\n  script: [make]\n  retry: 99\n", []string{"3:10 `build:retry` does not match GitLab's CI schema: maximum: got 99, want 2"}},
		{"build:\n  script: [make]\n  when: sometimes\n", []string{"3:9 `build:when` does not match GitLab's CI schema: value must be one of 'on_success'"}},
		{"build:\n  script: [make]\n  artifacts:\n    paths: [a]\n    expire: 1d\n", []string{"5:5 `build:artifacts` does not match GitLab's CI schema: additional properties 'expire' not allowed"}},
		// Psych reads `on` as true: the message says so.
		{"build:\n  script: [make]\n  rules: [{if: $X, when: on}]\n", []string{"3:26 got boolean, want string (GitLab's YAML 1.1 reader reads the unquoted `on` as true"}},
		// A merged alias: the error is reported on the job that merged it
		// (the value is shared with .d, where it is not an error).
		{".d: &d {retry: 7}\nbuild:\n  <<: *d\n  script: [make]\n", []string{"3:3 `build:retry`"}},
		// !reference values are GitLab's to fill in: not judged.
		{"build:\n  script: [make]\n  rules: !reference [.x, rules]\n", nil},
		// ... also when the !reference is used through an alias.
		{".r: &r !reference [.x, rules]\nbuild:\n  script: [make]\n  rules: *r\n", nil},
		// A value used through an alias is placed at the alias.
		{".w: &w sometimes\nbuild:\n  script: [make]\n  when: *w\n", []string{"4:9 `build:when` does not match GitLab's CI schema: value must be one of"}},
		// The quoted `<<` Psych merges too.
		{"build:\n  script: [make]\n  '<<': {retry: 9}\n", []string{"3:17 `build:retry`"}},
		// A valid file: nothing.
		{"stages: [a]\nbuild:\n  stage: a\n  script: [make]\n  retry: {max: 2, when: [script_failure]}\n", nil},
	} {
		ps, err := Check([]byte(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, fmt.Sprintf("%d:%d %s", p.Line, p.Col, p.Message))
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q:\n got %q\nwant %q", tc.yaml, got, tc.want)
			continue
		}
		for i, w := range tc.want {
			pos, part, _ := strings.Cut(w, " ")
			if !strings.HasPrefix(got[i], pos+" ") || !strings.Contains(got[i], part) {
				t.Errorf("%q: got %q, want %q", tc.yaml, got[i], w)
			}
		}
	}
}

func TestCheckEncoding(t *testing.T) {
	text := "build:\n  script: [make]\n"
	utf16le := []byte{0xff, 0xfe}
	for _, r := range text {
		utf16le = append(utf16le, byte(r), 0)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string // "" for accepted
	}{
		{"utf-8", []byte(text), ""},
		{"utf-8 with a byte-order mark (Psych accepts it)", append([]byte("\xef\xbb\xbf"), text...), ""},
		{"utf-16le bom", utf16le, "1:1 the file is UTF-16 (little-endian)"},
		{"utf-16be bom", []byte("\xfe\xff\x00b"), "1:1 the file is UTF-16 (big-endian)"},
		{"utf-32le bom", []byte("\xff\xfe\x00\x00b\x00\x00\x00"), "1:1 the file is UTF-32 (little-endian)"},
		{"utf-32be bom", []byte("\x00\x00\xfe\xff\x00\x00\x00b"), "1:1 the file is UTF-32 (big-endian)"},
		{"utf-16 without a mark", utf16le[2:], "1:1 the file looks like UTF-16"},
		{"latin-1", []byte("a: 1\nb: caf\xe9\n"), "2:7 byte 0xe9 at offset 11 is not valid UTF-8"},
	} {
		p := CheckEncoding(tc.data)
		switch {
		case tc.want == "" && p != nil:
			t.Errorf("%s: %+v", tc.name, p)
		case tc.want != "" && p == nil:
			t.Errorf("%s: accepted", tc.name)
		case p != nil:
			got := fmt.Sprintf("%d:%d %s", p.Line, p.Col, p.Message)
			if !strings.HasPrefix(got, tc.want) || p.Rule != RuleEncoding {
				t.Errorf("%s: got %q, want %q…", tc.name, got, tc.want)
			}
		}
	}
}

// psychCases are scalars and documents whose Psych reading matters: YAML
// 1.1 booleans in every case, nulls, base 60, octal/hex/binary, floats,
// merge keys. Without Ruby the expectations below are checked; with it
// (and in CI, where it must be there), Ruby's Psych is asked too.
var psychCases = []struct {
	yaml string
	want string // JSON of the loaded document
}{
	{"v: yes", `{"v":true}`}, {"v: Yes", `{"v":true}`}, {"v: YES", `{"v":true}`}, {"v: yEs", `{"v":true}`},
	{"v: on", `{"v":true}`}, {"v: ON", `{"v":true}`}, {"v: true", `{"v":true}`},
	{"v: no", `{"v":false}`}, {"v: off", `{"v":false}`}, {"v: False", `{"v":false}`}, {"v: NO", `{"v":false}`},
	{"v: y", `{"v":"y"}`}, {"v: n", `{"v":"n"}`}, {"v: 'on'", `{"v":"on"}`}, {"v: \"yes\"", `{"v":"yes"}`},
	{"v: ~", `{"v":null}`}, {"v: null", `{"v":null}`}, {"v: NULL", `{"v":null}`}, {"v:", `{"v":null}`},
	{"v: 12:30", `{"v":45000}`}, {"v: 1:30", `{"v":5400}`}, {"v: 1:2:3", `{"v":3723}`},
	{"v: 010", `{"v":8}`}, {"v: 0x1F", `{"v":31}`}, {"v: 0b101", `{"v":5}`}, {"v: 1_000", `{"v":1000}`},
	{"v: 1,000", `{"v":1000}`}, {"v: 08", `{"v":"08"}`}, {"v: -12", `{"v":-12}`}, {"v: +7", `{"v":7}`},
	{"v: 1.5", `{"v":1.5}`}, {"v: 1.", `{"v":1}`}, {"v: .5", `{"v":0.5}`}, {"v: 1e3", `{"v":"1e3"}`},
	{"v: 1.0e+3", `{"v":1000}`}, {"v: =", `{"v":"="}`}, {"v: hello world", `{"v":"hello world"}`},
	{"on: 1", `{"true":1}`}, {"'<<': {a: 1}", `{"a":1}`},
	{"a: 1\n<<: {a: 2, b: 3}", `{"a":2,"b":3}`},
	{"<<: {a: 2, b: 3}\na: 1", `{"a":1,"b":3}`},
	{"x: &x {a: 1}\ny: &y {a: 2, c: 2}\nz: {<<: [*x, *y]}", `{"x":{"a":1},"y":{"a":2,"c":2},"z":{"a":1,"c":2}}`},
	// Psych merges a written sequence of mappings only.
	{"x: &x {a: 1}\ny: {<<: [*x, 1]}", `{"x":{"a":1},"y":{"\u003c\u003c":[{"a":1},1]}}`},
	{"x: &x {a: 1}\ny: &y [*x]\nz: {<<: *y}", `{"x":{"a":1},"y":[{"a":1}],"z":{"\u003c\u003c":[{"a":1}]}}`},
}

func load(t *testing.T, doc string) string {
	t.Helper()
	// As Check reads a file: cidoc parses it, cidoc.ToJSON converts it.
	d, err := cidoc.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("%q: %v", doc, err)
	}
	v, err := cidoc.ToJSON(d.Content, nil)
	if err != nil {
		t.Fatalf("%q: %v", doc, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestLoadsLikePsych(t *testing.T) {
	for _, tc := range psychCases {
		if got := load(t, tc.yaml); got != tc.want {
			t.Errorf("%q: loaded as %s, want %s", tc.yaml, got, tc.want)
		}
	}
}

// TestLoadsLikeRealPsych asks Ruby's Psych (the oracle loads YAML exactly
// as GitLab does) about every case; skipped without Ruby or ../shared,
// except in CI.
func TestLoadsLikeRealPsych(t *testing.T) {
	oracle := ""
	for d, _ := os.Getwd(); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			oracle = filepath.Join(filepath.Dir(d), "shared", "oracles", "psych-load.rb")
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	ruby, err := exec.LookPath("ruby")
	if _, serr := os.Stat(oracle); err != nil || serr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true needs ruby and %s (ruby: %v, oracle: %v)", oracle, err, serr)
		}
		t.Skipf("no ruby or no %s: skipping the Psych differential", oracle)
	}
	dir := t.TempDir()
	var files []string
	for i, tc := range psychCases {
		f := filepath.Join(dir, fmt.Sprintf("%03d.yml", i))
		if err := os.WriteFile(f, []byte(tc.yaml+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	out, err := exec.Command(ruby, append([]string{oracle}, files...)...).Output()
	if err != nil && len(out) == 0 {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for i := 0; sc.Scan(); i++ {
		tc := psychCases[i]
		var want any
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Errorf("%q: Psych says %s", tc.yaml, sc.Text())
			continue
		}
		norm, _ := json.Marshal(want)
		if got := load(t, tc.yaml); got != string(norm) {
			t.Errorf("%q: loaded as %s, Psych reads %s", tc.yaml, got, norm)
		}
	}
}

func TestRelaxDropsFormatKeywordsOnly(t *testing.T) {
	doc := map[string]any{
		"format":     "uri",
		"pattern":    "(?<=x)y", // a look-behind: RE2 cannot compile it
		"properties": map[string]any{"format": map[string]any{"type": "string", "pattern": "^a$"}},
	}
	relax(doc)
	if _, ok := doc["format"]; ok {
		t.Error("format keyword kept")
	}
	if _, ok := doc["pattern"]; ok {
		t.Error("uncompilable pattern kept")
	}
	prop := doc["properties"].(map[string]any)["format"].(map[string]any)
	if prop["pattern"] != "^a$" {
		t.Errorf("a property named format was changed: %v", prop)
	}
}
