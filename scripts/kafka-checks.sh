#!/usr/bin/env bash
# The Kafka consumer (runtime/kafka) against a real Apache Kafka broker in KRaft mode and a real
# S3-compatible server (moto), which `npm test` does not start. Fetches Kafka's jars from Maven
# Central once (scripts/kafka-broker/pom.xml → ~/.cache/security-lakehouse/kafka-<version>), starts
# one broker+controller on free loopback ports (a PLAINTEXT and a SASL/SCRAM-SHA-512 listener),
# starts moto, runs test/runtime/*.kafka.ts, prints "<passed> passed, <failed> failed" last, and
# stops both servers.
set -uo pipefail
cd "$(dirname "$0")/.."

KAFKA_VERSION=$(sed -n 's#.*<version>\(4\.[0-9.]*\)</version>.*#\1#p' scripts/kafka-broker/pom.xml | head -n 1)
CACHE="${SECURITY_LAKEHOUSE_CACHE:-$HOME/.cache/security-lakehouse}/kafka-$KAFKA_VERSION"
VENV=.venv-emulator
WORK=$(mktemp -d)
KAFKA_PID=""
MOTO_PID=""
cleanup() {
  for pid in $KAFKA_PID $MOTO_PID; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "kafka-checks: $1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

command -v java >/dev/null || fail "java is not installed (the broker needs a JRE 17+)"
if [ ! -f "$CACHE/complete" ]; then
  command -v mvn >/dev/null || fail "mvn is not installed (it fetches the broker's jars from Maven Central)"
  rm -rf "$CACHE/libs"
  (cd scripts/kafka-broker && mvn -q -B -Dmaven.repo.local="$CACHE/m2" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$CACHE/libs") || fail "cannot fetch Kafka $KAFKA_VERSION from Maven Central"
  touch "$CACHE/complete"
fi
CP="$CACHE/libs/*"

# One pin for the S3 emulator, shared with scripts/runtime-checks.sh.
if [ ! -x "$VENV/bin/pip" ]; then
  python3 -m venv "$VENV" || fail "cannot create $VENV (python3 -m venv)"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-emulator.txt || fail "cannot install scripts/requirements-emulator.txt from PyPI"

PLAIN_PORT=$(free_port)
SCRAM_PORT=$(free_port)
CONTROLLER_PORT=$(free_port)
MOTO_PORT=$(free_port)
SCRAM_USER=lakehouse-ingest
SCRAM_PASSWORD="scram-$RANDOM-$RANDOM"

cat > "$WORK/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PLAIN_PORT,SASL_PLAINTEXT://127.0.0.1:$SCRAM_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PLAIN_PORT,SASL_PLAINTEXT://127.0.0.1:$SCRAM_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=$WORK/kafka-data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS

JAVA_OPTS=(-Xms256m -Xmx512m -Dlog4j2.configurationFile="$PWD/scripts/kafka-broker/log4j2.properties")
CLUSTER_ID=$(java "${JAVA_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool random-uuid 2>"$WORK/format.log") || fail "StorageTool random-uuid failed: $(tail -5 "$WORK/format.log")"
java "${JAVA_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$WORK/server.properties" \
  --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]" >"$WORK/format.log" 2>&1 \
  || fail "cannot format KRaft storage: $(tail -5 "$WORK/format.log")"
java "${JAVA_OPTS[@]}" -cp "$CP" kafka.Kafka "$WORK/server.properties" >"$WORK/kafka.log" 2>&1 &
KAFKA_PID=$!

"$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!

for _ in $(seq 1 120); do
  if python3 -c "import socket; socket.create_connection(('127.0.0.1', $PLAIN_PORT), 1).close()" 2>/dev/null \
    && python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$KAFKA_PID" 2>/dev/null || fail "the Kafka broker exited: $(tail -5 "$WORK/kafka.log")"
  kill -0 "$MOTO_PID" 2>/dev/null || fail "moto_server exited: $(tail -5 "$WORK/moto.log")"
  sleep 0.5
done

export KAFKA_TEST_BROKER="127.0.0.1:$PLAIN_PORT"
export KAFKA_TEST_SCRAM_BROKER="127.0.0.1:$SCRAM_PORT"
export KAFKA_TEST_SCRAM_USER="$SCRAM_USER"
export KAFKA_TEST_SCRAM_PASSWORD="$SCRAM_PASSWORD"
export PULLER_TEST_S3_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
echo "kafka-checks: Apache Kafka $KAFKA_VERSION (KRaft) on $KAFKA_TEST_BROKER, SCRAM-SHA-512 on $KAFKA_TEST_SCRAM_BROKER; moto on $PULLER_TEST_S3_ENDPOINT"

# --forceExit: a failed case may leave a broker connection open; CI must not wait on it.
npx jest --config test/runtime/jest.kafka.config.js --forceExit --json --outputFile="$WORK/jest.json" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then echo "kafka-checks: broker log tail:"; tail -20 "$WORK/kafka.log"; fi
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
