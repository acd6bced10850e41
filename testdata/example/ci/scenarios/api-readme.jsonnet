// services/api excludes Markdown ('!services/api/**/*.md'), so its README
// does not rebuild the API; the docs target claims every *.md file.
{
  changed: ['services/api/README.md'],
  expect: 'ci/scenarios/api-readme.golden.yml',
}
