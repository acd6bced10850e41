package selection

import (
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Pattern is a compiled manifest path pattern.
//
// Matching follows GitLab's rules:changes, which uses Ruby's
// File.fnmatch?(glob, path, FNM_PATHNAME | FNM_DOTMATCH | FNM_EXTGLOB):
// '*' and '?' do not cross '/', '**/' matches any number of directories
// (zero included), {a,b} braces, '*' matches dotfiles, case-sensitive, exact
// strings (no './' normalisation). doublestar/v4 agrees on all of that
// (glob_test.go checks each rule). One deliberate difference, chosen so that
// a target never silently builds too little: a final "/**" (and a bare
// "**") matches everything below at any depth, as in .gitignore, Nx and
// dorny/paths-filter; Ruby would treat that last "**" like "*" and match only
// direct children. Write "dir/*" to mean direct children only.
type Pattern struct {
	Raw     string // as written, with any '!'
	Glob    string // without '!'
	Exclude bool
	// prefix is the literal text before the first metacharacter: a path
	// that does not start with it cannot match, which skips most of the
	// doublestar calls when thousands of targets meet thousands of paths.
	prefix string
}

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
	return p
}

// Match reports whether path matches the glob (ignoring '!').
func (p Pattern) Match(path string) bool {
	if !strings.HasPrefix(path, p.prefix) {
		return false
	}
	ok, err := doublestar.Match(p.Glob, path)
	return ok && err == nil
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
