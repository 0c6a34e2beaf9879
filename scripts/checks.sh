#!/usr/bin/env bash
# Checks that need tools beyond Node, over the synthesized examples:
#   1. SQLFluff (Snowflake grammar) parses every SQL string the modules, `lakehouse backfill` and `lakehouse restore` emit;
#   2. the monitoring SQL (canaries and their tenant procedures, monitors, cleaners, alert delivery) runs
#      on data: pytest over DuckDB, statements taken
#      from the synth and transpiled from Snowflake SQL with sqlglot;
#   3. Checkov scans every stack; findings not in scripts/checkov-accepted.json fail.
# Each checker must first reject a known-bad fixture, so a green run means something.
# Installs its own pinned tools into .venv-checks. Run after `npm ci` (needs dist/).
# Appends "<passed> <failed>" per check to $CHECKS_COUNT_FILE when set.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv-checks/bin/python ]; then
  python3 -m venv .venv-checks
fi
.venv-checks/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-checks.txt
py=.venv-checks/bin/python

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node dist/cli/lakehouse.js synth --example default --out "$out/default" >/dev/null
node dist/examples/direct-modules/main.js "$out/direct-modules"
# What lakehouse backfill and lakehouse restore send (COPY, progress DML, their queries), beside the stacks' SQL.
node dist/tools/backfill-sql.js examples/default/lakehouse.yaml "$out/default/backfill-sql.json"
node dist/tools/restore-sql.js examples/default/lakehouse.yaml "$out/default/restore-sql.json"

must_reject() { # name, command...
  local name=$1; shift
  if "$@" >"$out/reject.log" 2>&1; then
    cat "$out/reject.log"
    echo "$name accepted its known-bad fixture: the check cannot fail, so it proves nothing" >&2
    exit 1
  fi
  echo "   $name rejects its known-bad fixture, as it must"
}

count() { # the checker's closing "N passed, M failed" line → "N M"
  tail -n 1 "$1" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/' >> "${CHECKS_COUNT_FILE:-/dev/null}"
}

echo "== SQL syntax: SQLFluff, Snowflake dialect"
must_reject check-sql $py scripts/check-sql.py scripts/fixtures/bad-sql
$py scripts/check-sql.py "$out/default" "$out/direct-modules" | tee "$out/sql.log"
count "$out/sql.log"

echo "== SQL logic on data: canaries, monitors, cleaners and alert delivery on DuckDB"
set +e
LAKEHOUSE_SYNTH_OUT="$out/default" $py -m pytest -q -p no:cacheprovider scripts/test_sql_logic.py | tee "$out/logic.log"
logic_status=${PIPESTATUS[0]}
set -e
summary=$(tail -n 1 "$out/logic.log")
count_of() { awk -v w="$1" '{for (i = 1; i < NF; i++) if ($(i + 1) ~ "^" w) s += $i} END {print s + 0}' <<<"$summary"; }
passed=$(count_of passed)
failed=$(( $(count_of failed) + $(count_of error) ))
echo "$passed $failed" >> "${CHECKS_COUNT_FILE:-/dev/null}"
[ "$logic_status" -eq 0 ] || exit "$logic_status"

echo "== Security scan: Checkov over every synthesized stack"
must_reject check-security $py scripts/check-security.py scripts/checkov-accepted.json scripts/fixtures/insecure
$py scripts/check-security.py scripts/checkov-accepted.json "$out/default" "$out/direct-modules" | tee "$out/security.log"
count "$out/security.log"
