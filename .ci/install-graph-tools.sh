#!/usr/bin/env bash
# install-graph-tools.sh: installs what the tests of internal/graph use to
# check the diagrams it draws, so that under CI=true they run instead of
# skipping (they fail when a tool is missing then):
#   - graphviz (Debian package), for `dot -Tsvg` on the DOT output;
#   - the mermaid npm package with jsdom (versions pinned in
#     tools/mermaid-parse/package.json and package-lock.json), for
#     tools/mermaid-parse/parse.mjs, which parses the Mermaid output with
#     mermaid.parse() in plain Node — no browser is downloaded.
# Safe to run again: it installs only what is missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v dot >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends graphviz >/dev/null
fi
dot -V

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-graph-tools: node and npm are needed for the Mermaid parser test" >&2
  exit 1
fi
tool="$root/tools/mermaid-parse"
# npm ci installs exactly the lock file; --ignore-scripts because no package
# needs a build step here (and none may fetch a browser).
# installed reports whether node_modules holds the pinned versions already.
installed() {
  (cd "$tool" && node -e '
    const want = require("./package.json").dependencies;
    for (const [name, version] of Object.entries(want)) {
      let got;
      try { got = require("./node_modules/" + name + "/package.json").version; } catch { process.exit(1); }
      if (got !== version) process.exit(1);
    }')
}
if ! installed; then
  (cd "$tool" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
node -e 'console.log("mermaid " + require(process.argv[1]).version)' "$tool/node_modules/mermaid/package.json"
