package schema

import (
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
)

// In a child pipeline CI_PIPELINE_SOURCE is always "parent_pipeline"
// (doc/ci/pipelines/downstream_pipelines.md), so a positive comparison with
// merge_request_event never matches.
var mergeRequestSource = regexp.MustCompile(
	`\$\{?CI_PIPELINE_SOURCE\}?\s*(==|=~)\s*("merge_request_event"|'merge_request_event'|/[^/]*merge_request_event[^/]*/)` +
		`|("merge_request_event"|'merge_request_event')\s*==\s*\$\{?CI_PIPELINE_SOURCE\}?`)

// requiresMergeRequest: the condition can only be true in a merge request
// pipeline (a merge_request_event comparison not weakened by ||).
func requiresMergeRequest(cond string) bool {
	return mergeRequestSource.MatchString(cond) && !strings.Contains(cond, "||")
}

// checkPitfalls warns about conditions that never hold in a child pipeline
// and about a child in which every job is filtered out, which GitLab
// refuses to create (downstream_pipelines_troubleshooting.md).
func (v *validator) checkPitfalls() {
	c := v.cfg
	// workflow:rules first: if none can match, no job runs at all.
	workflowBlocks := false
	if wf, ok := c.Globals["workflow"]; ok && cidoc.KindOf(wf.Value) == cidoc.KindMap {
		if r, ok := cidoc.Lookup(cidoc.Entries(wf.Value), "rules"); ok && cidoc.KindOf(r.Value) == cidoc.KindSeq {
			workflowBlocks = v.rulesNeverMatch(r.Value, "")
		}
	}
	anyRuns := false
	var first *cidoc.Job
	for _, j := range c.Visible() {
		if !j.IsMap() {
			continue
		}
		if first == nil {
			first = j
		}
		if v.jobCanRun(j) {
			anyRuns = true
		}
	}
	if first == nil {
		return // no-visible-job already reported
	}
	if workflowBlocks || !anyRuns {
		why := "every job's rules exclude it in a child pipeline, where CI_PIPELINE_SOURCE is parent_pipeline"
		if workflowBlocks {
			why = "no workflow:rules entry can match in a child pipeline, where CI_PIPELINE_SOURCE is parent_pipeline"
		}
		v.warnf(first.Key, RuleEmptyPipeline, "", "downstream pipeline can not be created, the resulting pipeline would have been empty. Review the rules configuration for the relevant jobs. (%s; add a job that always runs)", why)
	}
}

// jobCanRun reports whether some rule can add the job in a child pipeline;
// it warns about merge_request_event conditions on the way.
func (v *validator) jobCanRun(j *cidoc.Job) bool {
	eff := v.cfg.Effective(j)
	if w, ok := cidoc.Lookup(eff, "when"); ok {
		if s, _ := cidoc.Scalar(w.Value); s == "never" {
			return false
		}
	}
	if only, ok := cidoc.Lookup(eff, "only"); ok && onlyMergeRequests(only.Value) {
		v.warnf(only.Key, RuleChildMergeRequest, j.Name, "jobs:%s runs only for merge_requests, which never happens in a child pipeline (CI_PIPELINE_SOURCE is parent_pipeline): use rules with if: $CI_MERGE_REQUEST_ID", j.Name)
		return false
	}
	r, ok := cidoc.Lookup(eff, "rules")
	if !ok || cidoc.KindOf(r.Value) != cidoc.KindSeq {
		return true
	}
	return !v.rulesNeverMatch(r.Value, j.Name)
}

// rulesNeverMatch reports whether no entry of a rules list can add the job
// (or run the pipeline) in a child: each is `when: never` or needs a merge
// request source. It warns at each merge_request_event condition.
func (v *validator) rulesNeverMatch(list *yaml.Node, job string) bool {
	never := true
	for _, rule := range cidoc.Items(list) {
		if cidoc.KindOf(rule) != cidoc.KindMap {
			never = false // references and nested lists: cannot tell
			continue
		}
		ps := cidoc.Entries(rule)
		excluded := false
		if w, ok := cidoc.Lookup(ps, "when"); ok {
			if s, _ := cidoc.Scalar(w.Value); s == "never" {
				excluded = true
			}
		}
		if cond, ok := cidoc.Lookup(ps, "if"); ok {
			if s, isStr := cidoc.Scalar(cond.Value); isStr && mergeRequestSource.MatchString(s) {
				if !excluded {
					v.warnf(cond.Value, RuleChildMergeRequest, job, "`%s` compares CI_PIPELINE_SOURCE with merge_request_event, which never matches in a child pipeline (CI_PIPELINE_SOURCE is always parent_pipeline): use $CI_MERGE_REQUEST_ID, which the parent passes down", s)
				}
				if requiresMergeRequest(s) {
					excluded = true
				}
			}
		}
		if !excluded {
			never = false
		}
	}
	return never
}

// onlyMergeRequests: only: [merge_requests] or only: {refs: [merge_requests]}.
func onlyMergeRequests(n *yaml.Node) bool {
	refs := n
	if cidoc.KindOf(n) == cidoc.KindMap {
		p, ok := cidoc.Lookup(cidoc.Entries(n), "refs")
		if !ok {
			return false
		}
		refs = p.Value
	}
	list := cidoc.Items(refs)
	if len(list) == 0 {
		return false
	}
	for _, r := range list {
		if s, _ := cidoc.Scalar(r); s != "merge_requests" {
			return false
		}
	}
	return true
}
