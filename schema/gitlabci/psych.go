package gitlabci

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file loads a yaml.Node tree into JSON values the way GitLab reads
// the file: Ruby's Psych (YAML 1.1), as YAML.safe_load with aliases
// (Gitlab::Config::Loader::Yaml). It follows Psych 4's ScalarScanner
// (https://github.com/ruby/psych/blob/v4.0.4/lib/psych/scalar_scanner.rb)
// for plain scalars and its ToRuby#revive_hash for merge keys
// (https://github.com/ruby/psych/blob/v4.0.4/lib/psych/visitors/to_ruby.rb).
// Where Psych would build a Ruby object JSON has no form for (a Date, a
// Symbol, infinity), the value is kept as its text: the schema then sees a
// string, which is what GitLab's own checks reject too.

var errTooBig = errors.New("yaml: too many nodes or too deep (aliases?)")

// maxDepth bounds nesting, cyclic aliases included.
const maxDepth = 200

func (l *loader) load(n *yaml.Node, ptr string, depth int) (any, error) {
	l.count++
	if depth > maxDepth || l.count > maxNodes {
		return nil, errTooBig
	}
	// An anchored node is loaded once and shared by its aliases, so that
	// alias graphs cost their size, not their expansion.
	if n.Anchor != "" {
		if v, ok := l.anchored[n]; ok {
			return v, nil
		}
		if l.anchored == nil {
			l.anchored = map[*yaml.Node]any{}
		}
		v, err := l.loadNode(n, ptr, depth)
		if err == nil {
			l.anchored[n] = v
		}
		return v, err
	}
	return l.loadNode(n, ptr, depth)
}

func (l *loader) loadNode(n *yaml.Node, ptr string, depth int) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return l.load(n.Content[0], ptr, depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, errors.New("yaml: unknown alias")
		}
		return l.load(n.Alias, ptr, depth+1)
	case yaml.SequenceNode:
		l.note(ptr, nil, n)
		out := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			cp := ptr + "/" + strconv.Itoa(i)
			l.note(cp, nil, c)
			v, err := l.load(c, cp, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		l.note(ptr, nil, n)
		return l.mapping(n, ptr, depth)
	case yaml.ScalarNode:
		l.note(ptr, nil, n)
		return scalar(n), nil
	}
	return nil, fmt.Errorf("yaml: unexpected node kind %v", n.Kind)
}

// note records where the value at ptr came from; the first record of a
// pointer keeps its key node.
func (l *loader) note(ptr string, key, value *yaml.Node) {
	loc := l.nodes[ptr]
	if key != nil {
		loc.key = key
	}
	loc.value = value
	if value != nil && value.Tag == "!reference" {
		loc.reference = true
	}
	l.nodes[ptr] = loc
}

// mapping follows Psych's revive_hash: entries apply in order, later ones
// replacing earlier ones; a `<<` key (quoted or not, unless tagged !!str)
// merges a mapping, or a sequence of mappings (the first winning), and the
// merged entries replace the ones before it.
func (l *loader) mapping(n *yaml.Node, ptr string, depth int) (map[string]any, error) {
	out := map[string]any{}
	if depth > maxDepth {
		return nil, errTooBig
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			src := v
			for src.Kind == yaml.AliasNode && src.Alias != nil {
				src = src.Alias
			}
			var sources []*yaml.Node
			switch src.Kind {
			case yaml.MappingNode:
				sources = []*yaml.Node{src}
			case yaml.SequenceNode:
				ok := true
				for j := len(src.Content) - 1; j >= 0; j-- {
					s := src.Content[j]
					for s.Kind == yaml.AliasNode && s.Alias != nil {
						s = s.Alias
					}
					if s.Kind != yaml.MappingNode {
						ok = false
					}
					sources = append(sources, s)
				}
				if !ok {
					sources = nil
				}
			}
			if sources != nil {
				for _, s := range sources {
					v, err := l.load(s, ptr, depth+1)
					if err != nil {
						return nil, err
					}
					m, _ := v.(map[string]any)
					for mk, mv := range m {
						out[mk] = mv
					}
				}
				continue
			}
			// Psych keeps a `<<` whose value is not a mapping as a key.
		}
		key, err := l.load(k, ptr+"/?key", depth+1)
		if err != nil {
			return nil, err
		}
		ks := keyString(key)
		cp := ptr + "/" + escapeToken(ks)
		l.note(cp, k, v)
		val, err := l.load(v, cp, depth+1)
		if err != nil {
			return nil, err
		}
		out[ks] = val
	}
	return out, nil
}

func isMergeKey(k *yaml.Node) bool {
	if k.Kind != yaml.ScalarNode || k.Value != "<<" {
		return false
	}
	explicitStr := k.Style&yaml.TaggedStyle != 0 && (k.Tag == "!!str" || k.Tag == "tag:yaml.org,2002:str")
	return !explicitStr
}

func escapeToken(t string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(t)
}

// keyString is how a non-string key reads once GitLab turns keys into
// names: `on:` is the key true.
func keyString(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(k)
	case int64:
		return strconv.FormatInt(k, 10)
	case float64:
		return strconv.FormatFloat(k, 'g', -1, 64)
	}
	return fmt.Sprint(k)
}

// scalar is the value Psych gives a scalar node.
func scalar(n *yaml.Node) any {
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.Tag {
		case "!!str", "tag:yaml.org,2002:str", "!":
			return n.Value
		case "!!int", "tag:yaml.org,2002:int":
			if v := tokenize(n.Value); v != nil {
				if i, ok := v.(int64); ok {
					return i
				}
			}
			return n.Value
		case "!!float", "tag:yaml.org,2002:float":
			if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return f
			}
			return n.Value
		case "!!null", "tag:yaml.org,2002:null":
			return nil
		case "!!bool", "tag:yaml.org,2002:bool":
			if v, ok := tokenize(n.Value).(bool); ok {
				return v
			}
			return n.Value
		}
		// Other tags (!reference on a scalar, a custom tag): the text.
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return n.Value
		}
		return tokenize(n.Value)
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value
	}
	return tokenize(n.Value)
}

// Psych 4's ScalarScanner patterns (Ruby's ^ and $ are line anchors, but a
// multi-line scalar never gets this far).
var (
	psychStringish = regexp.MustCompile(`^[^\d.:-]?[\pL_\s!@#$%^&*(){}<>|/\\~;=]+`)
	psychTime      = regexp.MustCompile(`^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$`)
	psychDate      = regexp.MustCompile(`^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$`)
	psychInf       = regexp.MustCompile(`(?i)^\+?\.inf$`)
	psychNegInf    = regexp.MustCompile(`(?i)^-\.inf$`)
	psychNaN       = regexp.MustCompile(`(?i)^\.nan$`)
	psychSymbol    = regexp.MustCompile(`^:.`)
	psychBase60Int = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}$`)
	psychBase60Flt = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}\.[0-9_]*$`)
	psychFloat     = regexp.MustCompile(`^(?:[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?)$`)
	psychInteger   = regexp.MustCompile(`^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$`)
	psychNull      = regexp.MustCompile(`(?i)^null$`)
	psychTrue      = regexp.MustCompile(`(?i)^(yes|true|on)$`)
	psychFalse     = regexp.MustCompile(`(?i)^(no|false|off)$`)
	psychNotYTONF  = regexp.MustCompile(`(?i)^[^ytonf~]`)
)

// tokenize is ScalarScanner#tokenize for a plain scalar.
func tokenize(s string) any {
	switch {
	case s == "":
		return nil
	case psychStringish.MatchString(s) || strings.Contains(s, "\n"):
		if len([]rune(s)) > 5 || psychNotYTONF.MatchString(s) {
			return s
		}
		switch {
		case s == "~" || psychNull.MatchString(s):
			return nil
		case psychTrue.MatchString(s):
			return true
		case psychFalse.MatchString(s):
			return false
		}
		return s
	case psychTime.MatchString(s), psychDate.MatchString(s):
		return s // a Time or a Date in Ruby; safe_load refuses a Date
	case psychInf.MatchString(s), psychNegInf.MatchString(s), psychNaN.MatchString(s):
		return s // a float JSON cannot hold
	case psychSymbol.MatchString(s):
		return s // a Symbol
	case psychBase60Int.MatchString(s):
		// Psych's formula: each part times 60**|i-2| (so 12:30 is 45000).
		var total int64
		for i, part := range strings.Split(s, ":") {
			v, _ := strconv.ParseInt(strings.ReplaceAll(part, "_", ""), 10, 64)
			total += v * int64(math.Pow(60, math.Abs(float64(i-2))))
		}
		return total
	case psychBase60Flt.MatchString(s):
		var total float64
		for i, part := range strings.Split(s, ":") {
			v, _ := strconv.ParseFloat(strings.ReplaceAll(part, "_", ""), 64)
			total += v * math.Pow(60, math.Abs(float64(i-2)))
		}
		return total
	case psychFloat.MatchString(s):
		if s == "." || s == "-." || s == "+." {
			return s
		}
		t := strings.NewReplacer(",", "", "_", "").Replace(s)
		t = regexp.MustCompile(`\.([Ee]|$)`).ReplaceAllString(t, "$1")
		if f, err := strconv.ParseFloat(t, 64); err == nil {
			return f
		}
		return s
	case psychInteger.MatchString(s):
		t := strings.NewReplacer(",", "", "_", "").Replace(s)
		neg := strings.HasPrefix(t, "-")
		t = strings.TrimLeft(t, "+-")
		base := 10
		switch {
		case strings.HasPrefix(t, "0b"):
			base, t = 2, t[2:]
		case strings.HasPrefix(t, "0x"):
			base, t = 16, t[2:]
		case len(t) > 1 && t[0] == '0':
			base, t = 8, t[1:]
		}
		v, err := strconv.ParseInt(t, base, 64)
		if err != nil {
			return s // too large for JSON's integers here; the text
		}
		if neg {
			v = -v
		}
		return v
	}
	return s
}
