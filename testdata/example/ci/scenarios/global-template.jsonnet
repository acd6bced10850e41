// ci/** is a global pattern: a change to a template affects every target,
// and each one lists the template in ctx.target.changed (the docs job
// counts it).
{
  changed: ['ci/go.jsonnet'],
  expect: 'ci/scenarios/global-template.golden.yml',
}
