// A change to the core library: libs/core is selected by its own path, and
// every target that depends on it, directly or not, follows: libs/auth,
// services/api (through libs/auth), tools/cli and the discovered services.
// web and docs do not depend on it and stay out.
{
  changed: ['libs/core/core.go'],
  expect: 'ci/scenarios/core-lib.golden.yml',
}
