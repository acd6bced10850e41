package cli

import (
	"math"
	"runtime"
	"runtime/debug"
)

// The garbage collector's settings for the command. One run builds a large
// short-lived heap (go-jsonnet's values, the rendered file, the validator's
// tree) and exits, so most of what a collection finds is still live, and
// every collection before the heap is large is wasted work: at 4,000 jobs,
// Go's default (GOGC=100) spent about a quarter of the CPU collecting.
//
// So the command does not collect at all until the heap reaches freeHeap
// (GOGC=off with a soft memory limit), and from the first collection on
// it collects at gcPercent with no limit, as a long run needs: a run that
// stays under freeHeap never collects, and a larger one is paced as if
// GOGC=gcPercent, after one collection at freeHeap. At 4,000 jobs this
// took generate --all from 1.18 to 0.98 s wall (2.04 -> 1.68 s CPU), peak
// RSS about 265 MB (docs/performance.md).
//
// GOGC or GOMEMLIMIT in the environment leave the runtime's settings alone.
// Library callers keep their own: only Main calls TuneGC (and tools/bench, to time the library as the command runs it).
const (
	gcPercent = 200
	freeHeap  = 256 << 20
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
	debug.SetMemoryLimit(freeHeap)
	afterFirstGC(func() {
		debug.SetGCPercent(gcPercent)
		debug.SetMemoryLimit(math.MaxInt64)
	})
}

// afterFirstGC calls f once, after the next garbage collection: the
// finalizer of an object nothing refers to runs after the collection that
// finds it unreachable. (The object is larger than the 16 bytes the
// runtime packs into shared blocks, whose finalizers may never run.)
func afterFirstGC(f func()) {
	sentinel := new([64]byte)
	runtime.SetFinalizer(sentinel, func(*[64]byte) { f() })
}
