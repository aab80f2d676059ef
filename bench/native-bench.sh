#!/usr/bin/env bash
# native-bench.sh - the three services as JVM builds and as native executables, side by side in ONE
# invocation on the same machine: start time to ready and RSS idle of each service; client_credentials
# tokens/s and server CPU-ms per token at c=32 and RSS after the load for the token-service; the
# orchestrator's authorization-code redemption (bench/orchestrator-bench.sh, STEPS=redeem).
#
# What it does, in order:
#   1. Checks the tools and the builds (<module>/target/quarkus-app, made by ./mvnw -DskipTests package;
#      <module>/target/*-runner, made by scripts/native.sh) and starts the bench upstream IdP
#      (bench-upstream.mjs), which the orchestrator discovers when it starts.
#   2. Resets the benchmark database, then for each build in BUILDS (one at a time, never together):
#      starts the token-service, the orchestrator and the device portal of that build one after the
#      other on 127.0.0.1 with bench/registry-native.yaml, each measured from its launch to the first
#      200 of its /q/health/ready (polled every 10 ms; Quarkus' own "started in" is kept); after
#      IDLE_WAIT seconds of idleness reads the three RSS; stops the portal and the orchestrator;
#      checks one token (typ at+jwt, alg ES256); warms up (WARMUP at c=$CONC); runs wrk for DURATION
#      at c=$CONC (tokens/s, latency, server CPU per token); reads the RSS after that load and the
#      peak; notes from its log which JCA provider signs; stops it.
#   3. Unless ORCH_REDEEM=off: runs bench/orchestrator-bench.sh with STEPS=redeem once per build (the
#      orchestrator's jar, then its executable; the token-service behind it is the JVM build in both),
#      and takes its redemption row at c=$CONC.
#   4. Prints the tables, and saves everything (tables, raw wrk output, server logs, the orchestrator
#      runs) under bench/results/native-<timestamp>/ and bench/results/native-latest.txt.
#
# Knobs (environment variables), with defaults:
#   BUILDS="jvm native"       which builds to measure, in this order
#   CONC=32                   connections of the warm-up and the measured run
#   DURATION=60s              the measured load (RSS "after load" is read right after it)
#   WARMUP=10s                warm-up before the measured run (JIT, pools), not reported
#   IDLE_WAIT=5               seconds between the last service's ready and the idle RSS readings
#   WRK_THREADS=1             wrk threads (wrk shares the machine with the server)
#   ORCH_REDEEM=on            off: no orchestrator redemption runs
#   REDEEM_DURATION=20s  REDEEM_WARMUP=20s   the redemption runs (orchestrator-bench.sh's DURATION, WARMUP)
#   NATIVE_ARGS=""            options for every native executable's command line (e.g. -Xmx64m or
#                             -XX:MaxHeapFree=...); shown in the report
#   TS_NATIVE_BIN, ORCH_NATIVE_BIN, PORTAL_NATIVE_BIN   the executables (default <module>/target/*-runner;
#                             each is copied to a temporary directory and started from there)
#   ORCH_PORT=18082 ORCH_MANAGEMENT_PORT=19082 PORTAL_PORT=18083 PORTAL_MANAGEMENT_PORT=19083
#   UPSTREAM_PORT=18094
# and those of bench/lib.sh (TS_PORT, TS_MANAGEMENT_PORT, TS_JAR, TS_JAVA, TS_JAVA_OPTS, PG_URL,
# REDIS_URL, QUIET_*; TS_JAVA_OPTS applies to the JVM builds only).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

BUILDS=${BUILDS:-"jvm native"}
CONC=${CONC:-32}
DURATION=${DURATION:-60s}
WARMUP=${WARMUP:-10s}
IDLE_WAIT=${IDLE_WAIT:-5}
WRK_THREADS=${WRK_THREADS:-1}
ORCH_REDEEM=${ORCH_REDEEM:-on}
REDEEM_DURATION=${REDEEM_DURATION:-20s}
REDEEM_WARMUP=${REDEEM_WARMUP:-20s}
NATIVE_ARGS=${NATIVE_ARGS:-}
export TS_APP_NATIVE_OPTS=$NATIVE_ARGS
ORCH_PORT=${ORCH_PORT:-18082}
ORCH_MANAGEMENT_PORT=${ORCH_MANAGEMENT_PORT:-19082}
PORTAL_PORT=${PORTAL_PORT:-18083}
PORTAL_MANAGEMENT_PORT=${PORTAL_MANAGEMENT_PORT:-19083}
UPSTREAM_PORT=${UPSTREAM_PORT:-18094}

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

TS_NATIVE_BIN=${TS_NATIVE_BIN:-$(native_executable_of "$REPO_DIR/token-service")}
ORCH_NATIVE_BIN=${ORCH_NATIVE_BIN:-$(native_executable_of "$REPO_DIR/orchestrator-service")}
PORTAL_NATIVE_BIN=${PORTAL_NATIVE_BIN:-$(native_executable_of "$REPO_DIR/device-portal")}
ORCH_JAR=$REPO_DIR/orchestrator-service/target/quarkus-app/quarkus-run.jar
PORTAL_JAR=$REPO_DIR/device-portal/target/quarkus-app/quarkus-run.jar
UPSTREAM=http://127.0.0.1:$UPSTREAM_PORT

CLIENT_ID=bench-client
SCOPE=bench.read

bench_init_run_dir native-
NATIVE_WORK=""
SUMMARY_TSV=$RUN_DIR/summary.tsv
STARTS_TSV=$RUN_DIR/starts.tsv     # build service start_ms started_s rss_idle
REDEEM_TSV=$RUN_DIR/redeem.tsv     # build the orchestrator-bench row of the redemption at c=$CONC, start_ms, rss
: >"$SUMMARY_TSV"; : >"$STARTS_TSV"; : >"$REDEEM_TSV"
UPSTREAM_PID="" ORCH_PID="" PORTAL_PID="" APP_WORK=""

bench_cleanup_hook() {
  stop_process device-portal "$PORTAL_PID" 30; PORTAL_PID=""
  stop_process orchestrator "$ORCH_PID" 30; ORCH_PID=""
  stop_process "bench upstream IdP" "$UPSTREAM_PID" 30; UPSTREAM_PID=""
  if [ -n "$NATIVE_WORK" ] && [ -d "$NATIVE_WORK" ]; then rm -rf "$NATIVE_WORK"; fi
  if [ -n "$APP_WORK" ] && [ -d "$APP_WORK" ]; then rm -rf "$APP_WORK"; fi
}

# wait_ready NAME PID URL LOG -> READY_MS (from START_T0) and STARTED_S (Quarkus' "started in")
wait_ready() {
  local name=$1 pid=$2 url=$3 log_file=$4
  while :; do
    kill -0 "$pid" 2>/dev/null || { tail -30 "$log_file" >&2; die "$name exited during start-up"; }
    [ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$url" || true)" = 200 ] && break
    [ $(( ($(date +%s%N) - START_T0) / 1000000000 )) -lt "$TS_START_TIMEOUT" ] || die "$name not ready after ${TS_START_TIMEOUT}s"
    sleep 0.01
  done
  READY_MS=$(( ($(date +%s%N) - START_T0) / 1000000 ))
  STARTED_S=$(sed -nE 's/.* started in ([0-9.]+)s.*/\1/p' "$log_file" | head -1)
}

start_upstream() {
  port_in_use "$UPSTREAM_PORT" && die "port $UPSTREAM_PORT is already in use (set UPSTREAM_PORT)"
  UPSTREAM_PORT=$UPSTREAM_PORT UPSTREAM_CLIENT_ID=bench-orchestrator UPSTREAM_CLIENT_SECRET="$UPSTREAM_SECRET" \
    UPSTREAM_REDIRECT_URI="http://127.0.0.1:$ORCH_PORT/callback" node "$BENCH_DIR/bench-upstream.mjs" >"$RUN_DIR/upstream.log" 2>&1 </dev/null &
  UPSTREAM_PID=$!
  local i
  for i in $(seq 1 100); do
    grep -q '^READY' "$RUN_DIR/upstream.log" 2>/dev/null && return 0
    kill -0 "$UPSTREAM_PID" 2>/dev/null || { tail -20 "$RUN_DIR/upstream.log" >&2; die "bench upstream IdP exited during start-up"; }
    sleep 0.2
  done
  die "bench upstream IdP not ready after 20 s"
}

# start_app BUILD NAME JAR NATIVE_BIN PORT MANAGEMENT_PORT [NAME=value...]: the orchestrator or the portal
start_app() {
  local build=$1 name=$2 jar=$3 bin=$4 port=$5 management=$6 log_file=$RUN_DIR/$2-$1.log
  shift 6
  port_in_use "$port" && die "port $port is already in use"
  port_in_use "$management" && die "port $management is already in use"
  if [ "$build" = native ]; then
    START_T0=$(date +%s%N)
    TS_APP_HOST=127.0.0.1 start_native_app "$name" "$NATIVE_WORK/$(basename "$bin")" "$port" "$management" "$log_file" "$@"
  else
    rm -rf "$APP_WORK/$name"; mkdir -p "$APP_WORK/$name"
    copy_quarkus_app "$(dirname "$jar")" "$APP_WORK/$name/quarkus-app"
    START_T0=$(date +%s%N)
    JAVA_CMD=$TS_JAVA TS_APP_JAVA_OPTS=$TS_JAVA_OPTS TS_APP_HOST=127.0.0.1 \
      start_quarkus_app "$name" "$APP_WORK/$name/quarkus-app" "$port" "$management" "$log_file" "$@"
  fi
  wait_ready "$name ($build)" "${PID_OF[$name]}" "http://127.0.0.1:$management/q/health/ready" "$log_file"
  log "$name ($build) ready after $READY_MS ms (Quarkus: started in ${STARTED_S:-?} s; pid ${PID_OF[$name]})"
  printf '%s\t%s\t%s\t%s\n' "$build" "$name" "$READY_MS" "${STARTED_S:--}" >>"$STARTS_TSV.tmp"
}

# The orchestrator and the portal of BUILD, started after the token-service; their idle RSS is read
# with the token-service's.
start_others() {
  local build=$1
  start_app "$build" orchestrator "$ORCH_JAR" "$ORCH_NATIVE_BIN" "$ORCH_PORT" "$ORCH_MANAGEMENT_PORT" \
    ORCHESTRATOR_ISSUER="http://127.0.0.1:$ORCH_PORT" TS_REGISTRY="$BENCH_DIR/registry-native.yaml" \
    TS_KEY_ENCRYPTION_KEY="$TS_KEK" PG_URL="$PG_URL" REDIS_URL="$REDIS_URL" TOKEN_SERVICE_URL="http://127.0.0.1:$TS_PORT" \
    ORCHESTRATOR_SECRET="$ORCH_SECRET" "${REGISTRY_ENV[@]}"
  ORCH_PID=${PID_OF[orchestrator]}
  if [ "$build" = native ] && [ -z "$PORTAL_NATIVE_BIN" ]; then
    log "device-portal (native): no executable (scripts/native.sh device-portal builds it); not measured"
    printf '%s\t%s\t%s\t%s\n' "$build" device-portal "not built" - >>"$STARTS_TSV.tmp"
    return 0
  fi
  start_app "$build" device-portal "$PORTAL_JAR" "$PORTAL_NATIVE_BIN" "$PORTAL_PORT" "$PORTAL_MANAGEMENT_PORT" \
    ORCHESTRATOR_ISSUER="http://127.0.0.1:$ORCH_PORT" DEVICE_PORTAL_URL="http://127.0.0.1:$PORTAL_PORT" \
    DEVICE_PORTAL_SECRET="$PORTAL_SECRET" TS_REGISTRY="$BENCH_DIR/registry-native.yaml" TS_KEY_ENCRYPTION_KEY="$TS_KEK" \
    REDIS_URL="$REDIS_URL" "${REGISTRY_ENV[@]}"
  PORTAL_PID=${PID_OF[device-portal]}
}

# start_build BUILD: starts the token-service of that build (log: $RUN_DIR/token-service-BUILD.log),
# waits for its readiness polling every 10 ms, and sets TS_PID, START_MS (launch to ready, wall
# clock) and QUARKUS_STARTED (Quarkus' own "started in" figure, seconds).
start_build() {
  local build=$1 log_file=$RUN_DIR/token-service-$1.log
  port_in_use "$TS_PORT" && die "port $TS_PORT is already in use (set TS_PORT)"
  port_in_use "$TS_MANAGEMENT_PORT" && die "port $TS_MANAGEMENT_PORT is already in use (set TS_MANAGEMENT_PORT)"
  [ -n "$TS_KEK" ] || TS_KEK=$(openssl rand -base64 32)
  local -a env=(TS_REGISTRY="$BENCH_DIR/registry-native.yaml" TS_KEY_ENCRYPTION_KEY="$TS_KEK" PG_URL="$PG_URL"
                REDIS_URL="$REDIS_URL" "${REGISTRY_ENV[@]}")
  local t0 t1 url=http://127.0.0.1:$TS_MANAGEMENT_PORT/q/health/ready
  t0=$(date +%s%N)
  if [ "$build" = native ]; then
    TS_APP_HOST=127.0.0.1 start_native_app token-service "$NATIVE_WORK/$(basename "$TS_NATIVE_BIN")" \
      "$TS_PORT" "$TS_MANAGEMENT_PORT" "$log_file" "${env[@]}"
  else
    copy_tokenservice
    JAVA_CMD=$TS_JAVA TS_APP_JAVA_OPTS=$TS_JAVA_OPTS TS_APP_HOST=127.0.0.1 \
      start_quarkus_app token-service "$(dirname "$TS_RUN_JAR")" "$TS_PORT" "$TS_MANAGEMENT_PORT" "$log_file" "${env[@]}"
  fi
  TS_PID=${PID_OF[token-service]}
  while :; do
    kill -0 "$TS_PID" 2>/dev/null || { tail -30 "$log_file" >&2; die "token-service ($build) exited during start-up"; }
    [ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$url" || true)" = 200 ] && break
    [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt "$TS_START_TIMEOUT" ] || die "token-service ($build) not ready after ${TS_START_TIMEOUT}s"
    sleep 0.01
  done
  t1=$(date +%s%N)
  START_MS=$(( (t1 - t0) / 1000000 ))
  QUARKUS_STARTED=$(sed -nE 's/.* started in ([0-9.]+)s.*/\1/p' "$log_file" | head -1)
  log "token-service ($build) ready after $START_MS ms (Quarkus: started in ${QUARKUS_STARTED:-?} s; pid $TS_PID)"
}

signing_provider() { # log file -> the provider named by the service's start-up line
  sed -nE 's/.*crypto provider: (.*)/\1/p' "$1" | head -1 | cut -c1-90
}

measure_build() {
  local build=$1 url=http://127.0.0.1:$TS_PORT/token body rss_idle rss_load rss_peak
  : >"$STARTS_TSV.tmp"
  start_build "$build"
  printf '%s\t%s\t%s\t%s\n' "$build" token-service "$START_MS" "${QUARKUS_STARTED:--}" >>"$STARTS_TSV.tmp"
  start_others "$build"
  sleep "$IDLE_WAIT"
  rss_idle=$(proc_rss_mib "$TS_PID")
  local orch_rss portal_rss
  orch_rss=$(proc_rss_mib "$ORCH_PID"); portal_rss=-
  [ -n "$PORTAL_PID" ] && portal_rss=$(proc_rss_mib "$PORTAL_PID")
  awk -F'\t' -v OFS='\t' -v t="$rss_idle" -v o="$orch_rss" -v p="$portal_rss" \
    '{print $0, ($2 == "token-service" ? t : ($2 == "orchestrator" ? o : p))}' "$STARTS_TSV.tmp" >>"$STARTS_TSV"
  stop_process device-portal "$PORTAL_PID" 30; PORTAL_PID=""
  stop_process orchestrator "$ORCH_PID" 30; ORCH_PID=""
  body=$(mktemp)
  curl -s -o "$body" -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials --data-urlencode "scope=$SCOPE" "$url" || true
  show_token_response "$build" "$body" || die "token-service ($build) did not issue a token"
  rm -f "$body"
  [ "$(jq -r .typ <<<"$TOKEN_HEADER")" = at+jwt ] && [ "$(jq -r .alg <<<"$TOKEN_HEADER")" = ES256 ] \
    || die "token-service ($build) token header is $TOKEN_HEADER; expected typ at+jwt and alg ES256"
  run_wrk "$build" "$url" "$TS_PID" "$CONC" "$WARMUP" warmup "$BENCH_DIR/cc-token.lua"
  run_wrk "$build" "$url" "$TS_PID" "$CONC" "$DURATION" measure "$BENCH_DIR/cc-token.lua"
  rss_load=$(proc_rss_mib "$TS_PID"); rss_peak=$(proc_peak_rss_mib "$TS_PID")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$build" "$START_MS" "${QUARKUS_STARTED:--}" "$rss_idle" "$rss_load" "$rss_peak" \
    "$(signing_provider "$RUN_DIR/token-service-$build.log")" >>"$SUMMARY_TSV"
  stop_tokenservice
}

write_report() {
  {
    cat "$REPORT_HEAD"
    echo
    printf '%-7s %9s %10s %9s %8s %10s %8s %8s %9s %9s %9s %5s %s\n' build start_ms started_s rss_idle rps cpu_ms/tok p50_ms p99_ms errors rss_load rss_peak oth% quiet
    join -t $'\t' <(sort "$SUMMARY_TSV") <(awk -F'\t' -v c="$CONC" '$2 == c' "$RESULTS_TSV" | sort) \
      | awk -F'\t' '{printf "%-7s %9s %10s %9s %8s %10s %8s %8s %9s %9s %9s %5s %s\n", $1, $2, $3, $4, $9, $14, $10, $11, $13, $5, $6, $18, $23}'
    echo
    echo "start_ms = wall time from the launch to the first 200 of /q/health/ready (polled every 10 ms);"
    echo "started_s = Quarkus' own 'started in'; rss_* in MiB: idle = ${IDLE_WAIT} s after ready, load = right after"
    echo "the ${DURATION} at c=$CONC, peak = VmHWM; cpu_ms/tok = server utime+stime during the measured run / tokens."
    echo "signing provider (from each log):"
    awk -F'\t' '{print "  " $1 ": " $7}' "$SUMMARY_TSV"
    run_warnings
    echo
    echo "== start to ready and RSS idle, per service (started one after the other: token-service, orchestrator, portal)"
    printf '%-7s %-14s %9s %10s %9s\n' build service start_ms started_s rss_idle
    awk -F'\t' '{printf "%-7s %-14s %9s %10s %9s\n", $1, $2, $3, $4, $5}' "$STARTS_TSV"
    if [ -s "$REDEEM_TSV" ]; then
      echo
      echo "== the orchestrator's code redemption (orchestrator-bench.sh STEPS=redeem, c=$CONC, ${REDEEM_DURATION} after ${REDEEM_WARMUP} of warm-up;"
      echo "   the token-service behind it is the JVM build in both; orch_ms = the orchestrator's CPU ms per redemption)"
      printf '%-7s %9s %9s %8s %8s %8s %8s %6s %5s %s\n' build start_ms rss_ready rps p50_ms p99_ms orch_ms errors oth% quiet
      awk -F'\t' '{printf "%-7s %9s %9s %8s %8s %8s %8s %6s %5s %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10}' "$REDEEM_TSV"
    fi
  } >"$REPORT"
  cp "$REPORT" "$RESULTS_ROOT/native-latest.txt"
  cat "$REPORT"
  log "saved in $RUN_DIR and $RESULTS_ROOT/native-latest.txt"
}

# ------------------------------------------------------------------ main

install_cleanup_trap
check_tokenservice_tools
install_wrk
ensure_node_modules
APP_WORK=$(mktemp -d "${TMPDIR:-/tmp}/tokenservices-bench-apps.XXXXXX")
for build in $BUILDS; do
  case $build in
    jvm)
      for jar in "$ORCH_JAR" "$PORTAL_JAR"; do [ -f "$jar" ] || die "$jar not found: build it first with ./mvnw -DskipTests package"; done
      ;;
    native)
      [ -n "$TS_NATIVE_BIN" ] && [ -x "$TS_NATIVE_BIN" ] || die "no native token-service: build it with scripts/native.sh token-service"
      [ -n "$ORCH_NATIVE_BIN" ] && [ -x "$ORCH_NATIVE_BIN" ] || die "no native orchestrator: build it with scripts/native.sh orchestrator-service"
      NATIVE_WORK=$(mktemp -d "${TMPDIR:-/tmp}/tokenservices-bench-native.XXXXXX")
      cp "$TS_NATIVE_BIN" "$ORCH_NATIVE_BIN" "$NATIVE_WORK/"
      # the portal's executable is optional: without one its row says "not built"
      if [ -n "$PORTAL_NATIVE_BIN" ] && [ -x "$PORTAL_NATIVE_BIN" ]; then cp "$PORTAL_NATIVE_BIN" "$NATIVE_WORK/"; else PORTAL_NATIVE_BIN=""; fi
      ;;
    *) die "unknown build '$build' in BUILDS (jvm, native)" ;;
  esac
done

CLIENT_SECRET=bench-$(openssl rand -hex 24)
ORCH_SECRET=bench-$(openssl rand -hex 24)
PORTAL_SECRET=bench-$(openssl rand -hex 24)
UPSTREAM_SECRET=bench-$(openssl rand -hex 24)
REGISTRY_ENV=(BENCH_CLIENT_SECRET="$CLIENT_SECRET" BENCH_ORCHESTRATOR_SECRET="$ORCH_SECRET" BENCH_PORTAL_SECRET="$PORTAL_SECRET"
  BENCH_PORTAL_URL="http://127.0.0.1:$PORTAL_PORT" BENCH_UPSTREAM_ISSUER="$UPSTREAM" BENCH_UPSTREAM_SECRET="$UPSTREAM_SECRET")
CC_AUTHORIZATION="Basic $(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
CC_SCOPE=$SCOPE
export CC_AUTHORIZATION CC_SCOPE

{
  echo "native vs JVM benchmark $STAMP: the three services' two builds, one build at a time, wrk on the same machine"
  report_machine_lines
  for bin in "$TS_NATIVE_BIN" "$ORCH_NATIVE_BIN" "$PORTAL_NATIVE_BIN"; do
    [ -n "$bin" ] && [ -x "$bin" ] && echo "native executable: $bin (built $(date -r "$bin" '+%Y-%m-%d %H:%M:%S'), $(du -m "$bin" | cut -f1) MiB)"
  done
  [ -n "$NATIVE_ARGS" ] && echo "native executables started with: $NATIVE_ARGS"
  echo "jvm: $("$TS_JAVA" -version 2>&1 | head -1)${TS_JAVA_OPTS:+ ($TS_JAVA_OPTS)}"
  echo "load: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $WRK_THREADS thread(s), warm-up $WARMUP then $DURATION at c=$CONC"
  echo "request: POST grant_type=client_credentials&scope=$SCOPE, client_secret_basic, ES256 tokens"
} >"$REPORT_HEAD"
log "results go to $RUN_DIR"

prepare_dependencies
start_upstream
for build in $BUILDS; do
  measure_build "$build"
done
stop_process "bench upstream IdP" "$UPSTREAM_PID" 30; UPSTREAM_PID=""

# The orchestrator's code redemption, its jar and its executable, through orchestrator-bench.sh (which
# resets the database and starts its own token-service, upstream IdP and orchestrator).
if [ "$ORCH_REDEEM" != off ]; then
  for build in $BUILDS; do
    dir=$RUN_DIR/orchestrator-$build
    mkdir -p "$dir"
    log "the orchestrator's code redemption ($build): bench/orchestrator-bench.sh STEPS=redeem (results in $dir)"
    BENCH_LOCK_HELD_BY=$$ RESULTS_ROOT=$dir STEPS=redeem CONCURRENCY=$CONC DURATION=$REDEEM_DURATION WARMUP=$REDEEM_WARMUP \
      ORCH_NATIVE_BIN=$([ "$build" = native ] && printf '%s' "$ORCH_NATIVE_BIN") PG_URL=$PG_URL REDIS_URL=$REDIS_URL \
      "$BENCH_DIR/orchestrator-bench.sh" >"$dir/output.txt" 2>&1 || { tail -20 "$dir/output.txt" >&2; die "orchestrator-bench.sh ($build) failed"; }
    report=$dir/orchestrator-latest.txt
    start=$(sed -nE 's/.*ready after ([0-9]+) ms \(RSS ([0-9]+) MiB\).*/\1\t\2/p' "$report" | head -1)
    row=$(awk -F'\t' -v c="$CONC" '$1 == "redeem" && $2 == c' "$dir"/orchestrator-*/results.tsv | head -1)
    printf '%s\t%s\t%s\n' "$build" "${start:--	-}" \
      "$(awk -F'\t' -v OFS='\t' '{print $3, $4, $5, $8, $7, $12, $17}' <<<"$row")" >>"$REDEEM_TSV"
  done
fi
write_report
