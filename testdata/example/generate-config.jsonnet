// The manifest of the example monorepo: which paths belong to which target,
// the os × arch matrix, and the template that makes each target's jobs.
{
  // A change to the CI definition itself affects every target.
  global: ['generate-config.jsonnet', 'ci/**', '.gitlab-ci.yml'],

  matrix: { os: ['linux'], arch: ['amd64'] },

  targets: {
    'libs/core': { paths: ['libs/core/**'], template: 'ci/go.jsonnet' },
    'libs/auth': { paths: ['libs/auth/**'], deps: ['libs/core'], template: 'ci/go.jsonnet' },

    // Explicit targets win over discovered ones of the same name: the API
    // builds for two OSes and two architectures, and its docs do not
    // rebuild it.
    'services/api': {
      paths: ['services/api/**', '!services/api/**/*.md'],
      deps: ['libs/auth'],
      template: 'ci/go.jsonnet',
      matrix: { os: ['linux', 'windows'], arch: ['amd64', 'arm64'] },
    },

    // A brace glob: sources and static files, plus the package manifest.
    web: { paths: ['apps/web/{src,public}/**', 'apps/web/package.json'], template: 'ci/node.jsonnet' },

    // A Windows-only tool.
    'tools/cli': {
      paths: ['tools/cli/**'],
      deps: ['libs/core'],
      template: 'ci/go.jsonnet',
      matrix: { os: ['windows'], arch: ['amd64'] },
    },

    // Every Markdown file in the repository feeds the docs site.
    docs: { paths: ['docs/**', '**/*.md'], template: 'ci/docs.jsonnet' },
  },

  // One target per service directory (services/worker, services/billing);
  // services/api is declared above and keeps its own settings.
  discover: [
    { glob: 'services/*', template: 'ci/go.jsonnet', deps: ['libs/core'], exclude: ['**/*.md'] },
  ],
}
