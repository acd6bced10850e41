package schema

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
)

// kindPhrase renders allowed kinds as GitLab phrases them ("a string or an array").
func kindPhrase(kinds []string) string {
	names := map[string]string{
		cidoc.KindString: "a string", cidoc.KindInt: "an integer", cidoc.KindBool: "a boolean",
		cidoc.KindMap: "a hash", cidoc.KindSeq: "an array", cidoc.KindNull: "null", cidoc.KindFloat: "a number",
	}
	var parts []string
	for _, k := range kinds {
		if k == cidoc.KindNull && len(kinds) > 1 {
			continue // "should be a hash" reads better than "a hash or null"
		}
		if name, ok := names[k]; ok {
			parts = append(parts, name)
		} else {
			parts = append(parts, k)
		}
	}
	return strings.Join(parts, " or ")
}

// kindAllowed reports whether the node's kind is one of kinds; references
// and (where listed) nulls pass.
func kindAllowed(n *yaml.Node, kinds []string) (string, bool) {
	k := cidoc.KindOf(n)
	if k == cidoc.KindRef {
		return k, true
	}
	for _, want := range kinds {
		if k == want {
			return k, true
		}
	}
	return k, false
}
