// Package yaml11 says what GitLab makes of a plain (unquoted) YAML scalar.
//
// GitLab loads CI YAML with Ruby's Psych (Gitlab::Config::Loader::Yaml:
// `YAML.safe_load(text, permitted_classes: [Symbol], permitted_symbols: [],
// aliases: true)`, gitlabhq/gitlabhq lib/gitlab/config/loader/yaml.rb).
// Psych resolves every plain scalar with Psych::ScalarScanner#tokenize, a
// YAML 1.1 resolver with its own quirks, where YAML 1.2 parsers such as
// go-yaml v3 read a string: `on` and `NO` are booleans, `12:30` is the
// integer 45000 (base 60, with Psych's exponents), `:x` is a Symbol and
// `2001-01-01` a Date, which safe_load refuses.
//
// Resolve is a transliteration of tokenize from Psych 4.0.3 as shipped with
// Ruby 3.1 (ruby/psych lib/psych/scalar_scanner.rb at v4.0.3). Psych 5.x
// (Ruby 3.2+, what current GitLab runs) reads the same: its tokenize only
// adds a strict_integer option, off by default, whose INTEGER_LEGACY
// pattern is 4.0.3's INTEGER (older Psych 3.x patterns differed slightly).
// The transliteration keeps the Ruby regexp
// semantics that matter: `^` and `$`
// match at every line, `/i` folds Unicode (`yeſ` is true, `oﬀ` false),
// [[:alpha:]] is Unicode while \d and \s are ASCII. The differential test
// in internal/yaml11 and generator/render checks it against real Ruby.
//
// Quoted and block scalars are never resolved: Psych returns their text.
// The one exception is the merge key: a key that reads as the string `<<`,
// quoted or not, merges its mapping value unless tagged !!str
// (Psych::Visitors::ToRuby#revive_hash).
package yaml11

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the Ruby class Psych gives a plain scalar.
type Kind int

const (
	String  Kind = iota
	Null         // nil
	Bool         // true or false
	Int          // Integer
	Float        // Float
	Symbol       // Symbol: safe_load permits it (permitted_classes: [Symbol])
	Date         // Date: safe_load refuses the file (Psych::DisallowedClass)
	Time         // Time: safe_load refuses the file (Psych::DisallowedClass)
	Invalid      // tokenize raises (ArgumentError): Psych refuses the file
)

var kindNames = [...]string{"string", "null", "boolean", "integer", "float", "symbol", "date", "timestamp", "invalid"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is Psych's reading of a plain scalar.
type Value struct {
	Kind Kind
	// Bool is the value of a Bool.
	Bool bool
	// Int is the value of an Int.
	Int *big.Int
	// Float is the value of a Float (±Inf and NaN included).
	Float float64
	// Text is the symbol's name for a Symbol, the error for Invalid, and the
	// scalar itself for a String.
	Text string
	// Base60 is set when an Int or Float was read in base 60.
	Base60 bool
}

// Rejected reports whether GitLab refuses a file holding the scalar plain.
func (v Value) Rejected() bool { return v.Kind == Date || v.Kind == Time || v.Kind == Invalid }

// Describe says what GitLab reads: "the boolean true", "the integer 45000
// (base 60)", "null", "the symbol :foo", ...
func (v Value) Describe() string {
	switch v.Kind {
	case String:
		return "the string " + strconv.Quote(v.Text)
	case Null:
		return "null"
	case Bool:
		return "the boolean " + strconv.FormatBool(v.Bool)
	case Int:
		s := "the integer " + v.Int.String()
		if v.Base60 {
			s += " (base 60)"
		}
		return s
	case Float:
		var s string
		switch {
		case math.IsInf(v.Float, 1):
			s = "the float Infinity"
		case math.IsInf(v.Float, -1):
			s = "the float -Infinity"
		case math.IsNaN(v.Float):
			s = "the float NaN"
		default:
			s = "the float " + strconv.FormatFloat(v.Float, 'g', -1, 64)
		}
		if v.Base60 {
			s += " (base 60)"
		}
		return s
	case Symbol:
		return "the symbol :" + v.Text
	case Date:
		return "a Date, a class safe_load refuses (Tried to load unspecified class: Date)"
	case Time:
		return "a Time, a class safe_load refuses (Tried to load unspecified class: Time)"
	case Invalid:
		return "an error (" + v.Text + ")"
	}
	return v.Kind.String()
}

// NeedsQuote reports whether s, written as a plain scalar, would not be
// read back by GitLab as the string s. (Whether YAML syntax allows s plain
// at all is the emitter's business.)
func NeedsQuote(s string) bool { return Resolve(s).Kind != String }

// MergeKey is the key Psych treats as a merge key, quoted or not, when its
// value is a mapping, an alias or a sequence.
const MergeKey = "<<"

// Psych's patterns (scalar_scanner.rb), as Go regexps. Ruby's `^`/`$` are
// line anchors; strings holding "\n" never reach these (tokenize sends them
// to the first branch), so string anchors are equivalent here.
var (
	timeRE = regexp.MustCompile(`^-?[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t\v\f\r]+)[0-9]{1,2}:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t\v\f\r]*(?:Z|[-+][0-9]{1,2}:?(?:[0-9][0-9])?))?$`)
	dateRE = regexp.MustCompile(`^[0-9]{4}-(?:1[012]|0[0-9]|[0-9])-(?:[12][0-9]|3[01]|0[0-9]|[0-9])$`)
	// FLOAT: /^(?:[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?)$/x
	floatRE = regexp.MustCompile(`^[-+]?([0-9][0-9_,]*)?\.([0-9]*)([eE][-+][0-9]+)?$`)
	// INTEGER, base 2, 8, 10, 16.
	intRE       = regexp.MustCompile(`^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$`)
	base60Int   = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}$`)
	base60Float = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}\.[0-9_]*$`)
	symQuoted   = regexp.MustCompile(`^:(["'])`)
)

// Resolve returns what Psych's ScalarScanner#tokenize makes of a plain
// scalar's text, and what safe_load then does with it.
func Resolve(s string) Value {
	if s == "" {
		return Value{Kind: Null}
	}
	str := Value{Kind: String, Text: s}
	if wordish(s) || strings.Contains(s, "\n") {
		if utf8.RuneCountInString(s) > 5 {
			return str
		}
		lines := strings.Split(s, "\n")
		// /^[^ytonf~]/i: some line starts with another character (an empty
		// line not at the end starts with "\n", which the class matches).
		for i, l := range lines {
			if l == "" {
				if i < len(lines)-1 {
					return str
				}
				continue
			}
			if !strings.ContainsRune("yYtToOnNfF~", rune(l[0])) {
				return str
			}
		}
		if s == "~" || anyLine(lines, "null") {
			return Value{Kind: Null}
		}
		if anyLine(lines, "yes", "true", "on") {
			return Value{Kind: Bool, Bool: true}
		}
		if anyLine(lines, "no", "false", "off") {
			return Value{Kind: Bool, Bool: false}
		}
		return str
	}
	if s[0] != ':' && strings.Trim(s, numberish) != "" {
		// Every pattern below but the symbol's is made of these characters
		// only: anything else is a string, without running them.
		return str
	}
	switch {
	case timeRE.MatchString(s):
		// parse_time loads the class Time first: refused by safe_load
		// before any ArgumentError could make it a string.
		return Value{Kind: Time}
	case dateRE.MatchString(s):
		// class_loader.date is refused before strptime runs.
		return Value{Kind: Date}
	case isInf(s, "+"):
		return Value{Kind: Float, Float: math.Inf(1)}
	case isInf(s, "-"):
		return Value{Kind: Float, Float: math.Inf(-1)}
	case strings.EqualFold(s, ".nan"):
		return Value{Kind: Float, Float: math.NaN()}
	case strings.HasPrefix(s, ":") && len(s) > 1:
		name := s[1:]
		if m := symQuoted.FindStringSubmatch(s); m != nil {
			// /^:(["'])(.*)\1/: the text between the first quote and the
			// last one of the same kind (greedy).
			rest := s[2:]
			if j := strings.LastIndex(rest, m[1]); j >= 0 {
				name = strings.TrimPrefix(rest[:j], ":")
			}
		}
		return Value{Kind: Symbol, Text: name}
	case base60Int.MatchString(s):
		parts := strings.Split(s, ":")
		sum := new(big.Int)
		for e, p := range parts {
			n := rubyToI(p)
			n.Mul(n, new(big.Int).Exp(big.NewInt(60), big.NewInt(int64(abs(e-2))), nil))
			sum.Add(sum, n)
		}
		return Value{Kind: Int, Int: sum, Base60: true}
	case base60Float.MatchString(s):
		parts := strings.Split(s, ":")
		sum := 0.0
		for e, p := range parts {
			sum += rubyToF(p) * math.Pow(60, float64(abs(e-2)))
		}
		return Value{Kind: Float, Float: sum, Base60: true}
	case floatRE.MatchString(s):
		m := floatRE.FindStringSubmatch(s)
		if m[1] == "" && m[2] == "" {
			if m[3] == "" {
				return str // `.`, `+.`, `-.`
			}
			// Float("e+1") after removing the dot.
			return Value{Kind: Invalid, Text: `ArgumentError: invalid value for Float(): ` + strconv.Quote(rubyFloatArg(s))}
		}
		f, _ := strconv.ParseFloat(rubyFloatArg(s), 64)
		return Value{Kind: Float, Float: f}
	case intRE.MatchString(s):
		clean := dropSeparators.Replace(s)
		n, ok := rubyInteger(clean)
		if !ok {
			return Value{Kind: Invalid, Text: `ArgumentError: invalid value for Integer(): ` + strconv.Quote(clean)}
		}
		return Value{Kind: Int, Int: n}
	}
	return str
}

// numberish are the characters of Psych's time, date, inf, nan, base-60,
// float and integer patterns.
const numberish = "0123456789+-.:,_ \t\v\f\rTtZeEbxacdfABCDFinIN"

// wordish is Psych's first test, %r{^[^\d.:-]?[[:alpha:]_\s!@#$%\^&*(){}<>|/\\~;=]+}
// on a string without "\n": the text starts with a "word" character,
// possibly after one character that is not a digit, `.`, `:` or `-`.
func wordish(s string) bool {
	r0, n := utf8.DecodeRuneInString(s)
	if wordRune(r0) {
		return true
	}
	if (r0 >= '0' && r0 <= '9') || r0 == '.' || r0 == ':' || r0 == '-' {
		return false
	}
	r1, m := utf8.DecodeRuneInString(s[n:])
	return m > 0 && wordRune(r1)
}

func wordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("_ \t\n\v\f\r!@#$%^&*(){}<>|/\\~;=", r)
	}
	// Ruby's [[:alpha:]] on UTF-8 text is Unicode's Alphabetic property.
	return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_Alphabetic, r)
}

// anyLine reports whether a line equals one of words under Ruby's /i
// (Unicode case folding: ſ is s, ﬀ is ff, K is k).
func anyLine(lines []string, words ...string) bool {
	for _, l := range lines {
		f := fold(l)
		for _, w := range words {
			if f == w {
				return true
			}
		}
	}
	return false
}

func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r == 'ſ':
			b.WriteByte('s')
		case r == 'K':
			b.WriteByte('k')
		case r == 'ß' || r == 'ẞ':
			b.WriteString("ss")
		case r == 'ﬀ':
			b.WriteString("ff")
		case r == 'ﬁ':
			b.WriteString("fi")
		case r == 'ﬂ':
			b.WriteString("fl")
		case r == 'ﬃ':
			b.WriteString("ffi")
		case r == 'ﬄ':
			b.WriteString("ffl")
		case r == 'ﬅ' || r == 'ﬆ':
			b.WriteString("st")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isInf(s, sign string) bool {
	switch sign {
	case "+":
		s = strings.TrimPrefix(s, "+")
	case "-":
		if !strings.HasPrefix(s, "-") {
			return false
		}
		s = s[1:]
	}
	return strings.EqualFold(s, ".inf")
}

// dropSeparators removes the digit separators Psych ignores in numbers.
var dropSeparators = strings.NewReplacer(",", "", "_", "")

// rubyFloatArg is Psych's string.gsub(/[,_]|\.([Ee]|$)/, '\1').
func rubyFloatArg(s string) string {
	s = dropSeparators.Replace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 && (i == len(s)-1 || s[i+1] == 'e' || s[i+1] == 'E') {
		s = s[:i] + s[i+1:]
	}
	return s
}

// rubyInteger is Kernel#Integer on an underscore-free string matching
// Psych's INTEGER: 0b, 0x and leading-0 octal prefixes.
func rubyInteger(s string) (*big.Int, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(s, "0b"):
		base, s = 2, s[2:]
	case strings.HasPrefix(s, "0x"):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	n, ok := new(big.Int).SetString(s, base)
	if !ok {
		return nil, false
	}
	if neg {
		n.Neg(n)
	}
	return n, true
}

// rubyToI is String#to_i: an optional sign, then digits with single
// underscores between them; anything else ends the number.
func rubyToI(s string) *big.Int {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var digits []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			digits = append(digits, c)
			continue
		}
		if c == '_' && len(digits) > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			continue
		}
		break
	}
	n := new(big.Int)
	if len(digits) > 0 {
		n.SetString(string(digits), 10)
	}
	if neg {
		n.Neg(n)
	}
	return n
}

// rubyToF is String#to_f for the digit/underscore/dot strings of Psych's
// base-60 floats.
func rubyToF(s string) float64 {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var b []byte
	dot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b = append(b, c)
			continue
		case c == '_' && len(b) > 0 && b[len(b)-1] != '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			continue
		case c == '.' && !dot && len(b) > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			dot = true
			b = append(b, c)
			continue
		}
		break
	}
	f, _ := strconv.ParseFloat(string(b), 64)
	if neg {
		f = -f
	}
	return f
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
