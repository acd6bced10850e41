package schema

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/internal/gitlabschema"
)

// TestParsedSizeAgainstRuby runs GitLab's own measure (Psych's safe_load
// with aliases, then ObjectSpace.memsize_of of every object reached, as
// Gitlab::Utils::DeepSize does; shared/oracles/deepsize.rb) on the goldens,
// the validator's fixtures, large realistic pipelines and random documents,
// and checks that the estimate is never below Ruby's figure. Ruby here is
// Debian's 3.1: the model's 3.1 total must equal it, byte for byte.
// The validator uses the largest of the 3.1, 3.2 and 3.3 totals
// (rubysize.go), which can sit further above 3.1's: GitLab.com runs 3.3.
func TestParsedSizeAgainstRuby(t *testing.T) {
	deepsize := rubyOracle(t, "deepsize.rb")
	dir := t.TempDir()
	var files []string
	add := func(name string, data []byte) {
		p := filepath.Join(dir, fmt.Sprintf("%03d-%s", len(files), strings.ReplaceAll(name, "/", "_")))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	for _, pattern := range []string{"../testdata/golden/*/*.yml", "testdata/valid/*.yml", "testdata/invalid/*.yml"} {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			data, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			add(filepath.Base(m), data)
		}
	}
	for _, n := range []int{1, 10, 100, 400} {
		add(fmt.Sprintf("realistic-%d.yml", n), realisticPipeline(n))
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 120; i++ {
		data, err := yaml.Marshal(randomDocument(rng))
		if err != nil {
			t.Fatal(err)
		}
		add(fmt.Sprintf("random-%d.yml", i), data)
	}

	ruby := runRuby(t, deepsize, files)
	checked := 0
	for _, f := range files {
		got, ok := ruby[f]
		if !ok {
			continue // Psych rejects it (the fixtures include invalid YAML)
		}
		data, _ := os.ReadFile(f)
		if doc, err := cidoc.Parse(data); err != nil || doc.Header != nil {
			// yaml.v3 rejects what Psych accepted (not a size question), or
			// a spec: header, where deepsize.rb loads only the header.
			continue
		}
		w, err := measure(data)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		name := filepath.Base(f)
		// The Ruby that runs here is 3.1, and the model's 3.1 total is
		// exact (the issue allowed 0 to +15 %; any drift is a model error).
		if est := w.sizes[ruby31]; est != got {
			t.Errorf("%s: the Ruby 3.1 estimate is %d, Ruby 3.1 measures %d (%+.2f %%)", name, est, got, 100*float64(est-got)/float64(max(got, 1)))
		}
		// What the validator uses is the largest version's total.
		if w.total() < got {
			t.Errorf("%s: estimate %d is below Ruby 3.1's %d", name, w.total(), got)
		}
	}
	if checked < 120 {
		t.Fatalf("only %d documents were compared with Ruby", checked)
	}
}

// rubyOracle finds a script of shared/oracles and the ruby to run it, or
// skips (fails under CI=true) without them.
func rubyOracle(t *testing.T, script string) string {
	t.Helper()
	shared, ok := gitlabschema.SharedDir()
	path := filepath.Join(shared, "oracles", script)
	if _, err := os.Stat(path); !ok || err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; CI=true requires the Ruby oracles in ../shared/oracles", path)
		}
		t.Skipf("no ../shared/oracles/%s beside the repository; the comparison with Ruby is skipped", script)
	}
	if _, err := exec.LookPath("ruby"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ruby is not installed, and CI=true requires the comparison with Ruby (.ci/run installs it)")
		}
		t.Skip("ruby is not installed; the comparison with Ruby is skipped (apt-get install ruby)")
	}
	return path
}

// runRuby runs deepsize.rb once over every file and returns bytes by file;
// files Psych rejects are left out. deepsize.rb stops at the first file
// Psych rejects, so it is run again on the rest.
func runRuby(t *testing.T, script string, files []string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for len(files) > 0 {
		cmd := exec.Command("ruby", script)
		cmd.Args = append(cmd.Args, files...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		done := 0
		sc := bufio.NewScanner(&stdout)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) != 3 {
				t.Fatalf("deepsize.rb printed %q", sc.Text())
			}
			n, _ := strconv.Atoi(fields[0])
			out[fields[2]] = n
			done++
		}
		if err == nil {
			break
		}
		if done >= len(files) {
			t.Fatalf("deepsize.rb: %v\n%s", err, stderr.String())
		}
		files = files[done+1:] // skip the file Psych rejected
	}
	return out
}

// realisticPipeline is n jobs of the shape the issue measured: image, tags,
// variables, script, rules with changes, needs on the parent pipeline,
// artifacts with reports, retry, before_script, interruptible, stage.
func realisticPipeline(n int) []byte {
	var b strings.Builder
	b.WriteString("stages: [build, test]\n")
	for i := 0; i < n; i++ {
		target := fmt.Sprintf("services/svc-%04d", i/4)
		arch := []string{"amd64", "arm64", "amd64", "arm64"}[i%4]
		osName := []string{"linux", "linux", "windows", "windows"}[i%4]
		fmt.Fprintf(&b, "build:%s:%s:%s:\n", target, osName, arch)
		fmt.Fprintf(&b, "  stage: build\n  image: registry.example.com/ci/builder-%s:1.22\n  interruptible: true\n", osName)
		fmt.Fprintf(&b, "  tags: [%s-%s]\n", osName, arch)
		fmt.Fprintf(&b, "  retry: {max: 2, when: [runner_system_failure, stuck_or_timeout_failure]}\n")
		fmt.Fprintf(&b, "  variables:\n    TARGET: %s\n    GOOS: %s\n    GOARCH: %s\n    CGO_ENABLED: \"0\"\n", target, osName, arch)
		b.WriteString("  before_script:\n    - git config --global url.\"https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/\".insteadOf https://gitlab.example.com/\n")
		fmt.Fprintf(&b, "  script:\n    - cd %s\n    - go build -trimpath -o bin/%s-%s ./...\n    - go test ./...\n", target, osName, arch)
		fmt.Fprintf(&b, "  rules:\n    - changes: [\"%s/**/*\", go.mod, go.sum]\n", target)
		b.WriteString("  needs:\n    - pipeline: $PARENT_PIPELINE_ID\n      job: generate-config\n")
		fmt.Fprintf(&b, "  artifacts:\n    paths: [%s/bin/]\n    expire_in: 1 week\n    reports:\n      junit: %s/report.xml\n", target, target)
	}
	return []byte(b.String())
}

// randomDocument is a top-level mapping of random jobs: hashes of 0 to 40
// entries, arrays of 0 to 60 elements, strings across every Ruby size
// class (up to 700 bytes, some multi-byte), integers small and large,
// floats, booleans and nulls.
func randomDocument(rng *rand.Rand) map[string]any {
	doc := map[string]any{}
	for i, n := 0, rng.Intn(8)+1; i < n; i++ {
		doc[fmt.Sprintf("job%d", i)] = randomValue(rng, 0)
	}
	return doc
}

func randomValue(rng *rand.Rand, depth int) any {
	pick := rng.Intn(10)
	if depth >= 3 && pick >= 7 {
		pick = rng.Intn(7)
	}
	switch pick {
	case 0, 1, 2:
		return randomString(rng)
	case 3:
		if rng.Intn(4) == 0 {
			return rng.Int63() * int64(1-2*rng.Intn(2))
		}
		return rng.Intn(1000)
	case 4:
		return []float64{0.5, 1e300, 2e-320, 0, 3.25}[rng.Intn(5)]
	case 5:
		return rng.Intn(2) == 0
	case 6:
		return nil
	case 7, 8:
		m := map[string]any{}
		for i, n := 0, []int{0, 1, 5, 8, 9, 16, 17, 33, 40}[rng.Intn(9)]; i < n; i++ {
			m[fmt.Sprintf("k%d_%s", i, strings.Repeat("x", rng.Intn(30)))] = randomValue(rng, depth+1)
		}
		return m
	default:
		n := []int{0, 1, 3, 4, 20, 21, 37, 38, 60}[rng.Intn(9)]
		a := make([]any, n)
		for i := range a {
			a[i] = randomValue(rng, depth+1)
		}
		return a
	}
}

func randomString(rng *rand.Rand) string {
	lengths := []int{1, 15, 16, 23, 24, 55, 56, 100, 135, 136, 295, 296, 615, 616, 700}
	n := lengths[rng.Intn(len(lengths))] + rng.Intn(3) - 1
	if n < 1 {
		n = 1
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 -_/.é"
	var b strings.Builder
	b.WriteByte('s')
	for b.Len() < n {
		b.WriteString(string([]rune(alphabet)[rng.Intn(len([]rune(alphabet)))]))
	}
	return b.String()
}
