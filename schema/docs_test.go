package schema

import (
	"os"
	"strings"
	"testing"
)

// TestDocsDescribeEveryRuleAndLimit: docs/validation.md has a row for each
// rule id and each limit, so a new check cannot ship undocumented.
func TestDocsDescribeEveryRuleAndLimit(t *testing.T) {
	b, err := os.ReadFile("../docs/validation.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, r := range RuleTable {
		if !strings.Contains(doc, "| `"+r.ID+"` |") {
			t.Errorf("docs/validation.md has no row for rule %s", r.ID)
		}
	}
	for _, li := range LimitTable {
		if !strings.Contains(doc, "| `"+li.Name+"`") {
			t.Errorf("docs/validation.md has no row for limit %s", li.Name)
		}
	}
}
