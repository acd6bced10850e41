// Package par runs a few independent pieces of work at once. Where the data
// path spreads one step over the cores (the validator's parse and GitLab's
// schema, the emitter, the renderer's walks), it cuts the step into as many
// pieces as Workers says and hands them to Do. (Evaluation has its own pool:
// its workers keep a go-jsonnet VM each and pull chunks from a queue.)
package par

import (
	"runtime"
	"sync"
)

// Workers is how many pieces to cut n items into: GOMAXPROCS when there are
// at least min of them, 1 (no goroutine) otherwise.
func Workers(n, min int) int {
	if n < min {
		return 1
	}
	return max(1, runtime.GOMAXPROCS(0))
}

// Do calls fn(0), …, fn(n-1), each on its own goroutine but the last, which
// runs on the caller's, and returns when all have returned. With n == 1 it
// is a plain call.
func Do(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := 0; i < n-1; i++ {
		wg.Go(func() { fn(i) })
	}
	if n > 0 {
		fn(n - 1)
	}
	wg.Wait()
}

// Stride calls fn(i) for every i in [0, n), on Workers(n, min) goroutines,
// each taking every w-th index from its own start; fn receives the piece
// it runs in (0 ≤ piece < w), for per-piece results.
func Stride(n, min int, fn func(piece, i int)) (w int) {
	w = Workers(n, min)
	Do(w, func(piece int) {
		for i := piece; i < n; i += w {
			fn(piece, i)
		}
	})
	return w
}
