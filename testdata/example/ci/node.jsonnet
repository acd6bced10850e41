// Jobs of a web target: a syntax check of every source file.
local gc = import 'generate-config.libsonnet';

function(ctx) {
  [gc.jobName('check', ctx.target.name, gc.cell(ctx))]: {
    stage: 'test',
    tags: [ctx.os, ctx.arch],
    image: 'node:22',
    script: [
      'cd %s' % ctx.target.dir,
      |||
        for f in src/*.js; do
          node --check "$f"
        done
      |||,
    ],
  },
}
