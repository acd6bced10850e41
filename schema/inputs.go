package schema

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
)

// Inputs: a configuration file may start with a header document declaring
// `spec: inputs:`; GitLab then replaces each `$[[ inputs.NAME ]]` of the
// configuration with the value the including file gave (include:inputs,
// or a component's inputs) or the input's default, and validates the
// result (doc/ci/inputs/_index.md, https://docs.gitlab.com/ci/inputs/;
// lib/gitlab/ci/config/interpolation/ and lib/gitlab/ci/input/ in
// gitlabhq). The validator does the same before its checks, so a
// component is checked as GitLab will see it with those values, and the
// positions of findings stay those of the file.
//
// Supported as GitLab documents them: the input keys default, description,
// options, regex, type (string, number, boolean, array) and rules (not
// evaluated: a guess at its result would be worse than the default); a
// block that is a whole YAML value keeps the input's type; blocks inside
// a longer string are replaced by the value's text; the functions
// expand_vars (left to GitLab: CI/CD variables are unknown here),
// truncate(offset,length) and posix_escape. Blocks of the `component`
// context ($[[ component.version ]], …) are left as they are. `regex` is
// matched with Go's RE2, which differs from Ruby's engine for
// backreferences and lookarounds: such a pattern is reported as not
// understood rather than guessed at.

// spec header keys GitLab knows (lib/gitlab/ci/config/header/spec.rb).
var specKeys = []string{"inputs", "component", "description"}

var inputTypes = []string{"string", "number", "boolean", "array"}

// interpolationBlock is GitLab's block pattern
// (lib/gitlab/ci/interpolation/block.rb: PATTERN).
var interpolationBlock = regexp.MustCompile(`\$\[\[\s*(\S.*?\S|\S)\s*\]\]`)

// inputName is what may follow `inputs.`.
var inputName = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// specInput is one declared input.
type specInput struct {
	name       string
	key        *yaml.Node // for positions
	typ        string
	def        *yaml.Node // nil: required
	options    []*yaml.Node
	regex      *regexp.Regexp
	hasRules   bool
	value      any // the value used: given or default
	valueSet   bool
	valueValid bool
}

// interpolateInputs reads the header's inputs, picks each value (given in
// Options.Inputs, or the default), checks them, and interpolates the
// configuration document in place. It reports spec-inputs and
// inputs-interpolation findings; the configuration is still checked after
// a failure, with the blocks it could not replace left as they are.
func (v *validator) interpolateInputs(spec *yaml.Node, content *yaml.Node) {
	inputs := v.readSpec(spec)
	byName := map[string]*specInput{}
	for _, in := range inputs {
		byName[in.name] = in
	}
	var unknown []string
	for name := range v.opts.Inputs {
		if byName[name] == nil {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		v.errorf(spec, RuleSpecInputs, "", "unknown input arguments: %s (not declared in spec:inputs)", strings.Join(unknown, ", "))
	}
	for _, in := range inputs {
		v.chooseValue(in)
	}
	v.interpolateNode(content, byName, map[*yaml.Node]bool{})
}

func (v *validator) readSpec(spec *yaml.Node) []*specInput {
	spec = cidoc.Resolve(spec)
	if spec == nil || cidoc.KindOf(spec) == cidoc.KindNull {
		return nil
	}
	if spec.Kind != yaml.MappingNode {
		v.errorf(spec, RuleSpecInputs, "", "header:spec config should be a hash")
		return nil
	}
	var inputsNode *yaml.Node
	for _, p := range cidoc.Entries(spec) {
		k := cidoc.KeyString(p.Key)
		if !slices.Contains(specKeys, k) {
			v.errorf(p.Key, RuleSpecInputs, "", "header:spec config contains unknown keys: %s", k)
			continue
		}
		if k == "inputs" {
			inputsNode = cidoc.Resolve(p.Value)
		}
	}
	if inputsNode == nil || cidoc.KindOf(inputsNode) == cidoc.KindNull {
		return nil
	}
	if inputsNode.Kind != yaml.MappingNode {
		v.errorf(inputsNode, RuleSpecInputs, "", "header:spec:inputs config should be a hash")
		return nil
	}
	var out []*specInput
	for _, p := range cidoc.Entries(inputsNode) {
		in := &specInput{name: cidoc.KeyString(p.Key), key: p.Key, typ: "string"}
		if !inputName.MatchString(in.name) {
			v.errorf(p.Key, RuleSpecInputs, "", "header:spec:inputs: `%s` is not a valid input name (letters, digits, '_' and '-')", in.name)
		}
		out = append(out, in)
		val := cidoc.Resolve(p.Value)
		if val == nil || cidoc.KindOf(val) == cidoc.KindNull {
			continue // a required string input
		}
		if val.Kind != yaml.MappingNode {
			v.errorf(val, RuleSpecInputs, "", "header:spec:inputs:%s config should be a hash", in.name)
			continue
		}
		for _, q := range cidoc.Entries(val) {
			k := cidoc.KeyString(q.Key)
			qv := cidoc.Resolve(q.Value)
			switch k {
			case "default":
				in.def = qv
			case "description":
			case "type":
				if cidoc.KindOf(qv) != cidoc.KindString || !slices.Contains(inputTypes, qv.Value) {
					v.errorf(qv, RuleSpecInputs, "", "header:spec:inputs:%s:type must be one of %s", in.name, strings.Join(inputTypes, ", "))
					continue
				}
				in.typ = qv.Value
			case "options":
				if qv == nil || qv.Kind != yaml.SequenceNode {
					v.errorf(qv, RuleSpecInputs, "", "header:spec:inputs:%s:options should be an array", in.name)
					continue
				}
				in.options = qv.Content
			case "regex":
				if cidoc.KindOf(qv) != cidoc.KindString {
					v.errorf(qv, RuleSpecInputs, "", "header:spec:inputs:%s:regex should be a string", in.name)
					continue
				}
				re, err := regexp.Compile(strings.TrimSuffix(strings.TrimPrefix(qv.Value, "/"), "/"))
				if err != nil {
					v.errorf(qv, RuleSpecInputs, "", "header:spec:inputs:%s:regex is not understood here (%v); GitLab matches it with Ruby's engine", in.name, err)
					continue
				}
				in.regex = re
			case "rules":
				in.hasRules = true
			default:
				v.errorf(q.Key, RuleSpecInputs, "", "header:spec:inputs:%s config contains unknown keys: %s", in.name, k)
			}
		}
		if in.typ != "string" && in.regex != nil {
			v.errorf(val, RuleSpecInputs, "", "header:spec:inputs:%s: regex can only be used with string inputs", in.name)
		}
	}
	return out
}

// chooseValue picks the input's value and checks it against the type, the
// options and the regex, with GitLab's messages
// (lib/gitlab/ci/input/arguments/*.rb).
func (v *validator) chooseValue(in *specInput) {
	var val any
	at := in.key
	if given, ok := v.opts.Inputs[in.name]; ok {
		val = given
	} else if in.def != nil {
		var dv any
		if err := in.def.Decode(&dv); err != nil {
			v.errorf(in.def, RuleSpecInputs, "", "`%s` input: default value cannot be read: %v", in.name, err)
			return
		}
		val, at = dv, in.def
	} else if in.hasRules {
		// The default comes from spec:inputs:rules, evaluated by GitLab
		// against the pipeline's variables: unknown here.
		return
	} else {
		v.errorf(in.key, RuleSpecInputs, "", "`%s` input: required value has not been provided", in.name)
		return
	}
	in.value, in.valueSet = val, true
	if !typeMatches(in.typ, val) {
		v.errorf(at, RuleSpecInputs, "", "`%s` input: provided value is not a %s", in.name, in.typ)
		return
	}
	if len(in.options) > 0 {
		ok := false
		for _, o := range in.options {
			var ov any
			if o.Decode(&ov) == nil && fmt.Sprint(ov) == fmt.Sprint(val) {
				ok = true
			}
		}
		if !ok {
			v.errorf(at, RuleSpecInputs, "", "`%s` input: `%v` cannot be used because it is not in the list of allowed options", in.name, val)
			return
		}
	}
	if in.regex != nil {
		if s, _ := val.(string); !in.regex.MatchString(s) {
			v.errorf(at, RuleSpecInputs, "", "`%s` input: provided value does not match required RegEx pattern", in.name)
			return
		}
	}
	in.valueValid = true
}

func typeMatches(typ string, val any) bool {
	switch typ {
	case "string":
		_, ok := val.(string)
		return ok
	case "boolean":
		_, ok := val.(bool)
		return ok
	case "number":
		switch val.(type) {
		case int, int64, uint64, float64:
			return true
		}
		return false
	case "array":
		_, ok := val.([]any)
		return ok
	}
	return false
}

// interpolateNode replaces the blocks of every scalar below n, keys
// included.
func (v *validator) interpolateNode(n *yaml.Node, inputs map[string]*specInput, seen map[*yaml.Node]bool) {
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "$[[") {
			v.interpolateScalar(n, inputs)
		}
	case yaml.AliasNode:
		v.interpolateNode(n.Alias, inputs, seen)
	default:
		for _, c := range n.Content {
			v.interpolateNode(c, inputs, seen)
		}
	}
}

func (v *validator) interpolateScalar(n *yaml.Node, inputs map[string]*specInput) {
	locs := interpolationBlock.FindAllStringSubmatchIndex(n.Value, -1)
	if len(locs) == 0 {
		return
	}
	whole := len(locs) == 1 && locs[0][0] == 0 && locs[0][1] == len(n.Value)
	var b strings.Builder
	last := 0
	for _, loc := range locs {
		b.WriteString(n.Value[last:loc[0]])
		last = loc[1]
		expr := n.Value[loc[2]:loc[3]]
		val, ok := v.evalBlock(n, expr, inputs)
		if !ok {
			b.WriteString(n.Value[loc[0]:loc[1]]) // left as it is
			continue
		}
		if whole {
			replaceWithValue(n, val)
			return
		}
		switch val.(type) {
		case []any, map[string]any:
			v.errorf(n, RuleInputsInterpolation, "", "interpolation of `%s` in the middle of a string: the value is an array", expr)
			b.WriteString(n.Value[loc[0]:loc[1]])
			continue
		}
		b.WriteString(fmt.Sprint(val))
	}
	b.WriteString(n.Value[last:])
	n.Value = b.String()
	n.Tag = "!!str"
	// A value GitLab made, not YAML text: the tag is its type (a plain
	// style would be read again, and an empty string taken for null).
	n.Style = yaml.TaggedStyle
}

// evalBlock evaluates one block's expression: `inputs.NAME` followed by
// up to three functions. ok is false when the block is left as it is.
func (v *validator) evalBlock(n *yaml.Node, expr string, inputs map[string]*specInput) (any, bool) {
	parts := strings.Split(expr, "|")
	access := strings.TrimSpace(parts[0])
	ctx, name, found := strings.Cut(access, ".")
	if !found {
		v.errorf(n, RuleInputsInterpolation, "", "invalid interpolation access pattern: `%s`", access)
		return nil, false
	}
	switch ctx {
	case "component":
		return nil, false // GitLab's, from the component's reference
	case "inputs":
	default:
		v.errorf(n, RuleInputsInterpolation, "", "unknown interpolation provided: `%s` in `%s`", ctx, access)
		return nil, false
	}
	in := inputs[name]
	if in == nil {
		v.errorf(n, RuleInputsInterpolation, "", "unknown input name provided: `%s` in `%s`", name, access)
		return nil, false
	}
	if !in.valueSet || !in.valueValid {
		return nil, false // reported with the input
	}
	val := in.value
	if len(parts)-1 > 3 {
		v.errorf(n, RuleInputsInterpolation, "", "too many functions in interpolation block `%s` (at most 3)", expr)
		return nil, false
	}
	for _, f := range parts[1:] {
		f = strings.TrimSpace(f)
		switch {
		case f == "expand_vars":
			// CI/CD variables are expanded by GitLab; the text stays.
		case f == "posix_escape":
			val = posixEscape(fmt.Sprint(val))
		case strings.HasPrefix(f, "truncate(") && strings.HasSuffix(f, ")"):
			args := strings.Split(strings.TrimSuffix(strings.TrimPrefix(f, "truncate("), ")"), ",")
			if len(args) != 2 {
				v.errorf(n, RuleInputsInterpolation, "", "invalid function call `%s`: truncate takes an offset and a length", f)
				return nil, false
			}
			off, err1 := strconv.Atoi(strings.TrimSpace(args[0]))
			length, err2 := strconv.Atoi(strings.TrimSpace(args[1]))
			if err1 != nil || err2 != nil || off < 0 || length < 0 {
				v.errorf(n, RuleInputsInterpolation, "", "invalid function call `%s`: truncate takes two non-negative integers", f)
				return nil, false
			}
			r := []rune(fmt.Sprint(val))
			off = min(off, len(r))
			end := len(r)
			if length < end-off { // no off+length: it may overflow
				end = off + length
			}
			val = string(r[off:end])
		default:
			v.errorf(n, RuleInputsInterpolation, "", "no function matching `%s`: check the function name and arguments", f)
			return nil, false
		}
	}
	return val, true
}

// posixEscape is Ruby's Shellwords.escape, which posix_escape calls.
func posixEscape(s string) string {
	if s == "" {
		return "''"
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("'\n'")
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.,:+/@", r)):
			b.WriteRune(r)
		default:
			b.WriteByte('\\')
			b.WriteRune(r)
		}
	}
	return b.String()
}

// replaceWithValue turns n into the YAML form of val, keeping n's
// position (and every position below it) for findings.
func replaceWithValue(n *yaml.Node, val any) {
	repl := valueNode(val, n.Line, n.Column)
	*n = *repl
}

func valueNode(val any, line, col int) *yaml.Node {
	n := &yaml.Node{Line: line, Column: col}
	switch x := val.(type) {
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	case string:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!str", x
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", strconv.FormatBool(x)
	case int:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!int", strconv.Itoa(x)
	case int64:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!int", strconv.FormatInt(x, 10)
	case uint64:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!int", strconv.FormatUint(x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!int", strconv.FormatInt(int64(x), 10)
		} else {
			n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!float", strconv.FormatFloat(x, 'g', -1, 64)
		}
	case []any:
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		for _, e := range x {
			n.Content = append(n.Content, valueNode(e, line, col))
		}
	case map[string]any:
		n.Kind, n.Tag = yaml.MappingNode, "!!map"
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Content = append(n.Content, valueNode(k, line, col), valueNode(x[k], line, col))
		}
	default:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!str", fmt.Sprint(x)
	}
	if n.Kind == yaml.ScalarNode {
		n.Style = yaml.TaggedStyle // typed by its tag, see interpolate
	}
	return n
}
