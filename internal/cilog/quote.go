package cilog

import (
	"strconv"
	"strings"
	"unicode"
)

// Quote is the one way a repository-controlled string (a file, branch,
// target or job name) is shown to a human, in the job log or a terminal.
// It is shown as it is, unless it holds a character that would break the
// one-item-per-line layout, hide on a terminal, or forge a line of GitLab's
// job log (a newline, a carriage return, an escape such as the "\e[0K" of a
// section marker, a bidirectional override): then it is shown Go-quoted,
// every such character escaped. --format json output is exact instead.
func Quote(s string) string {
	if needsQuote(s) {
		return strconv.Quote(s)
	}
	return s
}

func needsQuote(s string) bool {
	for _, r := range s {
		if r == unicode.ReplacementChar || (!unicode.IsPrint(r) && r != ' ') {
			return true
		}
	}
	return false
}

// QuoteAll is Quote for each of names, joined with sep.
func QuoteAll(names []string, sep string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = Quote(n)
	}
	return strings.Join(out, sep)
}

// Escape makes a composed message safe to print as one or more log lines:
// newlines and tabs stay (a message may span lines), every other control
// or invisible character is escaped as in Go source (\x1b, \r, \u202e), so
// no part of a message, whatever names it quotes, can start a line of its
// own with an escape sequence or forge a section marker.
func Escape(msg string) string {
	if !strings.ContainsFunc(msg, func(r rune) bool {
		return r != '\n' && r != '\t' && (r == unicode.ReplacementChar || (!unicode.IsPrint(r) && r != ' '))
	}) {
		return msg
	}
	var b strings.Builder
	for _, r := range msg {
		switch {
		case r == '\n' || r == '\t' || r == ' ' || (r != unicode.ReplacementChar && unicode.IsPrint(r)):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}
