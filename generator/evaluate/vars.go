package evaluate

import (
	"fmt"
	"regexp"
	"sort"
)

// DefaultVars are the CI variables every template sees in ctx.vars. They
// describe the project, the commit and the pipeline; none is a credential.
// Anything else must be named in the manifest's `vars`.
var DefaultVars = []string{
	"CI_COMMIT_BRANCH", "CI_COMMIT_REF_NAME", "CI_COMMIT_REF_SLUG", "CI_COMMIT_SHA",
	"CI_COMMIT_SHORT_SHA", "CI_COMMIT_TAG", "CI_COMMIT_BEFORE_SHA", "CI_DEFAULT_BRANCH",
	"CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
	"CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "CI_MERGE_REQUEST_EVENT_TYPE",
	"CI_PIPELINE_ID", "CI_PIPELINE_IID", "CI_PIPELINE_SOURCE", "CI_PROJECT_ID",
	"CI_PROJECT_NAME", "CI_PROJECT_NAMESPACE", "CI_PROJECT_PATH", "CI_PROJECT_PATH_SLUG",
	"CI_PROJECT_URL", "CI_REGISTRY", "CI_REGISTRY_IMAGE", "CI_SERVER_HOST", "CI_SERVER_URL",
}

// secretLike matches names that look like credentials. They are refused
// even when a manifest lists them, because GitLab gives a job no way to tell
// a masked variable from a plain one: the name is all we can judge.
var secretLike = regexp.MustCompile(`(?i)(TOKEN|PASSWORD|PASSWD|SECRET|PRIVATE|CREDENTIAL|_KEY$|^KEY$|APIKEY|AUTH|COOKIE|SESSION|JWT|CERT)`)

// AllowedVars returns the allow-listed variables with their values from
// lookup ("" when unset, so every template sees the same keys).
func AllowedVars(lookup func(string) (string, bool), extra []string) (map[string]string, error) {
	names := append(append([]string(nil), DefaultVars...), extra...)
	sort.Strings(names)
	out := make(map[string]string, len(names))
	for _, n := range names {
		if secretLike.MatchString(n) {
			return nil, fmt.Errorf("vars: %q looks like a secret; templates never see tokens, passwords or keys", n)
		}
		v := ""
		if lookup != nil {
			v, _ = lookup(n)
		}
		out[n] = v
	}
	return out, nil
}
