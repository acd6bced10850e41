# The two commands a newcomer needs are `make demo` and `make test`.
GO      ?= go
BIN     := bin/generate-config
# The version --version prints: the v* tag at HEAD or the nearest one with
# git's -N-gHASH suffix (and -dirty). Without any v* tag it stays empty and
# the binary reports the version the go command stamps from git instead
# (a pseudo-version such as v0.0.0-20261129231500-c6d0165a1b2c, +dirty);
# -buildvcs=auto overrides a GOFLAGS=-buildvcs=false of the environment.
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null)
LDFLAGS := $(if $(VERSION),-X gitlab.com/generate-config/generate-config/internal/cli.Version=$(VERSION))

.PHONY: build install demo test fuzz bench bench-smoke bench-go golden docs clean

build:
	$(GO) build -buildvcs=auto -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/generate-config

# Installs the binary into $(go env GOBIN), or $(go env GOPATH)/bin.
install:
	$(GO) install -buildvcs=auto -ldflags "$(LDFLAGS)" ./cmd/generate-config

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

# Short fuzzing runs of every fuzz target (CI runs this too). Minimizing each
# new interesting input may take up to a minute by default, which outlasts a
# 10-second run ('context deadline exceeded'): a second is plenty here.
FUZZTIME ?= 10s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s $$pkg || exit 1; \
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

# Rewrites every golden file after an intended change; review the diff.
# Each package whose tests take -update is listed (a test in
# generator/makegolden_test.go checks that none is missing), then the
# example monorepo's scenario goldens.
golden:
	$(GO) test ./generator/ -run Golden -update
	$(GO) test ./internal/graph/ -run Golden -update
	$(GO) test ./schema/ -run TestInvalidFixtures -update
	$(GO) test ./internal/cli/ -run TestScripts -update
	$(GO) run ./cmd/generate-config test --update -C testdata/example

# Redraws the example's pipeline for the README (needs graphviz's dot).
docs: build
	$(BIN) preview -C testdata/example --all --format dot | dot -Tsvg -o docs/example-pipeline.svg

clean:
	rm -rf bin testdata/example/generated-config.yml
