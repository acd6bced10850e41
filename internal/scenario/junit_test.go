package scenario

import (
	"context"
	"encoding/xml"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// parsed is what a JUnit consumer reads; decoding with encoding/xml is the
// check that the report is well-formed XML.
type parsed struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Tests int    `xml:"tests,attr"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			File      string `xml:"file,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, sum *Summary) parsed {
	t.Helper()
	data, err := JUnit(sum, "ci/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), xml.Header) {
		t.Errorf("no XML declaration:\n%s", data)
	}
	var p parsed
	if err := xml.Unmarshal(data, &p); err != nil {
		t.Fatalf("the report is not XML: %v\n%s", err, data)
	}
	return p
}

// TestJUnitCases: one testcase per scenario; a mismatch is a failure whose
// text is the diff, a scenario that cannot run is an error, a pass has
// neither. A control character in the diff does not break the XML.
func TestJUnitCases(t *testing.T) {
	fsys := repo(map[string]string{
		"ci/scenarios/pass.jsonnet":      `{ changed: ['b/y.go'], expected: importstr 'pass.yml' }`,
		"ci/scenarios/differs.jsonnet":   "{ changed: ['a/x.go'], expected: 'jobs: {}\\n\\u0001\\n' }",
		"ci/scenarios/broken.jsonnet":    `{ changed: ['a/x.go'], bogus: 1 }`,
		"ci/scenarios/no-golden.jsonnet": `{ changed: ['a/x.go'] }`,
	})
	m, err := loadManifest(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Generate(context.Background(), fsys, m, &Scenario{Changed: []string{"b/y.go"}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	fsys["ci/scenarios/pass.yml"] = &fstest.MapFile{Data: got}
	sum, err := Run(context.Background(), Options{Repo: fsys, Manifest: "generate-config.jsonnet", Dir: "ci/scenarios"})
	if err != nil {
		t.Fatal(err)
	}
	p := parseJUnit(t, sum)
	if p.Tests != 4 || p.Failures != 2 || p.Errors != 1 || len(p.Suites) != 1 || p.Suites[0].Name != "ci/scenarios" {
		t.Fatalf("counts: %+v", p)
	}
	byName := map[string]int{}
	for i, c := range p.Suites[0].Cases {
		byName[c.Name] = i
		if c.Classname != JUnitClassname || c.Time == "" || !strings.HasPrefix(c.File, "ci/scenarios/") {
			t.Errorf("case %q: classname %q time %q file %q", c.Name, c.Classname, c.Time, c.File)
		}
	}
	cases := p.Suites[0].Cases
	if c := cases[byName["pass"]]; c.Failure != nil || c.Error != nil {
		t.Errorf("pass: %+v", c)
	}
	if c := cases[byName["differs"]]; c.Failure == nil || !strings.Contains(c.Failure.Text, "+++ generated") || !strings.Contains(c.Failure.Text, "\uFFFD") {
		t.Errorf("differs: want the diff as the failure text, got %+v", c.Failure)
	}
	if c := cases[byName["broken"]]; c.Error == nil || !strings.Contains(c.Error.Text, `unknown field "bogus"`) {
		t.Errorf("broken: %+v", c.Error)
	}
	if c := cases[byName["no-golden"]]; c.Failure == nil || !strings.Contains(c.Failure.Message, "does not exist") {
		t.Errorf("no-golden: %+v", c.Failure)
	}
}

// TestJUnitExample: the example's scenarios give a report with one passing
// case each.
func TestJUnitExample(t *testing.T) {
	sum, err := Run(context.Background(), Options{Repo: os.DirFS("../../testdata/example"), Manifest: "generate-config.jsonnet", Dir: DefaultDir})
	if err != nil {
		t.Fatal(err)
	}
	p := parseJUnit(t, sum)
	if p.Tests != len(sum.Results) || p.Tests < 5 || p.Failures != 0 || p.Errors != 0 {
		t.Fatalf("counts: tests %d failures %d errors %d for %d scenarios", p.Tests, p.Failures, p.Errors, len(sum.Results))
	}
	for i, c := range p.Suites[0].Cases {
		if c.Name != sum.Results[i].Name || c.Failure != nil || c.Error != nil {
			t.Errorf("case %d: %+v", i, c)
		}
	}
}
