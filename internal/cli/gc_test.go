package cli

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

func gcPercentNow() int  { p := debug.SetGCPercent(0); debug.SetGCPercent(p); return p }
func memLimitNow() int64 { return debug.SetMemoryLimit(-1) } // a negative limit reads it

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))

	// Neither set: collections by size, under heapLimit.
	debug.SetGCPercent(100)
	noCgroup := func(string) ([]byte, error) { return nil, os.ErrNotExist }
	tuneGC(func(string) (string, bool) { return "", false }, noCgroup)
	if p, l := gcPercentNow(), memLimitNow(); p != -1 || l != heapLimit {
		t.Fatalf("GOGC unset: GC percent %d, memory limit %d; want off under %d", p, l, heapLimit)
	}
	// A small live heap keeps them; a live heap of half the limit or
	// more switches to GOGC=gcPercent without a limit.
	if !keepLimit(heapLimit/2-1, heapLimit) {
		t.Fatal("keepLimit gave up the limit below half of it")
	}
	if p, l := gcPercentNow(), memLimitNow(); p != -1 || l != heapLimit {
		t.Fatalf("after a small live heap: GC percent %d, memory limit %d", p, l)
	}
	if keepLimit(heapLimit/2, heapLimit) {
		t.Fatal("keepLimit kept the limit at half of it")
	}
	if p, l := gcPercentNow(), memLimitNow(); p != gcPercent || l != math.MaxInt64 {
		t.Errorf("after a large live heap: GC percent %d, memory limit %d; want %d and none", p, l, gcPercent)
	}

	// In a container limited to 256 MiB: collect under 128 MiB.
	cgroup := func(p string) ([]byte, error) {
		if p == "/sys/fs/cgroup/memory.max" {
			return []byte("268435456\n"), nil
		}
		return nil, os.ErrNotExist
	}
	if l := tuneGC(func(string) (string, bool) { return "", false }, cgroup); l != 128<<20 || memLimitNow() != 128<<20 {
		t.Errorf("in a 256 MiB container: limit %d, runtime's %d; want 128 MiB", l, memLimitNow())
	}
	for body, want := range map[string]bool{"max\n": false, "9223372036854771712\n": false, "1073741824": true, "junk": false} {
		_, ok := containerLimit(func(string) ([]byte, error) { return []byte(body), nil })
		if ok != want {
			t.Errorf("containerLimit(%q) found a limit: %v, want %v", body, ok, want)
		}
	}

	debug.SetGCPercent(100)
	TuneGC(func(k string) (string, bool) { return "50", k == "GOGC" })
	if p := gcPercentNow(); p != 100 {
		t.Errorf("GOGC set: GC percent changed to %d, want it left alone", p)
	}
	debug.SetMemoryLimit(1 << 40)
	TuneGC(func(k string) (string, bool) { return "1TiB", k == "GOMEMLIMIT" })
	if p, l := gcPercentNow(), memLimitNow(); p != gcPercent || l != 1<<40 {
		t.Errorf("GOMEMLIMIT set: GC percent %d, memory limit %d; want %d and the limit left alone", p, l, gcPercent)
	}
}

// TestAfterEachGC: the callback runs after every collection, with the live
// heap, until it returns false.
func TestAfterEachGC(t *testing.T) {
	var calls atomic.Int32
	var sawLive atomic.Bool
	afterEachGC(func(live uint64) bool {
		if live > 0 {
			sawLive.Store(true)
		}
		return calls.Add(1) < 3
	})
	deadline := time.Now().Add(10 * time.Second)
	for calls.Load() < 3 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 5; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("callback ran %d times, want 3 (it returned false on the third)", n)
	}
	if !sawLive.Load() {
		t.Error("the callback never saw a live heap")
	}
}
