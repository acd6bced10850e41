package cli

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// The garbage collector's settings for the command. One run allocates a
// lot and keeps little: go-jsonnet's values die with each batch of cells,
// and the rendered file and the validator's tree live until the end, so a
// collection finds a small live heap and is wasted work until the heap is
// large. At 4,000 jobs Go's default (GOGC=100) spent about a quarter of
// the CPU collecting, and even GOGC=200 a tenth.
//
// So the command does not collect by rate at all (GOGC=off) but by size:
// the soft memory limit heapLimit makes the runtime collect when the heap
// nears it. While the live heap after a collection stays under half the
// limit this costs a collection per heapLimit/2 or more of allocation; once
// it grows past half (a run far larger than 4,000 jobs), collections by
// size would come ever closer together, and the command switches to
// GOGC=gcPercent with no limit, paced as a long run needs. At 4,000 jobs:
// about 1.14 -> 1.01 s wall and 2.03 -> 1.80 s CPU, peak RSS about 336 MB,
// the same time as not collecting at all (docs/performance.md).
//
// GOGC or GOMEMLIMIT in the environment leave the runtime's settings alone
// (GOMEMLIMIT alone: GOGC=gcPercent under it). Library callers keep their
// own: only Main calls TuneGC (and tools/bench, to time the library as the
// command runs it).
const (
	gcPercent = 200
	heapLimit = 320 << 20
)

func TuneGC(lookupEnv func(string) (string, bool)) {
	if _, set := lookupEnv("GOGC"); set {
		return
	}
	if _, set := lookupEnv("GOMEMLIMIT"); set {
		debug.SetGCPercent(gcPercent)
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(heapLimit)
	afterEachGC(keepLimit)
}

// keepLimit decides, after a collection that left live bytes, whether the
// command keeps collecting by size (true), or switches to collecting by
// rate for the rest of the run.
func keepLimit(live uint64) bool {
	if live < heapLimit/2 {
		return true
	}
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(math.MaxInt64)
	return false
}

// afterEachGC calls f with the live heap after each garbage collection
// until f returns false: the finalizer of an object nothing refers to runs
// after the collection that finds it unreachable, and arms the next one.
// (The object is larger than the 16 bytes the runtime packs into shared
// blocks, whose finalizers may never run.)
func afterEachGC(f func(live uint64) bool) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	arm = func() {
		runtime.SetFinalizer(new([64]byte), func(*[64]byte) {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 && f(sample[0].Value.Uint64()) {
				arm()
			}
		})
	}
	arm()
}
