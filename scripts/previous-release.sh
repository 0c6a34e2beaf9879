#!/usr/bin/env bash
# Prints the last commit of the previous release: CI_BASE_REF when set, else the parent of the commit
# that set package.json to this version (walking back the commits that touched package.json while
# they still carry it). Prints nothing for the first release (none before it).
# Used by .ci/run's version discipline and by scripts/upgrade-check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${CI_BASE_REF:-}" ]; then
  echo "$CI_BASE_REF"
  exit 0
fi
head_version=$(node -p 'require("./package.json").version')
bump=""
for c in $(git log --format=%H -- package.json); do
  v=$(git show "$c:package.json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).version))')
  if [ "$v" != "$head_version" ]; then
    if [ -n "$bump" ]; then git rev-parse "$bump^"; fi
    exit 0
  fi
  bump=$c
done
