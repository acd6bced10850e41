// Package cilog writes for GitLab's job log: collapsible sections, colour
// only where it is wanted, and the dotenv report a later job of the parent
// pipeline can read (artifacts:reports:dotenv).
//
// Section markers follow GitLab's documented format:
//
//	\e[0Ksection_start:<unix time>:<name>[collapsed=true]\r\e[0K<header>
//	\e[0Ksection_end:<unix time>:<name>\r\e[0K
//
// Timestamps make the log differ from run to run; they are written only
// here, never into the generated YAML.
package cilog

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Log writes sections to W. Now gives the timestamps (time.Now when nil).
type Log struct {
	W   io.Writer
	Now func() time.Time
}

func (l *Log) now() int64 {
	if l.Now != nil {
		return l.Now().Unix()
	}
	return time.Now().Unix()
}

// Start opens the section name with header; collapsed sections are folded
// when the log is opened.
func (l *Log) Start(name, header string, collapsed bool) {
	opt := ""
	if collapsed {
		opt = "[collapsed=true]"
	}
	fmt.Fprintf(l.W, "\x1b[0Ksection_start:%d:%s%s\r\x1b[0K%s\n", l.now(), SectionName(name), opt, OneLine(header))
}

// End closes the section name.
func (l *Log) End(name string) {
	fmt.Fprintf(l.W, "\x1b[0Ksection_end:%d:%s\r\x1b[0K\n", l.now(), SectionName(name))
}

// SectionName keeps the characters GitLab accepts in a section name
// (letters, digits, '_', '.', '-'); others become '_'.
func SectionName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.' || r == '-') {
			return r
		}
		return '_'
	}, s)
}

// OneLine replaces control characters (a newline or a carriage return would
// end the marker's line) with spaces.
func OneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// Colour modes of --color.
const (
	ColorAuto   = "auto"
	ColorAlways = "always"
	ColorNever  = "never"
)

// UseColor decides whether to colour output written to w: never with
// "never"; always with "always"; with "auto" only when NO_COLOR is unset
// or empty (https://no-color.org) and w is a terminal.
func UseColor(mode string, lookupEnv func(string) (string, bool), w io.Writer) (bool, error) {
	switch mode {
	case ColorNever:
		return false, nil
	case ColorAlways:
		return true, nil
	case ColorAuto, "":
	default:
		return false, fmt.Errorf("--color must be auto, always or never, not %q", mode)
	}
	if v, ok := lookupEnv("NO_COLOR"); ok && v != "" {
		return false, nil
	}
	return IsTerminal(w), nil
}

// IsTerminal reports whether w is a character device, which a terminal is;
// a pipe or a file (a CI job log) is not. (/dev/null is one too: colour sent
// there is harmless, and this needs no terminal library.)
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ANSI styles.
const (
	Bold  = "1"
	Green = "32"
	Cyan  = "36"
	Red   = "31"
)

// Paint wraps s in an ANSI style when on.
func Paint(on bool, style, s string) string {
	if !on {
		return s
	}
	return "\x1b[" + style + "m" + s + "\x1b[0m"
}

// MaxDotenvBytes is GitLab's default limit on a dotenv report (the
// dotenv_size application limit, 5 KiB; the file must be smaller).
const MaxDotenvBytes = 5 * 1024

// The dotenv report's variables.
const (
	VarTargets   = "GENERATE_CONFIG_TARGETS"
	VarCount     = "GENERATE_CONFIG_TARGET_COUNT"
	VarTruncated = "GENERATE_CONFIG_TARGETS_TRUNCATED"
	VarJobs      = "GENERATE_CONFIG_JOBS"
	VarEmpty     = "GENERATE_CONFIG_EMPTY"
	VarUnowned   = "GENERATE_CONFIG_UNOWNED"
	// VarParsedPercent is the largest share of max_yaml_size_bytes any of
	// the output files takes in GitLab's memory (the estimate), the limit
	// that binds first.
	VarParsedPercent = "GENERATE_CONFIG_PARSED_PERCENT"
	VarFiles         = "GENERATE_CONFIG_FILES" // how many output files
)

// Dotenv is what the dotenv report says about a generation.
type Dotenv struct {
	Targets []string // the selected targets, in order
	Jobs    int      // visible jobs in the file
	Empty   bool     // only the no-op job: nothing to build
	Unowned int      // changed files no target owns
	// ParsedPercent is the largest file's parsed size as a share of
	// max_yaml_size_bytes; Files is how many files the pipeline has.
	ParsedPercent int
	Files         int
}

// Encode writes the report: one KEY=value per line, no quotes, no empty
// lines, no comments (GitLab's parser supports none of them). Each target
// name is sanitised (Value) so that no value can start another line or
// variable, and GENERATE_CONFIG_TARGETS is cut at a name boundary to keep
// the file under MaxDotenvBytes, with GENERATE_CONFIG_TARGETS_TRUNCATED=true
// saying so; GENERATE_CONFIG_TARGET_COUNT always has the full count.
func (d Dotenv) Encode() []byte {
	rest := func(truncated bool) string {
		return VarCount + "=" + strconv.Itoa(len(d.Targets)) + "\n" +
			VarTruncated + "=" + strconv.FormatBool(truncated) + "\n" +
			VarJobs + "=" + strconv.Itoa(d.Jobs) + "\n" +
			VarEmpty + "=" + strconv.FormatBool(d.Empty) + "\n" +
			VarUnowned + "=" + strconv.Itoa(d.Unowned) + "\n" +
			VarParsedPercent + "=" + strconv.Itoa(d.ParsedPercent) + "\n" +
			VarFiles + "=" + strconv.Itoa(d.Files) + "\n"
	}
	// The longest the other lines can be (with "true"), and the file must
	// stay strictly below the limit.
	budget := MaxDotenvBytes - 1 - len(rest(true)) - len(VarTargets+"=\n")
	var list strings.Builder
	truncated := false
	for i, t := range d.Targets {
		v := Value(t)
		need := len(v)
		if i > 0 {
			need++
		}
		if list.Len()+need > budget {
			truncated = true
			break
		}
		if i > 0 {
			list.WriteByte(',')
		}
		list.WriteString(v)
	}
	var b strings.Builder
	b.WriteString(VarTargets + "=" + list.String() + "\n")
	b.WriteString(rest(truncated))
	return []byte(b.String())
}

// Value makes s safe as one item of a dotenv value: control characters
// and line separators (which would start a new line, hence a new
// variable), the ',' that separates the list, and '$' (GitLab expands
// variables in dotenv values) become '_'. Leading and trailing spaces,
// which GitLab strips, become '_' too, so a name keeps its length.
func Value(s string) string {
	out := []rune(strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', r == '\u0085', r == ',', r == '$':
			return '_'
		}
		return r
	}, s))
	for i := 0; i < len(out) && unicode.IsSpace(out[i]); i++ {
		out[i] = '_'
	}
	for i := len(out) - 1; i >= 0 && unicode.IsSpace(out[i]); i-- {
		out[i] = '_'
	}
	return string(out)
}
