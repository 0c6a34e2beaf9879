#!/usr/bin/env bash
# The runtime tests that need a real S3-compatible server (moto's, from PyPI), which `npm test`
# does not start: installs moto into .venv-emulator if needed, starts it on a free loopback port,
# runs test/runtime/*.moto.ts against it, prints "<passed> passed, <failed> failed" last, stops it.
set -uo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-emulator
WORK=$(mktemp -d)
MOTO_PID=""
cleanup() {
  if [ -n "$MOTO_PID" ]; then kill "$MOTO_PID" 2>/dev/null; wait "$MOTO_PID" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "runtime-checks: $1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

# One pin for the emulator, shared with scripts/real-providers.sh.
if [ ! -x "$VENV/bin/pip" ]; then
  python3 -m venv "$VENV" || fail "cannot create $VENV (python3 -m venv)"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-emulator.txt || fail "cannot install scripts/requirements-emulator.txt from PyPI"
MOTO_VERSION=$("$VENV/bin/python" -c 'import moto; print(moto.__version__)')

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" > "$WORK/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 1 60); do
  if python3 -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$PORT/moto-api/', timeout=1)" 2>/dev/null; then break; fi
  kill -0 "$MOTO_PID" 2>/dev/null || fail "moto_server exited: $(tail -5 "$WORK/moto.log")"
  sleep 0.5
done
export PULLER_TEST_S3_ENDPOINT="http://127.0.0.1:$PORT"
echo "runtime-checks: moto $MOTO_VERSION on $PULLER_TEST_S3_ENDPOINT"

npx jest --config test/runtime/jest.moto.config.js --json --outputFile="$WORK/jest.json" 2>&1
rc=$?
[ -s "$WORK/jest.json" ] || fail "jest wrote no results (exit $rc)"
counts=$(node -e '
  const r = require(process.argv[1]);
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  console.log(`${r.numPassedTests} passed, ${failed} failed`);
  process.exit(r.numPassedTests > 0 && failed === 0 ? 0 : 1);
' "$WORK/jest.json")
ok=$?
echo "$counts"
[ "$rc" -eq 0 ] && [ "$ok" -eq 0 ] && exit 0
exit 1
