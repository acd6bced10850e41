package fromgit

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The resolver's tests run real git on repositories made here: a bare
// "origin" and clones of it the way the GitLab runner makes them (a
// shallow fetch of the pipeline's ref only). Nothing of the user's git
// configuration takes part.

var fixtureRoot string // removed by TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "changes-test-")
	if err != nil {
		panic(err)
	}
	fixtureRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// gitEnv is a hermetic environment for git: no system or global config, a
// fixed identity, English messages.
func gitEnv(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com",
		"LC_ALL=C",
		// file:// is how the clones reach origin, submodules included.
		"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=protocol.file.allow", "GIT_CONFIG_VALUE_0=always",
	}
}

// runGit runs git in dir and fails the test (or panics, while building the
// shared fixture, when t is nil) on error.
func runGit(t testing.TB, dir string, args ...string) string {
	if t != nil {
		t.Helper()
	}
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(fixtureRoot)
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := "git " + strings.Join(args, " ") + " in " + dir + ": " + err.Error() + "\n" + string(out)
		if t == nil {
			panic(msg)
		}
		t.Fatal(msg)
	}
	return strings.TrimSpace(string(out))
}

// commitRec is a commit and every path it touched: added, modified,
// deleted, and both sides of a rename. These sets are the ground truth the
// resolver's answers are checked against.
type commitRec struct {
	sha   string
	paths []string
}

// edit describes one commit's changes.
type edit struct {
	write  map[string]string
	remove []string
	rename [][2]string
}

func commitEdit(t testing.TB, dir, msg string, e edit) commitRec {
	var touched []string
	for p, content := range e.write {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			panic(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			panic(err)
		}
		touched = append(touched, p)
	}
	for _, p := range e.remove {
		runGit(t, dir, "rm", "-q", "--", p)
		touched = append(touched, p)
	}
	for _, mv := range e.rename {
		runGit(t, dir, "mv", "--", mv[0], mv[1])
		touched = append(touched, mv[0], mv[1])
	}
	runGit(t, dir, "add", "-A")
	runGit(t, dir, "commit", "-q", "-m", msg)
	return commitRec{sha: runGit(t, dir, "rev-parse", "HEAD"), paths: touched}
}

// weirdNames must survive change detection byte for byte.
var weirdNames = []string{
	"dir with space/file name.txt",
	`quote"d 'name'.txt`,
	"-leading-dash.txt",
	"--end-of-options",
	"unicodé/ñandú.txt",
	"new\nline.txt",
	"tab\there.txt",
	`back\slash.txt`,
}

// fixture is the shared history every scenario starts from:
//
//	main:    C0 ── 20 commits ── F ── m1 ── m2 ── m3
//	                             \
//	feature:                      f1 ── f2 ── … ── f13
//
// f1 edits a service, f2 renames one file and deletes another, f3–f12 pad
// the history past the clone depth, f13 adds files with awkward names. m1–m3
// land on main after the fork, so a correct merge-base diff leaves them out.
type fixture struct {
	origin    string // bare repository; scenarios copy it
	seed      string // the work tree origin was pushed from; read-only
	initial   commitRec
	fork      string
	feature   []commitRec
	mainAfter []commitRec
}

var (
	fixtureOnce sync.Once
	shared      *fixture
)

func getFixture(t *testing.T) *fixture {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("the change-detection tests need git in PATH")
	}
	fixtureOnce.Do(func() { shared = buildFixture() })
	return shared
}

func buildFixture() *fixture {
	fx := &fixture{}
	fx.seed = filepath.Join(fixtureRoot, "seed")
	fx.origin = filepath.Join(fixtureRoot, "origin.git")
	runGit(nil, fixtureRoot, "init", "-q", "-b", "main", fx.seed)
	runGit(nil, fixtureRoot, "init", "-q", "--bare", "-b", "main", fx.origin)
	s := fx.seed
	fx.initial = commitEdit(nil, s, "initial", edit{write: map[string]string{
		"services/api/main.go":   "package main\n",
		"services/web/index.js":  "// web\n",
		"libs/core/core.go":      "package core\n",
		"README.md":              "# monorepo\n",
		"old-name.txt":           "renamed on the feature branch\n",
		"to-delete.txt":          "deleted on the feature branch\n",
		"docs/history.log":       "0\n",
		"services/api/README.md": "api\n",
	}})
	for i := 1; i <= 20; i++ {
		commitEdit(nil, s, "history", edit{write: map[string]string{"docs/history.log": strings.Repeat("x\n", i)}})
	}
	fx.fork = runGit(nil, s, "rev-parse", "HEAD")
	runGit(nil, s, "checkout", "-q", "-b", "feature")
	fx.feature = append(fx.feature,
		commitEdit(nil, s, "f1", edit{write: map[string]string{"services/api/main.go": "package main\n\nfunc main() {}\n"}}),
		commitEdit(nil, s, "f2", edit{rename: [][2]string{{"old-name.txt", "new-name.txt"}}, remove: []string{"to-delete.txt"}}))
	for i := 3; i <= 12; i++ {
		fx.feature = append(fx.feature, commitEdit(nil, s, "pad", edit{write: map[string]string{"services/api/pad.txt": strings.Repeat("y\n", i)}}))
	}
	weird := map[string]string{}
	for _, n := range weirdNames {
		weird[n] = n + "\n"
	}
	fx.feature = append(fx.feature, commitEdit(nil, s, "f13", edit{write: weird}))
	runGit(nil, s, "checkout", "-q", "main")
	for i := 1; i <= 3; i++ {
		fx.mainAfter = append(fx.mainAfter, commitEdit(nil, s, "m", edit{write: map[string]string{
			"libs/core/core.go": "package core\n" + strings.Repeat("// m\n", i),
			"main-after.txt":    strings.Repeat("m\n", i),
		}}))
	}
	runGit(nil, s, "push", "-q", fx.origin, "main", "feature")
	return fx
}

// featureTip is f13, the feature branch's last commit.
func (fx *fixture) featureTip() string { return fx.feature[len(fx.feature)-1].sha }

// pathsOf is the union of the paths the commits touched, sorted.
func pathsOf(lists ...[]commitRec) []string {
	set := map[string]bool{}
	for _, l := range lists {
		for _, c := range l {
			for _, p := range c.paths {
				set[p] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// newOrigin copies the fixture's origin so a scenario may push to it.
func newOrigin(t *testing.T, fx *fixture) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "origin.git")
	if out, err := exec.Command("cp", "-a", fx.origin, dst).CombinedOutput(); err != nil {
		t.Fatalf("copying origin: %v\n%s", err, out)
	}
	return dst
}

// ciClone makes a work tree the way the GitLab runner does: an empty
// repository with origin configured, a fetch of only the pipeline's ref
// (depth 0 = full history) and a detached HEAD at it.
func ciClone(t *testing.T, origin, ref string, depth int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "build")
	runGit(t, "/", "init", "-q", "-b", "main", dir)
	runGit(t, dir, "remote", "add", "origin", "file://"+origin)
	local := ref
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		local = "refs/remotes/origin/" + b
	}
	args := []string{"fetch", "-q", "--no-tags"}
	if depth > 0 {
		args = append(args, "--depth", strconv.Itoa(depth))
	}
	runGit(t, dir, append(args, "origin", "+"+ref+":"+local)...)
	runGit(t, dir, "checkout", "-q", "--detach", local)
	return dir
}
