package jsonnetfmt

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// This file is a line-by-line port of the format function of go-jsonnet
// v0.22.0's std.jsonnet (the desugared source is astgen.StdAst, field
// "format"). The helpers keep the Jsonnet names (render_int -> renderInt,
// ...) and do the same float64 operations in the same order, so results are
// identical bit for bit: Jsonnet numbers are float64 and the Jsonnet code
// computes digits with std.floor, std.mod and / on them.
//
// The port never raises an error itself. Whenever the Jsonnet code would
// fail (a format error such as "Truncated format code.", a type error, an
// arithmetic overflow) or would evaluate a Jsonnet operator on operands this
// port does not model, it reports !ok, and the caller runs the original
// Jsonnet code, which raises the error with its own message and stack trace.

// code is one parsed %-conversion.
type code struct {
	mkey     string
	hasMkey  bool
	alt      bool
	zero     bool
	left     bool
	blank    bool
	plus     bool
	fw       float64 // when !fwStar
	fwStar   bool
	prec     float64 // when hasPrec && !precStar
	hasPrec  bool    // a '.' was given (Jsonnet: prec != null)
	precStar bool
	ctype    byte // one of d o x e f g c s %
	caps     bool
}

// piece is a literal run of text or a conversion.
type piece struct {
	lit  string
	code *code
}

// parse ports parse_codes. !ok means Jsonnet raises an error while parsing
// (or a width/precision literal overflows, which Jsonnet reports lazily).
func parse(s string) ([]piece, bool) {
	str := []rune(s)
	n := len(str)
	var out []piece
	var cur strings.Builder
	i := 0
	for i < n {
		c := str[i]
		if c != '%' {
			cur.WriteRune(c)
			i++
			continue
		}
		// parse_code(str, i + 1)
		i++
		if i >= n {
			return nil, false // Truncated format code.
		}
		cd := &code{}
		// try_parse_mapping_key
		if str[i] == '(' {
			j := i + 1
			var key strings.Builder
			for {
				if j >= n {
					return nil, false
				}
				if str[j] == ')' {
					break
				}
				key.WriteRune(str[j])
				j++
			}
			cd.mkey, cd.hasMkey = key.String(), true
			i = j + 1
		}
		// try_parse_cflags
		for {
			if i >= n {
				return nil, false
			}
			switch str[i] {
			case '#':
				cd.alt = true
			case '0':
				cd.zero = true
			case '-':
				cd.left = true
			case ' ':
				cd.blank = true
			case '+':
				cd.plus = true
			default:
				goto width
			}
			i++
		}
	width:
		// try_parse_field_width
		var ok bool
		if cd.fw, cd.fwStar, i, ok = parseFieldWidth(str, i); !ok {
			return nil, false
		}
		// try_parse_precision
		if i >= n {
			return nil, false
		}
		if str[i] == '.' {
			cd.hasPrec = true
			if cd.prec, cd.precStar, i, ok = parseFieldWidth(str, i+1); !ok {
				return nil, false
			}
		}
		// try_parse_length_modifier
		if i >= n {
			return nil, false
		}
		if c := str[i]; c == 'h' || c == 'l' || c == 'L' {
			i++
		}
		// parse_conv_type
		if i >= n {
			return nil, false
		}
		switch c := str[i]; c {
		case 'd', 'i', 'u':
			cd.ctype = 'd'
		case 'o', 'x', 'e', 'f', 'g', 'c', 's', '%':
			cd.ctype = byte(c)
		case 'X', 'E', 'F', 'G':
			cd.ctype, cd.caps = byte(c)-'A'+'a', true
		default:
			return nil, false // Unrecognised conversion type
		}
		i++
		out = append(out, piece{lit: cur.String()}, piece{code: cd})
		cur.Reset()
	}
	return append(out, piece{lit: cur.String()}), true
}

// parseFieldWidth ports try_parse_field_width, which the precision after
// a '.' is parsed with too: '*' (star), or a natural number.
func parseFieldWidth(str []rune, i int) (v float64, star bool, next int, ok bool) {
	if i < len(str) && str[i] == '*' {
		return 0, true, i + 1, true
	}
	v, next, ok = parseNat(str, i)
	return v, false, next, ok
}

// parseNat ports the digit loop of try_parse_field_width: v * 10 + d in
// float64, failing where Jsonnet's arithmetic would overflow and where the
// string ends inside the number.
func parseNat(str []rune, j int) (float64, int, bool) {
	v := 0.0
	for {
		if j >= len(str) {
			return 0, 0, false
		}
		c := str[j]
		if c < '0' || c > '9' {
			return v, j, true
		}
		v = v * 10
		if math.IsInf(v, 0) {
			return 0, 0, false
		}
		v += float64(c - '0')
		j++
	}
}

// A small cache of parsed format strings: templates use a handful of format
// strings many times. Bounded so adversarial input cannot grow it forever.
const maxCached = 4096

var (
	cache     sync.Map // string -> []piece
	cacheSize atomic.Int64
)

func parseCached(s string) ([]piece, bool) {
	if p, ok := cache.Load(s); ok {
		return p.([]piece), true
	}
	p, ok := parse(s)
	if ok && cacheSize.Load() < maxCached {
		if _, loaded := cache.LoadOrStore(s, p); !loaded {
			cacheSize.Add(1)
		}
	}
	return p, ok
}

// renderer carries the failure flag through the arithmetic: any operation
// whose Jsonnet counterpart fails (Overflow, Not a number, Division by
// zero) sets bad, and the whole call falls back to Jsonnet.
type renderer struct {
	bad bool
}

// num checks a float64 result as go-jsonnet's makeDoubleCheck does.
func (r *renderer) num(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		r.bad = true
		return 0
	}
	return x
}

func (r *renderer) div(a, b float64) float64 {
	if b == 0 {
		r.bad = true
		return 0
	}
	return r.num(a / b)
}

func (r *renderer) mod(a, b float64) float64 {
	if b == 0 {
		r.bad = true
		return 0
	}
	return r.num(math.Mod(a, b))
}

// jabs is std.abs: if n > 0 then n else -n (so std.abs(0) is -0).
func jabs(n float64) float64 {
	if n > 0 {
		return n
	}
	return -n
}

// jsign is std.sign.
func jsign(n float64) float64 {
	switch {
	case n > 0:
		return 1
	case n < 0:
		return -1
	}
	return 0
}

// jmax is std.max on numbers.
func jmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// UnparseNumber is how go-jsonnet prints a number (std.toString, string +
// number, manifestation): integers in full, others with 17 significant
// digits. A copy of go-jsonnet's unexported unparseNumber (interpreter.go).
func UnparseNumber(v float64) string {
	if v == math.Floor(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.17g", v)
}

// maxPad bounds the padding this port writes. Jsonnet's padding recurses
// once per character, so it fails with "max stack frames exceeded" long
// before this; past the bound the call falls back to Jsonnet, which fails
// (or, with an enormous MaxStack, pads) the same way as without the hook.
const maxPad = 1 << 20

// padding ports padding(w, s): s repeated while w > 0, w decreasing by 1.
func (r *renderer) padding(b *strings.Builder, w float64, s string) {
	if w > maxPad {
		r.bad = true
		return
	}
	for w > 0 {
		b.WriteString(s)
		w--
	}
}

func length(s string) float64 { return float64(utf8.RuneCountInString(s)) }

// padLeft ports pad_left(str, w, s): padding(w - std.length(str), s) + str.
func (r *renderer) padLeft(str string, w float64, s string) string {
	if w-length(str) <= 0 {
		return str
	}
	var b strings.Builder
	r.padding(&b, w-length(str), s)
	b.WriteString(str)
	return b.String()
}

// padRight ports pad_right(str, w, s): str + padding(w - std.length(str), s).
func (r *renderer) padRight(str string, w float64, s string) string {
	if w-length(str) <= 0 {
		return str
	}
	var b strings.Builder
	b.WriteString(str)
	r.padding(&b, w-length(str), s)
	return b.String()
}

// renderInt ports render_int(neg, mag, min_chars, min_digits, blank, plus,
// radix, zero_prefix).
func (r *renderer) renderInt(neg bool, mag, minChars, minDigits float64, blank, plus bool, radix float64, zeroPrefix string) string {
	var dec string
	if mag == 0 {
		dec = "0"
	} else {
		// aux(n) = if n == 0 then zero_prefix else aux(std.floor(n / radix)) + (n % radix)
		var digits []string
		for n := mag; n != 0 && !r.bad; n = math.Floor(r.div(n, radix)) {
			digits = append(digits, UnparseNumber(r.mod(n, radix)))
		}
		var b strings.Builder
		b.WriteString(zeroPrefix)
		for k := len(digits) - 1; k >= 0; k-- {
			b.WriteString(digits[k])
		}
		dec = b.String()
	}
	zp := minChars
	if neg || blank || plus {
		zp = r.num(zp - 1)
	}
	zp2 := jmax(zp, minDigits)
	dec2 := r.padLeft(dec, zp2, "0")
	switch {
	case neg:
		return "-" + dec2
	case plus:
		return "+" + dec2
	case blank:
		return " " + dec2
	}
	return dec2
}

var (
	numeralsLower = [16]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"}
	numeralsUpper = [16]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"}
)

// renderHex ports render_hex(n__, min_chars, min_digits, blank, plus,
// add_zerox, capitals).
func (r *renderer) renderHex(n, minChars, minDigits float64, blank, plus, addZerox, capitals bool) string {
	numerals := &numeralsLower
	if capitals {
		numerals = &numeralsUpper
	}
	n_ := jabs(n)
	var hex string
	if math.Floor(n_) == 0 {
		hex = "0"
	} else {
		var digits []string
		for m := math.Floor(n_); m != 0 && !r.bad; m = math.Floor(r.div(m, 16)) {
			d := r.mod(m, 16)
			if d != math.Floor(d) || d < 0 || d >= 16 {
				r.bad = true // numerals[d] would fail; cannot happen for integers
				break
			}
			digits = append(digits, numerals[int(d)])
		}
		var b strings.Builder
		for k := len(digits) - 1; k >= 0; k-- {
			b.WriteString(digits[k])
		}
		hex = b.String()
	}
	neg := n < 0
	zp := minChars
	if neg || blank || plus {
		zp = r.num(zp - 1)
	}
	if addZerox {
		zp = r.num(zp - 2)
	}
	zp2 := jmax(zp, minDigits)
	hex2 := r.padLeft(hex, zp2, "0")
	if addZerox {
		if capitals {
			hex2 = "0X" + hex2
		} else {
			hex2 = "0x" + hex2
		}
	}
	switch {
	case neg:
		return "-" + hex2
	case plus:
		return "+" + hex2
	case blank:
		return " " + hex2
	}
	return hex2
}

// stripTrailingZero ports strip_trailing_zero.
func stripTrailingZero(s string) string {
	return strings.TrimRight(s, "0")
}

// renderFloatDec ports render_float_dec(n__, zero_pad, blank, plus,
// ensure_pt, trailing, prec).
func (r *renderer) renderFloatDec(n, zeroPad float64, blank, plus, ensurePt, trailing bool, prec float64) string {
	n_ := jabs(n)
	denominator := r.num(math.Pow(10, prec))
	numerator := r.num(r.num(jabs(n_)*denominator) + 0.5)
	whole := r.num(jsign(n_) * math.Floor(r.div(numerator, denominator)))
	frac := r.mod(math.Floor(numerator), denominator)
	dotSize := 1.0
	if prec == 0 && !ensurePt {
		dotSize = 0
	}
	zp := r.num(r.num(zeroPad-prec) - dotSize)
	if r.bad {
		return ""
	}
	str := r.renderInt(n < 0, whole, zp, 0, blank, plus, 10, "")
	if prec == 0 {
		if ensurePt {
			return str + "."
		}
		return str
	}
	if trailing || frac > 0 {
		fracStr := r.renderInt(false, frac, prec, 0, false, false, 10, "")
		if !trailing {
			fracStr = stripTrailingZero(fracStr)
		}
		return str + "." + fracStr
	}
	return str
}

// renderFloatSci ports render_float_sci(n__, zero_pad, blank, plus,
// ensure_pt, trailing, caps, prec).
func (r *renderer) renderFloatSci(n, zeroPad float64, blank, plus, ensurePt, trailing, caps bool, prec float64) string {
	exponent := 0.0
	if n != 0 {
		exponent = math.Floor(r.div(r.num(math.Log(jabs(n))), math.Log(10)))
	}
	e := "e"
	if caps {
		e = "E"
	}
	suff := e + r.renderInt(exponent < 0, jabs(exponent), 3, 0, false, true, 10, "")
	var mantissa float64
	if exponent == -324 {
		mantissa = r.div(r.num(n*10), r.num(math.Pow(10, exponent+1)))
	} else {
		mantissa = r.div(n, r.num(math.Pow(10, exponent)))
	}
	zp2 := r.num(zeroPad - length(suff))
	if r.bad {
		return ""
	}
	return r.renderFloatDec(mantissa, zp2, blank, plus, ensurePt, trailing, prec) + suff
}

// formatCode ports format_code(val, code, fw, prec_or_null, i). prec is
// nil when Jsonnet's prec_or_null is null; val, fw and prec are what
// Jsonnet would see. A value outside this port's domain sets r.bad.
func (r *renderer) formatCode(val any, cd *code, fw float64, prec any) string {
	precNum := func(def float64) float64 {
		if prec == nil {
			return def
		}
		p, ok := prec.(float64)
		if !ok {
			r.bad = true // Jsonnet's arithmetic on it fails
		}
		return p
	}
	zp := 0.0
	if cd.zero && !cd.left {
		zp = fw
	}
	if cd.ctype == 's' {
		switch v := val.(type) {
		case string:
			return v
		case float64:
			return UnparseNumber(v)
		case bool:
			if v {
				return "true"
			}
			return "false"
		case nil:
			return "null"
		}
		r.bad = true
		return ""
	}
	if cd.ctype == 'c' {
		switch v := val.(type) {
		case float64:
			// std.char
			if v > utf8.MaxRune || v < 0 {
				r.bad = true
				return ""
			}
			return string(rune(v))
		case string:
			if utf8.RuneCountInString(v) == 1 {
				return v
			}
		}
		r.bad = true // %c expected ...
		return ""
	}
	v, ok := val.(float64)
	if !ok {
		r.bad = true // Format required number at ...
		return ""
	}
	switch cd.ctype {
	case 'd':
		iprec := precNum(0)
		return r.renderInt(v <= -1, math.Floor(jabs(v)), zp, iprec, cd.blank, cd.plus, 10, "")
	case 'o':
		iprec := precNum(0)
		zeroPrefix := ""
		if cd.alt {
			zeroPrefix = "0"
		}
		return r.renderInt(v <= -1, math.Floor(jabs(v)), zp, iprec, cd.blank, cd.plus, 8, zeroPrefix)
	case 'x':
		iprec := precNum(0)
		return r.renderHex(math.Floor(v), zp, iprec, cd.blank, cd.plus, cd.alt, cd.caps)
	case 'f':
		fpprec := precNum(6)
		if r.bad {
			return ""
		}
		return r.renderFloatDec(v, zp, cd.blank, cd.plus, cd.alt, true, fpprec)
	case 'e':
		fpprec := precNum(6)
		if r.bad {
			return ""
		}
		return r.renderFloatSci(v, zp, cd.blank, cd.plus, cd.alt, true, cd.caps, fpprec)
	case 'g':
		fpprec := precNum(6)
		if r.bad {
			return ""
		}
		exponent := 0.0
		if v != 0 {
			exponent = math.Floor(r.div(r.num(math.Log(jabs(v))), math.Log(10)))
		}
		if exponent < -4 || exponent >= fpprec {
			return r.renderFloatSci(v, zp, cd.blank, cd.plus, cd.alt, cd.alt, cd.caps, r.num(fpprec-1))
		}
		digitsBeforePt := jmax(1, r.num(exponent+1))
		return r.renderFloatDec(v, zp, cd.blank, cd.plus, cd.alt, cd.alt, r.num(fpprec-digitsBeforePt))
	}
	r.bad = true
	return ""
}

// formatArray ports format_codes_arr: the values are consumed in order
// (a * width or precision takes one first). ok is false when Jsonnet
// raises an error (or this port cannot tell).
func formatArray(codes []piece, arr []any) (string, bool) {
	r := &renderer{}
	var b strings.Builder
	j := 0
	for _, p := range codes {
		if p.code == nil {
			b.WriteString(p.lit)
			continue
		}
		cd := p.code
		fw := cd.fw
		if cd.fwStar {
			if j >= len(arr) {
				return "", false // Not enough values to format
			}
			w, ok := arr[j].(float64)
			if !ok {
				return "", false // w - std.length(str) fails
			}
			fw = w
			j++
		}
		var prec any
		if cd.hasPrec {
			if cd.precStar {
				if j < len(arr) {
					prec = arr[j]
				} else {
					prec = errValue{} // an error, raised only if used
				}
				j++
			} else {
				prec = cd.prec
			}
		}
		s, next, ok := r.convert(cd, arr, j, fw, prec)
		if !ok {
			return "", false
		}
		b.WriteString(s)
		j = next
	}
	if j < len(arr) {
		return "", false // Too many values to format
	}
	return b.String(), true
}

// errValue stands for a lazy Jsonnet error (a * precision with no value
// left): harmless unless the conversion uses the precision.
type errValue struct{}

// objectKeys returns, for the mapping form, the keys whose values
// format_codes_obj evaluates, in order; ok is false when Jsonnet raises an
// error that does not depend on the values (a * width or precision, a
// missing mapping key).
func objectKeys(codes []piece) ([]string, bool) {
	var keys []string
	for _, p := range codes {
		cd := p.code
		if cd == nil {
			continue
		}
		if cd.fwStar {
			return nil, false // Cannot use * field width with object.
		}
		if cd.ctype == '%' {
			continue // the value (and key) is never evaluated
		}
		if cd.precStar && usesPrec(cd.ctype) {
			return nil, false // Cannot use * precision with object.
		}
		if !cd.hasMkey {
			return nil, false // Mapping keys required.
		}
		keys = append(keys, cd.mkey)
	}
	return keys, true
}

func usesPrec(ctype byte) bool {
	return strings.IndexByte("doxefg", ctype) >= 0
}

// formatObject ports format_codes_obj, given the values of objectKeys'
// keys in the same order.
func formatObject(codes []piece, vals []any) (string, bool) {
	r := &renderer{}
	var b strings.Builder
	j := 0
	for _, p := range codes {
		if p.code == nil {
			b.WriteString(p.lit)
			continue
		}
		cd := p.code
		var prec any
		if cd.hasPrec && !cd.precStar {
			prec = cd.prec
		} else if cd.precStar {
			prec = errValue{}
		}
		s, next, ok := r.convert(cd, vals, j, cd.fw, prec)
		if !ok {
			return "", false
		}
		b.WriteString(s)
		j = next
	}
	return b.String(), j == len(vals)
}

// convert ports the end that format_codes_arr and format_codes_obj share:
// the conversion of vals[j] ('%' takes no value), padded to fw. It returns
// the index of the next value; ok is false when Jsonnet raises an error.
func (r *renderer) convert(cd *code, vals []any, j int, fw float64, prec any) (s string, next int, ok bool) {
	if cd.ctype == '%' {
		s = "%"
	} else {
		if j >= len(vals) {
			return "", j, false // Not enough values to format
		}
		s = r.formatCode(vals[j], cd, fw, prec)
		if r.bad {
			return "", j, false
		}
		j++
	}
	if cd.left {
		s = r.padRight(s, fw, " ")
	} else {
		s = r.padLeft(s, fw, " ")
	}
	return s, j, !r.bad
}
