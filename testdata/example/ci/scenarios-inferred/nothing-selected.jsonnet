// The scenario of ci/scenarios, run with ci/inferred/generate-config.jsonnet
// (no hand-written deps, Go dependencies inferred): the same expectation.
import '../scenarios/nothing-selected.jsonnet'
