package schema

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkTrigger checks a trigger job inside the generated child: the number
// of files in trigger:include (trigger.rb INCLUDE_MAX_SIZE), include:
// artifact entries, and the nesting depth of child pipelines.
func (v *validator) checkTrigger(j *job, eff []pair) {
	t, ok := lookup(eff, "trigger")
	if !ok || kindOf(t.Value) != kindMap {
		return // a string is a multi-project trigger: nothing child-specific
	}
	where := "jobs:" + j.name + ":trigger"
	v.checkKeys(t.Value, where, j.name, kw.Trigger)
	inc, ok := lookup(entries(t.Value), "include")
	if !ok {
		return
	}
	level := max(v.opts.Level, 1)
	if level+1 > v.lim.MaxChildDepth {
		// create_downstream_pipeline_service.rb: MAX_NESTED_CHILDREN = 2
		v.errorf(inc.Key, RuleTriggerDepth, j.name, "jobs:%s triggers a child pipeline at nesting level %d, but GitLab allows %d levels of child pipelines (parent → child → grandchild): the trigger fails with reached_max_descendant_pipelines_depth", j.name, level+1, v.lim.MaxChildDepth)
	}
	list := includeItems(inc.Value)
	if len(list) > v.lim.MaxTriggerIncludes {
		v.errorf(inc.Key, RuleTriggerIncludeCount, j.name, "%s:include config is too long (maximum is %d): it has %d entries", where, v.lim.MaxTriggerIncludes, len(list))
	}
	for _, it := range list {
		// Whether trigger:include expands variables is not documented;
		// the child's own include does not (issue 378717).
		v.checkIncludeVariables(it, where+":include", j.name, SeverityWarning)
		if kindOf(it) != kindMap {
			continue
		}
		v.checkKeys(it, where+":include", j.name, kw.TriggerInclude)
		ps := entries(it)
		art, ok := lookup(ps, "artifact")
		if !ok {
			continue
		}
		v.checkArtifactPath(j, art)
		v.checkArtifactJob(j, art, ps)
	}
}

// checkArtifactPath: GitLab parses the path itself, on Linux, so `/`
// separators (doc/ci/pipelines/downstream_pipelines.md), and the file must
// end in .yml or .yaml (file/base.rb; the official schema is
// case-sensitive, so lowercase).
func (v *validator) checkArtifactPath(j *job, art pair) {
	p, isStr := scalar(art.Value)
	if !isStr {
		v.errorf(valueOrKey(art), RuleWrongType, j.name, "jobs:%s:trigger:include:artifact config should be a string", j.name)
		return
	}
	switch {
	case strings.Contains(p, `\`):
		v.errorf(art.Value, RuleTriggerArtifactPath, j.name, "artifact path `%s` uses `\\`: GitLab reads the path on its own (Linux) host, so separate directories with `/`", p)
	case strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml"):
	case strings.HasSuffix(strings.ToLower(p), ".yml") || strings.HasSuffix(strings.ToLower(p), ".yaml"):
		v.errorf(art.Value, RuleTriggerArtifactPath, j.name, "artifact path `%s`: write the extension in lowercase (.yml or .yaml); GitLab's schema rejects other cases", p)
	default:
		v.errorf(art.Value, RuleTriggerArtifactPath, j.name, "Included file `%s` does not have YAML extension!", p)
	}
}

// checkArtifactJob: include: artifact needs job: (file/artifact.rb), and
// yaml_processor.rb validates that job like a dependency: defined in this
// file, in the same or an earlier stage.
func (v *validator) checkArtifactJob(j *job, art pair, ps []pair) {
	jp, ok := lookup(ps, "job")
	if !ok {
		v.errorf(art.Key, RuleTriggerArtifactJob, j.name, "jobs:%s:trigger:include config must specify the job where to fetch the artifact from", j.name)
		return
	}
	name, isStr := scalar(jp.Value)
	if !isStr {
		v.errorf(valueOrKey(jp), RuleWrongType, j.name, "jobs:%s:trigger:include:job config should be a string", j.name)
		return
	}
	// Say why: the same job name was right in the parent pipeline.
	v.checkDependency(j, jp.Value, name, "dependency", RuleTriggerArtifactJob, RuleTriggerArtifactJob,
		" (include: artifact reads the artifacts of a job of this pipeline, so the generating job must be in this file)")
}

// checkDependency validates one dependency-like reference (needs,
// dependencies, trigger artifact job) as validate_job_dependency! does.
func (v *validator) checkDependency(j *job, at *yaml.Node, name, kind, unknownRule, laterRule, hint string) {
	c := v.cfg
	dep := c.findJob(name)
	if dep == nil {
		note := v.includedNote()
		if note == "" {
			note = hint
		}
		v.report(at, v.unlessIncluded(), unknownRule, j.name, "%s job: undefined %s: %s%s", j.name, kind, name, note)
		return
	}
	own, _, ok1 := c.stageOf(j)
	theirs, _, ok2 := c.stageOf(dep)
	i, k := c.stageIndex(own), c.stageIndex(theirs)
	if ok1 && ok2 && i >= 0 && k >= 0 && k > i {
		v.errorf(at, laterRule, j.name, "%s job: %s %s is not defined in current or prior stages (%s runs in %s, %s in %s)", j.name, kind, name, j.name, own, name, theirs)
	}
}
