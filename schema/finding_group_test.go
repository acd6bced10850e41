package schema

import (
	"fmt"
	"reflect"
	"testing"

	"gitlab.com/generate-config/generate-config/generator/diag"
)

// TestGroupIsOneCause: findings group by severity, rule, message but for
// the job named in backquotes, and template; in first-appearance order;
// Lines counts and names three more places.
func TestGroupIsOneCause(t *testing.T) {
	f := func(line int, sev Severity, rule, job, msg, tpl string) Finding {
		fd := Finding{Pos: diag.Pos{File: "g.yml", Line: line, Col: 3}, Severity: sev, Rule: rule, Job: job, Message: msg}
		if tpl != "" {
			fd.Origin = &Origin{Cell: diag.Cell{Target: job, OS: "linux", Arch: "amd64"}, Template: tpl}
		}
		return fd
	}
	var fs []Finding
	for i := 0; i < 6; i++ {
		job := fmt.Sprintf("j%d", i)
		fs = append(fs, f(10*i+1, SeverityWarning, "pit", job, "rules in `"+job+":rules` never match", "t.jsonnet"))
	}
	fs = append(fs,
		f(100, SeverityError, "pit", "j0", "rules in `j0:rules` never match", "t.jsonnet"), // another severity
		f(101, SeverityWarning, "pit", "k", "rules in `k:rules` never match", "u.jsonnet"), // another template
		f(102, SeverityWarning, "other", "j1", "rules in `j1:rules` never match", "t.jsonnet"),
		f(103, SeverityWarning, "pit", "", "no job here", ""),
		f(104, SeverityWarning, "pit", "", "no job here", ""),
	)
	groups := Group(fs)
	var sizes []int
	for _, g := range groups {
		sizes = append(sizes, len(g))
	}
	if want := []int{6, 1, 1, 1, 2}; !reflect.DeepEqual(sizes, want) {
		t.Fatalf("group sizes %v, want %v", sizes, want)
	}
	lines := Lines(groups[0])
	want := []string{
		"g.yml:1:3: warning: rules in `j0:rules` never match (pit) [target=j0 os=linux arch=amd64, template t.jsonnet] (in 6 jobs)",
		"also at g.yml:11:3 [target=j1 os=linux arch=amd64], g.yml:21:3 [target=j2 os=linux arch=amd64], g.yml:31:3 [target=j3 os=linux arch=amd64] and 2 more",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("Lines:\n%q\nwant\n%q", lines, want)
	}
	if got := Lines(groups[4]); len(got) != 2 || got[0] != "g.yml:103:3: warning: no job here (pit) (2 times)" || got[1] != "also at g.yml:104:3" {
		t.Errorf("Lines of findings about no job: %q", got)
	}
	if got := Lines(groups[1]); len(got) != 1 || got[0] != fs[6].String() {
		t.Errorf("Lines of one finding: %q", got)
	}
	// A job whose name is a common word does not make other messages alike.
	a := f(1, SeverityWarning, "r", "a", "`a` has a problem", "")
	b := f(2, SeverityWarning, "r", "b", "`b` has a problem", "")
	c := f(3, SeverityWarning, "r", "c", "`c` has b problem", "")
	if got := len(Group([]Finding{a, b, c})); got != 2 {
		t.Errorf("%d groups, want 2 (a and b alike, c not)", got)
	}
}
