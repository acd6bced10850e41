// A file name with a space, matched by the brace glob apps/web/{src,public}/**:
// only the web target is selected.
{
  changed: ['apps/web/src/my component.js'],
  expect: 'ci/scenarios/web-space-in-name.golden.yml',
}
