package cli

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"gitlab.com/generate-config/generate-config/internal/gitrun/gitruntest"
)

var updateScripts = flag.Bool("update", false, "rewrite golden files and the expected output in testscript files")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"generate-config": func() { os.Exit(Main()) },
	})
}

// TestScripts runs the end-to-end CLI scripts in testdata/script, one .txtar
// per behaviour. Each script gets $EXAMPLE (the example monorepo, read-only:
// copy it before changing it) and, when present, $SHARED (../shared).
func TestScripts(t *testing.T) {
	example, err := filepath.Abs("../../testdata/example")
	if err != nil {
		t.Fatal(err)
	}
	shared, _ := filepath.Abs("../../../shared")
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       *updateScripts,
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLE", example)
			if _, err := os.Stat(shared); err == nil {
				env.Setenv("SHARED", shared)
			}
			// Scripts that build git repositories need an identity and no
			// user configuration leaking in.
			env.Setenv("GIT_AUTHOR_NAME", "test")
			env.Setenv("GIT_AUTHOR_EMAIL", "test@example.com")
			env.Setenv("GIT_COMMITTER_NAME", "test")
			env.Setenv("GIT_COMMITTER_EMAIL", "test@example.com")
			env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			env.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"stalled-remote": stalledRemote,
		},
	})
}

// stalledRemote VAR listens on 127.0.0.1, accepts connections and never
// answers them, and sets $VAR to an http:// URL of a repository there: a
// remote that hangs after the TCP handshake.
func stalledRemote(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: stalled-remote VAR")
	}
	url, stop, err := gitruntest.StalledRemote()
	ts.Check(err)
	ts.Defer(stop)
	ts.Setenv(args[0], url)
}
