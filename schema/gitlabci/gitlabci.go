// Package gitlabci checks a CI file against GitLab's published CI/CD JSON
// schema (ci.json, embedded: see SOURCE.md and LICENSE beside it), after
// loading the YAML the way GitLab does (Ruby's Psych, YAML 1.1: the
// project's one reader, internal/cidoc, and its JSON conversion, ToJSON),
// and checks that the file is UTF-8, the only encoding Psych reads.
//
// The schema does not know GitLab's limits, needs, stages or extends; the
// validator in package schema checks those. This package catches the
// shapes it does know (`retry: 99`, `when: sometimes`, an unknown key under
// `artifacts:`) and positions each problem on the YAML node it is about.
package gitlabci

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/internal/par"
)

// Rule ids of the findings this package makes (docs/validation.md).
const (
	RuleSchema   = "gitlab-schema"
	RuleEncoding = "encoding"
)

//go:embed ci.json
var ciJSON []byte

// JSON returns the embedded ci.json, unchanged.
func JSON() []byte { return bytes.Clone(ciJSON) }

// schemaURL is the id the schema is compiled under; invalidURL the id of
// its negation (isValid).
const (
	schemaURL  = "https://gitlab.com/gitlab-org/gitlab/-/raw/master/app/assets/javascripts/editor/schema/ci.json"
	invalidURL = "https://generate-config.invalid/ci-not.json"
)

// isValid reports whether v is valid against the schema, without the
// explanation: it validates v against {"not": schema}, which the
// jsonschema library evaluates in its yes-or-no mode, where a failing
// branch of an anyOf or oneOf stops at its first error instead of
// building the whole error tree (most of the time of validating a valid
// job: GitLab's schema is full of alternatives). v is valid exactly when
// its negation fails.
func isValid(v any) bool {
	return refuted(compiled.invalid.Validate(v))
}

// refuted reports whether err, from validating a value against a negated
// schema, says that the value is valid against the schema negated: the
// one error of a failed `not`. No error, or an error about the value
// itself (a type JSON has not, such as a NaN float, which the library
// rejects before any keyword), is not taken for "valid": the caller then
// validates the whole file, which says what is wrong.
func refuted(err error) bool {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) || len(ve.Causes) != 1 {
		return false
	}
	_, ok := ve.Causes[0].ErrorKind.(*kind.Not)
	return ok
}

var compiled struct {
	once   sync.Once
	schema *jsonschema.Schema
	err    error
	// perKey: the root schema judges each top-level key on its own (see
	// validSplit).
	perKey bool
	// invalid is {"not": ci.json}: see isValid.
	invalid *jsonschema.Schema
	// jobs judges jobs property by property (jobsplit.go), nil when the
	// schema is not of that shape.
	jobs *jobSplit
}

// Schema returns the embedded schema, compiled once. As gitlab-ci-local
// does, `format` assertions are off (the draft-07 `regex` format rejects
// the look-behind GitLab allows in `coverage:`, and `uri-reference` rejects
// `$VAR` paths), and a pattern Go's RE2 cannot compile is dropped (none
// does today).
func Schema() (*jsonschema.Schema, error) {
	compiled.once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(ciJSON))
		if err != nil {
			compiled.err = fmt.Errorf("the embedded ci.json: %w", err)
			return
		}
		relax(doc)
		compiled.perKey = judgesKeysAlone(doc)
		c := jsonschema.NewCompiler()
		if err := c.AddResource(schemaURL, doc); err != nil {
			compiled.err = err
			return
		}
		compiled.schema, compiled.err = c.Compile(schemaURL)
		if compiled.err != nil {
			return
		}
		if compiled.invalid, compiled.err = compileNegation(c, invalidURL, schemaURL); compiled.err != nil {
			return
		}
		compiled.jobs, compiled.err = compileJobSplit(c, doc)
	})
	return compiled.schema, compiled.err
}

// compileNegation compiles {"not": {"$ref": ref}} under the id url (see
// isValid for why a negation).
func compileNegation(c *jsonschema.Compiler, url, ref string) (*jsonschema.Schema, error) {
	if err := c.AddResource(url, map[string]any{"not": map[string]any{"$ref": ref}}); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// judgesKeysAlone reports whether the root of the schema document only
// asserts that the file is an object and what each top-level key's value
// must be (properties, patternProperties, additionalProperties), besides
// annotations. Then a file is valid exactly when every part of its
// top-level mapping is, and validSplit may validate the parts in
// parallel. ci.json's root is of that kind; a pinned schema that asserts
// anything across keys (required, maxProperties, ...) turns the split off.
func judgesKeysAlone(doc any) bool {
	root, ok := doc.(map[string]any)
	if !ok || root["type"] != "object" {
		return false
	}
	for k := range root {
		switch k {
		case "$schema", "$id", "type", "properties", "patternProperties", "additionalProperties",
			"definitions", "description", "markdownDescription", "title", "$comment":
		default:
			return false
		}
	}
	return true
}

// splitMin is the number of top-level keys from which validSplit splits.
const splitMin = 256

// validSplit reports whether v, a file's converted configuration, is valid,
// validating it in parts on several goroutines when the schema judges
// top-level keys alone (judgesKeysAlone): its jobs property by property,
// each distinct value once, when the schema is of the job shape
// (jobsplit.go) and no value is shared through an alias (shared false:
// hashing a shared value would walk it once per alias); otherwise parts of
// the top-level mapping, when the file is large. False means "invalid" or
// "not known": the caller then validates v whole, which gives the
// problems; only the verdict "valid" is taken from here, and the parts are
// all valid exactly when v is.
func validSplit(v any, shared bool) bool {
	m, ok := v.(map[string]any)
	if !ok || !compiled.perKey {
		return isValid(v)
	}
	if compiled.jobs != nil && !shared {
		tasks, rest, ok := compiled.jobs.tasks(m)
		if !ok {
			return false
		}
		if len(rest) > 0 {
			tasks = append(tasks, task{compiled.invalid, rest})
		}
		return allRefuted(tasks, splitTasksMin)
	}
	workers := min(par.Workers(len(m), splitMin), 4)
	if workers < 2 {
		return isValid(v)
	}
	parts := make([]task, workers)
	for i := range parts {
		parts[i] = task{compiled.invalid, make(map[string]any, len(m)/workers+1)}
	}
	i := 0
	for k, x := range m {
		parts[i%workers].v.(map[string]any)[k] = x
		i++
	}
	return allRefuted(parts, 2)
}

// allRefuted reports whether every task's value fails its negated schema
// (is valid against the schema negated), judging the tasks on several
// goroutines when there are at least min of them, and stopping early at
// the first that does not.
func allRefuted(tasks []task, min int) bool {
	var failed atomic.Bool
	par.Stride(len(tasks), min, func(_, i int) {
		if !failed.Load() && !refuted(tasks[i].s.Validate(tasks[i].v)) {
			failed.Store(true)
		}
	})
	return !failed.Load()
}

// splitTasksMin is the number of distinct job values from which validSplit
// judges them on several goroutines.
const splitTasksMin = 512

// relax removes format keywords and uncompilable patterns. Only string
// values are keywords; an object under "format" is a property definition.
func relax(v any) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["format"].(string); ok {
			delete(v, "format")
		}
		if p, ok := v["pattern"].(string); ok {
			if _, err := regexp.Compile(p); err != nil {
				delete(v, "pattern")
			}
		}
		for _, c := range v {
			relax(c)
		}
	case []any:
		for _, c := range v {
			relax(c)
		}
	}
}

// Problem is one place where a file breaks the schema or is not UTF-8.
type Problem struct {
	Line, Col int
	Rule      string
	// Job is the top-level key the problem is under ("" for none).
	Job     string
	Message string
}

// CheckEncoding reports a file Psych would not read: GitLab reads CI files
// as UTF-8 only, so a UTF-16 or UTF-32 file (with or without a byte-order
// mark) and invalid UTF-8 fail there with "invalid leading UTF-8 octet".
// A UTF-8 byte-order mark is accepted, as Psych accepts it.
func CheckEncoding(data []byte) *Problem {
	boms := []struct {
		bom  string
		name string
	}{
		// UTF-32 first: its little-endian mark starts with UTF-16's.
		{"\x00\x00\xfe\xff", "UTF-32 (big-endian)"},
		{"\xff\xfe\x00\x00", "UTF-32 (little-endian)"},
		{"\xfe\xff", "UTF-16 (big-endian)"},
		{"\xff\xfe", "UTF-16 (little-endian)"},
	}
	for _, b := range boms {
		if bytes.HasPrefix(data, []byte(b.bom)) {
			return &Problem{Line: 1, Col: 1, Rule: RuleEncoding, Message: fmt.Sprintf(
				"the file is %s, with a byte-order mark; GitLab reads CI files as UTF-8 only (Psych: invalid leading UTF-8 octet): save it as UTF-8", b.name)}
		}
	}
	// Without a mark, UTF-16 text has a NUL byte beside every ASCII one.
	if len(data) >= 2 && (data[0] == 0) != (data[1] == 0) {
		return &Problem{Line: 1, Col: 1, Rule: RuleEncoding, Message: "the file looks like UTF-16 or UTF-32 (NUL bytes between the characters); GitLab reads CI files as UTF-8 only: save it as UTF-8"}
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := decodeRune(data[i:])
		if r < 0 {
			return &Problem{Line: line, Col: col, Rule: RuleEncoding, Message: fmt.Sprintf(
				"byte 0x%02x at offset %d is not valid UTF-8; GitLab reads CI files as UTF-8 only (Psych: invalid leading UTF-8 octet): save the file as UTF-8", data[i], i)}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return nil
}

// decodeRune is utf8.DecodeRune that says -1 for an invalid sequence.
func decodeRune(b []byte) (rune, int) {
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError && size <= 1 {
		return -1, 1
	}
	return r, size
}

// Check validates the configuration of data, and its `spec:` header when
// it has one (they are separate documents, each checked on its own),
// against the schema. The YAML is read by internal/cidoc, as everything
// else reads it, and converted to JSON values by cidoc.ToJSON (Psych's
// YAML 1.1 reading). It returns no problem for YAML it cannot parse, or
// too big to convert (aliases): the validator reports those.
func Check(data []byte) ([]Problem, error) {
	doc, err := cidoc.Parse(data)
	if err != nil {
		return nil, nil // a syntax error: reported by the validator
	}
	return CheckDocument(doc)
}

// CheckDocument is Check of a parsed file: its spec: header and its
// configuration, as they are now (the validator hands over a file whose
// $[[ inputs ]] it has interpolated, as GitLab does before validating).
func CheckDocument(doc *cidoc.Document) ([]Problem, error) {
	s, err := Schema()
	if err != nil {
		return nil, err
	}
	var out []Problem
	for _, n := range []*yaml.Node{doc.Header, doc.Content} {
		if n == nil {
			continue
		}
		// Most files are valid: convert and validate them without
		// recording where each value came from (a pointer string and a map
		// entry per value), and only when the schema objects convert again
		// with the places, to position the problems. The conversion is
		// deterministic, so both passes judge the same values.
		v, err := cidoc.ToJSON(n, nil)
		if err != nil || v == nil {
			continue // too big, too deep, or empty: reported elsewhere
		}
		if validSplit(v, doc.Aliases) {
			continue
		}
		l := &loader{nodes: map[string]located{}}
		if v, err = cidoc.ToJSON(n, l.note); err != nil || v == nil {
			continue
		}
		var ve *jsonschema.ValidationError
		if !errors.As(s.Validate(v), &ve) {
			continue
		}
		out = append(out, l.problems(ve)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Col < out[j].Col
	})
	return out, nil
}

// located is where a JSON value came from: its key and value nodes, and
// whether it passes through a !reference (whose value GitLab fills in
// before validating, so the schema cannot judge it).
type located struct {
	key, value *yaml.Node
	reference  bool
}

// loader records where cidoc.ToJSON found each value, by JSON pointer.
type loader struct {
	nodes map[string]located
}

// note records where the value at ptr came from (a cidoc.JSONPlace); a
// later record of a pointer (a repeated key) replaces the nodes, and a
// !reference anywhere on the way stays noted.
func (l *loader) note(ptr string, key, value *yaml.Node) {
	loc := l.nodes[ptr]
	if key != nil {
		loc.key = key
	}
	loc.value = value
	if cidoc.KindOf(value) == cidoc.KindRef {
		loc.reference = true
	}
	l.nodes[ptr] = loc
}

var printer = message.NewPrinter(language.English)

// problems turns a validation error into positioned problems: the most
// specific explanation under each failing value, once per place.
func (l *loader) problems(ve *jsonschema.ValidationError) []Problem {
	var leaves []*jsonschema.ValidationError
	collect(ve, &leaves)
	seen := map[string]bool{}
	var out []Problem
	for _, e := range leaves {
		if l.underReference(e.InstanceLocation) {
			continue
		}
		// A value shared through an alias is recorded where it was first
		// loaded; elsewhere the nearest recorded parent stands for it.
		var loc located
		for i := len(e.InstanceLocation); i >= 0; i-- {
			if c, ok := l.nodes[pointer(e.InstanceLocation[:i])]; ok {
				loc = c
				break
			}
		}
		n := loc.value
		what := display(e.InstanceLocation)
		switch k := e.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			// jsonschema lists the unknown keys in Go's map order, which
			// changes from run to run: put them in the file's order (keys
			// without a place last, by name), for a stable message, and
			// point at the first one.
			keyNode := func(p string) *yaml.Node {
				return l.nodes[pointer(append(append([]string(nil), e.InstanceLocation...), p))].key
			}
			sort.SliceStable(k.Properties, func(i, j int) bool {
				a, b := keyNode(k.Properties[i]), keyNode(k.Properties[j])
				switch {
				case a != nil && b != nil && (a.Line != b.Line || a.Column != b.Column):
					return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column)
				case (a == nil) != (b == nil):
					return a != nil
				}
				return k.Properties[i] < k.Properties[j]
			})
			for _, p := range k.Properties {
				if c := keyNode(p); c != nil {
					n = c
					break
				}
			}
		case *kind.Required:
			if loc.key != nil {
				n = loc.key
			}
		}
		if n == nil {
			n = &yaml.Node{Line: 1, Column: 1}
		}
		msg := fmt.Sprintf("%s does not match GitLab's CI schema: %s", what, e.ErrorKind.LocalizedString(printer))
		if _, ok := e.ErrorKind.(*kind.Type); ok && n.Kind == yaml.ScalarNode && n.Style == 0 {
			if v := cidoc.ScalarJSON(n); !isString(v) {
				msg += fmt.Sprintf(" (GitLab's YAML 1.1 reader reads the unquoted `%s` as %v: quote it to mean the string)", n.Value, jsonText(v))
			}
		}
		key := fmt.Sprintf("%d:%d:%s", n.Line, n.Column, msg)
		if seen[key] {
			continue
		}
		seen[key] = true
		job := ""
		if len(e.InstanceLocation) > 0 {
			job = e.InstanceLocation[0]
		}
		out = append(out, Problem{Line: n.Line, Col: n.Column, Rule: RuleSchema, Job: job, Message: msg})
	}
	return out
}

// collect gathers the errors that explain a failure. Under anyOf/oneOf it
// keeps only the alternative that got furthest (the deepest failing value,
// then the fewest errors), since listing why every other shape did not fit
// either buries the one that was meant.
func collect(e *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if len(e.Causes) == 0 {
		*out = append(*out, e)
		return
	}
	switch e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		var best []*jsonschema.ValidationError
		bestDepth := -1
		for _, c := range e.Causes {
			var leaves []*jsonschema.ValidationError
			collect(c, &leaves)
			d := 0
			for _, lf := range leaves {
				d = max(d, len(lf.InstanceLocation))
			}
			// A type mismatch at the value itself means that shape was not
			// meant at all.
			if d == len(e.InstanceLocation) && len(leaves) == 1 {
				if _, ok := leaves[0].ErrorKind.(*kind.Type); ok {
					d--
				}
			}
			if d > bestDepth || (d == bestDepth && len(leaves) < len(best)) {
				best, bestDepth = leaves, d
			}
		}
		*out = append(*out, best...)
		return
	}
	for _, c := range e.Causes {
		collect(c, out)
	}
}

// underReference reports whether the value at loc or one of its parents
// came from a !reference tag.
func (l *loader) underReference(loc []string) bool {
	for i := 0; i <= len(loc); i++ {
		if n, ok := l.nodes[pointer(loc[:i])]; ok && n.reference {
			return true
		}
	}
	return false
}

// pointer is the JSON pointer of an instance location.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(cidoc.EscapePointer(t))
	}
	return b.String()
}

// display shows an instance location as GitLab's messages do: keys joined
// with ':' (`build:retry`), sequence indexes in brackets.
func display(loc []string) string {
	if len(loc) == 0 {
		return "the top level"
	}
	var b strings.Builder
	for i, t := range loc {
		if isIndex(t) && i > 0 {
			b.WriteString("[" + t + "]")
			continue
		}
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(t)
	}
	return "`" + b.String() + "`"
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

func jsonText(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(v)
}
