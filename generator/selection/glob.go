package selection

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
)

// Pattern is a compiled manifest path pattern.
//
// Matching follows GitLab's rules:changes, which uses Ruby's
// File.fnmatch?(glob, path, FNM_PATHNAME | FNM_DOTMATCH | FNM_EXTGLOB):
//
//   - '*' and '?' do not cross '/'; "**/" at the start of a segment matches
//     any number of directories, zero included ("**/*.md" matches README.md
//     and a/b/c.md, "a/**/b" matches a/b); "**" anywhere else in a segment
//     ("a**b", "**.md") is a plain '*'.
//   - '*', '?' and "**/" match dotfiles and enter dot directories.
//   - {a,b} braces, nested ones too, expanded before anything else, as Ruby
//     does: "{a/**,b}/c" is "a/**/c" or "b/c". "{}" and "{,x}" give an empty
//     alternative.
//   - [ab], [a-z], [!ab] and [^ab] classes; a class never matches '/'
//     (FNM_PATHNAME), so "[!x]" does not cross directories; a range written
//     backwards ("[z-a]") matches its two ends, as in Ruby.
//   - '\' escapes the next character; case-sensitive; paths are compared as
//     exact strings (no "./" or "//" normalisation); a pattern ending in '/'
//     matches nothing, since a changed path never ends in '/' (and
//     manifest.CheckPattern rejects it).
//
// doublestar/v4 does the segment matching, but it differs from Ruby on a few
// points, so Compile rewrites each brace alternative before handing it over
// (glob_test.go checks every rule, and against Ruby itself when it is
// installed): doublestar lets a class match '/' ("a[!x]b" matched "a/b"),
// matches only the first end of a backwards range ("[z-a]" missed "a"), and
// lets "dir/**" and "dir/**/" match "dir" itself (through braces too, where
// the literal-prefix shortcut below does not hide it).
//
// One deliberate difference from Ruby, chosen so that a target never
// silently builds too little: a final "/**" (and a bare "**") matches
// everything below at any depth, as in .gitignore, Nx and dorny/paths-filter;
// it is read as "/**/*" ("**/*"), in each brace alternative ("{a,b}/**" and
// "{a/**,b}" included). Ruby would treat that last "**" like "*"
// and match only direct children. Write "dir/*" to mean direct children only.
// Like Ruby (and .gitignore), "dir/**" does not match the path "dir" itself.
//
// Patterns that doublestar deems invalid (an unclosed '[' or '{', an empty
// class "[]", a trailing '\', a stray '}') are rejected by
// manifest.CheckPattern; Ruby would silently match nothing (or, for '}' and a
// trailing '\', match them literally).
type Pattern struct {
	Raw     string // as written, with any '!'
	Glob    string // without '!'
	Exclude bool
	// prefix is the literal text before the first metacharacter: a path
	// that does not start with it cannot match, which skips most of the
	// doublestar calls when thousands of targets meet thousands of paths.
	prefix string
	// starts are the literal prefixes of the alternatives (see
	// literalStart), deduplicated: every path the pattern matches starts
	// with one of them, and they are often longer than prefix ("{a,b}/**"
	// has prefix "" but starts "a/" and "b/"), so the indexes of Select and
	// Tree file a pattern under its starts.
	starts []string
	// alts are the brace alternatives of Glob, each rewritten for doublestar
	// (see rewrite); alternatives that can never match are left out.
	alts []string
	// trees[i] describes alts[i] when it is a tree pattern (see treeOf):
	// the rewritten "dir/**" and "dir/**/*.md", the most common patterns
	// of a monorepo, which Match answers without calling doublestar.
	trees []tree
}

// tree is an alternative of the form dir + "**/*" + suffix, dir empty or
// ending in '/', both ASCII literals, suffix free of '/'. doublestar
// matches it exactly when the path starts with dir and the rest is not
// empty and ends with suffix (TestTreeFastPath checks this against
// doublestar on random paths).
type tree struct {
	ok          bool
	dir, suffix string
}

func (t tree) match(path string) bool {
	return len(path) > len(t.dir) && strings.HasPrefix(path, t.dir) && strings.HasSuffix(path[len(t.dir):], t.suffix)
}

// maxAlternatives bounds brace expansion. A pattern with more alternatives
// (ten groups of two already give 1024) is handed to doublestar whole, which
// expands braces itself: right for every pattern that has no '/' inside a
// class, no backwards range and no final "**" inside a brace.
const maxAlternatives = 1024

// Compile prepares a pattern; validity is checked by manifest.CheckPattern.
func Compile(raw string) Pattern {
	p := Pattern{Raw: raw, Glob: raw}
	if strings.HasPrefix(raw, "!") {
		p.Exclude, p.Glob = true, raw[1:]
	}
	if i := strings.IndexAny(p.Glob, `*?[{\`); i >= 0 {
		p.prefix = p.Glob[:i]
	} else {
		p.prefix = p.Glob
	}
	var alts []string
	complete := expandBraces(p.Glob, func(alt string) bool {
		alts = append(alts, alt)
		return len(alts) <= maxAlternatives
	})
	if !complete {
		p.alts = []string{p.Glob}
		p.starts = []string{p.prefix}
		return p
	}
	var seen, seenStart map[string]bool // only for many alternatives
	if len(alts) > 8 {
		seen, seenStart = map[string]bool{}, map[string]bool{}
	}
	for _, a := range alts {
		if g, ok := rewrite(a); ok && !has(seen, p.alts, g) {
			p.alts = append(p.alts, g)
			p.trees = append(p.trees, treeOf(g))
			if s := literalStart(g); !has(seenStart, p.starts, s) {
				p.starts = append(p.starts, s)
			}
		}
	}
	return p
}

// has reports whether s is in list, through the map when there is one,
// and records it there: a linear search is cheaper for the usual one or
// two alternatives, a map for a thousand.
func has(m map[string]bool, list []string, s string) bool {
	if m == nil {
		return slices.Contains(list, s)
	}
	if m[s] {
		return true
	}
	m[s] = true
	return false
}

// literalStart is the text of a rewritten alternative before its first
// metacharacter, escape or ']', '}', ',' (escaped or literal after
// rewrite, but stopping early is always safe), cut at the first non-ASCII
// byte: doublestar
// compares runes, and an invalid byte in a path decodes to U+FFFD, so only
// the ASCII part is sure to be a byte prefix of every path it matches.
func literalStart(g string) string {
	for i := 0; i < len(g); i++ {
		if c := g[i]; c >= utf8.RuneSelf || strings.IndexByte(`*?[]{}\,`, c) >= 0 {
			return g[:i]
		}
	}
	return g
}

// treeOf recognises a tree alternative (ok false otherwise). ASCII only:
// doublestar compares runes, and an invalid byte in a path decodes to
// U+FFFD, which a byte comparison with a non-ASCII literal would not
// reproduce.
func treeOf(g string) tree {
	dir, suffix, ok := strings.Cut(g, "**/*")
	if !ok || dir != "" && !strings.HasSuffix(dir, "/") || strings.Contains(suffix, "/") {
		return tree{}
	}
	for _, lit := range []string{dir, suffix} {
		for i := 0; i < len(lit); i++ {
			if c := lit[i]; c >= utf8.RuneSelf || strings.IndexByte(`*?[]{}\,`, c) >= 0 {
				return tree{}
			}
		}
	}
	return tree{ok: true, dir: dir, suffix: suffix}
}

// Match reports whether path matches the glob (ignoring '!').
func (p Pattern) Match(path string) bool {
	if !strings.HasPrefix(path, p.prefix) {
		return false
	}
	for i, g := range p.alts {
		if p.trees != nil && p.trees[i].ok {
			if p.trees[i].match(path) {
				return true
			}
			continue
		}
		if ok, err := doublestar.Match(g, path); ok && err == nil {
			return true
		}
	}
	return false
}

// expandBraces calls emit with every brace alternative of s, in order, the
// way Ruby's ruby_brace_expand does it: the first outermost {…} group is
// split at its top-level commas, each choice substituted, and the result
// expanded again. Escaped braces and commas stay as they are (with their
// '\'); a '}' before any '{' is literal; a pattern with an unclosed '{'
// yields nothing (Ruby then matches nothing). It returns false when emit
// asked to stop.
func expandBraces(s string, emit func(string) bool) bool {
	lbrace, rbrace, nest := -1, -1, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			if nest == 0 {
				lbrace = i
			}
			nest++
		case '}':
			if lbrace >= 0 {
				if nest--; nest == 0 {
					rbrace = i
				}
			}
		case '\\':
			i++
		}
		if rbrace >= 0 {
			break
		}
	}
	switch {
	case lbrace < 0:
		return emit(s)
	case rbrace < 0:
		return true // unclosed '{'
	}
	head, tail := s[:lbrace], s[rbrace+1:]
	for p := lbrace; p < rbrace; {
		p++
		start, nest := p, 0
		for p < rbrace && (s[p] != ',' || nest != 0) {
			switch s[p] {
			case '{':
				nest++
			case '}':
				nest--
			case '\\':
				p++
			}
			if p < rbrace {
				p++
			}
		}
		if !expandBraces(head+s[start:p]+tail, emit) {
			return false
		}
	}
	return true
}

// rewrite turns one brace-free alternative into a doublestar pattern with
// Ruby's meaning, or reports that it can never match:
//   - a run of stars is "**" only when it is a whole segment followed by
//     '/', and "**/*" when it is the whole last segment (the documented
//     deviation); any other run is a single '*';
//   - classes lose '/' (a positive class that held only '/' can never
//     match), negated classes gain it, backwards ranges become their two
//     ends;
//   - an escaped '/' is a plain '/'; a pattern ending in '/' never matches;
//     an unclosed class never matches.
func rewrite(alt string) (string, bool) {
	var b strings.Builder
	segStart := true // at the start of a segment of the pattern
	for i := 0; i < len(alt); {
		c := alt[i]
		switch c {
		case '*':
			j := i
			for j < len(alt) && alt[j] == '*' {
				j++
			}
			whole := segStart && j-i == 2
			switch {
			case whole && j == len(alt):
				b.WriteString("**/*")
			case whole && alt[j] == '/':
				b.WriteString("**/")
				i, segStart = j+1, true
				continue
			default:
				b.WriteByte('*')
			}
			i, segStart = j, false
		case '[':
			class, n, ok := parseClass(alt[i+1:])
			if !ok {
				return "", false
			}
			s, ok := class.doublestar()
			if !ok {
				return "", false
			}
			b.WriteString(s)
			i, segStart = i+1+n, false
		case '\\':
			if i+1 >= len(alt) {
				return "", false // dangling escape: invalid, CheckPattern says so
			}
			_, size := utf8.DecodeRuneInString(alt[i+1:])
			lit := alt[i+1 : i+1+size]
			if lit == "/" {
				b.WriteByte('/')
				segStart = true
			} else {
				b.WriteString(quote(lit))
				segStart = false
			}
			i += 1 + size
		default:
			if c == '}' || c == ',' {
				b.WriteByte('\\') // literal after expansion; keep doublestar from reading it
			}
			b.WriteByte(c)
			segStart = c == '/'
			i++
		}
	}
	g := b.String()
	if g == "" || strings.HasSuffix(g, "/") {
		return "", false
	}
	return g, true
}

// quote escapes a literal for doublestar outside a class.
func quote(lit string) string {
	if len(lit) == 1 && strings.ContainsRune(`*?[]{}\,`, rune(lit[0])) {
		return `\` + lit
	}
	return lit
}

// class is a parsed bracket expression.
type class struct {
	negate bool
	ranges [][2]rune // single characters are ranges of one
}

// parseClass reads a class the way Ruby's bracket() does, from just after
// '['. It returns the class, the bytes consumed (the closing ']' included)
// and false when the class is not closed. As in Ruby, a ']' right after "["
// or "[!" closes an empty class, and '-' is literal first or last.
func parseClass(s string) (class, int, bool) {
	var c class
	i := 0
	if i < len(s) && (s[i] == '!' || s[i] == '^') {
		c.negate = true
		i++
	}
	next := func() (rune, bool) {
		if i < len(s) && s[i] == '\\' {
			i++
		}
		if i >= len(s) {
			return 0, false
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		return r, true
	}
	for {
		if i >= len(s) {
			return c, 0, false
		}
		if s[i] == ']' {
			return c, i + 1, true
		}
		lo, ok := next()
		if !ok {
			return c, 0, false
		}
		hi := lo
		if i+1 < len(s) && s[i] == '-' && s[i+1] != ']' {
			i++
			if hi, ok = next(); !ok {
				return c, 0, false
			}
		}
		if lo > hi { // Ruby matches the two ends of a backwards range
			c.ranges = append(c.ranges, [2]rune{lo, lo}, [2]rune{hi, hi})
			continue
		}
		c.ranges = append(c.ranges, [2]rune{lo, hi})
	}
}

// doublestar renders the class for doublestar so that it never matches '/';
// false when it can match nothing at all.
func (c class) doublestar() (string, bool) {
	var items [][2]rune
	if c.negate {
		items = append(items, [2]rune{'/', '/'})
		items = append(items, c.ranges...)
	} else {
		for _, r := range c.ranges {
			switch {
			case r[1] < '/' || r[0] > '/':
				items = append(items, r)
			default: // the range holds '/': keep what is around it
				if r[0] < '/' {
					items = append(items, [2]rune{r[0], '/' - 1})
				}
				if r[1] > '/' {
					items = append(items, [2]rune{'/' + 1, r[1]})
				}
			}
		}
		if len(items) == 0 {
			return "", false
		}
	}
	var b strings.Builder
	b.WriteByte('[')
	if c.negate {
		b.WriteByte('!')
	}
	lit := func(r rune) {
		if strings.ContainsRune(`\]-^!`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	for _, r := range items {
		lit(r[0])
		if r[1] != r[0] {
			b.WriteByte('-')
			lit(r[1])
		}
	}
	b.WriteByte(']')
	return b.String(), true
}

// Set is a target's (or the global) include and exclude patterns. A path
// belongs to the set when it matches at least one include and no exclude,
// whatever the order they are written in: unlike an ordered list of
// negations (.gitignore, dorny/paths-filter), a later include can never
// bring back an excluded file, and an exclude can never widen a set.
type Set struct {
	Include []Pattern
	Exclude []Pattern
}

// CompileSet splits raw patterns into includes and excludes.
func CompileSet(raw []string) Set {
	var s Set
	for _, r := range raw {
		p := Compile(r)
		if p.Exclude {
			s.Exclude = append(s.Exclude, p)
		} else {
			s.Include = append(s.Include, p)
		}
	}
	return s
}

// Verdict says how a path relates to a Set: Included by a pattern, Excluded
// (an include matched but an exclude rejected it), or neither.
type Verdict struct {
	Included bool
	Excluded bool
	Pattern  string // the include that matched
	By       string // the exclude that rejected it
}

// Test classifies path.
func (s *Set) Test(path string) Verdict {
	var v Verdict
	for _, p := range s.Include {
		if p.Match(path) {
			v.Pattern = p.Raw
			break
		}
	}
	if v.Pattern == "" {
		return v
	}
	for _, p := range s.Exclude {
		if p.Match(path) {
			v.Excluded, v.By = true, p.Raw
			return v
		}
	}
	v.Included = true
	return v
}
