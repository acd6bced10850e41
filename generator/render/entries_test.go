package render

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/internal/yaml11/psychtest"
)

// TestParseEntriesIsParse: the validator reads a large rendered file in
// parts, at the entries the emitter reports (Document.Entries,
// cidoc.ParseEntries); the document is the one a single parse builds,
// node for node: lines, columns, styles, tags, comments.
func TestParseEntriesIsParse(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	strs := append(append([]string{}, psychtest.SpecialForms...), psychtest.RandomStrings(11, 500)...)
	strs = append(strs, strings.Repeat("k", 129), "a\nb\n", "x\n\n", "  lead", "&anchor", "*alias", "? q", "--- x", "# c", "|+\n\n")
	head := header(Header{Version: "test", Base: "abc", Head: "def", Rule: "push", Reason: "why"}, 3, nil)
	// Lines are counted by '\n' in the parts; a file with another break
	// YAML counts is read whole (trial 2 has them).
	oddBreak := func(s string) bool { return strings.ContainsAny(s, "\r\u0085\u2028\u2029") }
	var plain []string
	for _, s := range strs {
		if !oddBreak(s) {
			plain = append(plain, s)
		}
	}
	all := strs
	r := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 4; trial++ {
		strs := plain
		if trial == 2 {
			strs = all
		}
		var top topLevel
		seen := map[string]bool{}
		size := 0
		for size < 300<<10 {
			k := strs[r.IntN(len(strs))] + "/" + strs[r.IntN(len(strs))]
			if seen[k] {
				continue
			}
			seen[k] = true
			v := randomValue(r, strs, roundTripNumbers, 0)
			if trial%2 == 1 {
				v = benchJobs(1)["build:svc-0000:linux-amd64"]
			}
			top.add(k, v, r.IntN(2) == 0)
			size += len(k) + 60
		}
		out, starts, err := encodeEntries(head, top)
		if err != nil {
			t.Fatal(err)
		}
		whole, err := cidoc.Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		parts, err := cidoc.ParseEntries(out, starts)
		if err != nil {
			t.Fatal(err)
		}
		if parts.Parts < 2 && (trial != 2 || !oddBreak(string(out))) {
			t.Fatalf("trial %d: a %d-byte file of %d entries was read in one part", trial, len(out), len(starts))
		}
		whole.Parts = parts.Parts
		if !reflect.DeepEqual(whole, parts) {
			t.Fatalf("trial %d: reading in %d parts gives another document than one parse: %s", trial, parts.Parts, firstDifference(whole.Content, parts.Content))
		}
	}
}

// firstDifference describes the first node where a and b differ.
func firstDifference(a, b *yaml.Node) string {
	if a == nil || b == nil {
		return fmt.Sprintf("%v vs %v", a, b)
	}
	ca, cb := *a, *b
	ca.Content, cb.Content, ca.Alias, cb.Alias = nil, nil, nil, nil
	if !reflect.DeepEqual(ca, cb) || len(a.Content) != len(b.Content) {
		return fmt.Sprintf("%+v (%d children)\nvs %+v (%d children)", ca, len(a.Content), cb, len(b.Content))
	}
	for i := range a.Content {
		if d := firstDifference(a.Content[i], b.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// TestParallelEmitIsSerial: a large document written on several goroutines
// is byte for byte the one written on one, with the same entry offsets,
// whatever the entries end with (a line break after a block scalar, or
// not), and the same error for a string that is not UTF-8.
func TestParallelEmitIsSerial(t *testing.T) {
	strs := append(append([]string{}, psychtest.SpecialForms...), psychtest.RandomStrings(13, 300)...)
	strs = append(strs, "a\nb\n", "x\n\n", "|+\n\n", strings.Repeat("k", 129), "tail\n")
	r := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 20; trial++ {
		var top topLevel
		seen := map[string]bool{}
		n := parallelEntries + r.IntN(3*parallelEntries)
		for len(top.keys) < n {
			k := strs[r.IntN(len(strs))] + "/" + strs[r.IntN(len(strs))]
			if seen[k] {
				continue
			}
			seen[k] = true
			var v any = strs[r.IntN(len(strs))] // often a block scalar that ends its line
			switch {
			case trial%3 == 0:
				v = "line\n" + k + "\n" // every entry ends with its block scalar's break
			case r.IntN(2) == 0:
				v = randomValue(r, strs, roundTripNumbers, 0)
			}
			top.add(k, v, r.IntN(2) == 0)
		}
		if trial%5 == 4 {
			top.values[len(top.keys)-1-r.IntN(len(top.keys)/2)] = "bad \xff"
			top.values[len(top.keys)-1] = "worse \xfe"
		}
		head := "# head"
		want, wantStarts, wantErr := emitDocumentIn(head, top.keys, top.values, top.jobLevel, 0, 1)
		for _, workers := range []int{2, 3, 4} {
			got, gotStarts, gotErr := emitDocumentIn(head, top.keys, top.values, top.jobLevel, 0, workers)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Fatalf("trial %d, %d workers: error %v, serial %v", trial, workers, gotErr, wantErr)
			}
			if string(got) != string(want) || !reflect.DeepEqual(gotStarts, wantStarts) {
				t.Fatalf("trial %d, %d workers: the bytes or offsets differ from the serial emitter's", trial, workers)
			}
		}
	}
}
