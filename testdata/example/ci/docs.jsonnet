// Jobs of the docs target: check that every page is non-empty.
local gc = import 'generate-config.libsonnet';

function(ctx) {
  [gc.jobName('docs', gc.cell(ctx))]: {
    stage: 'deploy',
    image: 'alpine:3.20',
    script: [
      'find docs -name "*.md" -size 0 | grep . && exit 1 || true',
      'echo "docs changed: %d file(s)"' % std.length(ctx.target.changed),
    ],
  },
}
