package scenario

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

// The JUnit report of a run, for GitLab's artifacts:reports:junit: one
// testcase per scenario. GitLab's parser
// (gitlabhq/gitlabhq lib/gitlab/ci/parsers/test/junit.rb) reads testsuite
// and testcase names, classname, file and time, marks a case failed when it
// has a <failure> or <error> child, and shows that element's text as the
// case's details in the merge request widget: the diff goes there.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	// CDATA keeps the diff readable in the file; encoding/xml splits any
	// "]]>" in it, and xmlSafe removes what XML cannot hold.
	Text string `xml:",cdata"`
}

// JUnitClassname is the classname of every testcase: GitLab groups by it.
const JUnitClassname = "generate-config.scenarios"

// JUnit renders the summary as a JUnit XML report. suite names the test
// suite (the scenario directory). A mismatch is a <failure> whose text is
// the unified diff; a scenario that could not run (bad file, template
// error) is an <error> with the positioned error; a missing golden file is
// a failure that says how to create it.
func JUnit(sum *Summary, suite string) ([]byte, error) {
	s := junitSuite{Name: suite}
	var total float64
	for _, r := range sum.Results {
		secs := r.Duration.Seconds()
		total += secs
		c := junitCase{Name: r.Name, Classname: JUnitClassname, File: r.File, Time: fmt.Sprintf("%.3f", secs)}
		switch {
		case r.Err != nil:
			var text strings.Builder
			for _, e := range diag.Flatten(r.Err) {
				text.WriteString(e.Error())
				text.WriteByte('\n')
				for _, n := range e.Notes {
					text.WriteString("\t" + n + "\n")
				}
			}
			c.Error = &junitProblem{Message: "the scenario could not run: " + firstLine(r.Err.Error()), Type: "error", Text: xmlSafe(text.String())}
			s.Errors++
		case r.Status == Fail && r.Diff != "":
			c.Failure = &junitProblem{Message: "the generated config differs from the expected one", Type: "mismatch", Text: xmlSafe(r.Diff)}
			s.Failures++
		case r.Status == Fail:
			c.Failure = &junitProblem{Message: r.Note, Type: "missing-golden", Text: xmlSafe(r.Note)}
			s.Failures++
		case r.Note != "":
			c.SystemOut = r.Note
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests = len(s.Cases)
	s.Time = fmt.Sprintf("%.3f", total)
	doc := junitSuites{Name: "generate-config test", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Time: s.Time, Suites: []junitSuite{s}}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// xmlSafe replaces the characters XML 1.0 cannot hold (most control
// characters) with U+FFFD: encoding/xml does so in attributes and escaped
// text, but writes CDATA as it is, and a diff of a YAML file with a stray
// control character must still give a well-formed report.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}
