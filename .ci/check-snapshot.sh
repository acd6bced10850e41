#!/usr/bin/env bash
# check-snapshot.sh: after `goreleaser build --snapshot --clean`, checks
# dist/: one static binary for each of linux, darwin and windows on amd64
# and arm64, and the linux/amd64 one prints the snapshot's version (the
# ldflags of .goreleaser.yaml reach the binary).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "check-snapshot: $*" >&2; exit 1; }

[ -f dist/artifacts.json ] && [ -f dist/metadata.json ] || fail "dist/ has no artifacts.json or metadata.json; run goreleaser build --snapshot --clean first"

# One artifact object per line, then the Binary ones' "goos goarch path".
binaries=$(sed 's/},{"name"/}\n{"name"/g' dist/artifacts.json | grep '"type":"Binary"' |
  sed -E 's/.*"path":"([^"]+)".*"goos":"([^"]+)","goarch":"([^"]+)".*/\2 \3 \1/' | sort)
want="darwin amd64
darwin arm64
linux amd64
linux arm64
windows amd64
windows arm64"
got=$(cut -d' ' -f1,2 <<<"$binaries")
[ "$got" = "$want" ] || fail "binaries for
$got
want exactly
$want"
while read -r os arch path; do
  [ -s "$path" ] || fail "$os/$arch: $path is missing or empty"
  echo "ok $os/$arch $path"
done <<<"$binaries"

version=$(sed -E 's/.*"version":"([^"]+)".*/\1/' dist/metadata.json)
linux=$(awk '$1 == "linux" && $2 == "amd64" { print $3 }' <<<"$binaries")
got=$("$linux" --version)
[ "$got" = "generate-config version v$version" ] || fail "$linux --version printed '$got', want 'generate-config version v$version'"
echo "ok $linux --version: $got"

# Static: no program interpreter (ELF PT_INTERP), so it runs on any Linux.
if command -v file >/dev/null 2>&1; then
  file "$linux" | grep -q 'statically linked' || fail "$linux is not statically linked: $(file "$linux")"
fi
