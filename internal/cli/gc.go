package cli

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
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
// In a container with a memory limit, the limit by size is at most half of
// it (containerLimit).
//
// GOGC or GOMEMLIMIT in the environment leave the runtime's settings alone
// (GOMEMLIMIT alone: GOGC=gcPercent under it). Library callers keep their
// own: only Main calls TuneGC (and tools/bench, to time the library as the
// command runs it).
const (
	gcPercent = 200
	heapLimit = 320 << 20
)

// TuneGC applies the settings above, unless the environment (read through
// lookupEnv) sets GOGC or GOMEMLIMIT.
func TuneGC(lookupEnv func(string) (string, bool)) {
	tuneGC(lookupEnv, os.ReadFile)
}

func tuneGC(lookupEnv func(string) (string, bool), readFile func(string) ([]byte, error)) int64 {
	if _, set := lookupEnv("GOGC"); set {
		return 0
	}
	if _, set := lookupEnv("GOMEMLIMIT"); set {
		debug.SetGCPercent(gcPercent)
		return 0
	}
	limit := int64(heapLimit)
	if c, ok := containerLimit(readFile); ok {
		// In a container with a memory limit, collect by size under half
		// of it, so that a small limit is not overrun before the first
		// collection.
		limit = min(limit, c/2)
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(limit)
	afterEachGC(func(live uint64) bool { return keepLimit(live, limit) })
	return limit
}

// keepLimit decides, after a collection that left live bytes, whether the
// command keeps collecting by size under limit (true), or switches to
// collecting by rate for the rest of the run.
func keepLimit(live uint64, limit int64) bool {
	if live < uint64(limit/2) {
		return true
	}
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(math.MaxInt64)
	return false
}

// containerLimit is the memory limit of the container the command runs in,
// when it has one: the memory.max of its cgroup (v2) or memory.limit_in_bytes
// (v1), which a container sees at the root of /sys/fs/cgroup. This reads
// the process's own resource limit, as the Go runtime reads its CPU quota,
// nothing of the repository.
func containerLimit(readFile func(string) ([]byte, error)) (int64, bool) {
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := readFile(p)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n <= 0 || n >= 1<<50 { // "max", or v1's "unlimited" (about 2^63)
			return 0, false
		}
		return n, true
	}
	return 0, false
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
