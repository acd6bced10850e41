// The example's manifest with every hand-written dependency removed: the
// Go dependencies are inferred from the go.mod files instead (each module's
// requirements, resolved to a target's directory by a local replace).
// The scenarios in ci/scenarios-inferred run with this manifest and expect
// the very golden files of ci/scenarios: the same selection, the same jobs.
//
//   generate-config test --config ci/inferred/generate-config.jsonnet --scenarios ci/scenarios-inferred
local manifest = import '../../generate-config.jsonnet';
local noDeps(o) = std.mergePatch(o, { deps: null });

manifest {
  infer: { go: true },
  targets: { [name]: noDeps(manifest.targets[name]) for name in std.objectFields(manifest.targets) },
  discover: [noDeps(d) for d in manifest.discover],
}
