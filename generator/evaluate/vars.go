package evaluate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator/diag"
	"gitlab.com/generate-config/generate-config/internal/cidoc"
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

// credentialVars are GitLab's predefined variables (and the runner's) that
// carry a credential although their name does not say so, or says so in a
// way the patterns below might one day miss. Source: "Predefined CI/CD
// variables reference", https://docs.gitlab.com/ci/variables/predefined_variables/
// (gitlabhq/gitlabhq doc/ci/variables/predefined_variables.md).
var credentialVars = map[string]string{
	// "The URL to clone the Git repository", with the job token as
	// userinfo: https://gitlab-ci-token:<CI_JOB_TOKEN>@host/group/project.git
	"CI_REPOSITORY_URL":            "it holds the job token (https://gitlab-ci-token:<token>@…)",
	"CI_JOB_TOKEN":                 "the job token authenticates with GitLab's API",
	"CI_BUILD_TOKEN":               "the job token's deprecated name",
	"CI_JOB_JWT":                   "a JSON web token for the job",
	"CI_JOB_JWT_V1":                "a JSON web token for the job",
	"CI_JOB_JWT_V2":                "a JSON web token for the job",
	"CI_REGISTRY_PASSWORD":         "the password of the container registry",
	"CI_DEPLOY_PASSWORD":           "the password of the gitlab-deploy-token",
	"CI_DEPENDENCY_PROXY_PASSWORD": "the password of the dependency proxy",
	"CI_RUNNER_SHORT_TOKEN":        "the start of the runner's authentication token",
	// A guess: the webhook payload of a triggered pipeline may carry the
	// trigger token.
	"TRIGGER_PAYLOAD": "the payload of a webhook trigger, which may hold its token",
	// The kubeconfig of the GitLab agent for Kubernetes holds its token.
	"KUBECONFIG": "the agent's kubeconfig holds a token",
}

// secretPatterns match names that look like credentials. They are refused
// even when a manifest lists them, because GitLab gives a job no way to tell
// a masked variable from a plain one: the name is all we can judge. Every
// pattern has cases in vars_test.go, so narrowing one fails a test.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)TOKEN`),                                       // CI_JOB_TOKEN, NPM_TOKEN
	regexp.MustCompile(`(?i)PASS`),                                        // PASSWORD, PASSWD, DB_PASS, PASSPHRASE
	regexp.MustCompile(`(?i)(^|_)PWD(_|$)|^.+PWD$`),                       // MYSQL_PWD, DBPWD (not PWD, the directory)
	regexp.MustCompile(`(?i)SECRET`),                                      // AWS_SECRET_ACCESS_KEY
	regexp.MustCompile(`(?i)PRIVATE`),                                     // PRIVATE_KEY
	regexp.MustCompile(`(?i)CRED`),                                        // CREDENTIALS, GOOGLE_APPLICATION_CREDENTIALS
	regexp.MustCompile(`(?i)AUTH`),                                        // DOCKER_AUTH_CONFIG, OAUTH_CLIENT
	regexp.MustCompile(`(?i)(^|_)KEY(_|$)|KEY_ID|APIKEY|PRIVKEY`),         // SSH_KEY, AWS_ACCESS_KEY_ID
	regexp.MustCompile(`(?i)ACCESS_?KEY`),                                 // ACCESS_KEY, ACCESSKEY
	regexp.MustCompile(`(?i)DSN`),                                         // SENTRY_DSN
	regexp.MustCompile(`(?i)(DATABASE|DB)_?(URL|URI)|CONN(ECTION)?_?STR`), // DATABASE_URL
	regexp.MustCompile(`(?i)COOKIE|SESSION`),                              // SESSION_SECRET, COOKIE
	regexp.MustCompile(`(?i)JWT`),                                         // CI_JOB_JWT_V2
	regexp.MustCompile(`(?i)CERT`),                                        // CLIENT_CERT (with its key)
	regexp.MustCompile(`(?i)WEBHOOK`),                                     // SLACK_WEBHOOK_URL: the URL is the secret
	regexp.MustCompile(`(?i)SIGNING|SALT`),                                // SIGNING_KEY, HASH_SALT
}

// notSecret are names the patterns match that are known to hold no
// credential: the shell's working directories.
var notSecret = map[string]bool{"PWD": true, "OLDPWD": true}

// IsSecretName reports whether the variable name may hold a credential, and
// why.
func IsSecretName(name string) (bool, string) {
	if why, ok := credentialVars[name]; ok {
		return true, why
	}
	if notSecret[name] {
		return false, ""
	}
	judged := withoutAuthor(name)
	for _, p := range secretPatterns {
		if p.MatchString(judged) {
			return true, "the name looks like a credential"
		}
	}
	return false, ""
}

// withoutAuthor blanks AUTHOR (CI_COMMIT_AUTHOR: a name and an e-mail
// address, no credential) so that AUTH does not match it; AUTHORIZATION
// keeps its AUTH.
func withoutAuthor(name string) string {
	up := strings.ToUpper(name)
	b := []byte(name)
	for i := 0; ; {
		j := strings.Index(up[i:], "AUTHOR")
		if j < 0 {
			return string(b)
		}
		j += i
		if !strings.HasPrefix(up[j:], "AUTHORIZ") {
			copy(b[j:], "______")
		}
		i = j + len("AUTHOR")
	}
}

// urlWithUserinfo matches a URL that carries a user (and usually a password
// or token) before its host: scheme://user[:password]@host.
var urlWithUserinfo = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/?#\s@]+@`)

// MinSecretLen is the shortest value of a secret-named variable that is
// searched for in values and output: shorter ones (`true`, `1`) would match
// by chance. GitLab's own masking needs 8 characters too.
const MinSecretLen = 8

// Secrets are the values of the secret-named variables of an environment.
type Secrets struct {
	names  []string
	values map[string]string
}

// FindSecrets collects the values, MinSecretLen characters or longer, of
// the secret-named variables in environ ("NAME=value" entries, as from
// os.Environ). An absolute file path is no credential (a file variable's
// value names the file holding it) and is left out, so a template that
// writes /etc/ssl/certs/ca.pem is not mistaken for a leak of SSL_CERT_FILE.
func FindSecrets(environ []string) Secrets {
	s := Secrets{values: map[string]string{}}
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || len(value) < MinSecretLen || (strings.HasPrefix(value, "/") && !strings.ContainsAny(value, " \t\n")) {
			continue
		}
		if secret, _ := IsSecretName(name); !secret {
			continue
		}
		if _, dup := s.values[name]; !dup {
			s.names = append(s.names, name)
		}
		s.values[name] = value
	}
	sort.Strings(s.names)
	return s
}

// In returns the secret-named variable whose value text holds, or "".
func (s Secrets) In(text string) string {
	for _, n := range s.names {
		if strings.Contains(text, s.values[n]) {
			return n
		}
	}
	return ""
}

// AllowedVars returns the allow-listed variables with their values from
// lookup ("" when unset, so every template sees the same keys). A name
// that may hold a credential is refused; so is a value that holds a URL
// with a user or password (https://user:token@host) or the value of one of
// secrets, whatever the variable's name.
func AllowedVars(lookup func(string) (string, bool), extra []string, secrets Secrets) (map[string]string, error) {
	names := append(append([]string(nil), DefaultVars...), extra...)
	sort.Strings(names)
	out := make(map[string]string, len(names))
	for _, n := range names {
		if secret, why := IsSecretName(n); secret {
			return nil, fmt.Errorf("vars: %q may hold a secret (%s); templates never see tokens, passwords or keys", n, why)
		}
		v := ""
		if lookup != nil {
			v, _ = lookup(n)
		}
		if urlWithUserinfo.MatchString(v) {
			return nil, fmt.Errorf("vars: the value of %q holds a URL with a user or password (scheme://user:…@host); templates never see credentials", n)
		}
		if s := secrets.In(v); s != "" {
			return nil, fmt.Errorf("vars: the value of %q holds the value of %s, which may be a secret; templates never see credentials", n, s)
		}
		out[n] = v
	}
	return out, nil
}

// CheckOutput looks for the value of every secret in the file about to be
// written (data, shown as file). A value found there is an error naming
// the job and the variable, never the value, so that the run fails before
// anything is written: the artifact can be read by anyone who can see the
// pipeline. Values are compared as the YAML loads (a quoted or escaped
// value is still found) and in the raw bytes (the header comments).
func (s Secrets) CheckOutput(file string, data []byte) error {
	if len(s.names) == 0 {
		return nil
	}
	if doc, err := cidoc.Parse(data); err == nil && doc.Root != nil {
		root := doc.Root
		var errs diag.List
		for i := 0; i+1 < len(root.Content); i += 2 {
			job := root.Content[i]
			if n, name := s.inNode(root.Content[i+1], 0); n != nil || s.In(job.Value) != "" {
				if n == nil {
					n, name = job, s.In(job.Value)
				}
				errs = append(errs, diag.Errorf(diag.Pos{File: file, Line: n.Line, Col: n.Column},
					"job %q would hold the value of the variable %s, which may be a secret: nothing was written (the artifact is readable by anyone who can see the pipeline)", job.Value, name))
			}
		}
		if len(errs) > 0 {
			return errs.Err()
		}
	}
	if name := s.In(string(data)); name != "" {
		return diag.Errorf(diag.Pos{File: file}, "the output would hold the value of the variable %s, which may be a secret: nothing was written", name)
	}
	return nil
}

// Check is CheckOutput for a generation: the jobs the cells returned are
// searched first, a cheap walk over strings, and only a file that holds a
// secret's value somewhere (in a job, or in its raw bytes: the header) is
// parsed to say where.
func (s Secrets) Check(results []Result, file string, data []byte) error {
	if len(s.names) == 0 {
		return nil
	}
	for _, r := range results {
		for name, job := range r.Jobs {
			if s.In(name) != "" || s.inValue(job, 0) {
				return s.CheckOutput(file, data)
			}
		}
	}
	if s.In(string(data)) != "" {
		return s.CheckOutput(file, data)
	}
	return nil
}

// inValue reports whether a string in v (decoded JSON) holds a secret's
// value.
func (s Secrets) inValue(v any, depth int) bool {
	if depth > 100 {
		return false
	}
	switch x := v.(type) {
	case string:
		return s.In(x) != ""
	case map[string]any:
		for k, e := range x {
			if s.In(k) != "" || s.inValue(e, depth+1) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if s.inValue(e, depth+1) {
				return true
			}
		}
	}
	return false
}

// inNode finds the first scalar under n holding a secret's value.
func (s Secrets) inNode(n *yaml.Node, depth int) (*yaml.Node, string) {
	if n == nil || depth > 100 {
		return nil, ""
	}
	if n.Kind == yaml.ScalarNode {
		if name := s.In(n.Value); name != "" {
			return n, name
		}
	}
	for _, c := range n.Content {
		if f, name := s.inNode(c, depth+1); f != nil {
			return f, name
		}
	}
	return nil, ""
}
