package schema

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/schema/keywords"
)

// checkTrigger checks a trigger job inside the generated child: the number
// of files in trigger:include (trigger.rb INCLUDE_MAX_SIZE), include:
// artifact entries, and the nesting depth of child pipelines.
func (v *validator) checkTrigger(j *cidoc.Job, eff []cidoc.Pair) {
	t, ok := cidoc.Lookup(eff, "trigger")
	if !ok || cidoc.KindOf(t.Value) != cidoc.KindMap {
		return // a string is a multi-project trigger: nothing child-specific
	}
	where := "jobs:" + j.Name + ":trigger"
	v.checkKeys(t.Value, where, j.Name, keywords.KW.Trigger)
	inc, ok := cidoc.Lookup(cidoc.Entries(t.Value), "include")
	if !ok {
		return
	}
	level := max(v.opts.Level, 1)
	if level+1 > v.lim.MaxChildDepth {
		// create_downstream_pipeline_service.rb: MAX_NESTED_CHILDREN = 2
		v.errorf(inc.Key, RuleTriggerDepth, j.Name, "jobs:%s triggers a child pipeline at nesting level %d, but GitLab allows %d levels of child pipelines (parent → child → grandchild): the trigger fails with reached_max_descendant_pipelines_depth", j.Name, level+1, v.lim.MaxChildDepth)
	}
	list := includeItems(inc.Value)
	if len(list) > v.lim.MaxTriggerIncludes {
		v.errorf(inc.Key, RuleTriggerIncludeCount, j.Name, "%s:include config is too long (maximum is %d): it has %d entries", where, v.lim.MaxTriggerIncludes, len(list))
	}
	for _, it := range list {
		// Whether trigger:include expands variables is not documented;
		// the child's own include does not (issue 378717).
		v.checkIncludeVariables(it, where+":include", j.Name, SeverityWarning)
		if cidoc.KindOf(it) != cidoc.KindMap {
			continue
		}
		v.checkKeys(it, where+":include", j.Name, keywords.KW.TriggerInclude)
		ps := cidoc.Entries(it)
		art, ok := cidoc.Lookup(ps, "artifact")
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
func (v *validator) checkArtifactPath(j *cidoc.Job, art cidoc.Pair) {
	p, isStr := cidoc.Scalar(art.Value)
	if !isStr {
		v.errorf(art.ValueOrKey(), RuleWrongType, j.Name, "jobs:%s:trigger:include:artifact config should be a string", j.Name)
		return
	}
	switch {
	case strings.Contains(p, `\`):
		v.errorf(art.Value, RuleTriggerArtifactPath, j.Name, "artifact path `%s` uses `\\`: GitLab reads the path on its own (Linux) host, so separate directories with `/`", p)
	case strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml"):
	case strings.HasSuffix(strings.ToLower(p), ".yml") || strings.HasSuffix(strings.ToLower(p), ".yaml"):
		v.errorf(art.Value, RuleTriggerArtifactPath, j.Name, "artifact path `%s`: write the extension in lowercase (.yml or .yaml); GitLab's schema rejects other cases", p)
	default:
		v.errorf(art.Value, RuleTriggerArtifactPath, j.Name, "Included file `%s` does not have YAML extension!", p)
	}
}

// checkArtifactJob: include: artifact needs job: (file/artifact.rb), and
// yaml_processor.rb validates that job like a dependency: defined in this
// file, in the same or an earlier stage.
func (v *validator) checkArtifactJob(j *cidoc.Job, art cidoc.Pair, ps []cidoc.Pair) {
	jp, ok := cidoc.Lookup(ps, "job")
	if !ok {
		v.errorf(art.Key, RuleTriggerArtifactJob, j.Name, "jobs:%s:trigger:include config must specify the job where to fetch the artifact from", j.Name)
		return
	}
	name, isStr := cidoc.Scalar(jp.Value)
	if !isStr {
		v.errorf(jp.ValueOrKey(), RuleWrongType, j.Name, "jobs:%s:trigger:include:job config should be a string", j.Name)
		return
	}
	// Say why: the same job name was right in the parent pipeline.
	v.checkDependency(j, jp.Value, name, "dependency", RuleTriggerArtifactJob, RuleTriggerArtifactJob,
		" (include: artifact reads the artifacts of a job of this pipeline, so the generating job must be in this file)")
}

// checkDependency validates one dependency-like reference (needs,
// dependencies, trigger artifact job) as validate_job_dependency! does.
func (v *validator) checkDependency(j *cidoc.Job, at *yaml.Node, name, kind, unknownRule, laterRule, hint string) {
	c := v.cfg
	dep := c.FindJob(name)
	if dep == nil {
		note := v.includedNote()
		if note == "" {
			note = hint
		}
		v.report(at, v.unlessIncluded(), unknownRule, j.Name, "%s job: undefined %s: %s%s", j.Name, kind, name, note)
		return
	}
	own, _, ok1 := c.StageOf(j)
	theirs, _, ok2 := c.StageOf(dep)
	i, k := c.StageIndex(own), c.StageIndex(theirs)
	if ok1 && ok2 && i >= 0 && k >= 0 && k > i {
		v.errorf(at, laterRule, j.Name, "%s job: %s %s is not defined in current or prior stages (%s runs in %s, %s in %s)", j.Name, kind, name, j.Name, own, name, theirs)
	}
}
