// Package e2e holds the end-to-end check of the example monorepo with a
// GitLab CI runner no one here wrote: gitlab-ci-local runs the example's
// parent pipeline (testdata/example/.gitlab-ci.yml) with the shell
// executor, its generate-config job writes generated-config.yml, and the
// child pipeline triggered from that artifact must run and pass.
//
// The test is in gitlabcilocal_test.go (linux only: the pinned Node binary
// is linux x86-64). Install the tools with .ci/install-gitlab-ci-local.sh;
// without them the test skips, and fails under CI=true.
package e2e
