# The two commands a newcomer needs are `make demo` and `make test`.
GO      ?= go
BIN     := bin/generate-config
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X gitlab.com/generate-config/generate-config/internal/cli.Version=$(VERSION)

.PHONY: build demo test fuzz bench bench-smoke bench-go golden docs clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/generate-config

# Runs the main job on the embedded example monorepo, as the generate-config
# job of a parent pipeline would for a change to libs/auth, and prints the
# generated child pipeline (the summary goes to stderr).
demo: build
	$(BIN) generate -C testdata/example --changed libs/auth/auth.go --output testdata/example/generated-config.yml
	@cat testdata/example/generated-config.yml

# Runs every test. Tests that need ../shared skip with a message when it is
# absent and fail instead when CI=true.
test:
	$(GO) vet ./...
	$(GO) test ./...

# Short fuzzing runs of every fuzz target (CI runs this too).
FUZZTIME ?= 10s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Times `generate --all` on a synthetic monorepo (100 and 1,000 targets x 4
# cells, the template written with % and with +) end to end and per phase,
# against the go-jsonnet CLI on the same jobs, and prints one table (see
# docs/performance.md). BENCH_N and BENCH_RUNS override the sizes and the
# runs per measurement (median of 3).
bench: build
	$(GO) run ./tools/bench -bin $(BIN)

# The benchmark once at N = 100: CI runs it so the harness keeps working (no
# timing is asserted).
bench-smoke: build
	BENCH_N=100 BENCH_RUNS=1 $(GO) run ./tools/bench -bin $(BIN)

# The Go micro-benchmarks (generation, selection at scale).
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Rewrites golden files after an intended change; review the diff.
golden:
	$(GO) test ./generator/ -run Golden -update
	$(GO) test ./internal/cli/ -run TestScripts -update

# Redraws the example's pipeline for the README (needs graphviz's dot).
docs: build
	$(BIN) preview -C testdata/example --all --format dot | dot -Tsvg -o docs/example-pipeline.svg

clean:
	rm -rf bin testdata/example/generated-config.yml
