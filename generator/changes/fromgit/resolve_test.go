package fromgit

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/internal/gitrun"
	"gitlab.com/generate-config/generate-config/internal/gitrun/gitruntest"
)

const zeroSHA = "0000000000000000000000000000000000000000"

// scenario is one pipeline situation and the answer a careful engineer
// would give for it.
type scenario struct {
	dir  string
	env  map[string]string
	opts ResolveOptions // Dir, LookupEnv and Git are filled in

	rule    string
	base    string   // the commit diffed from; "" when everything is selected
	all     bool     // everything selected
	paths   []string // exactly the changed paths, when not all
	fetched bool     // the clone had to be deepened or completed
	failed  string   // a fetch must fail with this in its error; else all succeed
	secret  string   // must appear nowhere in the resolution
	trace   string   // the trace must mention this
	vars    []string // variables that must be reported as read
	err     string   // the error must contain this
}

// ci is a GitLab job environment: CI=true, the pipeline source, main as the
// default branch, and the given name/value pairs.
func ci(source string, kv ...string) map[string]string {
	env := map[string]string{"CI": "true", "CI_DEFAULT_BRANCH": "main"}
	if source != "" {
		env["CI_PIPELINE_SOURCE"] = source
	}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func (sc scenario) run(t *testing.T) {
	t.Helper()
	o := sc.opts
	o.Dir, o.LookupEnv, o.Git = sc.dir, lookup(sc.env), gitrun.Exec{Env: gitEnv(fixtureRoot)}
	res, err := Resolve(context.Background(), o)
	trace := strings.Join(res.Trace, "\n")
	if sc.err != "" {
		if err == nil || !strings.Contains(err.Error(), sc.err) {
			t.Fatalf("error = %v, want one containing %q\ntrace:\n%s", err, sc.err, trace)
		}
		return
	}
	if err != nil {
		t.Fatalf("Resolve: %v\ntrace:\n%s", err, trace)
	}
	if res.Rule != sc.rule || res.All != sc.all || res.Base != sc.base {
		t.Errorf("rule %q all %v base %q, want rule %q all %v base %q", res.Rule, res.All, res.Base, sc.rule, sc.all, sc.base)
	}
	headRev := o.Head
	if headRev == "" {
		headRev = "HEAD"
	}
	if head := runGit(t, sc.dir, "rev-parse", headRev); res.Head != head {
		t.Errorf("head %q, want %s = %q", res.Head, headRev, head)
	}
	if sc.all {
		if res.Reason == "" || len(res.Changes) != 0 {
			t.Errorf("everything selected: want a reason and no change list, got reason %q and %d changes", res.Reason, len(res.Changes))
		}
	} else {
		got := changes.Paths(res.Changes)
		if missed := minus(sc.paths, got); len(missed) > 0 {
			t.Errorf("missed changed paths %q", missed)
		}
		if extra := minus(got, sc.paths); len(extra) > 0 {
			t.Errorf("paths that did not change %q", extra)
		}
	}
	failed := false
	for _, f := range res.Fetches {
		switch {
		case sc.failed != "" && strings.Contains(f.Err, sc.failed):
			failed = true
		case f.Err != "":
			t.Errorf("fetch failed: %s: %s", f.Command, f.Err)
		}
	}
	if sc.failed != "" && !failed {
		t.Errorf("want a fetch failing with %q, got %+v", sc.failed, res.Fetches)
	}
	switch {
	case sc.fetched && len(res.Fetches) == 0:
		t.Errorf("want the clone deepened, nothing was fetched")
	case o.NoFetch && len(res.Fetches) > 0:
		t.Errorf("--no-fetch, yet fetched: %+v", res.Fetches)
	}
	if js, _ := json.Marshal(res); sc.secret != "" && strings.Contains(string(js), sc.secret) {
		t.Errorf("the resolution leaks %q: %s", sc.secret, js)
	}
	if sc.trace != "" && !strings.Contains(trace, sc.trace) {
		t.Errorf("trace does not mention %q", sc.trace)
	}
	for _, v := range sc.vars {
		if !slices.ContainsFunc(res.Vars, func(x changes.Var) bool { return x.Name == v && x.Value == sc.env[v] }) {
			t.Errorf("variable %s not reported as read: %+v", v, res.Vars)
		}
	}
	if t.Failed() {
		t.Logf("trace:\n%s", trace)
	}
}

// minus is a without b.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// rewriteFeature force-pushes feature to origin with f13 replaced by a
// commit that edits the web service, and returns that commit.
func rewriteFeature(t *testing.T, fx *fixture, origin string) commitRec {
	w := filepath.Join(t.TempDir(), "w")
	runGit(t, "/", "clone", "-q", "--branch", "feature", "file://"+origin, w)
	runGit(t, w, "reset", "-q", "--hard", fx.feature[11].sha)
	c := commitEdit(t, w, "f13 rewritten", edit{write: map[string]string{"services/web/index.js": "// rewritten\n"}})
	runGit(t, w, "push", "-q", "--force", "origin", "feature")
	return c
}

// mergedResult pushes the merge commit GitLab makes for a merged-results
// pipeline (feature merged into main's tip) as refs/merge-requests/1/merge.
func mergedResult(t *testing.T, origin string) {
	w := filepath.Join(t.TempDir(), "w")
	runGit(t, "/", "clone", "-q", "file://"+origin, w)
	runGit(t, w, "checkout", "-q", "--detach", "origin/main")
	runGit(t, w, "merge", "-q", "--no-ff", "-m", "merged result", "origin/feature")
	runGit(t, w, "push", "-q", "origin", "HEAD:refs/merge-requests/1/merge")
}

func tag(t *testing.T, origin, name, sha string) {
	runGit(t, origin, "tag", name, sha)
}

// TestResolveCI runs the resolver in every pipeline source and situation
// of docs/change-detection.md, on clones made the way the GitLab runner
// makes them.
func TestResolveCI(t *testing.T) {
	fx := getFixture(t)
	featureAll := pathsOf(fx.feature)
	cases := []struct {
		name string
		make func(t *testing.T) scenario
	}{
		{"push/before-SHA in the clone", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/main", 3),
				env:  ci("push", "CI_COMMIT_BRANCH", "main", "CI_COMMIT_BEFORE_SHA", fx.mainAfter[0].sha),
				rule: RulePushBeforeSHA, base: fx.mainAfter[0].sha, paths: pathsOf(fx.mainAfter[1:]),
				vars: []string{"CI_PIPELINE_SOURCE", "CI_COMMIT_BEFORE_SHA"},
			}
		}},
		{"push/before-SHA deeper than the clone", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 2),
				env:  ci("push", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", fx.feature[0].sha),
				rule: RulePushBeforeSHA, base: fx.feature[0].sha, paths: pathsOf(fx.feature[1:]),
				fetched: true, trace: "is an ancestor of HEAD",
			}
		}},
		{"push/before-SHA deeper than the clone, --no-fetch", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 2),
				env:  ci("push", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", fx.feature[0].sha),
				opts: ResolveOptions{NoFetch: true},
				rule: RuleUnknownBase, all: true, trace: "--no-fetch forbids",
			}
		}},
		{"push/before-SHA beyond changes.maxFetchDepth", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 2),
				env:  ci("push", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", fx.feature[0].sha),
				opts: ResolveOptions{MaxFetchDepth: 8},
				rule: RuleUnknownBase, all: true, fetched: true, trace: "the limit (changes.maxFetchDepth)",
			}
		}},
		{"push/new branch (zero before-SHA)", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 3),
				env:  ci("push", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				rule: RuleMergeBaseDefault, base: fx.fork, paths: featureAll, fetched: true,
				trace: "all zeros", vars: []string{"CI_DEFAULT_BRANCH"},
			}
		}},
		{"push/force push, old tip gone from origin", func(t *testing.T) scenario {
			origin := newOrigin(t, fx)
			f13 := rewriteFeature(t, fx, origin)
			return scenario{
				dir:  ciClone(t, origin, "refs/heads/feature", 3),
				env:  ci("push", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", fx.featureTip()),
				rule: RuleMergeBaseDefault, base: fx.fork, paths: pathsOf(fx.feature[:12], []commitRec{f13}),
				fetched: true, trace: "not in the clone: treated like a force push",
			}
		}},
		{"push/force push, old tip still in the clone (GIT_STRATEGY=fetch)", func(t *testing.T) scenario {
			origin := newOrigin(t, fx)
			dir := ciClone(t, origin, "refs/heads/feature", 0)
			f13 := rewriteFeature(t, fx, origin)
			runGit(t, dir, "fetch", "-q", "origin", "+refs/heads/feature:refs/remotes/origin/feature")
			runGit(t, dir, "checkout", "-q", "--detach", "refs/remotes/origin/feature")
			return scenario{
				dir:  dir,
				env:  ci("push", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", fx.featureTip()),
				rule: RuleMergeBaseDefault, base: fx.fork, paths: pathsOf(fx.feature[:12], []commitRec{f13}),
				fetched: true, trace: "is not an ancestor of HEAD: a force push",
			}
		}},
		{"push/default branch, first push", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/main", 3),
				env:  ci("push", "CI_COMMIT_BRANCH", "main", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				rule: RuleOnDefaultBranch, all: true,
			}
		}},
		{"push/default branch, force push", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/main", 0),
				env:  ci("push", "CI_COMMIT_BRANCH", "main", "CI_COMMIT_BEFORE_SHA", fx.featureTip()),
				rule: RuleOnDefaultBranch, all: true, trace: "treated like a force push",
			}
		}},
		{"tag/default policy", func(t *testing.T) scenario {
			origin := newOrigin(t, fx)
			tag(t, origin, "v1", fx.mainAfter[2].sha)
			return scenario{
				dir:  ciClone(t, origin, "refs/tags/v1", 3),
				env:  ci("push", "CI_COMMIT_TAG", "v1", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				rule: RuleSourcePolicy, all: true, trace: "tag pipeline", vars: []string{"CI_COMMIT_TAG"},
			}
		}},
		{"tag/policy default-branch, tag on a feature commit", func(t *testing.T) scenario {
			origin := newOrigin(t, fx)
			tag(t, origin, "v2", fx.featureTip())
			return scenario{
				dir:  ciClone(t, origin, "refs/tags/v2", 3),
				env:  ci("push", "CI_COMMIT_TAG", "v2", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				opts: ResolveOptions{Sources: map[string]string{"tag": PolicyDefaultBranch}},
				rule: RuleMergeBaseDefault, base: fx.fork, paths: featureAll, fetched: true,
			}
		}},
		{"tag/policy default-branch, tag on the default branch", func(t *testing.T) scenario {
			origin := newOrigin(t, fx)
			tag(t, origin, "v1", fx.mainAfter[2].sha)
			return scenario{
				dir:  ciClone(t, origin, "refs/tags/v1", 3),
				env:  ci("push", "CI_COMMIT_TAG", "v1", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				opts: ResolveOptions{Sources: map[string]string{"tag": PolicyDefaultBranch}},
				rule: RuleOnDefaultBranch, all: true, trace: "already part of the default branch",
			}
		}},
		{"tag/policy fail", func(t *testing.T) scenario {
			origin := newOrigin(t, fx)
			tag(t, origin, "v1", fx.mainAfter[2].sha)
			return scenario{
				dir:  ciClone(t, origin, "refs/tags/v1", 3),
				env:  ci("push", "CI_COMMIT_TAG", "v1"),
				opts: ResolveOptions{Sources: map[string]string{"tag": PolicyFail}},
				err:  `tag pipeline: the manifest's changes policy for tag is "fail"`,
			}
		}},
		{"schedule/policy default-branch on the default branch", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/main", 3),
				env:  ci("schedule", "CI_COMMIT_BRANCH", "main", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				opts: ResolveOptions{Sources: map[string]string{"schedule": PolicyDefaultBranch}},
				rule: RuleOnDefaultBranch, all: true,
			}
		}},
		{"schedule/policy default-branch on a feature branch", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 3),
				env:  ci("schedule", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				opts: ResolveOptions{Sources: map[string]string{"schedule": PolicyDefaultBranch}},
				rule: RuleMergeBaseDefault, base: fx.fork, paths: featureAll, fetched: true,
			}
		}},
		{"merge request/CI_MERGE_REQUEST_DIFF_BASE_SHA deeper than the clone", func(t *testing.T) scenario {
			return scenario{
				dir: ciClone(t, fx.origin, "refs/heads/feature", 2),
				env: ci("merge_request_event", "CI_MERGE_REQUEST_EVENT_TYPE", "detached", "CI_COMMIT_BEFORE_SHA", zeroSHA,
					"CI_MERGE_REQUEST_DIFF_BASE_SHA", fx.fork, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
				rule: RuleMergeRequestDiffBase, base: fx.fork, paths: featureAll, fetched: true,
				vars: []string{"CI_MERGE_REQUEST_DIFF_BASE_SHA"},
			}
		}},
		{"merge request/without CI_MERGE_REQUEST_DIFF_BASE_SHA", func(t *testing.T) scenario {
			return scenario{
				dir: ciClone(t, fx.origin, "refs/heads/feature", 2),
				env: ci("merge_request_event", "CI_MERGE_REQUEST_EVENT_TYPE", "detached", "CI_COMMIT_BEFORE_SHA", zeroSHA,
					"CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
				rule: RuleMergeRequestTarget, base: fx.fork, paths: featureAll, fetched: true,
				trace: "CI_MERGE_REQUEST_DIFF_BASE_SHA is not set",
			}
		}},
		{"merge request/without any base variable", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 2),
				env:  ci("merge_request_event", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				rule: RuleUnknownBase, all: true,
			}
		}},
		{"merge request/merged results", func(t *testing.T) scenario {
			origin := newOrigin(t, fx)
			mergedResult(t, origin)
			// The merge commit holds main's later commits too: diffing from
			// the MR's diff base includes them (more than the MR, never less).
			return scenario{
				dir: ciClone(t, origin, "refs/merge-requests/1/merge", 2),
				env: ci("merge_request_event", "CI_MERGE_REQUEST_EVENT_TYPE", "merged_result",
					"CI_MERGE_REQUEST_DIFF_BASE_SHA", fx.fork, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main",
					"CI_MERGE_REQUEST_TARGET_BRANCH_SHA", fx.mainAfter[2].sha),
				rule: RuleMergeRequestDiffBase, base: fx.fork, paths: pathsOf(fx.feature, fx.mainAfter), fetched: true,
			}
		}},
		{"merge request/merge train without CI_MERGE_REQUEST_DIFF_BASE_SHA", func(t *testing.T) scenario {
			origin := newOrigin(t, fx)
			mergedResult(t, origin)
			// The merge-base with the target is main's tip: only the MR.
			return scenario{
				dir: ciClone(t, origin, "refs/merge-requests/1/merge", 2),
				env: ci("merge_request_event", "CI_MERGE_REQUEST_EVENT_TYPE", "merge_train",
					"CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
				rule: RuleMergeRequestTarget, base: fx.mainAfter[2].sha, paths: featureAll, fetched: true,
			}
		}},
		{"child pipeline/of a merge request pipeline", func(t *testing.T) scenario {
			return scenario{
				dir: ciClone(t, fx.origin, "refs/heads/feature", 2),
				env: ci("parent_pipeline", "CI_MERGE_REQUEST_IID", "1", "CI_COMMIT_BEFORE_SHA", zeroSHA,
					"CI_MERGE_REQUEST_DIFF_BASE_SHA", fx.fork),
				rule: RuleMergeRequestDiffBase, base: fx.fork, paths: featureAll, fetched: true,
			}
		}},
		{"child pipeline/of a push pipeline", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 3),
				env:  ci("parent_pipeline", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", fx.feature[11].sha),
				rule: RulePushBeforeSHA, base: fx.feature[11].sha, paths: pathsOf(fx.feature[12:]),
			}
		}},
		{"child pipeline/without push information", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 3),
				env:  ci("parent_pipeline", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				rule: RuleMergeBaseDefault, base: fx.fork, paths: featureAll, fetched: true,
			}
		}},
		{"not GitLab/CI without CI_PIPELINE_SOURCE", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 3),
				env:  ci(""),
				rule: RuleUnknownBase, all: true, trace: "not a GitLab pipeline",
			}
		}},
		{"unknown base/--on-unknown-base=fail", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 2),
				env:  ci("merge_request_event"),
				opts: ResolveOptions{OnUnknownBase: PolicyFail},
				err:  "cannot establish a diff base: merge request pipeline without CI_MERGE_REQUEST_DIFF_BASE_SHA",
			}
		}},
		{"unknown base/manifest policy fail", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 2),
				env:  ci("merge_request_event"),
				opts: ResolveOptions{PolicyOnUnknownBase: PolicyFail},
				err:  "from the manifest's changes.onUnknownBase",
			}
		}},
		{"unknown base/--on-unknown-base=all overrides the manifest", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 2),
				env:  ci("merge_request_event"),
				opts: ResolveOptions{OnUnknownBase: PolicyAll, PolicyOnUnknownBase: PolicyFail},
				rule: RuleUnknownBase, all: true, trace: `everything is selected (on-unknown-base is "all", from --on-unknown-base)`,
			}
		}},
		{"fetch fails: origin unreachable", func(t *testing.T) scenario {
			dir := ciClone(t, fx.origin, "refs/heads/feature", 3)
			runGit(t, dir, "remote", "set-url", "origin", "file://"+filepath.Join(t.TempDir(), "gone.git"))
			return scenario{
				dir:  dir,
				env:  ci("push", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				rule: RuleUnknownBase, all: true, failed: "gone.git",
				trace: "origin/main is not in the clone and could not be fetched",
			}
		}},
		{"fetch fails: credentials in the remote URL are not reported", func(t *testing.T) scenario {
			dir := ciClone(t, fx.origin, "refs/heads/feature", 3)
			// Port 1 on the loopback refuses at once: the fetch fails fast.
			runGit(t, dir, "remote", "set-url", "origin", "http://gitlab-ci-token:s3cr3t@127.0.0.1:1/g/p.git")
			return scenario{
				dir:  dir,
				env:  ci("push", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				rule: RuleUnknownBase, all: true, failed: "fatal:", secret: "s3cr3t",
			}
		}},
		{"--base overrides the CI variables", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 2),
				env:  ci("push", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", fx.feature[11].sha),
				opts: ResolveOptions{Base: fx.fork},
				rule: RuleExplicitBase, base: fx.fork, paths: featureAll, fetched: true,
			}
		}},
		{"--base and --head", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 0),
				env:  ci("push"),
				opts: ResolveOptions{Base: fx.feature[0].sha, Head: fx.feature[1].sha},
				rule: RuleExplicitBase, base: fx.feature[0].sha, paths: fx.feature[1].paths,
			}
		}},
		{"--base that is not a commit", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 0),
				env:  ci("push"),
				opts: ResolveOptions{Base: "no-such-branch"},
				err:  `--base "no-such-branch" is not a commit in this repository`,
			}
		}},
		{"--base that would be an option", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 0),
				opts: ResolveOptions{Base: "--output=/tmp/x"},
				err:  "a revision cannot start with '-'",
			}
		}},
	}
	for _, src := range []string{"schedule", "web", "api", "trigger", "pipeline", "chat", "webide", "external"} {
		cases = append(cases, struct {
			name string
			make func(t *testing.T) scenario
		}{"source " + src + "/default policy", func(t *testing.T) scenario {
			return scenario{
				dir:  ciClone(t, fx.origin, "refs/heads/feature", 3),
				env:  ci(src, "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", zeroSHA),
				rule: RuleSourcePolicy, all: true, trace: src + " pipeline",
			}
		}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.make(t).run(t)
		})
	}
}

// TestResolveOutsideCI covers a laptop: the merge-base with the default
// branch plus staged, unstaged and untracked files.
func TestResolveOutsideCI(t *testing.T) {
	fx := getFixture(t)
	clone := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "laptop")
		runGit(t, "/", "clone", "-q", "--branch", "feature", "file://"+fx.origin, dir)
		return dir
	}
	write := func(t *testing.T, dir, p, content string) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("working tree", func(t *testing.T) {
		t.Parallel()
		dir := clone(t)
		write(t, dir, "README.md", "staged\n")
		runGit(t, dir, "add", "README.md")
		write(t, dir, "services/web/index.js", "unstaged\n")
		write(t, dir, "scratch/new file.txt", "untracked\n")
		write(t, dir, "ignored.log", "ignored\n")
		write(t, dir, ".git/info/exclude", "*.log\n")
		runGit(t, dir, "rm", "-q", "--cached", "services/api/README.md") // staged deletion, file kept
		runGit(t, dir, "config", "status.showUntrackedFiles", "no")      // must not hide untracked files
		want := append(pathsOf(fx.feature), "README.md", "services/web/index.js", "scratch/new file.txt", "services/api/README.md")
		slices.Sort(want)
		scenario{dir: dir, env: map[string]string{}, rule: RuleWorkingTree, base: fx.fork, paths: want,
			trace: "refs/remotes/origin/HEAD"}.run(t)
	})
	t.Run("from a subdirectory, paths are relative to it", func(t *testing.T) {
		// The directory is the manifest's root (-C), a monorepo that is a
		// subtree of the git repository: its patterns are relative to it,
		// so the paths must be too; changes elsewhere are named in the trace.
		t.Parallel()
		dir := clone(t)
		write(t, dir, "libs/core/untracked.go", "package core\n")
		write(t, dir, "services/api/handlers/new.go", "package handlers\n")
		var inside []string
		for _, p := range pathsOf(fx.feature) {
			if rel, ok := strings.CutPrefix(p, "services/api/"); ok {
				inside = append(inside, rel)
			}
		}
		if len(inside) == 0 {
			t.Fatal("the fixture's feature branch changes nothing under services/api")
		}
		sc := scenario{dir: filepath.Join(dir, "services", "api"), env: map[string]string{}, rule: RuleWorkingTree,
			base: fx.fork, paths: append(inside, "handlers/new.go"),
			trace: "outside services/api cannot belong to its targets"}
		slices.Sort(sc.paths)
		sc.run(t)
	})
	t.Run("--base uses merge-base semantics", func(t *testing.T) {
		t.Parallel()
		// origin/main has moved on (m1–m3); they are not the branch's changes.
		scenario{dir: clone(t), env: map[string]string{}, opts: ResolveOptions{Base: "origin/main"},
			rule: RuleExplicitBase, base: fx.fork, paths: pathsOf(fx.feature)}.run(t)
	})
	t.Run("--head leaves the working tree out", func(t *testing.T) {
		t.Parallel()
		dir := clone(t)
		write(t, dir, "scratch.txt", "untracked\n")
		scenario{dir: dir, env: map[string]string{}, opts: ResolveOptions{Head: fx.feature[1].sha},
			rule: RuleMergeBaseDefault, base: fx.fork, paths: pathsOf(fx.feature[:2])}.run(t)
	})
	t.Run("no remote: the local main branch", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "local")
		runGit(t, "/", "init", "-q", "-b", "main", dir)
		base := commitEdit(t, dir, "one", edit{write: map[string]string{"a.txt": "a\n"}})
		runGit(t, dir, "checkout", "-q", "-b", "topic")
		c := commitEdit(t, dir, "two", edit{write: map[string]string{"b.txt": "b\n"}})
		scenario{dir: dir, env: map[string]string{}, rule: RuleWorkingTree, base: base.sha, paths: c.paths,
			trace: "refs/heads/main"}.run(t)
	})
	t.Run("no default branch at all", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "local")
		runGit(t, "/", "init", "-q", "-b", "trunk", dir)
		commitEdit(t, dir, "one", edit{write: map[string]string{"a.txt": "a\n"}})
		scenario{dir: dir, env: map[string]string{}, rule: RuleUnknownBase, all: true,
			trace: "none of origin/HEAD, origin/main and main exists"}.run(t)
	})
}

// TestResolveStatuses checks what each change looks like: a rename carries
// both paths, a deletion counts, and awkward names survive byte for byte.
func TestResolveStatuses(t *testing.T) {
	fx := getFixture(t)
	dir := ciClone(t, fx.origin, "refs/heads/feature", 0)
	res, err := Resolve(context.Background(), ResolveOptions{Dir: dir, Base: fx.fork,
		LookupEnv: lookup(nil), Git: gitrun.Exec{Env: gitEnv(fixtureRoot)}})
	if err != nil {
		t.Fatal(err)
	}
	want := []changes.Change{
		{Status: changes.Renamed, Path: "new-name.txt", OldPath: "old-name.txt"},
		{Status: changes.Deleted, Path: "to-delete.txt"},
		{Status: changes.Modified, Path: "services/api/main.go"},
		{Status: changes.Added, Path: "services/api/pad.txt"},
	}
	for _, n := range weirdNames {
		want = append(want, changes.Change{Status: changes.Added, Path: n})
	}
	for _, w := range want {
		if !slices.Contains(res.Changes, w) {
			t.Errorf("missing %+v", w)
		}
	}
	if len(res.Changes) != len(want) {
		t.Errorf("got %d changes, want %d: %+v", len(res.Changes), len(want), res.Changes)
	}
	if !slices.IsSortedFunc(res.Changes, func(a, b changes.Change) int { return strings.Compare(a.Path, b.Path) }) {
		t.Errorf("changes not sorted by path: %+v", res.Changes)
	}
}

// TestResolveSubmoduleAndHostileConfig: a submodule pointer change counts at
// the submodule path, and repository config that would change git's output
// (renames off, submodules ignored, an external diff, quoted paths, colour,
// relative paths) changes nothing.
func TestResolveSubmoduleAndHostileConfig(t *testing.T) {
	getFixture(t)
	root := t.TempDir()
	lib := filepath.Join(root, "lib")
	runGit(t, "/", "init", "-q", "-b", "main", lib)
	commitEdit(t, lib, "lib 1", edit{write: map[string]string{"lib.txt": "1\n"}})

	app := filepath.Join(root, "app")
	runGit(t, "/", "init", "-q", "-b", "main", app)
	commitEdit(t, app, "app", edit{write: map[string]string{"old name.txt": "x\n", "tracked.txt": "t\n"}})
	runGit(t, app, "submodule", "add", "-q", "file://"+lib, "vendor/lib")
	base := commitEdit(t, app, "add submodule", edit{})

	commitEdit(t, lib, "lib 2", edit{write: map[string]string{"lib.txt": "2\n"}})
	sub := filepath.Join(app, "vendor", "lib")
	runGit(t, sub, "pull", "-q", "origin", "main")
	commitEdit(t, app, "bump submodule, rename", edit{rename: [][2]string{{"old name.txt", "new name.txt"}}})

	for _, kv := range [][2]string{
		{"diff.renames", "false"}, {"diff.ignoreSubmodules", "all"}, {"diff.external", "/bin/false"},
		{"core.quotepath", "true"}, {"color.ui", "always"}, {"color.diff", "always"}, {"diff.relative", "true"},
		{"submodule.recurse", "true"},
	} {
		runGit(t, app, "config", kv[0], kv[1])
	}
	runGit(t, app, "config", "-f", ".gitmodules", "submodule.vendor/lib.ignore", "all")

	for _, tc := range []struct {
		dir  string
		want []changes.Change
	}{
		{app, []changes.Change{
			{Status: changes.Renamed, Path: "new name.txt", OldPath: "old name.txt"},
			{Status: changes.Modified, Path: "vendor/lib"},
		}},
		// From a subdirectory (diff.relative must not matter): paths are
		// relative to it, and the rename elsewhere is outside it.
		{filepath.Join(app, "vendor"), []changes.Change{{Status: changes.Modified, Path: "lib"}}},
	} {
		res, err := Resolve(context.Background(), ResolveOptions{Dir: tc.dir, Base: base.sha,
			LookupEnv: lookup(nil), Git: gitrun.Exec{Env: gitEnv(fixtureRoot)}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Changes, tc.want) {
			t.Errorf("from %s: changes %+v, want %+v", tc.dir, res.Changes, tc.want)
		}
	}
}

// TestResolveErrors: no git, no repository, a broken repository and bad
// input are clear errors, never a silent answer.
func TestResolveErrors(t *testing.T) {
	getFixture(t)
	good := filepath.Join(t.TempDir(), "good")
	runGit(t, "/", "init", "-q", "-b", "main", good)
	commitEdit(t, good, "one", edit{write: map[string]string{"a.txt": "a\n"}})
	commitEdit(t, good, "two", edit{write: map[string]string{"a.txt": "b\n"}})
	env := gitrun.Exec{Env: gitEnv(fixtureRoot)}

	empty := filepath.Join(t.TempDir(), "empty")
	runGit(t, "/", "init", "-q", "-b", "main", empty)

	broken := filepath.Join(t.TempDir(), "broken")
	runGit(t, "/", "init", "-q", "-b", "main", broken)
	commitEdit(t, broken, "one", edit{write: map[string]string{"a.txt": "a\n"}})
	commitEdit(t, broken, "two", edit{write: map[string]string{"a.txt": "b\n"}})
	tree := runGit(t, broken, "rev-parse", "HEAD~1^{tree}")
	if err := os.Remove(filepath.Join(broken, ".git", "objects", tree[:2], tree[2:])); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		o    ResolveOptions
		want string
	}{
		{"git binary missing", ResolveOptions{Dir: good, Git: gitrun.Exec{Path: filepath.Join(t.TempDir(), "no-git")}}, "git is not installed or not in PATH"},
		{"not a repository", ResolveOptions{Dir: t.TempDir(), Git: env}, "is not a usable git repository: fatal: not a git repository"},
		{"directory missing", ResolveOptions{Dir: filepath.Join(t.TempDir(), "nope"), Git: env}, "running git in"},
		{"repository without commits", ResolveOptions{Dir: empty, Git: env}, "HEAD is not a commit"},
		{"broken repository", ResolveOptions{Dir: broken, Base: "HEAD~1", Git: env}, "reading the diff: git -c diff.relative=false diff --name-status -z"},
		{"--head that is not a commit", ResolveOptions{Dir: good, Head: "nope", Git: env}, `--head "nope" is not a commit`},
		{"bad --on-unknown-base", ResolveOptions{Dir: good, OnUnknownBase: "some", Git: env}, `--on-unknown-base must be "all" or "fail"`},
		{"bad source policy", ResolveOptions{Dir: good, Sources: map[string]string{"schedule": "nothing"}, Git: env}, "changes.sources.schedule must be"},
		{"policy for a source with its own rule", ResolveOptions{Dir: good, Sources: map[string]string{"push": "all"}, Git: env}, "have their own rule"},
		{"negative maxFetchDepth", ResolveOptions{Dir: good, MaxFetchDepth: -1, Git: env}, "must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.o.LookupEnv = lookup(nil)
			res, err := Resolve(context.Background(), c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want one containing %q (resolution %+v)", err, c.want, res)
			}
		})
	}
}

// TestResolveGitNotInPATH runs the default runner with PATH emptied.
func TestResolveGitNotInPATH(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", "")
	_, err := Resolve(context.Background(), ResolveOptions{Dir: dir, LookupEnv: lookup(nil)})
	if err == nil || !strings.Contains(err.Error(), "git is not installed or not in PATH") {
		t.Fatalf("error = %v, want git not found", err)
	}
}

func TestRedactURLs(t *testing.T) {
	in := "fatal: unable to access 'https://gitlab-ci-token:glcbt-abc@gitlab.example.com/g/p.git/': 403 and ssh://git@host/x"
	got := redactURLs(in)
	if strings.Contains(got, "glcbt-abc") || strings.Contains(got, "git@host") {
		t.Errorf("credentials left in %q", got)
	}
	if !strings.Contains(got, "https://***@gitlab.example.com/g/p.git/") {
		t.Errorf("URL mangled: %q", got)
	}
}

// TestParseNameStatus covers what real git rarely prints: copies, and
// output cut short, which must be an error rather than a shorter list.
func TestParseNameStatus(t *testing.T) {
	got, err := parseNameStatus([]byte("C075\x00a\x00b\x00R100\x00-x\x00new\nname\x00T\x00link\x00"))
	want := []changes.Change{{Status: changes.Copied, Path: "b", OldPath: "a"}, {Status: changes.Renamed, Path: "new\nname", OldPath: "-x"}, {Status: changes.TypeChg, Path: "link"}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	for _, bad := range []string{"M\x00", "R100\x00old\x00", "\x00M\x00a\x00"} {
		if cs, err := parseNameStatus([]byte(bad)); err == nil {
			t.Errorf("%q: want an error, got %+v", bad, cs)
		}
	}
}

// stalledRemote is a remote that accepts TCP connections on 127.0.0.1 and
// never answers them.
func stalledRemote(t *testing.T) string {
	t.Helper()
	url, stop, err := gitruntest.StalledRemote()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url
}

// A remote that stops answering must not hang change detection: the fetch
// ends at its deadline, and the documented fallback applies — everything
// is built and the reason says why; with onUnknownBase "fail" the run
// fails and says so (issue 11).
func TestResolveStalledRemote(t *testing.T) {
	fx := getFixture(t)
	for _, policy := range []string{PolicyAll, PolicyFail} {
		t.Run(policy, func(t *testing.T) {
			dir := ciClone(t, fx.origin, "refs/heads/feature", 2)
			runGit(t, dir, "remote", "set-url", "origin", stalledRemote(t))
			start := time.Now()
			res, err := Resolve(context.Background(), ResolveOptions{
				Dir:                 dir,
				LookupEnv:           lookup(ci("push", "CI_COMMIT_BRANCH", "feature", "CI_COMMIT_BEFORE_SHA", fx.feature[0].sha)),
				PolicyOnUnknownBase: policy,
				Git:                 gitrun.Exec{Env: gitEnv(fixtureRoot), FetchTimeout: 2 * time.Second},
			})
			if took := time.Since(start); took > 15*time.Second {
				t.Fatalf("Resolve took %s with a 2s fetch deadline", took)
			}
			if len(res.Fetches) == 0 || !strings.Contains(res.Fetches[0].Err, "no answer within 2s") {
				t.Fatalf("want a fetch stopped at its deadline, got %+v", res.Fetches)
			}
			trace := strings.Join(res.Trace, "\n")
			if policy == PolicyFail {
				if err == nil {
					t.Fatalf("onUnknownBase fail: want an error, got %+v", res)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v\n%s", err, trace)
			}
			if !res.All || res.Rule != RuleUnknownBase || res.Reason == "" {
				t.Errorf("want everything selected with a reason, got rule %q all %v reason %q\n%s", res.Rule, res.All, res.Reason, trace)
			}
		})
	}
}
