package schema

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// What ObjectSpace.memsize_of reports for the objects Psych builds, on the
// Ruby versions GitLab runs (3.1 to 3.3; gitlabhq's .ruby-version says
// 3.3.11 today). Gitlab::Utils::DeepSize adds these up for
// max_yaml_size_bytes, so the estimate adds up each version's figures and
// takes the largest total: never below what any of them reports.
//
// Sources, for 64-bit builds:
//   - Ruby 3.1 (Debian 12's ruby, which CI runs): measured with the same
//     walk GitLab does, over documents built by Psych; every constant below
//     that says "measured" is checked against it by TestParsedSizeAgainstRuby.
//   - Ruby 3.2 and 3.3: derived from their source, since no 3.2/3.3 runs
//     here. Variable Width Allocation puts strings (3.2, ruby/ruby#4933) and
//     hashes (3.3, ruby/ruby#7742) in slots of 40, 80, 160, 320 or 640
//     bytes, and memsize_of reports the slot (gc.c rb_obj_memsize_of returns
//     "size + rb_gc_obj_slot_size(obj)"). These figures are derived, not
//     measured: a guess that errs high where the source left a doubt.
const (
	// slotBytes is one object slot: everything Ruby allocates costs at least
	// this (the RVALUE of 3.1, the smallest size pool of 3.2+).
	slotBytes = 40

	// Ruby 3.1 (measured): a string of at most 23 bytes is embedded in its
	// slot; a longer one has a heap buffer of length + 1 (terminator).
	embeddedStringMax31 = 23

	// Ruby 3.2+ (derived): an embedded string's contents follow a 24-byte
	// header (flags, class, length: string.c's offsetof(struct RString,
	// as.embed.ary)) plus the terminator, in the smallest slot that holds
	// them; strings that fit no slot go to the heap as in 3.1.
	stringHeader32  = 24
	largestSlot32   = 640
	stringTermBytes = 1

	// Arrays (measured on 3.1; array.c is unchanged in this respect through
	// 3.3): Psych builds a sequence with [] and push. [] is embedded with
	// room for 3 elements; past that push moves it to a heap buffer of
	// 8 bytes per element of capacity, growing by ary_double_capa:
	// capacity = max(capacity/2, 16) + the length needed.
	embeddedArrayMax = 3
	arrayDefaultSize = 16

	// Hashes. Psych builds a mapping with {} and []=.
	//   3.1 (measured): an empty hash is its slot (40); 1 to 8 entries add an
	//   ar_table (168 in all); from 9 entries it is an st_table, sized below.
	//   3.3 (derived, ruby/ruby#7742): {} takes a 160-byte slot that holds
	//   the ar_table; an st_table lives in that slot too, and memsize_of adds
	//   st_memsize minus sizeof(st_table) (gc.c: "st_table is in the slot").
	smallHashMaxEntries = 8
	smallHash31         = 168
	hashSlot33          = 160
	stTableStruct       = 56
	stEntryBytes        = 24 // hash, key, record
	// An st_table converted from an ar_table has room for at least 32
	// entries (measured: 9 to 32 entries price the same), doubling after.
	stMinCapacity = 32
)

// rubyVersion is a Ruby release whose memsize_of figures differ.
type rubyVersion int

const (
	ruby31 rubyVersion = iota
	ruby32
	ruby33
	rubyVersions // how many
)

// rubyStringBytes is memsize_of of a String of n bytes.
func rubyStringBytes(v rubyVersion, n int) int {
	if v == ruby31 {
		if n <= embeddedStringMax31 {
			return slotBytes
		}
		return slotBytes + n + stringTermBytes
	}
	need := stringHeader32 + n + stringTermBytes
	if need > largestSlot32 {
		return slotBytes + n + stringTermBytes
	}
	slot := slotBytes
	for slot < need {
		slot *= 2
	}
	return slot
}

// rubyArrayBytes is memsize_of of an Array Psych filled with n elements
// (the same on every version).
func rubyArrayBytes(n int) int {
	if n <= embeddedArrayMax {
		return slotBytes
	}
	capacity := embeddedArrayMax
	for capacity < n {
		// ary_double_capa(ary, len + 1) on the push that overflows.
		capacity = max(capacity/2, arrayDefaultSize) + capacity + 1
	}
	return slotBytes + 8*capacity
}

// rubyHashBytes is memsize_of of a Hash Psych filled with n distinct keys.
func rubyHashBytes(v rubyVersion, n int) int {
	if v == ruby33 {
		if n <= smallHashMaxEntries {
			return hashSlot33
		}
		return hashSlot33 + stMemsize(n) - stTableStruct
	}
	switch {
	case n == 0:
		return slotBytes
	case n <= smallHashMaxEntries:
		return smallHash31
	}
	return slotBytes + stMemsize(n)
}

// stMemsize is st.c's st_memsize for a table holding n entries: the struct,
// the entries array and the bins, which are 2 per entry of capacity and 1,
// 2, 4 or 8 bytes wide depending on how many there are (measured up to
// 2,048 entries on 3.1).
func stMemsize(n int) int {
	capacity := stMinCapacity
	for capacity < n {
		capacity *= 2
	}
	bins := 2 * capacity
	width := 8
	switch {
	case bins <= 1<<8:
		width = 1
	case bins <= 1<<16:
		width = 2
	case bins <= 1<<32:
		width = 4
	}
	return stTableStruct + stEntryBytes*capacity + bins*width
}

// rubyIntegerBytes prices a YAML 1.1 integer as Psych reads it: a Fixnum
// (-2^62 to 2^62-1) is an immediate and costs nothing; a Bignum is an
// object whose digits are embedded up to 3 words and on the heap after.
// Unparseable text is priced as the largest Bignum it could be.
func rubyIntegerBytes(text string) int {
	v, ok := psychInteger(text)
	if !ok {
		return slotBytes + 8*(len(text)/16+1)
	}
	if v.IsInt64() {
		if i := v.Int64(); i >= -(1<<62) && i < 1<<62 {
			return 0
		}
	}
	words := (v.BitLen() + 63) / 64
	if words <= 3 {
		return slotBytes
	}
	return slotBytes + 8*words
}

// psychInteger parses Psych's integer forms: optional sign, underscores,
// 0b, 0x, 0o and leading-0 octal, and base 60 (1:30).
func psychInteger(text string) (*big.Int, bool) {
	s := strings.ReplaceAll(text, "_", "")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	v := new(big.Int)
	switch {
	case strings.Contains(s, ":"):
		for _, part := range strings.Split(s, ":") {
			d, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				return nil, false
			}
			v.Mul(v, big.NewInt(60))
			v.Add(v, big.NewInt(d))
		}
	case strings.HasPrefix(s, "0b"), strings.HasPrefix(s, "0x"), strings.HasPrefix(s, "0o"):
		base := map[byte]int{'b': 2, 'x': 16, 'o': 8}[s[1]]
		if _, ok := v.SetString(s[2:], base); !ok {
			return nil, false
		}
	case len(s) > 1 && s[0] == '0':
		if _, ok := v.SetString(s[1:], 8); !ok {
			return nil, false
		}
	default:
		if _, ok := v.SetString(s, 10); !ok {
			return nil, false
		}
	}
	if neg {
		v.Neg(v)
	}
	return v, true
}

// rubyFloatBytes prices a Float: a flonum (an immediate, 0 bytes) when
// Ruby can pack it (numeric.h rb_float_new_inline: +0.0, or an exponent
// whose top bits are 3 or 4), else a heap Float of one slot (measured:
// 1.5 and 0.1 are 0, 1e300 and 2e-320 are 40). Text that does not parse is
// priced as a heap Float.
func rubyFloatBytes(text string) int {
	f, ok := psychFloat(text)
	if !ok {
		return slotBytes
	}
	b := math.Float64bits(f)
	if b == 0 {
		return 0
	}
	if top := (b >> 60) & 7; b != 0x3000000000000000 && (top == 3 || top == 4) {
		return 0
	}
	return slotBytes
}

func psychFloat(text string) (float64, bool) {
	s := strings.ToLower(strings.ReplaceAll(text, "_", ""))
	switch strings.TrimLeft(s, "+-") {
	case ".inf":
		return math.Inf(1), true
	case ".nan":
		return math.NaN(), true
	}
	if strings.Contains(s, ":") {
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimLeft(s, "+-")
		var v float64
		for _, part := range strings.Split(s, ":") {
			d, err := strconv.ParseFloat(part, 64)
			if err != nil {
				return 0, false
			}
			v = v*60 + d
		}
		if neg {
			v = -v
		}
		return v, true
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// ValueSize estimates what a decoded JSON value (map[string]any, []any,
// string, json.Number, bool, nil; as the renderer holds a job) costs in
// GitLab's parsed-YAML measure once written and loaded: the largest of the
// Ruby versions' figures for it, hash keys included. The renderer quotes
// every string that Psych would read as something else, so a string here is
// a String there.
func ValueSize(v any) int {
	var sizes [rubyVersions]int
	addValueSize(&sizes, v)
	return max(sizes[ruby31], sizes[ruby32], sizes[ruby33])
}

func addValueSize(sizes *[rubyVersions]int, v any) {
	addAll := func(n int) {
		for i := range rubyVersions {
			sizes[i] += n
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for i := range rubyVersions {
			sizes[i] += rubyHashBytes(i, len(x))
		}
		for k, e := range x {
			addValueSize(sizes, k)
			addValueSize(sizes, e)
		}
	case []any:
		addAll(rubyArrayBytes(len(x)))
		for _, e := range x {
			addValueSize(sizes, e)
		}
	case string:
		for i := range rubyVersions {
			sizes[i] += rubyStringBytes(i, len(x))
		}
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			addAll(rubyFloatBytes(x.String()))
		} else {
			addAll(rubyIntegerBytes(x.String()))
		}
	case float64:
		addAll(rubyFloatBytes(strconv.FormatFloat(x, 'g', -1, 64)))
	case int:
		addAll(rubyIntegerBytes(strconv.Itoa(x)))
	case int64:
		addAll(rubyIntegerBytes(strconv.FormatInt(x, 10)))
	}
}
