package schema

import (
	"math/rand"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestValueSizeMatchesParsedSize: the renderer's view (ValueSize of the
// values it is about to write) and the validator's (ParsedSize of the
// written YAML) agree, so compaction can decide on values alone.
func TestValueSizeMatchesParsedSize(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 200; i++ {
		doc := randomDocument(rng)
		data, err := yaml.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := ParsedSize(data)
		if err != nil {
			t.Fatal(err)
		}
		if got := ValueSize(doc); got != want {
			t.Fatalf("document %d: ValueSize %d, ParsedSize %d\n%s", i, got, want, data)
		}
	}
}

// TestRubySizeClasses pins the measured Ruby 3.1 figures the model is
// built on (the Ruby test re-measures them; these keep them from drifting
// when Ruby is absent).
func TestRubySizeClasses(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"string 23", rubyStringBytes(ruby31, 23), 40},
		{"string 24", rubyStringBytes(ruby31, 24), 65},
		{"string 15 on 3.3", rubyStringBytes(ruby33, 15), 40},
		{"string 16 on 3.3", rubyStringBytes(ruby33, 16), 80},
		{"string 615 on 3.3", rubyStringBytes(ruby33, 615), 640},
		{"string 616 on 3.3", rubyStringBytes(ruby33, 616), 657},
		{"array 3", rubyArrayBytes(3), 40},
		{"array 4", rubyArrayBytes(4), 200},
		{"array 20", rubyArrayBytes(20), 200},
		{"array 21", rubyArrayBytes(21), 336},
		{"array 984", rubyArrayBytes(984), 11840},
		{"array 1476", rubyArrayBytes(1476), 17744},
		{"hash 0", rubyHashBytes(ruby31, 0), 40},
		{"hash 8", rubyHashBytes(ruby31, 8), 168},
		{"hash 9", rubyHashBytes(ruby31, 9), 928},
		{"hash 32", rubyHashBytes(ruby31, 32), 928},
		{"hash 33", rubyHashBytes(ruby31, 33), 1760},
		{"hash 129", rubyHashBytes(ruby31, 129), 7264},
		{"hash 2049", rubyHashBytes(ruby31, 2049), 114784},
		{"hash 0 on 3.3", rubyHashBytes(ruby33, 0), 160},
		{"hash 9 on 3.3", rubyHashBytes(ruby33, 9), 992},
		{"fixnum", rubyIntegerBytes("4611686018427387903"), 0},
		{"bignum", rubyIntegerBytes("4611686018427387904"), 40},
		{"flonum", rubyFloatBytes("1.5"), 0},
		{"heap float", rubyFloatBytes("1e300"), 40},
		{"tiny float", rubyFloatBytes("2.0e-320"), 40},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
}
