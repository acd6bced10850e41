package cli

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	percent := func() int { p := debug.SetGCPercent(0); debug.SetGCPercent(p); return p }
	limit := func() int64 { return debug.SetMemoryLimit(-1) } // a negative limit reads it

	// Neither set: no collection until freeHeap, then gcPercent unlimited.
	debug.SetGCPercent(100)
	TuneGC(func(string) (string, bool) { return "", false })
	if p, l := percent(), limit(); p != -1 || l != freeHeap {
		t.Fatalf("GOGC unset: GC percent %d, memory limit %d; want off until %d", p, l, freeHeap)
	}
	runtime.GC()
	deadline := time.Now().Add(10 * time.Second)
	for percent() != gcPercent && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if p, l := percent(), limit(); p != gcPercent || l != math.MaxInt64 {
		t.Errorf("after the first collection: GC percent %d, memory limit %d; want %d and none", p, l, gcPercent)
	}

	debug.SetGCPercent(100)
	TuneGC(func(k string) (string, bool) { return "50", k == "GOGC" })
	if p := percent(); p != 100 {
		t.Errorf("GOGC set: GC percent changed to %d, want it left alone", p)
	}
	TuneGC(func(k string) (string, bool) { return "1GiB", k == "GOMEMLIMIT" })
	if p, l := percent(), limit(); p != gcPercent || l != math.MaxInt64 {
		t.Errorf("GOMEMLIMIT set: GC percent %d, memory limit %d; want %d and the limit left alone", p, l, gcPercent)
	}
}
