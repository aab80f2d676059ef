#!/usr/bin/env bash
# floor-bench.sh - the floor under the CPU of a login and of a token exchange on this machine: the
# same I/O and cryptography the services do, and nothing else (bench/Floor.java, plain Vert.x).
# What the services spend above these figures is theirs to reduce; what they spend at them is not.
#
# What it does, in order:
#   1. Compiles bench/Floor.java against the orchestrator's libraries (the Vert.x, Netty and Redis
#      client versions the services run, and the AWS-LC provider), from
#      orchestrator-service/target/quarkus-app/lib/main (./mvnw -DskipTests package first).
#   2. crypto: CPU per operation of RS256 and ES256 signing and verification and AES-256-GCM, in
#      one thread, after two rounds of warm-up.
#   3. Starts an echo server (Floor echo: answers every request 200 with ECHO_BYTES of JSON, in its
#      own process: its CPU is not counted) and, for each shape in SHAPES, a front server (Floor
#      front) doing that shape's I/O per request; warms it up until its JIT is quiet (bench/lib.sh
#      warm_up) and measures it with wrk at each c in CONCURRENCY. The front's CPU per request is
#      the floor of that shape.
#   4. Prints the table and saves it under bench/results/floor-<timestamp>/ and
#      bench/results/floor-latest.txt.
#
# The shapes (SHAPES, name=stages; stages as Floor.java reads them):
#   request=0            one request in, a 302 out: the floor of any endpoint
#   exchange=3           three parallel POSTs: a token exchange's three authorities
#   callback=1,r1,2,r1   the orchestrator's /callback: the upstream token request, the SSO
#                        session's SET, the two exchanges at the token service in parallel, the
#                        code's SET
#   redeem=r5            a code redemption's five datastore round trips (four Redis commands and
#                        the refresh family's PostgreSQL INSERT, counted here as a Redis SET)
#
# Knobs (environment variables), with defaults (and bench/lib.sh's QUIET_*, WARMUP_*, REDIS_URL):
#   SHAPES="request=0 exchange=3 callback=1,r1,2,r1 redeem=r5"
#   CONCURRENCY="32 64"   DURATION=20s   WARMUP=20s   WRK_THREADS=1
#   FRONT_PORT=18096  ECHO_PORT=18097  ECHO_BYTES=1500
#   ORCH_LIB=orchestrator-service/target/quarkus-app/lib/main
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

SHAPES=${SHAPES:-"request=0 exchange=3 callback=1,r1,2,r1 redeem=r5"}
CONCURRENCY=${CONCURRENCY:-"32 64"}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-20s}
WRK_THREADS=${WRK_THREADS:-1}
FRONT_PORT=${FRONT_PORT:-18096}
ECHO_PORT=${ECHO_PORT:-18097}
ECHO_BYTES=${ECHO_BYTES:-1500}
ORCH_LIB=${ORCH_LIB:-$REPO_DIR/orchestrator-service/target/quarkus-app/lib/main}

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

bench_init_run_dir floor-
FRONT_PID="" ECHO_PID="" CLASSES=""

bench_cleanup_hook() {
  stop_process "floor front" "$FRONT_PID" 10; FRONT_PID=""
  stop_process "floor echo" "$ECHO_PID" 10; ECHO_PID=""
  [ -n "$CLASSES" ] && rm -rf "$CLASSES"
  return 0
}
install_cleanup_trap

need java; need javac; need redis-cli
install_wrk
[ -d "$ORCH_LIB" ] || die "no $ORCH_LIB: build first (./mvnw -DskipTests package)"
ensure_redis
parse_url "$REDIS_URL" 6379
REDIS_PORT=$URL_PORT

CLASSES=$(mktemp -d "${TMPDIR:-/tmp}/tokenservices-floor.XXXXXX")
javac -nowarn -d "$CLASSES" -cp "$ORCH_LIB/*" "$BENCH_DIR/Floor.java"
CP="$CLASSES:$ORCH_LIB/*"

wait_listening() { # port pid what
  local i
  for i in $(seq 1 100); do
    port_in_use "$1" && return 0
    kill -0 "$2" 2>/dev/null || die "$3 died at start (see $RUN_DIR)"
    sleep 0.1
  done
  die "$3 does not listen on $1"
}

log "crypto: CPU per operation"
java -cp "$CP" Floor crypto | tee "$RUN_DIR/crypto.txt"

for p in "$FRONT_PORT" "$ECHO_PORT"; do port_in_use "$p" && die "port $p is already in use"; done
java -cp "$CP" Floor echo "$ECHO_PORT" "$ECHO_BYTES" >"$RUN_DIR/echo.log" 2>&1 </dev/null &
ECHO_PID=$!
wait_listening "$ECHO_PORT" "$ECHO_PID" "the echo server"

for shape in $SHAPES; do
  name=${shape%%=*} stages=${shape#*=}
  java -cp "$CP" Floor front "$FRONT_PORT" "$ECHO_PORT" "$REDIS_PORT" "$stages" >"$RUN_DIR/front-$name.log" 2>&1 </dev/null &
  FRONT_PID=$!
  wait_listening "$FRONT_PORT" "$FRONT_PID" "the front ($name)"
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$FRONT_PORT/callback")
  [ "$code" = 302 ] || die "the front ($name) answered $code, not 302: $(cat "$RUN_DIR/front-$name.log")"
  log "$name ($stages): warm-up $WARMUP"
  warm_up "$name warm-up" run_wrk "$name" "http://127.0.0.1:$FRONT_PORT/callback" "$FRONT_PID" 32 "$WARMUP" warmup "$BENCH_DIR/floor.lua"
  for c in $CONCURRENCY; do
    run_wrk "$name" "http://127.0.0.1:$FRONT_PORT/callback" "$FRONT_PID" "$c" "$DURATION" measure "$BENCH_DIR/floor.lua"
  done
  stop_process "floor front ($name)" "$FRONT_PID" 10; FRONT_PID=""
done
redis-cli -p "$REDIS_PORT" --scan --pattern 'floor:*' | xargs -r -n 500 redis-cli -p "$REDIS_PORT" del >/dev/null

{
  echo "floor benchmark $STAMP: the services' I/O and cryptography, with nothing else (bench/Floor.java)"
  report_machine_lines
  echo "load: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $WRK_THREADS thread(s), warm-up $WARMUP rounds until the JIT is quiet, then $DURATION per measured run"
  echo "echo server answers ${ECHO_BYTES} bytes; Redis on port $REDIS_PORT; java: $(java -version 2>&1 | head -1)"
  echo
  echo "== cryptography (one thread, CPU per operation)"
  sed -n 's/^CRYPTO //p' "$RUN_DIR/crypto.txt"
  echo
  echo "== I/O per request (cpu_ms = the front's CPU ms per request: the floor of that shape)"
  printf '%-10s %-12s %5s %9s %8s %8s %7s %5s %5s %s\n' shape stages conc rps p50_ms p99_ms cpu_ms jit% oth% quiet
  for shape in $SHAPES; do
    awk -F'\t' -v n="${shape%%=*}" -v s="${shape#*=}" '$1 == n {printf "%-10s %-12s %5s %9s %8s %8s %7s %5s %5s %s\n", $1, s, $2, $3, $4, $5, $8, $18, $12, $17}' "$RESULTS_TSV"
  done
} >"$REPORT"
cp "$REPORT" "$RESULTS_ROOT/floor-latest.txt"
cat "$REPORT"
log "saved in $RUN_DIR and $RESULTS_ROOT/floor-latest.txt"
