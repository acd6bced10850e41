package render

// The YAML emitter of the renderer. It writes exactly the bytes go-yaml v3's
// encoder (go.yaml.in/yaml/v3 v3.0.6, SetIndent(2)) wrote for the same
// document, for the only shapes a rendered document has: block mappings
// with string keys, block sequences, strings, json.Number numbers, bools
// and null, and a head comment; but straight from the decoded values, with
// no yaml.Node tree and no event queue, at a few times encoding/json's cost.
//
// The scalar analysis and the writers below are a transliteration of the
// corresponding functions of go-yaml's emitterc.go (itself a port of
// libyaml's emitter.c; MIT licence, Copyright (c) 2006-2010 Kirill Simonov,
// Copyright (c) 2011-2019 Canonical Ltd), keeping their names in comments so
// the two can be compared. What go-yaml never does for these shapes is
// left out: comments other than the head comment, anchors, flow collections
// other than the empty `[]` and `{}`, and line folding (go-yaml v3's
// best_width is unlimited: yaml_emitter_initialize sets -1). The fuzz target
// FuzzEmitterMatchesYAMLv3 and the golden tests keep the bytes identical.

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"gitlab.com/generate-config/generate-config/internal/par"
	"gitlab.com/generate-config/generate-config/internal/yaml11"
)

// bestIndent is the encoder's SetIndent(2).
const bestIndent = 2

// Requested scalar styles (yaml.Node styles the renderer used to set).
type scalarStyle int

const (
	stylePlain scalarStyle = iota
	styleSingle
	styleDouble
	styleLiteral
)

// parentState is the emitter state on top of go-yaml's state stack when a
// node starts: yaml_emitter_increase_indent looks at it.
type parentState int

const (
	parentOther   parentState = iota
	parentSeqItem             // yaml_EMIT_BLOCK_SEQUENCE_ITEM_STATE
)

type emitter struct {
	buf        []byte
	column     int // in characters, as go-yaml counts
	indent     int
	whitespace bool
	indention  bool
	err        error
}

// emitDocument writes a document: the head comment, a blank line, then the
// top-level mapping of keys in order.
// starts receives the offset where each top-level entry begins.
func emitDocument(head string, keys []string, values []any, jobLevel []bool, sizeHint int) (out []byte, starts []int, err error) {
	return emitDocumentIn(head, keys, values, jobLevel, sizeHint, runtime.GOMAXPROCS(0))
}

// parallelEntries is the number of top-level entries from which
// emitDocumentIn writes runs of them on several goroutines.
const parallelEntries = 512

// emitDocumentIn is emitDocument on up to workers goroutines. The bytes do
// not depend on workers: every top-level entry starts with
// yaml_emitter_write_indent at indent 0, which either writes a line break
// or not and leaves the same state either way (column 0, indention and
// whitespace set). A run of entries written by a fresh emitter in the
// state "after an entry that ended mid-line" therefore differs from the
// serial bytes in at most its leading break, which is dropped when the
// entry before the run ended with one (TestParallelEmitIsSerial).
func emitDocumentIn(head string, keys []string, values []any, jobLevel []bool, sizeHint, workers int) (out []byte, starts []int, err error) {
	e := &emitter{buf: make([]byte, 0, sizeHint), indent: -1, whitespace: true, indention: true}
	if head != "" {
		// yaml_emitter_emit_document_start → process_head_comment +
		// put_break; header() lines all start with "#" and hold no break
		// but the "\n" between them.
		e.writeIndent()
		e.writeComment(head)
		e.putBreak()
	}
	if len(keys) == 0 {
		e.emitEmptyFlow("{}")
	} else {
		saved := e.indent
		e.increaseIndent(false, parentOther)
		starts = make([]int, len(keys))
		n := 1
		if len(keys) >= parallelEntries {
			n = max(1, min(workers, len(keys)/(parallelEntries/2)))
		}
		bound := func(j int) int { return j * len(keys) / n }
		rest := make([]*emitter, n)
		rest[0] = e
		for j := 1; j < n; j++ {
			rest[j] = &emitter{buf: make([]byte, 0, sizeHint/n+64), indent: e.indent, column: 1}
		}
		par.Do(n, func(j int) { rest[j].entries(keys, values, jobLevel, starts, bound(j), bound(j+1)) })
		prev := e
		for j := 1; j < n; j++ {
			c := rest[j]
			chunk, shift := c.buf, len(e.buf)
			if prev.indention && prev.column == 0 && prev.whitespace {
				// The entry before ended its line: no break here.
				chunk, shift = chunk[1:], shift-1
			}
			e.buf = append(e.buf, chunk...)
			for i := bound(j); i < bound(j+1); i++ {
				starts[i] += shift
			}
			if e.err == nil {
				e.err = c.err // the first, as the serial emitter keeps
			}
			prev = c
		}
		e.column, e.whitespace, e.indention = prev.column, prev.whitespace, prev.indention
		e.indent = saved
	}
	// yaml_emitter_emit_document_end: write_indent ends the last line.
	e.writeIndent()
	return e.buf, starts, e.err
}

// entries writes the top-level entries lo..hi-1, noting in starts where
// each begins in e.buf.
func (e *emitter) entries(keys []string, values []any, jobLevel []bool, starts []int, lo, hi int) {
	for i := lo; i < hi; i++ {
		starts[i] = len(e.buf)
		e.emitMappingEntry(keys[i], values[i], jobLevel[i])
		if starts[i] < len(e.buf) && e.buf[starts[i]] == '\n' {
			starts[i]++ // the break that ends the previous entry
		}
	}
}

// increaseIndent is yaml_emitter_increase_indent_compact without the
// compact sequence mode (off in the renderer's encoder).
func (e *emitter) increaseIndent(flow bool, parent parentState) {
	switch {
	case e.indent < 0:
		if flow {
			e.indent = bestIndent
		} else {
			e.indent = 0
		}
	case parent == parentSeqItem:
		e.indent += 2
	default:
		e.indent = bestIndent * ((e.indent + bestIndent) / bestIndent)
	}
}

// node writes a value; parent is the state go-yaml would have pushed.
func (e *emitter) node(v any, parent parentState, jobLevel bool) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			e.emitEmptyFlow("{}")
			return
		}
		keys := mappingKeys(x, jobLevel)
		// yaml_emitter_emit_block_mapping_key (first)
		saved := e.indent
		e.increaseIndent(false, parent)
		for _, k := range keys {
			e.emitMappingEntry(k, x[k], false)
		}
		e.indent = saved
	case []any:
		if len(x) == 0 {
			e.emitEmptyFlow("[]")
			return
		}
		// yaml_emitter_emit_block_sequence_item
		saved := e.indent
		e.increaseIndent(false, parent)
		for _, item := range x {
			e.writeIndent()
			e.writeIndicator("-", true, false, true)
			e.node(item, parentSeqItem, false)
		}
		e.indent = saved
	case string:
		e.scalar(x, "", requestedStyle(x), parent, false)
	case json.Number:
		s := psychNumber(x.String())
		tag := "!!int"
		if strings.ContainsAny(s, ".eE") {
			tag = "!!float"
		}
		// go-yaml drops the tag when the plain text resolves to it.
		if resolve12(s) == tag {
			tag = ""
		}
		e.scalar(s, tag, stylePlain, parent, false)
	case bool:
		if x {
			e.scalar("true", "", stylePlain, parent, false)
		} else {
			e.scalar("false", "", stylePlain, parent, false)
		}
	case nil:
		e.scalar("null", "", stylePlain, parent, false)
	default:
		// Not reached by decoded JSON; a Go-built value of another type is
		// written through its JSON form, as valueNode did.
		w, err := viaJSON(v)
		if err != nil {
			e.scalar(fmt.Sprint(v), "", requestedStyle(fmt.Sprint(v)), parent, false)
			return
		}
		e.node(w, parent, jobLevel)
	}
}

// emitMappingEntry writes one key and its value inside a block mapping
// (yaml_emitter_emit_block_mapping_key and _value).
func (e *emitter) emitMappingEntry(k string, v any, jobLevel bool) {
	e.writeIndent()
	info := analyzeScalar(k)
	if !info.multiline && len(k) <= 128 { // yaml_emitter_check_simple_key
		e.scalarAnalyzed(k, "", requestedStyle(k), parentOther, true, info)
		e.writeIndicator(":", false, false, false)
	} else {
		e.writeIndicator("?", true, false, true)
		e.scalarAnalyzed(k, "", requestedStyle(k), parentOther, false, info)
		e.writeIndent()
		e.writeIndicator(":", true, false, true)
	}
	e.node(v, parentOther, jobLevel)
}

// emitEmptyFlow writes `[]` or `{}` (yaml_emitter_emit_flow_sequence_item
// and _mapping_key on an empty collection).
func (e *emitter) emitEmptyFlow(s string) {
	e.writeIndicator(s[:1], true, true, false)
	e.writeIndicator(s[1:], false, false, false)
}

// psychNumber spells a JSON number so that Psych reads a number: its
// float pattern wants a dot before an exponent and a sign in it (`1e5` and
// `1.5e5` are strings to GitLab, `1.0e+5` and `1.5e+5` are floats; Psych
// ScalarScanner::FLOAT). go-jsonnet always writes both, hand-written JSON
// may not. The value is unchanged.
func psychNumber(s string) string {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return s
	}
	mant, exp := s[:i], s[i+1:]
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if exp != "" && exp[0] != '+' && exp[0] != '-' {
		exp = "+" + exp
	}
	return mant + s[i:i+1] + exp
}

// requestedStyle is the style the renderer asks for a string (see
// stringNode): a literal block for multi-line text, double quotes where
// Psych (YAML 1.1) or YAML 1.2 would read something else.
func requestedStyle(s string) scalarStyle {
	switch {
	case strings.HasPrefix(s, "\t") && strings.Contains(s, "\n"):
		return styleDouble
	case strings.Contains(s, "\n"):
		return styleLiteral
	case yaml11.NeedsQuote(s), resolve12(s) != "!!str":
		return styleDouble
	}
	return stylePlain
}

func (e *emitter) scalar(s, tag string, style scalarStyle, parent parentState, simpleKey bool) {
	e.scalarAnalyzed(s, tag, style, parent, simpleKey, analyzeScalar(s))
}

// scalarAnalyzed is yaml_emitter_emit_scalar: select the style, write the
// tag, then the scalar one indentation level deeper.
func (e *emitter) scalarAnalyzed(s, tag string, style scalarStyle, parent parentState, simpleKey bool, info scalarInfo) {
	if !utf8.ValidString(s) {
		// go-yaml would write !!binary; decoded JSON never holds such text.
		if e.err == nil {
			e.err = fmt.Errorf("cannot encode %q: not valid UTF-8", s)
		}
		return
	}
	// yaml_emitter_select_scalar_style (block context, implicit tags).
	if simpleKey && info.multiline {
		style = styleDouble
	}
	if style == stylePlain {
		if !info.blockPlain || s == "" && simpleKey {
			style = styleSingle
		}
	}
	if style == styleSingle && !info.single {
		style = styleDouble
	}
	if style == styleLiteral && (!info.block || simpleKey) {
		style = styleDouble
	}
	if tag != "" {
		// yaml_emitter_process_tag: "!!" handle, then the suffix.
		if !e.whitespace {
			e.put(' ')
		}
		e.buf = append(e.buf, tag...)
		e.column += len(tag)
		e.whitespace = false
		e.indention = false
	}
	saved := e.indent
	e.increaseIndent(true, parent)
	switch style {
	case stylePlain:
		e.writePlain(s)
	case styleSingle:
		e.writeSingleQuoted(s)
	case styleDouble:
		e.writeDoubleQuoted(s)
	case styleLiteral:
		e.writeLiteral(s)
	}
	e.indent = saved
}

func (e *emitter) put(b byte) {
	e.buf = append(e.buf, b)
	e.column++
}

func (e *emitter) putBreak() {
	e.buf = append(e.buf, '\n')
	e.column = 0
	e.indention = true
}

// writeChar copies the character at s[i:] (write) and returns its width.
func (e *emitter) writeChar(s string, i int) int {
	w := width(s[i])
	e.buf = append(e.buf, s[i:i+w]...)
	e.column++
	return w
}

// writeBreak is write_break.
func (e *emitter) writeBreak(s string, i int) int {
	if s[i] == '\n' {
		e.putBreak()
		return 1
	}
	w := e.writeChar(s, i)
	e.column = 0
	e.indention = true
	return w
}

// writeIndent is yaml_emitter_write_indent (no foot comments here).
func (e *emitter) writeIndent() {
	indent := e.indent
	if indent < 0 {
		indent = 0
	}
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.putBreak()
	}
	for e.column < indent {
		e.put(' ')
	}
	e.whitespace = true
}

// writeIndicator is yaml_emitter_write_indicator for ASCII indicators.
func (e *emitter) writeIndicator(ind string, needWhitespace, isWhitespace, isIndention bool) {
	if needWhitespace && !e.whitespace {
		e.put(' ')
	}
	e.buf = append(e.buf, ind...)
	e.column += len(ind)
	e.whitespace = isWhitespace
	e.indention = e.indention && isIndention
}

// writeComment is yaml_emitter_write_comment for text whose lines start
// with "#" and whose only breaks are "\n".
func (e *emitter) writeComment(c string) {
	breaks, pound := false, false
	for i := 0; i < len(c); {
		if isBreak(c, i) {
			i += e.writeBreak(c, i)
			breaks, pound = true, false
			continue
		}
		if breaks {
			e.writeIndent()
		}
		if !pound {
			if c[i] != '#' {
				e.put('#')
				e.put(' ')
			}
			pound = true
		}
		i += e.writeChar(c, i)
		e.indention = false
		breaks = false
	}
	if !breaks {
		e.putBreak()
	}
	e.whitespace = true
}

// writePlain is yaml_emitter_write_plain_scalar. Plain text never holds a
// break (analyzeScalar forbids it) and is never folded.
func (e *emitter) writePlain(s string) {
	if len(s) > 0 && !e.whitespace {
		e.put(' ')
	}
	e.buf = append(e.buf, s...)
	e.column += utf8.RuneCountInString(s)
	if len(s) > 0 {
		e.whitespace = false
		e.indention = false
	}
	e.indention = false
}

// writeSingleQuoted is yaml_emitter_write_single_quoted_scalar.
func (e *emitter) writeSingleQuoted(s string) {
	e.writeIndicator("'", true, false, false)
	breaks := false
	for i := 0; i < len(s); {
		switch {
		case s[i] == ' ':
			i += e.writeChar(s, i)
		case isBreak(s, i):
			if !breaks && s[i] == '\n' {
				e.putBreak()
			}
			i += e.writeBreak(s, i)
			breaks = true
		default:
			if breaks {
				e.writeIndent()
			}
			if s[i] == '\'' {
				e.put('\'')
			}
			i += e.writeChar(s, i)
			e.indention = false
			breaks = false
		}
	}
	e.writeIndicator("'", false, false, false)
	e.whitespace = false
	e.indention = false
}

// writeDoubleQuoted is yaml_emitter_write_double_quoted_scalar.
func (e *emitter) writeDoubleQuoted(s string) {
	e.writeIndicator(`"`, true, false, false)
	bom := strings.HasPrefix(s, "\ufeff") // go-yaml's is_bom looks at the start of the value, whatever i
	for i := 0; i < len(s); {
		c := s[i]
		if !isPrintable(s, i) || bom || isBreak(s, i) || c == '"' || c == '\\' {
			r, w := utf8.DecodeRuneInString(s[i:])
			i += w
			e.put('\\')
			switch r {
			case 0x00:
				e.put('0')
			case 0x07:
				e.put('a')
			case 0x08:
				e.put('b')
			case 0x09:
				e.put('t')
			case 0x0A:
				e.put('n')
			case 0x0b:
				e.put('v')
			case 0x0c:
				e.put('f')
			case 0x0d:
				e.put('r')
			case 0x1b:
				e.put('e')
			case 0x22:
				e.put('"')
			case 0x5c:
				e.put('\\')
			case 0x85:
				e.put('N')
			case 0xA0:
				e.put('_')
			case 0x2028:
				e.put('L')
			case 0x2029:
				e.put('P')
			default:
				var digits int
				switch {
				case r <= 0xFF:
					e.put('x')
					digits = 2
				case r <= 0xFFFF:
					e.put('u')
					digits = 4
				default:
					e.put('U')
					digits = 8
				}
				for k := (digits - 1) * 4; k >= 0; k -= 4 {
					d := byte((r >> uint(k)) & 0x0F)
					if d < 10 {
						e.put(d + '0')
					} else {
						e.put(d + 'A' - 10)
					}
				}
			}
			continue
		}
		i += e.writeChar(s, i)
	}
	e.writeIndicator(`"`, false, false, false)
	e.whitespace = false
	e.indention = false
}

// writeLiteral is yaml_emitter_write_literal_scalar with
// yaml_emitter_write_block_scalar_hints.
func (e *emitter) writeLiteral(s string) {
	e.writeIndicator("|", true, false, false)
	if s != "" && (s[0] == ' ' || isBreak(s, 0)) {
		e.writeIndicator(string(rune('0'+bestIndent)), false, false, false)
	}
	chomp := ""
	if s == "" {
		chomp = "-"
	} else {
		i := len(s) - 1
		for s[i]&0xC0 == 0x80 {
			i--
		}
		if !isBreak(s, i) {
			chomp = "-"
		} else if i == 0 {
			chomp = "+"
		} else {
			i--
			for s[i]&0xC0 == 0x80 {
				i--
			}
			if isBreak(s, i) {
				chomp = "+"
			}
		}
	}
	if chomp != "" {
		e.writeIndicator(chomp, false, false, false)
	}
	e.putBreak() // process_line_comment_linebreak(true) without a comment
	e.whitespace = true
	breaks := true
	for i := 0; i < len(s); {
		if isBreak(s, i) {
			i += e.writeBreak(s, i)
			breaks = true
			continue
		}
		if breaks {
			e.writeIndent()
		}
		i += e.writeChar(s, i)
		e.indention = false
		breaks = false
	}
}

// scalarInfo is go-yaml's scalar_data after yaml_emitter_analyze_scalar.
type scalarInfo struct {
	multiline  bool
	blockPlain bool
	single     bool
	block      bool
}

// analyzeScalar is yaml_emitter_analyze_scalar (unicode output on, block
// context only: the flow flags are never consulted here).
func analyzeScalar(s string) scalarInfo {
	if s == "" {
		return scalarInfo{blockPlain: true, single: true}
	}
	var (
		blockIndicators, lineBreaks, specialCharacters, tabCharacters      bool
		leadingSpace, leadingBreak, trailingSpace, trailingBreak           bool
		breakSpace, spaceBreak, previousSpace, previousBreak, precededByWS bool
	)
	if len(s) >= 3 && (s[:3] == "---" || s[:3] == "...") {
		blockIndicators = true
	}
	precededByWS = true
	for i, w := 0, 0; i < len(s); i += w {
		w = width(s[i])
		followedByWS := i+w >= len(s) || s[i+w] == ' ' || s[i+w] == '\t'
		if i == 0 {
			switch s[i] {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				blockIndicators = true
			case '?', ':':
				if followedByWS {
					blockIndicators = true
				}
			case '-':
				if followedByWS {
					blockIndicators = true
				}
			}
		} else {
			switch s[i] {
			case ':':
				if followedByWS {
					blockIndicators = true
				}
			case '#':
				if precededByWS {
					blockIndicators = true
				}
			}
		}
		if s[i] == '\t' {
			tabCharacters = true
		} else if !isPrintable(s, i) {
			specialCharacters = true
		}
		switch {
		case s[i] == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i+w == len(s) {
				trailingSpace = true
			}
			if previousBreak {
				breakSpace = true
			}
			previousSpace, previousBreak = true, false
		case isBreak(s, i):
			lineBreaks = true
			if i == 0 {
				leadingBreak = true
			}
			if i+w == len(s) {
				trailingBreak = true
			}
			if previousSpace {
				spaceBreak = true
			}
			previousSpace, previousBreak = false, true
		default:
			previousSpace, previousBreak = false, false
		}
		precededByWS = isBlankz(s, i)
	}
	info := scalarInfo{multiline: lineBreaks, blockPlain: true, single: true, block: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		info.blockPlain = false
	}
	if trailingSpace {
		info.block = false
	}
	if breakSpace {
		info.blockPlain, info.single = false, false
	}
	if spaceBreak || tabCharacters || specialCharacters {
		info.blockPlain, info.single = false, false
	}
	if spaceBreak || specialCharacters {
		info.block = false
	}
	if lineBreaks || blockIndicators {
		info.blockPlain = false
	}
	return info
}

// width is go-yaml's width: the length of the UTF-8 sequence s[i] starts
// (1 for a byte that starts none, where go-yaml says 0: the emitter refuses
// invalid UTF-8, and no loop may stall on it before that).
func width(b byte) int {
	switch {
	case b&0x80 == 0x00:
		return 1
	case b&0xE0 == 0xC0:
		return 2
	case b&0xF0 == 0xE0:
		return 3
	case b&0xF8 == 0xF0:
		return 4
	}
	return 1
}

// isPrintable is go-yaml's is_printable (the YAML printable set, without
// U+FEFF and, as go-yaml has it, without characters above U+FFFF).
func isPrintable(s string, i int) bool {
	b := s[i]
	at := func(k int) byte {
		if i+k < len(s) {
			return s[i+k]
		}
		return 0
	}
	return b == 0x0A ||
		b >= 0x20 && b <= 0x7E ||
		b == 0xC2 && at(1) >= 0xA0 ||
		b > 0xC2 && b < 0xED ||
		b == 0xED && at(1) < 0xA0 ||
		b == 0xEE ||
		b == 0xEF && !(at(1) == 0xBB && at(2) == 0xBF) && !(at(1) == 0xBF && (at(2) == 0xBE || at(2) == 0xBF))
}

// isBreak is go-yaml's is_break: CR, LF, NEL, LS, PS.
func isBreak(s string, i int) bool {
	switch s[i] {
	case '\r', '\n':
		return true
	case 0xC2:
		return i+1 < len(s) && s[i+1] == 0x85
	case 0xE2:
		return i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9)
	}
	return false
}

// isBlankz is go-yaml's is_blankz: blank, break or NUL.
func isBlankz(s string, i int) bool {
	return s[i] == ' ' || s[i] == '\t' || s[i] == 0 || isBreak(s, i)
}
