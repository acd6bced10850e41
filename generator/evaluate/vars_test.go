package evaluate

import (
	"strings"
	"testing"
)

// Each name below is matched by one pattern (or one alternative of it)
// only, so narrowing or dropping any pattern fails this test.
var secretNames = []string{
	// credentialVars: GitLab's predefined credentials.
	"CI_REPOSITORY_URL", "KUBECONFIG", "TRIGGER_PAYLOAD",
	"CI_JOB_TOKEN", "CI_BUILD_TOKEN", "CI_JOB_JWT", "CI_JOB_JWT_V1", "CI_JOB_JWT_V2",
	"CI_REGISTRY_PASSWORD", "CI_DEPLOY_PASSWORD", "CI_DEPENDENCY_PROXY_PASSWORD", "CI_RUNNER_SHORT_TOKEN",
	// TOKEN
	"NPM_TOKEN", "githubtoken",
	// PASS
	"DB_PASS", "PASSPHRASE", "SMTP_PASSWD", "pass",
	// PWD
	"MYSQL_PWD", "PWD_FILE", "DBPWD", "X_PWD_Y",
	// SECRET
	"CLIENTSECRET",
	// PRIVATE
	"PRIVATEDATA",
	// CRED
	"GOOGLE_APPLICATION_CREDENTIALS", "CREDFILE",
	// AUTH (and AUTHORIZATION, but not AUTHOR)
	"DOCKER_AUTH_CONFIG", "OAUTHCLIENT", "HTTP_AUTHORIZATION", "AUTHOR_AUTH",
	// KEY
	"SSH_KEY", "KEY", "KEY_FILE", "GPG_KEY_DATA", "AWS_ACCESS_KEY_ID", "MYKEY_ID", "STRIPE_APIKEY", "TLSPRIVKEY",
	// ACCESS_KEY
	"S3ACCESSKEY", "MINIO_ACCESS_KEYS",
	// DSN
	"SENTRY_DSN", "DSNVALUE",
	// DATABASE_URL and friends
	"DATABASE_URL", "DB_URL", "DATABASEURI", "DBURI", "CONNECTION_STRING", "CONNSTR", "CONN_STR",
	// COOKIE, SESSION
	"COOKIEJAR", "RAILS_SESSION",
	// JWT
	"IDJWT",
	// CERT
	"CLIENT_CERT",
	// WEBHOOK
	"SLACK_WEBHOOK_URL",
	// SIGNING, SALT
	"SIGNINGDATA", "HASHSALT",
}

// Names that are no credential: every default variable, and PWD (the
// shell's working directory).
var plainNames = append([]string{"PWD", "OLDPWD", "CI_PROJECT_DIR", "GOPATH", "HOME", "PASTE",
	"CI_COMMIT_AUTHOR", "GITLAB_USER_NAME", "AUTHOR_EMAIL"}, DefaultVars...)

func TestSecretNames(t *testing.T) {
	for _, n := range secretNames {
		if ok, _ := IsSecretName(n); !ok {
			t.Errorf("%s is not treated as a secret", n)
		}
		if _, err := AllowedVars(nil, []string{n}, Secrets{}); err == nil || !strings.Contains(err.Error(), "may hold a secret") {
			t.Errorf("vars: [%q]: err = %v, want a refusal", n, err)
		}
	}
	for _, n := range plainNames {
		if ok, _ := IsSecretName(n); ok {
			t.Errorf("%s is treated as a secret", n)
		}
	}
}

// Every pattern is needed: for each, some name above is matched by it
// alone (a pattern made redundant by another would hide a narrowing).
func TestEverySecretPatternIsNeeded(t *testing.T) {
	for i, p := range secretPatterns {
		alone := false
		for _, n := range secretNames {
			if _, pre := credentialVars[n]; pre || !p.MatchString(n) {
				continue
			}
			others := 0
			for j, q := range secretPatterns {
				if j != i && q.MatchString(n) {
					others++
				}
			}
			if others == 0 {
				alone = true
			}
		}
		if !alone {
			t.Errorf("pattern %d (%s) matches no test name on its own", i, p)
		}
	}
}

func TestAllowedVarsRefusesCredentialValues(t *testing.T) {
	env := map[string]string{
		"MIRROR":         "https://deploy:hunter2@mirror.example.com/repo",
		"USER_ONLY":      "ssh://git@example.com/repo.git",
		"PLAIN_URL":      "https://example.com/a@b",
		"CI_PROJECT_URL": "https://gitlab.example.com/g/p",
		"COPY":           "prefix-s3cr3t-v4lue-suffix",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	secrets := FindSecrets([]string{"UPLOAD_TOKEN=s3cr3t-v4lue", "SHORT_TOKEN=abc", "SSL_CERT_FILE=/etc/ssl/certs/ca.pem", "PWD=/builds/group/project"})
	for _, tc := range []struct {
		name, want string
	}{
		{"MIRROR", `the value of "MIRROR" holds a URL with a user or password`},
		{"USER_ONLY", `the value of "USER_ONLY" holds a URL with a user`},
		{"COPY", `the value of "COPY" holds the value of UPLOAD_TOKEN`},
		{"PLAIN_URL", ""},
	} {
		_, err := AllowedVars(lookup, []string{tc.name}, secrets)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "s3cr3t")) {
			t.Errorf("%s: the error shows the value: %v", tc.name, err)
		}
	}
	if got := strings.Join(secrets.names, ","); got != "UPLOAD_TOKEN" {
		t.Errorf("secrets searched for: %s, want UPLOAD_TOKEN only (short values and file paths are not, nor PWD)", got)
	}
}

func TestCheckOutputNamesJobAndVariable(t *testing.T) {
	secrets := FindSecrets([]string{"DEPLOY_TOKEN=glpat-0123456789"})
	yml := "build:\n  script:\n    - make\ndeploy:\n  script:\n    - \"push --token glpat-0123456789\"\n"
	err := secrets.CheckOutput("out.yml", []byte(yml))
	if err == nil {
		t.Fatal("a secret's value in the output passed")
	}
	msg := err.Error()
	for _, want := range []string{"out.yml:6:7", `job "deploy"`, "DEPLOY_TOKEN"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "glpat") {
		t.Errorf("the error shows the value: %s", msg)
	}
	// Escaped in a double-quoted string, it is still found.
	if err := secrets.CheckOutput("out.yml", []byte("job:\n  script: [\"glpat-\\x30123456789\"]\n")); err == nil {
		t.Error("an escaped secret passed")
	}
	// In a comment: found in the raw bytes.
	if err := secrets.CheckOutput("out.yml", []byte("# glpat-0123456789\njob: {script: [x]}\n")); err == nil {
		t.Error("a secret in a comment passed")
	}
	if err := secrets.CheckOutput("out.yml", []byte(yml[:34])); err != nil {
		t.Errorf("clean output: %v", err)
	}
}

// TestCheckSearchesJobsThenParses: the cells' jobs are searched first; a
// hit (in a value or a job name) is reported where it is in the file, and
// a file whose jobs are clean is only searched as bytes (its header).
func TestCheckSearchesJobsThenParses(t *testing.T) {
	secrets := FindSecrets([]string{"DEPLOY_TOKEN=glpat-0123456789"})
	yml := "build:\n  script:\n    - make\ndeploy:\n  script:\n    - \"push --token glpat-0123456789\"\n"
	hit := []Result{{Jobs: map[string]any{"deploy": map[string]any{"script": []any{"push --token glpat-0123456789"}}}}}
	err := secrets.Check(hit, "out.yml", []byte(yml))
	if err == nil || !strings.Contains(err.Error(), "out.yml:6:7") || strings.Contains(err.Error(), "glpat") {
		t.Errorf("a secret in a job: %v", err)
	}
	clean := []Result{{Jobs: map[string]any{"build": map[string]any{"script": []any{"make"}}}}}
	if err := secrets.Check(clean, "out.yml", []byte("# base glpat-0123456789\nbuild:\n  script: [make]\n")); err == nil {
		t.Error("a secret in the header passed")
	}
	if err := secrets.Check(clean, "out.yml", []byte("build:\n  script: [make]\n")); err != nil {
		t.Errorf("clean: %v", err)
	}
	named := []Result{{Jobs: map[string]any{"glpat-0123456789": map[string]any{}}}}
	if err := secrets.Check(named, "out.yml", []byte("\"glpat-0123456789\": {script: [x]}\n")); err == nil {
		t.Error("a secret in a job name passed")
	}
}
