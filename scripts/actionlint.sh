#!/usr/bin/env bash
# actionlint (a pinned release, built from the Go module proxy into a cache outside the repository)
# over every workflow template, with shellcheck over their run: scripts. It must first reject its
# known-bad fixture (scripts/fixtures/bad-workflow), reporting each kind of mistake planted there,
# so a clean run over the templates means something.
# Appends "<passed> <failed>" to $CHECKS_COUNT_FILE when set; prints "N passed, M failed" last.
set -euo pipefail
cd "$(dirname "$0")/.."

version=v1.7.12
cache="${LAKEHOUSE_CACHE:-$HOME/.cache/security-lakehouse}"
bin="$cache/actionlint-$version"
actionlint="$bin/actionlint"
if [ ! -x "$actionlint" ] || ! "$actionlint" -version | head -n 1 | grep -qx "$version"; then
  echo "   building actionlint $version (go install)"
  GOBIN="$bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
fi
# Without shellcheck actionlint skips the run: scripts silently; the templates' shard loops are most
# of what can go wrong. Installed from Debian's packages when missing.
if ! command -v shellcheck >/dev/null; then
  echo "   installing shellcheck (apt)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck; } >/dev/null
fi
echo "   actionlint $("$actionlint" -version | head -n 1), $(shellcheck --version | sed -n 's/^version: /shellcheck /p')"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if "$actionlint" -no-color scripts/fixtures/bad-workflow/*.yml >"$out/reject.log" 2>&1; then
  cat "$out/reject.log"
  echo "actionlint accepted its known-bad fixture: the check cannot fail, so it proves nothing" >&2
  exit 1
fi
for expected in 'property "shard" is not defined' 'potentially untrusted' 'shellcheck reported issue'; do
  if ! grep -q "$expected" "$out/reject.log"; then
    cat "$out/reject.log"
    echo "actionlint rejected the fixture but did not report: $expected" >&2
    exit 1
  fi
done
echo "   actionlint rejects its known-bad fixture, as it must (undefined output, script injection, shellcheck)"

passed=0
failed=0
for file in templates/github-actions/*.yml; do
  if "$actionlint" -no-color "$file" >"$out/lint.log" 2>&1; then
    passed=$((passed + 1))
    echo "✓ $file"
  else
    failed=$((failed + 1))
    echo "✗ $file"
    cat "$out/lint.log"
  fi
done
echo "$passed $failed" >> "${CHECKS_COUNT_FILE:-/dev/null}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
