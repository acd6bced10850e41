package schema

// Rule ids. Each is documented in docs/validation.md with its limit and
// source, and has a fixture under testdata/invalid/<id>*.yml that trips it.
const (
	RuleYAMLSyntax             = "yaml-syntax"
	RuleEmptyFile              = "empty-file"
	RuleNotAMapping            = "not-a-mapping"
	RuleFileSize               = "file-size"
	RuleYAMLSize               = "yaml-size"
	RuleYAMLDepth              = "yaml-depth"
	RuleIncludeVariable        = "include-variable"
	RuleIncludeCount           = "include-count"
	RuleTriggerIncludeCount    = "trigger-include-count"
	RuleTriggerArtifactJob     = "trigger-artifact-job"
	RuleTriggerArtifactPath    = "trigger-artifact-path"
	RuleTriggerDepth           = "trigger-depth"
	RuleTriggerScript          = "trigger-script"
	RuleNoVisibleJob           = "no-visible-job"
	RuleJobNoScript            = "job-no-script"
	RuleStageUnknown           = "stage-unknown"
	RuleNeedsUnknownJob        = "needs-unknown-job"
	RuleNeedsLimit             = "needs-limit"
	RuleNeedsCycle             = "needs-cycle"
	RuleNeedsLaterStage        = "needs-later-stage"
	RuleNeedsDuplicate         = "needs-duplicate"
	RuleNeedsPipelineType      = "needs-pipeline-type"
	RuleDependenciesUnknown    = "dependencies-unknown-job"
	RuleDependenciesLater      = "dependencies-later-stage"
	RuleDependenciesNotInNeeds = "dependencies-not-in-needs"
	RuleExtendsUnknown         = "extends-unknown"
	RuleExtendsCycle           = "extends-cycle"
	RuleExtendsDepth           = "extends-depth"
	RuleRulesWithOnlyExcept    = "rules-with-only-except"
	RuleJobNameLength          = "job-name-length"
	RuleJobNameReserved        = "job-name-reserved"
	RuleParallelLimit          = "parallel-limit"
	RuleMatrixLimit            = "matrix-limit"
	RuleRulesChangesLimit      = "rules-changes-limit"
	RuleRulesExistsLimit       = "rules-exists-limit"
	RuleUnknownKey             = "unknown-key"
	RuleWrongType              = "wrong-type"
	RuleDuplicateKey           = "duplicate-key"
	RuleChildMergeRequest      = "child-mr-source"
	RuleEmptyPipeline          = "empty-pipeline"
	RuleSpecInputs             = "spec-inputs"
	RuleInputsInterpolation    = "inputs-interpolation"
)

// RuleInfo describes a rule for documentation and tests.
type RuleInfo struct {
	ID       string
	Severity Severity // the usual severity; size rules also warn at WarnPercent
	Limit    string   // LimitInfo.Name when the rule enforces a limit
	Summary  string
}

// RuleTable lists every rule; docs/validation.md documents each one.
var RuleTable = []RuleInfo{
	{RuleEncoding, SeverityError, "", "the file is not UTF-8 (UTF-16/32, invalid bytes)"},
	{RuleYAMLSyntax, SeverityError, "", "the file is not valid YAML"},
	{RuleEmptyFile, SeverityError, "", "the file is empty"},
	{RuleNotAMapping, SeverityError, "", "the document is not a mapping"},
	{RuleFileSize, SeverityError, "maxFileBytes", "the file exceeds the include: artifact size limit"},
	{RuleYAMLSize, SeverityError, "maxYamlSizeBytes", "the parsed YAML exceeds max_yaml_size_bytes (estimated)"},
	{RuleYAMLDepth, SeverityError, "maxYamlDepth", "the YAML nesting exceeds max_yaml_depth"},
	{RuleIncludeVariable, SeverityError, "", "a CI/CD variable in include (resolved to empty in a dynamic child)"},
	{RuleIncludeCount, SeverityError, "maxIncludes", "too many include entries"},
	{RuleTriggerIncludeCount, SeverityError, "maxTriggerIncludes", "trigger:include has more than 3 entries"},
	{RuleTriggerArtifactJob, SeverityError, "", "include: artifact without job, or with a job not in this file before the trigger"},
	{RuleTriggerArtifactPath, SeverityError, "", "include: artifact path is not a lowercase .yml/.yaml path with / separators"},
	{RuleTriggerDepth, SeverityError, "maxChildDepth", "a child pipeline triggered deeper than GitLab's nesting limit"},
	{RuleTriggerScript, SeverityError, "", "script or run beside trigger"},
	{RuleNoVisibleJob, SeverityError, "", "no visible job"},
	{RuleJobNoScript, SeverityError, "", "a job without script, run or trigger"},
	{RuleStageUnknown, SeverityError, "", "a job's stage is not in stages"},
	{RuleNeedsUnknownJob, SeverityError, "", "needs names a job that does not exist"},
	{RuleNeedsLimit, SeverityError, "maxNeeds", "more needs than allowed per job"},
	{RuleNeedsCycle, SeverityError, "", "needs form a cycle"},
	{RuleNeedsLaterStage, SeverityError, "", "needs names a job of a later stage"},
	{RuleNeedsDuplicate, SeverityError, "", "needs lists a job twice"},
	{RuleNeedsPipelineType, SeverityError, "", "needs:pipeline is not a string"},
	{RuleDependenciesUnknown, SeverityError, "", "dependencies names a job that does not exist"},
	{RuleDependenciesLater, SeverityError, "", "dependencies names a job of a later stage"},
	{RuleDependenciesNotInNeeds, SeverityError, "", "dependencies names a job that needs does not list"},
	{RuleExtendsUnknown, SeverityError, "", "extends names a missing or non-hash entry"},
	{RuleExtendsCycle, SeverityError, "", "extends forms a cycle"},
	{RuleExtendsDepth, SeverityError, "maxExtendsDepth", "extends chain deeper than 10"},
	{RuleRulesWithOnlyExcept, SeverityError, "", "rules combined with only, except or start_in"},
	{RuleJobNameLength, SeverityError, "maxJobNameLength", "a job name (or a parallel/matrix job name) longer than 255 characters"},
	{RuleJobNameReserved, SeverityError, "", "a job named after a global keyword (error) or true/false/nil/YAML 1.1 booleans (warning)"},
	{RuleParallelLimit, SeverityError, "maxParallel", "parallel outside 1..200"},
	{RuleMatrixLimit, SeverityError, "maxMatrixJobs", "parallel:matrix generates more than 200 jobs"},
	{RuleRulesChangesLimit, SeverityError, "maxRulesChanges", "rules:changes with more than 50 patterns"},
	{RuleRulesExistsLimit, SeverityError, "maxRulesExists", "rules:exists with more than 50 patterns"},
	{RuleUnknownKey, SeverityError, "", "a key GitLab does not know"},
	{RuleWrongType, SeverityError, "", "a known key with a value of the wrong type"},
	{RuleDuplicateKey, SeverityWarning, "", "a key (often a job) defined twice in one mapping; GitLab keeps the last"},
	{RuleChildMergeRequest, SeverityWarning, "", "a merge_request_event condition, which never matches in a child pipeline"},
	{RuleEmptyPipeline, SeverityWarning, "", "every job is filtered out by rules in a child pipeline"},
	{RuleYAML11Reading, SeverityWarning, "", "a plain value GitLab's YAML 1.1 parser reads otherwise (`on` is true, `12:30` is 45000); an error when it makes GitLab refuse the file (`2001-01-01`)"},
	{RuleGitLabSchema, SeverityError, "", "a value GitLab's published CI JSON schema rejects (schema/gitlabci)"},
	{RuleSpecInputs, SeverityError, "", "a spec:inputs header GitLab rejects, or an input value that is missing, not declared, of the wrong type, not an option or not matching its regex"},
	{RuleInputsInterpolation, SeverityError, "", "a $[[ ]] block naming an undeclared input, or with a function GitLab does not know"},
}
