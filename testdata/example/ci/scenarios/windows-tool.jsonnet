// tools/cli builds on Windows only: one cell, with '\' in its script paths.
// The merge-request variables are those of the run; templates see them as
// ctx.pipeline and ctx.vars, and nothing else of the environment.
{
  changed: ['tools/cli/main.go'],
  vars: {
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_COMMIT_REF_NAME: 'feature/cli-flags',
    CI_DEFAULT_BRANCH: 'main',
    CI_MERGE_REQUEST_IID: '42',
  },
  expect: 'ci/scenarios/windows-tool.golden.yml',
}
