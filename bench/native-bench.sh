#!/usr/bin/env bash
# native-bench.sh - the token-service as a JVM build and as a native executable, side by side in ONE
# invocation on the same machine: start time to ready, RSS idle, client_credentials tokens/s and
# server CPU-ms per token at c=32, RSS after the load.
#
# What it does, in order:
#   1. Checks the tools and both builds (token-service/target/quarkus-app, made by
#      ./mvnw -DskipTests package; token-service/target/*-runner, made by scripts/native.sh).
#   2. Resets the benchmark database, then for each build in BUILDS (one at a time, never together):
#      starts it on 127.0.0.1:$TS_PORT with bench/registry.yaml; measures the wall time from the
#      launch to the first 200 of /q/health/ready (polled every 10 ms) and keeps Quarkus' own
#      "started in" figure; after IDLE_WAIT seconds of idleness reads its RSS; checks one token
#      (typ at+jwt, alg ES256); warms up (WARMUP at c=$CONC); runs wrk for DURATION at c=$CONC
#      (the measured run: tokens/s, latency, server CPU per token); reads the RSS after that load
#      and the peak RSS; notes from its log which JCA provider signs; stops it.
#   3. Prints one table with a row per build, and saves everything (table, raw wrk output, server
#      logs) under bench/results/native-<timestamp>/ and bench/results/native-latest.txt.
#
# Knobs (environment variables), with defaults:
#   BUILDS="jvm native"       which builds to measure, in this order
#   CONC=32                   connections of the warm-up and the measured run
#   DURATION=60s              the measured load (RSS "after load" is read right after it)
#   WARMUP=10s                warm-up before the measured run (JIT, pools), not reported
#   IDLE_WAIT=5               seconds between ready and the idle RSS reading
#   WRK_THREADS=1             wrk threads (wrk shares the machine with the server)
#   TS_NATIVE_BIN=token-service/target/token-service-<version>-runner   (copied to a temporary
#                             directory and started from there, like the jar)
# and those of bench/lib.sh (TS_PORT, TS_MANAGEMENT_PORT, TS_JAR, TS_JAVA, TS_JAVA_OPTS, PG_URL,
# REDIS_URL, QUIET_*; TS_JAVA_OPTS applies to the JVM build only).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

BUILDS=${BUILDS:-"jvm native"}
CONC=${CONC:-32}
DURATION=${DURATION:-60s}
WARMUP=${WARMUP:-10s}
IDLE_WAIT=${IDLE_WAIT:-5}
WRK_THREADS=${WRK_THREADS:-1}

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

TS_NATIVE_BIN=${TS_NATIVE_BIN:-$(native_executable_of "$REPO_DIR/token-service")}

CLIENT_ID=bench-client
SCOPE=bench.read

bench_init_run_dir native-
NATIVE_WORK=""
SUMMARY_TSV=$RUN_DIR/summary.tsv
: >"$SUMMARY_TSV"

bench_cleanup_hook() {
  if [ -n "$NATIVE_WORK" ] && [ -d "$NATIVE_WORK" ]; then rm -rf "$NATIVE_WORK"; fi
}

# start_build BUILD: starts the token-service of that build (log: $RUN_DIR/token-service-BUILD.log),
# waits for its readiness polling every 10 ms, and sets TS_PID, START_MS (launch to ready, wall
# clock) and QUARKUS_STARTED (Quarkus' own "started in" figure, seconds).
start_build() {
  local build=$1 log_file=$RUN_DIR/token-service-$1.log
  port_in_use "$TS_PORT" && die "port $TS_PORT is already in use (set TS_PORT)"
  port_in_use "$TS_MANAGEMENT_PORT" && die "port $TS_MANAGEMENT_PORT is already in use (set TS_MANAGEMENT_PORT)"
  [ -n "$TS_KEK" ] || TS_KEK=$(openssl rand -base64 32)
  local -a env=(TS_REGISTRY="$BENCH_DIR/registry.yaml" TS_KEY_ENCRYPTION_KEY="$TS_KEK" PG_URL="$PG_URL"
                REDIS_URL="$REDIS_URL" BENCH_CLIENT_SECRET="$CLIENT_SECRET")
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
  start_build "$build"
  sleep "$IDLE_WAIT"
  rss_idle=$(proc_rss_mib "$TS_PID")
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
  } >"$REPORT"
  cp "$REPORT" "$RESULTS_ROOT/native-latest.txt"
  cat "$REPORT"
  log "saved in $RUN_DIR and $RESULTS_ROOT/native-latest.txt"
}

# ------------------------------------------------------------------ main

install_cleanup_trap
check_tokenservice_tools
install_wrk
for build in $BUILDS; do
  case $build in
    jvm) ;;
    native)
      [ -n "$TS_NATIVE_BIN" ] && [ -x "$TS_NATIVE_BIN" ] || die "no native token-service: build it with scripts/native.sh token-service"
      NATIVE_WORK=$(mktemp -d "${TMPDIR:-/tmp}/tokenservices-bench-native.XXXXXX")
      cp "$TS_NATIVE_BIN" "$NATIVE_WORK/"
      ;;
    *) die "unknown build '$build' in BUILDS (jvm, native)" ;;
  esac
done

CLIENT_SECRET=bench-$(openssl rand -hex 24)
CC_AUTHORIZATION="Basic $(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
CC_SCOPE=$SCOPE
export CC_AUTHORIZATION CC_SCOPE

{
  echo "native vs JVM benchmark $STAMP: the token-service's two builds, one at a time, wrk on the same machine"
  report_machine_lines
  [ -n "$TS_NATIVE_BIN" ] && echo "native executable: $TS_NATIVE_BIN (built $(date -r "$TS_NATIVE_BIN" '+%Y-%m-%d %H:%M:%S'), $(du -m "$TS_NATIVE_BIN" | cut -f1) MiB)"
  echo "jvm: $("$TS_JAVA" -version 2>&1 | head -1)${TS_JAVA_OPTS:+ ($TS_JAVA_OPTS)}"
  echo "load: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $WRK_THREADS thread(s), warm-up $WARMUP then $DURATION at c=$CONC"
  echo "request: POST grant_type=client_credentials&scope=$SCOPE, client_secret_basic, ES256 tokens"
} >"$REPORT_HEAD"
log "results go to $RUN_DIR"

prepare_dependencies
for build in $BUILDS; do
  measure_build "$build"
done
write_report
