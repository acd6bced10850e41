// Jobs of a Go target: build and test in every cell. Build jobs need the
// build jobs of the target's dependencies in the same cell.
local gc = import 'generate-config.libsonnet';

local name(kind, target, os, arch) = gc.jobName(kind, target, '%s-%s' % [os, arch]);

function(ctx)
  local t = ctx.target;
  local build = name('build', t.name, ctx.os, ctx.arch);
  {
    [build]: {
      stage: 'build',
      tags: [ctx.os, ctx.arch],
      [if ctx.os != 'windows' then 'image']: 'golang:1.23',
      variables: { GOOS: ctx.os, GOARCH: ctx.arch, CGO_ENABLED: '0' },
      needs: gc.needsDeps(ctx, function(dep, os, arch) name('build', dep, os, arch)),
      script: [
        'cd %s' % gc.path(ctx.os, t.dir),
        'go build ./...',
      ],
    },
    [name('test', t.name, ctx.os, ctx.arch)]: {
      stage: 'test',
      tags: [ctx.os, ctx.arch],
      [if ctx.os != 'windows' then 'image']: 'golang:1.23',
      needs: [build],
      script: [
        'cd %s' % gc.path(ctx.os, t.dir),
        'go vet ./...',
      ],
    },
  }
