package schema

import (
	"fmt"

	"gitlab.com/generate-config/generate-config/internal/cidoc"
)

// Limits are the GitLab limits a generated child pipeline must stay within.
// A zero (or negative) field means "GitLab's default" (see LimitTable), so a
// manifest or a flag can override one limit and leave the others alone.
type Limits struct {
	MaxFileBytes     int `json:"maxFileBytes,omitempty"`
	MaxYAMLSizeBytes int `json:"maxYamlSizeBytes,omitempty"`
	// MaxTotalYAMLSizeBytes bounds the parsed size of all files of one
	// configuration together.
	MaxTotalYAMLSizeBytes int `json:"maxTotalYamlSizeBytes,omitempty"`
	MaxYAMLDepth          int `json:"maxYamlDepth,omitempty"`
	MaxIncludes           int `json:"maxIncludes,omitempty"`
	MaxNeeds              int `json:"maxNeeds,omitempty"`
	MaxTriggerIncludes    int `json:"maxTriggerIncludes,omitempty"`
	MaxChildDepth         int `json:"maxChildDepth,omitempty"`
	MaxParallel           int `json:"maxParallel,omitempty"`
	MaxMatrixJobs         int `json:"maxMatrixJobs,omitempty"`
	MaxJobNameLength      int `json:"maxJobNameLength,omitempty"`
	MaxRulesChanges       int `json:"maxRulesChanges,omitempty"`
	MaxRulesExists        int `json:"maxRulesExists,omitempty"`
	MaxExtendsDepth       int `json:"maxExtendsDepth,omitempty"`
	// WarnPercent is the share of a size limit (file bytes, parsed YAML
	// bytes, depth) at which a warning shows the usage (GitLab issue
	// 382389 asks for exactly this: "warn at 90 %").
	WarnPercent int `json:"warnPercent,omitempty"`
}

// LimitInfo describes one limit: its JSON name in Limits, GitLab's name for
// it, its default and where that default is documented.
type LimitInfo struct {
	Name    string // JSON field name in Limits
	Setting string // GitLab's setting or constant
	Default int
	Unit    string
	// Admin is true when self-managed administrators can change the limit
	// (instance settings); the validate command has a flag for those.
	Admin  bool
	Source string
	field  func(*Limits) *int
}

// Sources, shortened as in ../shared/gitlab-facts.md §1.
const (
	srcLimitsDoc   = "doc/administration/cicd/limits.md (https://docs.gitlab.com/administration/cicd/limits/)"
	srcDownstream  = "doc/ci/pipelines/downstream_pipelines.md"
	srcArtifactRb  = "lib/gitlab/ci/config/external/file/artifact.rb"
	srcParallelRb  = "lib/gitlab/ci/config/entry/product/parallel.rb (PARALLEL_LIMIT = 200)"
	srcMatrixRb    = "lib/gitlab/ci/config/entry/product/matrix.rb (sum over entries of the product of value-list sizes)"
	srcProcessable = "lib/gitlab/ci/config/entry/processable.rb (validates :name, length: { maximum: 255 })"
	srcChangesRb   = "doc/ci/yaml/_index.md#ruleschanges; lib/gitlab/ci/config/entry/rules/rule/changes.rb"
	srcExtendsRb   = "lib/gitlab/ci/config/extendable/entry.rb (MAX_NESTING_LEVELS = 10)"
	srcTriggerRb   = "lib/gitlab/ci/config/entry/trigger.rb (INCLUDE_MAX_SIZE = 3)"
	srcDeepSizeRb  = "lib/gitlab/utils/deep_size.rb; lib/gitlab/config/loader/yaml.rb"
	srcIssue382389 = "https://gitlab.com/gitlab-org/gitlab/-/issues/382389"
)

// LimitTable lists every limit with its default and source. DefaultLimits,
// the zero-means-default rule, the documentation test and the validate
// command's flags all read it.
var LimitTable = []LimitInfo{
	{"maxFileBytes", "max_artifacts_content_include_size", 5 << 20, "bytes", true,
		srcLimitsDoc + " §Maximum size of the CI artifacts archive; " + srcArtifactRb,
		func(l *Limits) *int { return &l.MaxFileBytes }},
	{"maxYamlSizeBytes", "max_yaml_size_bytes", 2 << 20, "bytes", true,
		srcLimitsDoc + " §Maximum size and depth of CI/CD configuration YAML files; " + srcDeepSizeRb,
		func(l *Limits) *int { return &l.MaxYAMLSizeBytes }},
	{"maxTotalYamlSizeBytes", "ci_max_total_yaml_size_bytes", 150 * 2 << 20, "bytes", true,
		srcLimitsDoc + " §Maximum size of the entire CI/CD configuration (max_yaml_size_bytes × ci_max_includes since GitLab 17.3)",
		func(l *Limits) *int { return &l.MaxTotalYAMLSizeBytes }},
	{"maxYamlDepth", "max_yaml_depth", 100, "levels", true,
		srcLimitsDoc + " §Maximum size and depth of CI/CD configuration YAML files; " + srcDeepSizeRb,
		func(l *Limits) *int { return &l.MaxYAMLDepth }},
	{"maxIncludes", "ci_max_includes", 150, "includes", true,
		srcLimitsDoc + " §Maximum number of includes",
		func(l *Limits) *int { return &l.MaxIncludes }},
	{"maxNeeds", "ci_needs_size_limit", 50, "needs", true,
		srcLimitsDoc + " §Maximum number of needs dependencies",
		func(l *Limits) *int { return &l.MaxNeeds }},
	{"maxTriggerIncludes", "INCLUDE_MAX_SIZE", 3, "files", false,
		srcDownstream + " §Combine multiple child pipeline configuration files; " + srcTriggerRb,
		func(l *Limits) *int { return &l.MaxTriggerIncludes }},
	{"maxChildDepth", "MAX_NESTED_CHILDREN", 2, "levels", false,
		srcDownstream + " §Nested child pipelines; app/services/ci/create_downstream_pipeline_service.rb",
		func(l *Limits) *int { return &l.MaxChildDepth }},
	{"maxParallel", "PARALLEL_LIMIT", 200, "jobs", false,
		srcParallelRb,
		func(l *Limits) *int { return &l.MaxParallel }},
	{"maxMatrixJobs", "PARALLEL_LIMIT", 200, "jobs", false,
		srcMatrixRb,
		func(l *Limits) *int { return &l.MaxMatrixJobs }},
	{"maxJobNameLength", "job name length", 255, "characters", false,
		srcProcessable,
		func(l *Limits) *int { return &l.MaxJobNameLength }},
	{"maxRulesChanges", "rules:changes paths", 50, "patterns", false,
		srcChangesRb,
		func(l *Limits) *int { return &l.MaxRulesChanges }},
	{"maxRulesExists", "rules:exists paths", 50, "patterns", false,
		"doc/ci/yaml/_index.md#rulesexists; lib/gitlab/ci/config/entry/rules/rule.rb",
		func(l *Limits) *int { return &l.MaxRulesExists }},
	{"maxExtendsDepth", "MAX_NESTING_LEVELS", cidoc.MaxExtendsDepth, "levels", false,
		srcExtendsRb,
		func(l *Limits) *int { return &l.MaxExtendsDepth }},
	{"warnPercent", "(generate-config)", 90, "percent", false,
		srcIssue382389 + " (warn at 90 % of a size limit, showing usage)",
		func(l *Limits) *int { return &l.WarnPercent }},
}

// DefaultLimits returns GitLab's defaults (GitLab.com and self-managed agree
// on all of them).
func DefaultLimits() Limits {
	var l Limits
	for _, li := range LimitTable {
		*li.field(&l) = li.Default
	}
	return l
}

// WithDefaults returns l with every zero or negative field set to its default.
func (l Limits) WithDefaults() Limits {
	for _, li := range LimitTable {
		if p := li.field(&l); *p <= 0 {
			*p = li.Default
		}
	}
	return l
}

// Field returns a pointer to the limit named name (a LimitInfo.Name), so
// callers such as flag parsers can set limits by name.
func (l *Limits) Field(name string) (*int, error) {
	for _, li := range LimitTable {
		if li.Name == name {
			return li.field(l), nil
		}
	}
	return nil, fmt.Errorf("unknown limit %q", name)
}

// LimitByName returns the table entry for name.
func LimitByName(name string) (LimitInfo, bool) {
	for _, li := range LimitTable {
		if li.Name == name {
			return li, true
		}
	}
	return LimitInfo{}, false
}
