// generate-config.libsonnet: helpers for generate-config templates.
// Embedded in the binary; import it from any template with
//   local gc = import 'generate-config.libsonnet';
{
  // path(os, p): p with the directory separator of os, for use inside
  // scripts: '\' for windows, '/' otherwise. Never use it for anything GitLab
  // itself parses (artifacts:paths, include, cache:paths): those take '/'.
  path(os, p):: if os == 'windows' then std.strReplace(p, '/', '\\') else p,

  // jobName(a, b, ...): the parts joined with ':', skipping null and empty
  // parts, e.g. gc.jobName('build', ctx.target.name, gc.cell(ctx)) gives
  // 'build:api:linux-amd64'.
  jobName(a, b=null, c=null, d=null, e=null, f=null)::
    std.join(':', [p for p in [a, b, c, d, e, f] if p != null && p != '']),

  // cell(ctx): 'os-arch' of the cell being evaluated, e.g. 'linux-amd64'.
  cell(ctx):: '%s-%s' % [ctx.os, ctx.arch],

  // needsDeps(ctx, nameFn): `needs` entries on the jobs that the target's
  // direct dependencies produce in the same os × arch cell. nameFn(dep, os,
  // arch) returns the job name of dep for that cell. Only dependencies that are
  // selected in this run and have this cell are listed, so every entry names a
  // job that exists in the generated file.
  needsDeps(ctx, nameFn):: [
    { job: nameFn(dep, ctx.os, ctx.arch) }
    for dep in ctx.target.deps
    if std.objectHas(ctx.selected, dep)
       && std.member(ctx.selected[dep].os, ctx.os)
       && std.member(ctx.selected[dep].arch, ctx.arch)
  ],

  // changedUnder(ctx, dir): the files that selected this target and lie
  // under dir, e.g. to lint only what changed.
  changedUnder(ctx, dir):: [f for f in ctx.target.changed if std.startsWith(f, dir + '/')],
}
