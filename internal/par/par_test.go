package par

import (
	"runtime"
	"sync/atomic"
	"testing"
)

func TestDoCallsEachOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7} {
		calls := make([]atomic.Int32, n)
		Do(n, func(i int) { calls[i].Add(1) })
		for i := range calls {
			if c := calls[i].Load(); c != 1 {
				t.Errorf("Do(%d): fn(%d) called %d times", n, i, c)
			}
		}
	}
}

func TestStrideCoversEveryIndexOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	for _, c := range []struct{ n, min, pieces int }{{10, 64, 1}, {100, 64, 3}, {64, 64, 3}, {0, 0, 3}} {
		seen := make([]atomic.Int32, c.n)
		var bad atomic.Bool
		w := Stride(c.n, c.min, func(piece, i int) {
			if piece < 0 || piece >= 3 || i%max(1, c.pieces) != piece%max(1, c.pieces) && c.pieces > 1 {
				bad.Store(true)
			}
			seen[i].Add(1)
		})
		if w != c.pieces || bad.Load() {
			t.Errorf("Stride(%d, %d): %d pieces (want %d), bad piece %v", c.n, c.min, w, c.pieces, bad.Load())
		}
		for i := range seen {
			if s := seen[i].Load(); s != 1 {
				t.Errorf("Stride(%d, %d): index %d seen %d times", c.n, c.min, i, s)
			}
		}
	}
}
