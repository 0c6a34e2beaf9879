#!/usr/bin/env bash
# Checks that need tools beyond Node: the Snowflake-grammar parse of every SQL string the examples
# synthesize (SQLFluff). Installs its own pinned tools into .venv-checks. Run after `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv-checks/bin/python ]; then
  python3 -m venv .venv-checks
fi
.venv-checks/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-checks.txt

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node dist/cli/lakehouse.js synth --out "$out/default" >/dev/null
node dist/examples/direct-modules/main.js "$out/direct-modules"

echo "== SQL syntax (SQLFluff, Snowflake dialect): the checker must reject a known-bad fixture"
if .venv-checks/bin/python scripts/check-sql.py scripts/fixtures/bad-sql >"$out/bad.log" 2>&1; then
  cat "$out/bad.log"
  echo "check-sql.py accepted broken SQL: the check cannot fail, so it proves nothing" >&2
  exit 1
fi
echo "   rejected as expected"

echo "== SQL syntax (SQLFluff, Snowflake dialect): every SQL string of every example"
.venv-checks/bin/python scripts/check-sql.py "$out/default" "$out/direct-modules" | tee "$out/sql.log"
tail -n 1 "$out/sql.log" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/' > "$out/sql.count"
cp "$out/sql.count" "${CHECKS_COUNT_FILE:-/dev/null}"
