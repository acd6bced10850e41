// A scheduled pipeline builds everything: all: true selects every target
// whatever changed (the golden file sits beside the scenario by default:
// nightly-all.golden.yml).
{
  all: true,
  vars: { CI_PIPELINE_SOURCE: 'schedule', CI_COMMIT_REF_NAME: 'main', CI_DEFAULT_BRANCH: 'main' },
}
