package schema

import (
	"testing"
)

// TestInterpolate: inputs are replaced as GitLab replaces them: a block
// that is the whole value keeps the input's type, a block inside a string
// becomes text, given values win over defaults, functions apply, and the
// component context is left for GitLab.
func TestInterpolate(t *testing.T) {
	src := []byte(`spec:
  inputs:
    stage:
      default: test
    paths:
      type: array
      default: [a.yml, b.yml]
    retries:
      type: number
      default: 2
    strict:
      type: boolean
      default: false
    name:
      default: "it's a name"
---
"job-$[[ inputs.stage ]]":
  stage: $[[ inputs.stage ]]
  retry: $[[ inputs.retries ]]
  allow_failure: $[[ inputs.strict ]]
  artifacts:
    paths: $[[ inputs.paths ]]
  script:
    - echo $[[ inputs.name | posix_escape ]]
    - echo $[[ inputs.stage | truncate(1,2) ]] $[[ component.version ]]
`)
	for _, tc := range []struct {
		name   string
		inputs map[string]any
		want   string
	}{
		{"defaults", nil, `job-test:
  stage: test
  retry: 2
  allow_failure: false
  artifacts:
    paths:
      - a.yml
      - b.yml
  script:
    - echo it\'s\ a\ name
    - echo es $[[ component.version ]]
`},
		{"given", map[string]any{"stage": "deploy", "paths": []any{"x.yml"}, "strict": true, "retries": float64(0)}, `job-deploy:
  stage: deploy
  retry: 0
  allow_failure: true
  artifacts:
    paths:
      - x.yml
  script:
    - echo it\'s\ a\ name
    - echo ep $[[ component.version ]]
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, fs := Interpolate("c.yml", src, tc.inputs)
			if len(fs) > 0 {
				t.Fatalf("findings:\n%s", render(fs))
			}
			if string(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestInterpolateWrongTypeGiven: a given value of the wrong type is
// reported and its blocks are left as they are.
func TestInterpolateWrongTypeGiven(t *testing.T) {
	src := []byte("spec:\n  inputs:\n    n:\n      type: number\n---\njob:\n  retry: $[[ inputs.n ]]\n  script: x\n")
	got, fs := Interpolate("c.yml", src, map[string]any{"n": "two"})
	if len(fs) != 1 || fs[0].Rule != RuleSpecInputs || fs[0].Message != "`n` input: provided value is not a number" {
		t.Fatalf("findings:\n%s", render(fs))
	}
	if want := "job:\n  retry: $[[ inputs.n ]]\n  script: x\n"; string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestInterpolateNoHeader: without a spec header nothing is interpolated
// (GitLab leaves the text alone).
func TestInterpolateNoHeader(t *testing.T) {
	src := []byte("job:\n  script: echo $[[ inputs.x ]]\n")
	got, fs := Interpolate("c.yml", src, nil)
	if len(fs) != 0 || string(got) != string(src) {
		t.Errorf("got %q, %v", got, fs)
	}
}

// TestInterpolateTruncateHugeLength: a length near MaxInt does not
// overflow into a bad slice.
func TestInterpolateTruncateHugeLength(t *testing.T) {
	src := []byte("spec:\n  inputs:\n    s:\n      default: abcdef\n---\njob:\n  script: echo $[[ inputs.s | truncate(2,9223372036854775807) ]]\n")
	got, fs := Interpolate("c.yml", src, nil)
	if len(fs) > 0 || string(got) != "job:\n  script: echo cdef\n" {
		t.Errorf("got %q, %v", got, fs)
	}
}
