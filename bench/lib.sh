# shellcheck shell=bash
# bench/lib.sh - what the benchmarks (cc-bench.sh, exchange-bench.sh, device-poll-bench.sh,
# orchestrator-bench.sh) share beyond scripts/infra.sh (Redis/PostgreSQL, URL parsing, starting,
# waiting for and stopping processes), which it sources: CPU accounting, wrk runs, the token-service's
# start, the report. Source it; do not execute it.
#
# The caller sets BENCH_DIR and REPO_DIR first, then sources this file, which sets the shared
# defaults below (each overridable from the environment), then calls bench_init_run_dir <prefix>.
#
# Shared knobs (environment variables), with defaults:
#   TS_PORT=18081             loopback port of the token-service
#   TS_MANAGEMENT_PORT=19081  its management port (health, metrics)
#   TS_JAR=token-service/target/quarkus-app/quarkus-run.jar
#                             its directory is COPIED to a temporary directory and started from
#                             there, so a rebuild of the tree during the run cannot pull it away
#   TS_JAVA=$JAVA_HOME/bin/java (or java on PATH)   TS_JAVA_OPTS=""   TS_START_TIMEOUT=180
#   TS_EXTRA_ENV=""           extra NAME=value settings for the token-service, space-separated, e.g.
#                             TS_EXTRA_ENV="QUARKUS_REDIS_MAX_POOL_WAITING=256" (shown in the report)
#   PG_URL=postgresql://tokenservices:tokenservices@127.0.0.1:5432/tokenservices_bench
#                             dropped and recreated on every run, so its name must contain "bench"
#   PG_SUPERUSER=postgres     REDIS_URL=redis://127.0.0.1:6379
#   RESULTS_ROOT=bench/results
#   QUIET_LOAD=1.0            before each measured run, wait until the 1-minute load average is
#   QUIET_MAX_WAIT=600        below QUIET_LOAD, polling every QUIET_POLL seconds for at most
#   QUIET_POLL=10             QUIET_MAX_WAIT seconds; then go ahead and mark the run DISTURBED.
#                             QUIET_MAX_WAIT=0 never waits (every run is then marked by its oth%).
#   WARMUP_ROUNDS=6           a warm-up (exchange-bench.sh, orchestrator-bench.sh) is repeated until
#   WARMUP_JIT_MAX=5          the JVM's JIT compiler threads took less than WARMUP_JIT_MAX % of its
#                             CPU in a round, at most WARMUP_ROUNDS rounds (warm_up below): a JVM
#                             still compiling spends up to 40 % of its CPU on that, which is no
#                             steady state's cost per request
#   BENCH_LOCK_FILE=/tmp/tokenservices-bench.lock   one benchmark at a time on this machine: they
#   BENCH_LOCK_WAIT=7200      share the database, the ports and the cores. A second one waits for
#                             the first (at most BENCH_LOCK_WAIT s) before it touches anything.

# shellcheck source=scripts/infra.sh
source "$REPO_DIR/scripts/infra.sh"
TS_LOG_TIME=1   # log lines carry the time; bench_init_run_dir sends them to run.log as well

TS_PORT=${TS_PORT:-18081}
TS_MANAGEMENT_PORT=${TS_MANAGEMENT_PORT:-19081}
TS_JAR=${TS_JAR:-$REPO_DIR/token-service/target/quarkus-app/quarkus-run.jar}
TS_JAVA=${TS_JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}
TS_JAVA_OPTS=${TS_JAVA_OPTS:-}
TS_START_TIMEOUT=${TS_START_TIMEOUT:-180}
TS_EXTRA_ENV=${TS_EXTRA_ENV:-}
PG_URL=${PG_URL:-postgresql://tokenservices:tokenservices@127.0.0.1:5432/tokenservices_bench}
PG_SUPERUSER=${PG_SUPERUSER:-postgres}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
RESULTS_ROOT=${RESULTS_ROOT:-$BENCH_DIR/results}
QUIET_LOAD=${QUIET_LOAD:-1.0}
QUIET_MAX_WAIT=${QUIET_MAX_WAIT:-600}
QUIET_POLL=${QUIET_POLL:-10}
WARMUP_ROUNDS=${WARMUP_ROUNDS:-6}
WARMUP_JIT_MAX=${WARMUP_JIT_MAX:-5}
BENCH_LOCK_FILE=${BENCH_LOCK_FILE:-${TMPDIR:-/tmp}/tokenservices-bench.lock}
BENCH_LOCK_WAIT=${BENCH_LOCK_WAIT:-7200}

CLK_TCK=$(getconf CLK_TCK)

# PIDs of what the benchmark started; cleanup stops exactly these (and what scripts/infra.sh
# started: Redis, PostgreSQL) and nothing else.
TS_PID=""
TS_WORK=""            # the temporary copy of the token-service's quarkus-app directory
TS_KEK=""             # TS_KEY_ENCRYPTION_KEY of this run (one per run: restarts reuse the keys)
AUX_PIDS=""           # helper processes of ours whose CPU is shown apart (authorities, Redis...)

# bench_init_run_dir PREFIX: results of this run go to $RESULTS_ROOT/<PREFIX><timestamp>/.
# Takes the benchmark lock first (see bench_lock).
bench_init_run_dir() {
  bench_lock
  STAMP=$(date +%Y%m%d-%H%M%S)
  RUN_DIR=$RESULTS_ROOT/$1$STAMP
  RUN_LOG=$RUN_DIR/run.log
  TS_LOG_FILE=$RUN_LOG
  RESULTS_TSV=$RUN_DIR/results.tsv
  REPORT=$RUN_DIR/report.txt
  REPORT_HEAD=$RUN_DIR/report-head.txt
  mkdir -p "$RUN_DIR"
  : >"$RESULTS_TSV"
  : >"$REPORT_HEAD"
}

# One benchmark at a time: two would drop each other's database, fight for port 18081 and share
# two cores. The lock is an flock on BENCH_LOCK_FILE, held on a file descriptor until this shell
# (and the servers it started, which inherit the descriptor and are stopped by the cleanup) ends.
bench_lock() {
  # a benchmark started by one that holds the lock (native-bench.sh runs orchestrator-bench.sh)
  if [ -n "${BENCH_LOCK_HELD_BY:-}" ] && [ "$BENCH_LOCK_HELD_BY" = "$PPID" ]; then return 0; fi
  exec {BENCH_LOCK_FD}>>"$BENCH_LOCK_FILE"
  if ! flock -n "$BENCH_LOCK_FD"; then
    printf '[%s] another benchmark is running (%s); waiting for it to end (at most %ss)\n' "$(date +%H:%M:%S)" \
      "$(head -1 "$BENCH_LOCK_FILE" 2>/dev/null || echo '?')" "$BENCH_LOCK_WAIT" >&2
    flock -w "$BENCH_LOCK_WAIT" "$BENCH_LOCK_FD" \
      || { echo "still locked after ${BENCH_LOCK_WAIT}s: $BENCH_LOCK_FILE" >&2; exit 1; }
  fi
  printf 'pid %s, %s, since %s\n' "$$" "$(basename "$0")" "$(date '+%F %T')" >"$BENCH_LOCK_FILE"
}

need() { command -v "$1" >/dev/null 2>&1 || die "missing tool '$1'${2:+ ($2)}"; }

# ------------------------------------------------------------------ process helpers

# utime+stime of one process in clock ticks. The command name in field 2 may contain spaces, so
# the fields are counted after its closing parenthesis (utime and stime are fields 14 and 15).
proc_cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat_ticks "$stat"
}
# utime+stime of one /proc stat line (a process's or a thread's).
stat_ticks() {
  local stat=${1##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo $(( ${12} + ${13} ))
}
# utime+stime of a JVM's JIT compiler threads ("C1 CompilerThre…", "C2 CompilerThre…"), in clock
# ticks: while they are busy the JVM is still warming up, and its CPU per request is not yet the
# steady state's. 0 for a process without them (a native executable).
proc_jit_ticks() {
  local sum=0 t stat
  for t in /proc/"$1"/task/*; do
    stat=$(cat "$t/stat" 2>/dev/null) || continue
    case $stat in
      *"(C1 CompilerThre"*|*"(C2 CompilerThre"*) ;;
      *) continue ;;
    esac
    sum=$((sum + $(stat_ticks "$stat")))
  done
  echo "$sum"
}
# Sum of proc_cpu_ticks over a space-separated list of PIDs (0 for an empty list).
pids_cpu_ticks() {
  local sum=0 p
  for p in $1; do sum=$((sum + $(proc_cpu_ticks "$p"))); done
  echo "$sum"
}
proc_rss_mib() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
proc_peak_rss_mib() { awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
# Busy ticks of the whole machine (user nice system irq softirq steal), to show interference.
machine_busy_ticks() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9}' /proc/stat; }
# CPU of this script's finished children (wrk): the kernel adds it to our cutime+cstime on wait.
children_ticks() {
  local stat
  stat=$(cat "/proc/$$/stat")
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo $(( ${14} + ${15} ))
}

listener_pid() { ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1; }

# Is $1 the process $2 or one of its descendants? (kc.sh may run java as a child rather than exec it.)
is_descendant() {
  local p=$1
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    [ "$p" = "$2" ] && return 0
    p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null || true)
  done
  return 1
}

stop_tokenservice() { stop_process token-service "$TS_PID" 30; TS_PID=""; }

# The processes that are not ours and used the most CPU over the next 3 seconds (for the log when
# the machine is busy), in % of one core.
proc_snapshot() { # pid ticks, for every process
  awk '{ i = index($0, ") "); split(substr($0, i + 2), f, " "); split($0, h, " "); print h[1], f[12] + f[13] }' \
    /proc/[0-9]*/stat 2>/dev/null || true # processes come and go while it reads
}
busiest_other_processes() {
  local mine=" $$ $TS_PID $AUX_PIDS " snap1 snap2
  snap1=$(proc_snapshot); sleep 3; snap2=$(proc_snapshot)
  join <(sort -k1,1 <<<"$snap1") <(sort -k1,1 <<<"$snap2") \
    | awk -v mine="$mine" -v hz="$CLK_TCK" 'index(mine, " " $1 " ") == 0 && $3 > $2 {printf "%s %.0f\n", $1, 100 * ($3 - $2) / hz / 3}' \
    | sort -k2,2nr | head -5 | while read -r pid pct; do
        printf '    pid %s: %s%% of one core: %s\n' "$pid" "$pct" "$( (tr '\0' ' ' <"/proc/$pid/cmdline") 2>/dev/null | cut -c1-110)"
      done || true
}

# Runs the caller's bench_cleanup_hook (if any), then stops what this file's helpers started.
bench_cleanup() {
  local rc=$?
  set +e
  declare -F bench_cleanup_hook >/dev/null && bench_cleanup_hook
  stop_tokenservice
  # Whatever scripts/infra.sh started for this run (it stops only what it started itself).
  stop_started_infra
  [ -n "$TS_WORK" ] && [ -d "$TS_WORK" ] && rm -rf "$TS_WORK"
  [ "$rc" -ne 0 ] && [ -d "${RUN_DIR:-}" ] && log "failed (exit $rc); logs in $RUN_DIR"
}
install_cleanup_trap() { trap bench_cleanup EXIT; }
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ tools

install_wrk() {
  command -v wrk >/dev/null 2>&1 && return 0
  local sudo=() i
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  log "wrk not found: installing the 'wrk' package with apt-get"
  for i in 1 2 3 4 5 6; do # apt may be locked by another install for a while
    if "${sudo[@]}" apt-get update -q >/dev/null \
       && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; then
      return 0
    fi
    log "apt-get failed (attempt $i), retrying in 10 s"
    sleep 10
  done
  die "could not install wrk"
}

# The node helpers' dependencies (bench/package-lock.json), installed with npm ci when missing.
ensure_node_modules() {
  need node "Node.js 20+"
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js 20+ needed, found $(node --version)"
  if [ -f "$BENCH_DIR/node_modules/jose/package.json" ]; then return 0; fi
  need npm
  log "installing the bench's node modules (npm ci in $BENCH_DIR)"
  (cd "$BENCH_DIR" && npm ci --no-audit --no-fund >"$RUN_DIR/npm-ci.log" 2>&1) \
    || die "npm ci failed in $BENCH_DIR (see $RUN_DIR/npm-ci.log)"
}

# ------------------------------------------------------------------ JWT helpers

b64url_decode() {
  local s
  s=$(printf '%s' "$1" | tr '_-' '/+')
  while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done
  printf '%s' "$s" | base64 -d 2>/dev/null
}

# show_token_response LABEL FILE: prints the header and claims of the access_token in a token
# response (to stderr and the report head) and keeps the response without any usable token in
# $RUN_DIR/<label>-token-response.json. Sets TOKEN_HEADER and TOKEN_CLAIMS (compact JSON).
show_token_response() {
  local label=$1 file=$2 at
  at=$(jq -r '.access_token // empty' "$file" 2>/dev/null)
  # Only the decoded parts are kept: a usable bearer token has no business in the results.
  jq -c 'del(.access_token, .refresh_token, .id_token)' "$file" >"$RUN_DIR/$label-token-response.json" 2>/dev/null || true
  [ -n "$at" ] || { log "$label: answer without access_token: $(head -c 500 "$file")"; return 1; }
  TOKEN_HEADER=$(b64url_decode "$(cut -d. -f1 <<<"$at")" | jq -c .)
  TOKEN_CLAIMS=$(b64url_decode "$(cut -d. -f2 <<<"$at")" | jq -c .)
  {
    echo "$label sample token (${#at} characters)"
    echo "  header: $TOKEN_HEADER"
    echo "  claims: $TOKEN_CLAIMS"
    echo "  response: $(cat "$RUN_DIR/$label-token-response.json")"
  } | tee -a "$REPORT_HEAD" >&2
}

# ------------------------------------------------------------------ load

# Waits until the 1-minute load average is below QUIET_LOAD (every QUIET_POLL s, at most
# QUIET_MAX_WAIT s). Sets QUIET_WAITED (seconds) and QUIET_STATE (quiet | DISTURBED).
wait_for_quiet() { # what
  local t0=$SECONDS load announced=0
  while :; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$load" -v m="$QUIET_LOAD" 'BEGIN {exit !(l < m)}'; then QUIET_STATE=quiet; break; fi
    if [ $((SECONDS - t0)) -ge "$QUIET_MAX_WAIT" ]; then
      QUIET_STATE=DISTURBED
      log "1-minute load still $load (>= $QUIET_LOAD) after $((SECONDS - t0)) s: measuring $1 anyway, marked DISTURBED; busiest other processes:"
      busiest_other_processes | tee -a "$RUN_LOG" >&2
      break
    fi
    if [ "$announced" = 0 ]; then
      log "waiting for the machine to calm down before $1: 1-minute load $load >= $QUIET_LOAD (polling every ${QUIET_POLL}s, at most ${QUIET_MAX_WAIT}s)"
      announced=1
    fi
    sleep "$QUIET_POLL"
  done
  QUIET_WAITED=$((SECONDS - t0))
  [ "$announced" = 1 ] && [ "$QUIET_STATE" = quiet ] && log "load $load after ${QUIET_WAITED}s of waiting"
  return 0
}

# One wrk run; appends a row to results.tsv unless it is a warm-up. The Lua script reads its
# request from variables the caller exported, and prints one RESULT line (see wrk-common.lua).
# AUX_PIDS: processes of ours (authorities, Redis) whose CPU is reported apart from "others".
#
# results.tsv columns:
#   1 label  2 conc  3 rps  4 p50_ms  5 p99_ms  6 requests  7 errors  8 cpu_ms_per_request (server)
#   9 rss_MiB  10 srv%  11 wrk%  12 oth%  13 load_before  14 aux_cpu_ms_per_request  15 aux%
#   16 waited_s  17 quiet|DISTURBED  18 jit% (the server's JIT compiler threads' share of its CPU in
#   the run: above a few percent the JVM was still compiling, and cpu_ms is above its steady state)
# After any run (warm-up too) LAST_JIT_PCT holds that share.
run_wrk() { # label url pid concurrency duration kind(measure|warmup) lua-script
  local label=$1 url=$2 pid=$3 conc=$4 dur=$5 kind=$6 script=$7
  local threads=$WRK_THREADS
  [ "$threads" -gt "$conc" ] && threads=$conc
  local out=$RUN_DIR/wrk-$label-$kind-c$conc.txt
  QUIET_WAITED=0 QUIET_STATE=-
  [ "$kind" = measure ] && wait_for_quiet "$label c=$conc"
  local load_before cpu0 cpu1 aux0 aux1 busy0 busy1 kids0 kids1 ns0 ns1 jit0 jit1
  load_before=$(cut -d' ' -f1 /proc/loadavg)
  jit0=$(proc_jit_ticks "$pid")
  cpu0=$(proc_cpu_ticks "$pid"); aux0=$(pids_cpu_ticks "$AUX_PIDS")
  busy0=$(machine_busy_ticks); kids0=$(children_ticks); ns0=$(date +%s%N)
  wrk -t"$threads" -c"$conc" -d"$dur" --latency --timeout 10s -s "$script" "$url" >"$out" 2>&1 \
    || die "wrk failed against $label: $(tail -5 "$out")"
  cpu1=$(proc_cpu_ticks "$pid"); aux1=$(pids_cpu_ticks "$AUX_PIDS")
  busy1=$(machine_busy_ticks); kids1=$(children_ticks); ns1=$(date +%s%N)
  jit1=$(proc_jit_ticks "$pid")
  kill -0 "$pid" 2>/dev/null || die "$label (pid $pid) died during the $kind run at c=$conc"
  LAST_JIT_PCT=$(awk -v j=$((jit1 - jit0)) -v c=$((cpu1 - cpu0)) 'BEGIN {printf "%.0f", (c > 0) ? 100*j/c : 0}')

  local result
  result=$(grep '^RESULT ' "$out" | tail -1)
  [ -n "$result" ] || die "no RESULT line in $out"
  field() { tr ' ' '\n' <<<"$result" | sed -n "s/^$1=//p"; }
  local rps p50 p99 requests errors
  rps=$(field rps); p50=$(field p50_ms); p99=$(field p99_ms); requests=$(field requests); errors=$(field errors)
  if [ "$errors" -gt 0 ]; then
    log "$label c=$conc ($kind): $errors failed responses ($(sed -n 's/^RESULT //p' "$out" | tr ' ' '\n' | grep -vE '^(rps|p[0-9]+_ms|max_ms|requests|ok|duration_s)=' | grep -v '=0$' | tr '\n' ' ')); first: $(sed -n 's/^SAMPLE_BAD //p' "$out")"
  fi
  if [ "$kind" = warmup ]; then
    log "$label warm-up c=$conc: $rps req/s, $errors errors, JIT ${LAST_JIT_PCT}% of the server's CPU"
    LAST_RPS=$rps LAST_ERRORS=$errors
    return 0
  fi
  local cpu_ms="-" aux_ms="-"
  if [ "$requests" -gt 0 ]; then
    cpu_ms=$(awk -v t=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.3f", t*1000/hz/n}')
    [ -n "$AUX_PIDS" ] && aux_ms=$(awk -v t=$((aux1 - aux0)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.3f", t*1000/hz/n}')
  fi
  # Shares of the whole machine (all cores = 100 %) taken by the server, by wrk, by the rest, and
  # (apart from the rest) by our helper processes.
  local shares
  shares=$(awk -v srv=$((cpu1 - cpu0)) -v wrk=$((kids1 - kids0)) -v aux=$((aux1 - aux0)) -v busy=$((busy1 - busy0)) \
    -v ns=$((ns1 - ns0)) -v hz="$CLK_TCK" -v cores="$(nproc)" \
    'BEGIN {all = ns/1e9*hz*cores; oth = busy-srv-wrk-aux; if (oth < 0) oth = 0;
            printf "%.0f\t%.0f\t%.0f\t%.0f", 100*srv/all, 100*wrk/all, 100*oth/all, 100*aux/all}')
  local srv_pct wrk_pct oth_pct aux_pct
  IFS=$'\t' read -r srv_pct wrk_pct oth_pct aux_pct <<<"$shares"
  [ -n "$AUX_PIDS" ] || aux_pct="-"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$conc" "$rps" "$p50" "$p99" \
    "$requests" "$errors" "$cpu_ms" "$(proc_rss_mib "$pid")" "$srv_pct" "$wrk_pct" "$oth_pct" "$load_before" \
    "$aux_ms" "$aux_pct" "$QUIET_WAITED" "$QUIET_STATE" "$LAST_JIT_PCT" >>"$RESULTS_TSV"
  LAST_RPS=$rps LAST_ERRORS=$errors
  log "$label c=$conc: $rps req/s, p50 $p50 ms, p99 $p99 ms, $errors errors, $cpu_ms CPU-ms/request (JIT ${LAST_JIT_PCT}% of it, oth ${oth_pct}%)"
}

# Repeats a warm-up command (one that ends in a run_wrk … warmup) until the server's JIT compiler
# threads took less than WARMUP_JIT_MAX % of its CPU in a round, at most WARMUP_ROUNDS rounds. Sets
# WARM_ROUNDS and WARM_JIT_PCT (of the last round) for the report.
warm_up() { # what command [args…]
  local what=$1 round
  shift
  for round in $(seq 1 "$WARMUP_ROUNDS"); do
    "$@"
    WARM_ROUNDS=$round WARM_JIT_PCT=${LAST_JIT_PCT:-0}
    if [ "$WARM_JIT_PCT" -lt "$WARMUP_JIT_MAX" ]; then
      log "$what: warm after $round round(s) (JIT ${WARM_JIT_PCT}% of the server's CPU in the last)"
      return 0
    fi
  done
  log "$what: the JIT still took ${WARM_JIT_PCT}% of the server's CPU after $WARMUP_ROUNDS warm-up rounds; the measured runs may be above the steady state (see jit%)"
}

# ------------------------------------------------------------------ PostgreSQL and Redis

# PG_USER PG_PASS PG_DB PG_HOST PG_PORT of PG_URL; the database must be one dedicated to benchmarks.
parse_pg_url() {
  [[ "$PG_URL" == postgres*://* ]] || die "PG_URL must look like postgresql://user:password@host:port/database"
  parse_url "$PG_URL" 5432
  PG_USER=$URL_USER PG_PASS=$URL_PASSWORD PG_DB=$URL_PATH PG_HOST=$URL_HOST PG_PORT=$URL_PORT
  [ -n "$PG_USER" ] && [ -n "$PG_DB" ] || die "PG_URL needs a user and a database: $PG_URL"
  # The database is dropped on every run: refuse anything that does not look dedicated to this.
  [[ "$PG_DB" == *bench* ]] || die "PG_URL database '$PG_DB' is dropped on every run; use one whose name contains 'bench'"
}

# Redis and PostgreSQL up (started by scripts/infra.sh when nothing listens locally, and stopped by
# the cleanup), and PG_URL's database empty: keys are stored encrypted under TS_KEY_ENCRYPTION_KEY,
# which is new on every run, so the keys of an earlier run could not be decrypted.
prepare_dependencies() {
  parse_pg_url
  ensure_redis
  ensure_postgres
  TS_DB_ROLE=$PG_USER TS_DB_PASSWORD=$PG_PASS
  if pg_superuser_available; then
    PGOPTIONS='-c client_min_messages=warning' fresh_database "$PG_DB"
    log "database $PG_DB recreated (owner $PG_USER)"
  else
    # No superuser access: empty the schema with the bench role's own rights instead.
    log "no PostgreSQL superuser access; emptying schema public of $PG_DB as $PG_USER instead"
    PGPASSWORD=$PG_PASS psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -w -v ON_ERROR_STOP=1 -q \
      -c 'drop schema if exists public cascade' -c 'create schema public' \
      || die "cannot reset $PG_URL: create role $PG_USER and database $PG_DB, or give a superuser access"
  fi
  PGPASSWORD=$PG_PASS psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -w -Atqc 'select 1' >/dev/null \
    || die "cannot connect to $PG_HOST:$PG_PORT/$PG_DB as $PG_USER"
}

# ------------------------------------------------------------------ TokenServices

# copy_app JAR NAME VAR: copies the packaged directory of JAR (a quarkus-app) into a new temporary
# directory, whose path goes into the variable named VAR before anything is copied (so that the
# caller's cleanup removes it whatever happens).
copy_app() {
  local jar=$1 name=$2 var=$3 work
  [ -f "$jar" ] || die "$jar not found: build it first with ./mvnw -DskipTests package"
  work=$(mktemp -d "${TMPDIR:-/tmp}/tokenservices-bench-$name.XXXXXX")
  printf -v "$var" '%s' "$work"
  copy_quarkus_app "$(dirname "$jar")" "$work/quarkus-app"
  log "$name copied from $(dirname "$jar") (built $(date -r "$jar" '+%Y-%m-%d %H:%M:%S')) to $work/quarkus-app"
}

# The token-service's copy, made once per run. Sets TS_WORK, TS_RUN_JAR and TS_BUILD.
copy_tokenservice() {
  [ -n "$TS_WORK" ] && return 0
  copy_app "$TS_JAR" token-service TS_WORK
  TS_RUN_JAR=$TS_WORK/quarkus-app/$(basename "$TS_JAR")
  TS_BUILD=$(date -r "$TS_JAR" '+%Y-%m-%d %H:%M:%S')
}

# start_tokenservice REGISTRY_FILE [NAME=value...]: starts the copied token-service on
# 127.0.0.1:$TS_PORT with that registry and extra environment, and waits for /q/health/ready on
# its management port (TS_MANAGEMENT_BASE, which also serves /q/metrics).
# The log goes to $RUN_DIR/token-service.log (appended to on restarts).
start_tokenservice() {
  local registry=$1
  shift
  # shellcheck disable=SC2206 # TS_EXTRA_ENV is a space-separated list of NAME=value words
  set -- "$@" $TS_EXTRA_ENV
  copy_tokenservice
  port_in_use "$TS_PORT" && die "port $TS_PORT is already in use (set TS_PORT)"
  port_in_use "$TS_MANAGEMENT_PORT" && die "port $TS_MANAGEMENT_PORT is already in use (set TS_MANAGEMENT_PORT)"
  [ -n "$TS_KEK" ] || TS_KEK=$(openssl rand -base64 32)
  TS_JAVA_VERSION=$("$TS_JAVA" -version 2>&1 | head -1)
  # the extra variables hold secrets: only their names are logged
  local names=() kv
  for kv in "$@"; do names+=("${kv%%=*}"); done
  log "starting token-service (127.0.0.1:$TS_PORT, $TS_JAVA_VERSION, registry $(basename "$registry")${names[*]:+, with ${names[*]}})"
  local t0=$SECONDS
  echo "----- $(date '+%F %T') start${names[*]:+ with ${names[*]}}" >>"$RUN_DIR/token-service.log"
  JAVA_CMD=$TS_JAVA TS_APP_JAVA_OPTS=$TS_JAVA_OPTS TS_APP_HOST=127.0.0.1 \
    start_quarkus_app token-service "$(dirname "$TS_RUN_JAR")" "$TS_PORT" "$TS_MANAGEMENT_PORT" "$RUN_DIR/token-service.log" \
      TS_REGISTRY="$registry" TS_KEY_ENCRYPTION_KEY="$TS_KEK" PG_URL="$PG_URL" REDIS_URL="$REDIS_URL" "$@"
  TS_PID=${PID_OF[token-service]}
  TS_BASE=http://127.0.0.1:$TS_PORT
  TS_MANAGEMENT_BASE=http://127.0.0.1:$TS_MANAGEMENT_PORT
  wait_until_ready token-service "$TS_PID" "$TS_MANAGEMENT_BASE/q/health/ready" "$TS_START_TIMEOUT"
  log "token-service ready after $((SECONDS - t0)) s (pid $TS_PID, RSS $(proc_rss_mib "$TS_PID") MiB)"
}

# For wait_until_ready: the end of a process' log in the run directory (<name>.log).
show_log_tail() { tail -n 40 "$RUN_DIR/$1.log" >&2 2>/dev/null || true; }

# The service logs which JCA provider signs its tokens; JSON log lines are shown by their message.
crypto_provider_lines() {
  local log=$RUN_DIR/token-service.log
  [ -f "$log" ] || return 0
  grep -iE 'crypto|jca|provider|corretto|accp' "$log" | sort -u | head -5 | while IFS= read -r line; do
    jq -r '.message // empty' <<<"$line" 2>/dev/null || printf '%s\n' "$line"
  done | sed 's/^/  /'
}

# A WARNING line for every run of RESULTS_TSV (the common column layout: errors in 7, oth% in 12,
# load in 13, seconds waited in 16, quiet in 17) that had failed responses or was disturbed.
run_warnings() {
    awk -F'\t' '$7 > 0 {print "WARNING: " $1 " c=" $2 " had " $7 " failed responses; see wrk-" $1 "-measure-c" $2 ".txt"}' "$RESULTS_TSV"
    awk -F'\t' '$12 > 10 {print "WARNING: other processes used " $12 "% of the machine during " $1 " c=" $2 "; figures are disturbed"}' "$RESULTS_TSV"
    awk -F'\t' '$17 == "DISTURBED" {print "WARNING: " $1 " c=" $2 " started at load " $13 " after waiting " $16 " s for a quiet machine; figures are disturbed"}' "$RESULTS_TSV"
}

# WARN/ERROR lines of the token-service log, counted by message shape (for the report).
tokenservice_log_problems() {
  local log=$RUN_DIR/token-service.log
  [ -f "$log" ] || return 0
  grep -E ' (WARN|ERROR) ' "$log" | sed -E 's/^[0-9:.]+ //' | sort | uniq -c | sort -rn | head -10 | sed 's/^/  /'
}

# Lines for the report head: machine, source, build, load generator.
report_machine_lines() {
  echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "source: $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo 'no commit')$(git -C "$REPO_DIR" status --porcelain 2>/dev/null | grep -q . && echo ' (uncommitted changes)')${TS_BUILD:+, token-service jar built $TS_BUILD}"
  if [ -n "$TS_EXTRA_ENV" ]; then echo "token-service started with TS_EXTRA_ENV: $TS_EXTRA_ENV"; fi
}

# The shared checks of every script that starts the token-service.
check_tokenservice_tools() {
  for tool in curl jq awk openssl ss base64 sha1sum; do need "$tool"; done
  need psql "PostgreSQL client"; need pg_isready "PostgreSQL client"; need redis-cli "Redis tools"
  [ -f "$TS_JAR" ] || die "$TS_JAR not found: build it first with ./mvnw -DskipTests package"
  command -v "$TS_JAVA" >/dev/null || die "no java for token-service (TS_JAVA=$TS_JAVA)"
}
