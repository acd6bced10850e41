// Package manifestschema holds the JSON Schema of the generate-config manifest
// (generate-config.jsonnet after evaluation). The same file is published for
// editors; the manifest loader validates against it so that every shape error
// names its key path (targets.api.deps[1]).
package manifestschema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"golang.org/x/text/message"
)

// JSON is the schema document.
//
//go:embed generate-config.schema.json
var JSON []byte

// english renders the validator's messages; its zero printer would panic.
var english = message.NewPrinter(language.English)

var (
	once     sync.Once
	compiled *jsonschema.Schema
	errLoad  error
)

func load() (*jsonschema.Schema, error) {
	once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(JSON))
		if err != nil {
			errLoad = err
			return
		}
		c := jsonschema.NewCompiler()
		const url = "generate-config.schema.json"
		if err := c.AddResource(url, doc); err != nil {
			errLoad = err
			return
		}
		compiled, errLoad = c.Compile(url)
	})
	return compiled, errLoad
}

// Problem is one schema violation at a key path such as targets.api.deps[1].
type Problem struct {
	Path    string
	Message string
}

// Validate checks a decoded manifest (as produced by encoding/json with
// UseNumber, or jsonschema.UnmarshalJSON) and returns its problems sorted by
// path; known keys are offered for unknown ones ("did you mean").
func Validate(v any) ([]Problem, error) {
	s, err := load()
	if err != nil {
		return nil, fmt.Errorf("manifest schema: %w", err)
	}
	err = s.Validate(v)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	var out []Problem
	collect(ve, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// filePattern is the schema's pattern for a repository file ($defs/file).
const filePattern = `^[^/\\][^\\]*$`

func collect(ve *jsonschema.ValidationError, out *[]Problem) {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			collect(c, out)
		}
		return
	}
	msg := ve.ErrorKind.LocalizedString(english)
	if ap, ok := ve.ErrorKind.(*kind.AdditionalProperties); ok {
		msg = unknownKeys(ve.InstanceLocation, ap.Properties)
	}
	if p, ok := ve.ErrorKind.(*kind.Pattern); ok && p.Want == filePattern {
		switch {
		case strings.HasPrefix(p.Got, "/"):
			msg = fmt.Sprintf("%q is absolute; give the file relative to the repository root, like \"ci/go.jsonnet\" (nothing outside the repository is read)", p.Got)
		case strings.Contains(p.Got, `\`):
			msg = fmt.Sprintf("%q uses '\\'; repository paths use '/', e.g. %q", p.Got, strings.ReplaceAll(p.Got, `\`, "/"))
		}
	}
	*out = append(*out, Problem{Path: KeyPath(ve.InstanceLocation), Message: msg})
}

// KeyPath renders JSON-pointer tokens the way a Jsonnet author reads them:
// targets.api.deps[1], with odd keys quoted: targets["libs/core"].
func KeyPath(tokens []string) string {
	var b strings.Builder
	for i, t := range tokens {
		if _, err := strconv.Atoi(t); err == nil && i > 0 {
			b.WriteString("[" + t + "]")
			continue
		}
		if isIdent(t) {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(t)
			continue
		}
		b.WriteString("[" + strconv.Quote(t) + "]")
	}
	if b.Len() == 0 {
		return "(top level)"
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

// unknownKeys words an additionalProperties failure with a suggestion drawn
// from the keys the schema allows at that place.
func unknownKeys(loc []string, keys []string) string {
	known := knownKeysAt(loc)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("unknown key %q", k) + diag.DidYouMean(k, known)
	}
	return strings.Join(parts, "; ")
}

// knownKeysAt finds the properties the schema declares for the object at loc,
// by walking the raw schema document (targets.* and discover[*] included).
func knownKeysAt(loc []string) []string {
	var root map[string]any
	if err := json.Unmarshal(JSON, &root); err != nil {
		return nil
	}
	defs, _ := root["$defs"].(map[string]any)
	node := root
	deref := func(n map[string]any) map[string]any {
		for {
			ref, ok := n["$ref"].(string)
			if !ok {
				return n
			}
			d, _ := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
			if d == nil {
				return n
			}
			n = d
		}
	}
	for _, tok := range loc {
		node = deref(node)
		if props, ok := node["properties"].(map[string]any); ok {
			if next, ok := props[tok].(map[string]any); ok {
				node = next
				continue
			}
		}
		if ap, ok := node["additionalProperties"].(map[string]any); ok {
			node = ap
			continue
		}
		if items, ok := node["items"].(map[string]any); ok {
			node = items
			continue
		}
		return nil
	}
	node = deref(node)
	props, _ := node["properties"].(map[string]any)
	var keys []string
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
