#!/usr/bin/env bash
# orchestrator-bench.sh - the OIDC orchestrator's two busy steps of a login, measured with wrk, with
# the token-service answering the exchange:
#   callback  GET /callback?code=..&state=..  (the upstream IdP sends the browser back), with the
#             browser's orch_login_<id> cookie: open the sealed login in progress from that cookie,
#             redeem the upstream code at the upstream IdP and validate its id_token, start the SSO
#             session, exchange the id_token at the token-service (RFC 8693) once per resource the
#             client asks scopes of (two here, in parallel), store a one-time code, redirect to the
#             client;
#   redeem    POST /token grant_type=authorization_code (the client redeems that code): take the
#             code from Redis, check client, redirect_uri and PKCE, mint the id_token and the
#             top-level access token, store the refresh token family and the access-token index,
#             answer.
#
# What it does, in order:
#   1. Checks the tools (wrk from apt-get when missing; node and the bench's node modules).
#   2. Resets a dedicated PostgreSQL database (PG_URL, default tokenservices_bench), and starts:
#      the bench upstream IdP (bench-upstream.mjs: discovery, JWKS, a /token that answers an ES256
#      id_token carrying the nonce it was given), a COPY of the packaged token-service and a COPY of
#      the packaged orchestrator (their target/quarkus-app directories are copied to temporary
#      directories, so a rebuild of the tree cannot pull them away), both with
#      bench/registry-orchestrator.yaml (a copy in the run's directory, with BENCH_ID_TOKEN_ALG), one
#      random TS_KEY_ENCRYPTION_KEY and fresh secrets.
#   3. Checks one whole login (authorize, callback, redemption) and shows what came back.
#   4. callback: a warm-up, then for each c in CONCURRENCY: logins in progress are prepared with
#      orchestrator-prep.mjs (GET /authorize as a new browser each, the upstream state/nonce/challenge
#      read from the redirect, the login's sealed orch_login_<id> cookie taken from its Set-Cookie,
#      the upstream code built for the bench upstream), the script waits for a quiet machine, and wrk
#      (orchestrator.lua) walks through the prepared callback URLs, each once, each with its cookie.
#   5. redeem: a warm-up, then for each c: the script waits for a quiet machine, then prepares
#      authorization codes (authorize + callback, as in 4) and wrk redeems each once. Codes live at
#      most 60 s, so they are made after the wait and just before the run (PREP_MAX_SECONDS); the
#      number made is sized from the warm-up's rate so that the run lasts DURATION.
#   6. Prints rps, p50/p99, errors, the CPU ms per request of the orchestrator, the token-service,
#      the upstream and Redis, and the orchestrator's own timings of the steps, and saves everything
#      under bench/results/orchestrator-<timestamp>/ and bench/results/orchestrator-latest.txt.
#      The logins it prepared and did not use need no clean-up: the orchestrator stores nothing for a
#      login in progress (it lives in the browser's cookie only), so there is nothing in Redis to
#      delete; the prepared lines are removed with the run's other one-time inputs.
#
# Knobs (environment variables), with defaults (and those of bench/lib.sh: TS_*, PG_URL, REDIS_URL,
# QUIET_LOAD/QUIET_MAX_WAIT/QUIET_POLL, RESULTS_ROOT):
#   CONCURRENCY="8 32"        measured runs of each step, one per concurrency
#   DURATION=20s              length of each measured run (at most 50 s: codes live 60 s); a run
#                             that uses up its prepared inputs ends earlier (see dur_s)
#   WARMUP=30s  WARMUP_CONCURRENCY=32   one warm-up round of each step, not reported; repeated until the
#                             JIT is quiet (bench/lib.sh: WARMUP_ROUNDS, WARMUP_JIT_MAX)
#   WRK_THREADS=1             wrk threads (capped at the concurrency)
#   PREP_MAX_SECONDS=35       longest preparation of codes before a redemption run
#   PREP_CONCURRENCY=32       requests in flight while preparing
#   CALLBACK_MAX_LOGINS=200000  most logins prepared for one callback run
#   ORCH_PORT=18082           the orchestrator's loopback port
#   ORCH_MANAGEMENT_PORT=19082  its management port (health, metrics)
#   ORCH_JAR=orchestrator-service/target/quarkus-app/quarkus-run.jar (its directory is copied)
#   ORCH_JAVA_OPTS=""         JVM options of the orchestrator (TS_JAVA_OPTS for the token-service)
#   ORCH_NATIVE_BIN=""        the orchestrator's native executable (orchestrator-service/target/*-runner,
#                             made by scripts/native.sh) to measure instead of the jar; it is copied
#                             to a temporary directory and started from there (the token-service
#                             stays the JVM build: only the orchestrator's build differs)
#   STEPS="callback redeem"   which steps to measure (bench/native-bench.sh runs STEPS=redeem)
#   ORCH_EXTRA_ENV=""         extra NAME=value settings for the orchestrator, space-separated
#   UPSTREAM_PORT=18094       the bench upstream IdP's loopback port
#   BENCH_SCOPE="openid profile email r1.read r2.read"   what the client asks for
#   BENCH_ID_TOKEN_ALG=RS256  the client's id_token_signed_response_alg (RS256, OIDC's default, or
#                             ES256 or EdDSA): what the orchestrator signs its id_tokens with
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

CONCURRENCY=${CONCURRENCY:-"8 32"}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-30s}
WARMUP_CONCURRENCY=${WARMUP_CONCURRENCY:-32}
WRK_THREADS=${WRK_THREADS:-1}
PREP_MAX_SECONDS=${PREP_MAX_SECONDS:-35}
PREP_CONCURRENCY=${PREP_CONCURRENCY:-32}
CALLBACK_MAX_LOGINS=${CALLBACK_MAX_LOGINS:-200000}
ORCH_PORT=${ORCH_PORT:-18082}
ORCH_MANAGEMENT_PORT=${ORCH_MANAGEMENT_PORT:-19082}
ORCH_MANAGEMENT_BASE=http://127.0.0.1:$ORCH_MANAGEMENT_PORT
ORCH_JAR=${ORCH_JAR:-}
ORCH_JAVA_OPTS=${ORCH_JAVA_OPTS:-}
ORCH_NATIVE_BIN=${ORCH_NATIVE_BIN:-}
STEPS=${STEPS:-"callback redeem"}
ORCH_EXTRA_ENV=${ORCH_EXTRA_ENV:-}
UPSTREAM_PORT=${UPSTREAM_PORT:-18094}
BENCH_SCOPE=${BENCH_SCOPE:-"openid profile email r1.read r2.read"}
BENCH_ID_TOKEN_ALG=${BENCH_ID_TOKEN_ALG:-RS256}
case $BENCH_ID_TOKEN_ALG in RS256|ES256|EdDSA) ;; *) echo "BENCH_ID_TOKEN_ALG must be RS256, ES256 or EdDSA" >&2; exit 2 ;; esac

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ORCH_JAR=${ORCH_JAR:-$REPO_DIR/orchestrator-service/target/quarkus-app/quarkus-run.jar}

APP_ID=bench-app
REDIRECT_URI=http://127.0.0.1:18099/cb
UPSTREAM=http://127.0.0.1:$UPSTREAM_PORT
ORCH_BASE=http://127.0.0.1:$ORCH_PORT

seconds_of() { # 20s, 2m, 20 -> seconds
  case $1 in
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
DURATION_S=$(seconds_of "$DURATION")
WARMUP_S=$(seconds_of "$WARMUP")
[ "$DURATION_S" -le 50 ] || { echo "DURATION must be at most 50s: authorization codes live at most 60 s" >&2; exit 2; }
[ "$PREP_MAX_SECONDS" -le 45 ] || { echo "PREP_MAX_SECONDS must be at most 45: authorization codes live at most 60 s" >&2; exit 2; }

bench_init_run_dir orchestrator-
# the registry the two services run: the bench's, with the client's id_token algorithm
REGISTRY_FILE=$RUN_DIR/registry-orchestrator.yaml
sed "s/^    id_token_signed_response_alg: RS256\$/    id_token_signed_response_alg: $BENCH_ID_TOKEN_ALG/" \
  "$BENCH_DIR/registry-orchestrator.yaml" >"$REGISTRY_FILE"
grep -q "^    id_token_signed_response_alg: $BENCH_ID_TOKEN_ALG\$" "$REGISTRY_FILE" \
  || { echo "bench/registry-orchestrator.yaml has no id_token_signed_response_alg line for bench-app" >&2; exit 1; }
EXTRA_TSV=$RUN_DIR/orchestrator-extra.tsv
# label conc ts_ms idp_ms redis_ms dur_s prepared prep_s load_at_wait step_ms exch_ms failed filler
: >"$EXTRA_TSV"

ORCH_PID="" ORCH_WORK="" UPSTREAM_PID="" REDIS_SERVER_PID=""

# ------------------------------------------------------------------ quiet machine, before preparing

# run_wrk waits for a quiet machine before a measured run. Here the wait must come before the
# preparation of the run's inputs (codes live 60 s; and the CPU of the other services is counted
# from the end of the wait): pre_wait does the waiting, and run_wrk's wait then takes its result.
eval "$(declare -f wait_for_quiet | sed '1s/^wait_for_quiet/lib_wait_for_quiet/')"
PRE_STATE="" PRE_WAITED="" PRE_LOAD=""
wait_for_quiet() {
  if [ -n "$PRE_STATE" ]; then
    QUIET_STATE=$PRE_STATE QUIET_WAITED=$PRE_WAITED
    PRE_STATE="" PRE_WAITED=""
    return 0
  fi
  lib_wait_for_quiet "$@"
}
pre_wait() { # what
  lib_wait_for_quiet "$1"
  PRE_STATE=$QUIET_STATE PRE_WAITED=$QUIET_WAITED
  PRE_LOAD=$(cut -d' ' -f1 /proc/loadavg)
}

# ------------------------------------------------------------------ processes

bench_cleanup_hook() {
  stop_process orchestrator "$ORCH_PID" 30; ORCH_PID=""
  stop_process "bench upstream IdP" "$UPSTREAM_PID" 30; UPSTREAM_PID=""
  [ -n "$ORCH_WORK" ] && [ -d "$ORCH_WORK" ] && rm -rf "$ORCH_WORK"
  rm -f "$RUN_DIR"/lines-* 2>/dev/null || true # one-time secrets: codes, verifiers, states, login cookies
}

start_upstream() {
  port_in_use "$UPSTREAM_PORT" && die "port $UPSTREAM_PORT is already in use (set UPSTREAM_PORT)"
  UPSTREAM_PORT=$UPSTREAM_PORT UPSTREAM_CLIENT_ID=bench-orchestrator UPSTREAM_CLIENT_SECRET="$UPSTREAM_SECRET" \
    UPSTREAM_REDIRECT_URI="$ORCH_BASE/callback" node "$BENCH_DIR/bench-upstream.mjs" >"$RUN_DIR/upstream.log" 2>&1 </dev/null &
  UPSTREAM_PID=$!
  local i
  for i in $(seq 1 100); do
    grep -q '^READY' "$RUN_DIR/upstream.log" 2>/dev/null && { log "bench upstream IdP $UPSTREAM ready (pid $UPSTREAM_PID)"; return 0; }
    kill -0 "$UPSTREAM_PID" 2>/dev/null || { tail -20 "$RUN_DIR/upstream.log" >&2; die "bench upstream IdP exited during start-up"; }
    sleep 0.2
  done
  die "bench upstream IdP not ready after 20 s"
}

# The orchestrator's packaged directory, copied like the token-service's (see copy_app in lib.sh).
copy_orchestrator() {
  copy_app "$ORCH_JAR" orchestrator ORCH_WORK
  ORCH_RUN_JAR=$ORCH_WORK/quarkus-app/$(basename "$ORCH_JAR")
  ORCH_BUILD=$(date -r "$ORCH_JAR" '+%Y-%m-%d %H:%M:%S')
}

start_orchestrator() {
  port_in_use "$ORCH_PORT" && die "port $ORCH_PORT is already in use (set ORCH_PORT)"
  port_in_use "$ORCH_MANAGEMENT_PORT" && die "port $ORCH_MANAGEMENT_PORT is already in use (set ORCH_MANAGEMENT_PORT)"
  # shellcheck disable=SC2206 # ORCH_EXTRA_ENV is a space-separated list
  local -a env=(ORCHESTRATOR_ISSUER="$ORCH_BASE"
      TS_REGISTRY="$REGISTRY_FILE" TS_KEY_ENCRYPTION_KEY="$TS_KEK"
      PG_URL="$PG_URL" REDIS_URL="$REDIS_URL" TOKEN_SERVICE_URL="$TS_BASE" ORCHESTRATOR_SECRET="$ORCH_SECRET"
      "${REGISTRY_ENV[@]}"
      ORCHESTRATOR_PENDING_LOGIN_LIFETIME=30m ORCHESTRATOR_SESSION_LIFETIME=15m ORCHESTRATOR_REFRESH_TOKEN_LIFETIME=15m
      $ORCH_EXTRA_ENV)
  local t0
  if [ -n "$ORCH_NATIVE_BIN" ]; then
    [ -x "$ORCH_NATIVE_BIN" ] || die "no native orchestrator at ORCH_NATIVE_BIN=$ORCH_NATIVE_BIN: build it with scripts/native.sh orchestrator-service"
    ORCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/tokenservices-bench-orchestrator.XXXXXX")
    cp "$ORCH_NATIVE_BIN" "$ORCH_WORK/"
    ORCH_BUILD="native $(date -r "$ORCH_NATIVE_BIN" '+%Y-%m-%d %H:%M:%S')"
    log "starting the native orchestrator $ORCH_NATIVE_BIN (127.0.0.1:$ORCH_PORT, token-service $TS_BASE, upstream $UPSTREAM)"
    t0=$(date +%s%N)
    TS_APP_HOST=127.0.0.1 start_native_app orchestrator "$ORCH_WORK/$(basename "$ORCH_NATIVE_BIN")" \
      "$ORCH_PORT" "$ORCH_MANAGEMENT_PORT" "$RUN_DIR/orchestrator.log" "${env[@]}"
  else
    copy_orchestrator
    log "starting orchestrator (127.0.0.1:$ORCH_PORT, token-service $TS_BASE, upstream $UPSTREAM)"
    t0=$(date +%s%N)
    JAVA_CMD=$TS_JAVA TS_APP_JAVA_OPTS=$ORCH_JAVA_OPTS TS_APP_HOST=127.0.0.1 \
      start_quarkus_app orchestrator "$(dirname "$ORCH_RUN_JAR")" "$ORCH_PORT" "$ORCH_MANAGEMENT_PORT" "$RUN_DIR/orchestrator.log" \
        "${env[@]}"
  fi
  ORCH_PID=${PID_OF[orchestrator]}
  wait_until_ready orchestrator "$ORCH_PID" "$ORCH_MANAGEMENT_BASE/q/health/ready" "$TS_START_TIMEOUT"
  ORCH_START_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  ORCH_RSS_READY=$(proc_rss_mib "$ORCH_PID")
  log "orchestrator ready after $ORCH_START_MS ms (pid $ORCH_PID, RSS $ORCH_RSS_READY MiB)"
}

# ------------------------------------------------------------------ preparing one-time inputs

prep() { # mode count out-file [deadline] -> sets PREP_MADE PREP_SECONDS PREP_RATE
  local summary
  summary=$(BENCH_CLIENT_ID=$APP_ID BENCH_REDIRECT_URI=$REDIRECT_URI BENCH_SCOPE=$BENCH_SCOPE CONCURRENCY=$PREP_CONCURRENCY \
    node "$BENCH_DIR/orchestrator-prep.mjs" "$1" "$ORCH_BASE" "$2" "$3" ${4:+"$4"}) || true
  [ -n "$summary" ] || die "orchestrator-prep.mjs $1 printed nothing"
  PREP_MADE=$(jq -r .made <<<"$summary"); PREP_SECONDS=$(jq -r .seconds <<<"$summary"); PREP_RATE=$(jq -r .rate <<<"$summary")
  log "prepared $PREP_MADE of $2 $1 in ${PREP_SECONDS}s ($PREP_RATE/s)$(jq -r 'if .failed > 0 then ", \(.failed) failed, first: \(.first_failure)" else "" end' <<<"$summary")"
  [ "$PREP_MADE" -gt 0 ] || die "nothing could be prepared: $(jq -r .first_failure <<<"$summary")"
  [ "$(jq -r .failed <<<"$summary")" = 0 ] || ODD+=("preparing $1: $(jq -c '{made, failed, first_failure}' <<<"$summary")")
}

# ------------------------------------------------------------------ measuring

metrics_snapshot() { curl -s "$ORCH_MANAGEMENT_BASE/q/metrics" >"$1" || : >"$1"; }
# Sum of a metric's series whose labels contain $2 (may be empty), in a snapshot.
metric_sum() { # name label-filter file
  awk -v n="$1" -v f="$2" 'index($0, n) == 1 && (substr($0, length(n) + 1, 1) == "{" || substr($0, length(n) + 1, 1) == " ") \
    && index($0, f) > 0 {s += $NF} END {printf "%.6f", s + 0}' "$3"
}
metric_delta() { awk -v a="$(metric_sum "$1" "$2" "$3")" -v b="$(metric_sum "$1" "$2" "$4")" 'BEGIN {printf "%.6f", b - a}'; }
mean_ms() { # name filter before after
  awk -v c="$(metric_delta "${1}_count" "$2" "$3" "$4")" -v s="$(metric_delta "${1}_sum" "$2" "$3" "$4")" \
    'BEGIN {if (c > 0) printf "%.2f", 1000 * s / c; else printf "-"}'
}

# One wrk run over a prepared file, with the CPU of every process taking part.
measure() { # label mode conc duration kind file prepared prep_s
  local label=$1 mode=$2 conc=$3 dur=$4 kind=$5 file=$6 prepared=$7 prep_s=$8
  local threads=$WRK_THREADS m0=$RUN_DIR/metrics-before.txt m1=$RUN_DIR/metrics-after.txt
  [ "$threads" -gt "$conc" ] && threads=$conc
  export ORCH_MODE=$mode ORCH_LINES_FILE=$file ORCH_THREADS=$threads
  local ts0 up0 rd0 ts1 up1 rd1
  metrics_snapshot "$m0"
  ts0=$(proc_cpu_ticks "$TS_PID"); up0=$(proc_cpu_ticks "$UPSTREAM_PID"); rd0=$(pids_cpu_ticks "$REDIS_SERVER_PID")
  run_wrk "$label" "$ORCH_BASE/" "$ORCH_PID" "$conc" "$dur" "$kind" "$BENCH_DIR/orchestrator.lua"
  ts1=$(proc_cpu_ticks "$TS_PID"); up1=$(proc_cpu_ticks "$UPSTREAM_PID"); rd1=$(pids_cpu_ticks "$REDIS_SERVER_PID")
  metrics_snapshot "$m1"
  local out=$RUN_DIR/wrk-$label-$kind-c$conc.txt result
  result=$(sed -n 's/^RESULT //p' "$out" | tail -1)
  rfield() { tr ' ' '\n' <<<"$result" | sed -n "s/^$1=//p"; }
  WRK_DURATION=$(rfield duration_s)
  [ "$(rfield filler)" = 0 ] || log "$label c=$conc ($kind): $(rfield filler) filler requests after the prepared inputs ran out"
  [ "$kind" = measure ] || return 0
  local n step_ms exch_ms failed
  n=$(rfield requests)
  if [ "$mode" = callback ]; then
    # Quarkus tags a redirect's uri as "REDIRECTION", not "/callback"; between the two snapshots only
    # the callbacks answer 302 (the preparation's /authorize redirects come before the first one)
    step_ms=$(mean_ms http_server_requests_seconds 'status="302"' "$m0" "$m1")
    exch_ms=$(mean_ms orchestrator_token_exchange_seconds 'call="token_exchange"' "$m0" "$m1")
    failed=$(metric_delta orchestrator_logins_failed_total "" "$m0" "$m1")
  else
    step_ms=$(mean_ms http_server_requests_seconds 'uri="/token"' "$m0" "$m1")
    exch_ms="-"
    failed=$(awk -v a="$(metric_delta orchestrator_code_redemptions_total "" "$m0" "$m1")" \
      -v b="$(metric_delta orchestrator_code_redemptions_total 'outcome="issued"' "$m0" "$m1")" 'BEGIN {print a - b}')
  fi
  awk -v l="$label" -v c="$conc" -v n="$n" -v hz="$CLK_TCK" -v ts=$((ts1 - ts0)) -v up=$((up1 - up0)) -v rd=$((rd1 - rd0)) \
      -v dur="$WRK_DURATION" -v prepared="$prepared" -v prep_s="$prep_s" -v wload="$PRE_LOAD" -v step="$step_ms" \
      -v exch="$exch_ms" -v failed="$failed" -v filler="$(rfield filler)" -v have_redis="$REDIS_SERVER_PID" \
      'function ms(t) {return n > 0 ? sprintf("%.3f", t * 1000 / hz / n) : "-"}
       BEGIN {printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", l, c, ms(ts), ms(up), (have_redis != "" ? ms(rd) : "-"),
              dur, prepared, prep_s, wload, step, exch, failed, filler}' >>"$EXTRA_TSV"
  cp "$m1" "$RUN_DIR/metrics-after-$label-c$conc.txt"
}

# ------------------------------------------------------------------ checks

b64url_json() { b64url_decode "$1" | jq -c .; }

check_login() {
  local file=$RUN_DIR/lines-check.txt body code
  prep codes 1 "$file"
  body=$(mktemp)
  read -r code verifier <"$file"
  local status
  status=$(curl -s -o "$body" -w '%{http_code}' -u "$APP_ID:$APP_SECRET" -d grant_type=authorization_code \
    --data-urlencode "code=$code" --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$verifier" \
    "$ORCH_BASE/token") || status=000
  [ "$status" = 200 ] || { log "redemption answered HTTP $status: $(head -c 600 "$body")"; rm -f "$body"; die "the check login could not be redeemed"; }
  local id_token at iss aud resources
  id_token=$(jq -r '.id_token // empty' "$body")
  at=$(jq -r '.access_token // empty' "$body")
  [ -n "$id_token" ] && [ -n "$at" ] || { log "redemption: $(head -c 600 "$body")"; rm -f "$body"; die "no id_token or access_token in the redemption"; }
  iss=$(b64url_json "$(cut -d. -f2 <<<"$id_token")" | jq -r .iss)
  aud=$(b64url_json "$(cut -d. -f2 <<<"$id_token")" | jq -r '[.aud] | flatten | join(",")')
  resources=$(jq -r '(.access_tokens // {}) | keys | join(" ")' "$body")
  {
    echo "check login: authorize -> upstream -> callback -> code -> /token: HTTP $status"
    echo "  id_token header: $(b64url_json "$(cut -d. -f1 <<<"$id_token")")"
    echo "  id_token claims: $(b64url_json "$(cut -d. -f2 <<<"$id_token")")"
    echo "  access_token header: $(b64url_json "$(cut -d. -f1 <<<"$at")")"
    echo "  access_token claims: $(b64url_json "$(cut -d. -f2 <<<"$at")")"
    # the response without anything usable (tokens shown by their length only)
    echo "  response: $(jq -c 'with_entries(if (.key | test("token$")) then .value = "<\(.value | length) characters>" else . end)
                                | if .access_tokens then .access_tokens |= map_values(del(.access_token)) else . end' "$body")"
  } | tee -a "$REPORT_HEAD" >&2
  rm -f "$body" "$file"
  [ "$iss" = "$ORCH_BASE" ] && [ "$aud" = "$APP_ID" ] || die "the minted id_token has iss $iss, aud $aud"
  if [[ " $BENCH_SCOPE " == *" r1.read "* && " $BENCH_SCOPE " == *" r2.read "* ]] \
     && [ "$resources" != "https://api.example/r1 https://api.example/r2" ]; then
    ODD+=("the check login's access_tokens are for '$resources', not r1 and r2")
  fi
}

# ------------------------------------------------------------------ the two steps

run_callback() { # kind conc duration_s
  local kind=$1 conc=$2 dur=$3 file n
  file=$RUN_DIR/lines-callback-$kind-c$conc.txt
  # logins in progress are cheap to make: three times what the run needs at the best rate seen so far
  n=$(awk -v r="${CALLBACK_RATE:-1000}" -v d="$dur" -v max="$CALLBACK_MAX_LOGINS" 'BEGIN {n = int(r * d * 3) + 2000; print (n > max ? max : n)}')
  prep pending "$n" "$file"
  local made=$PREP_MADE prep_s=$PREP_SECONDS
  [ "$kind" = measure ] && pre_wait "callback c=$conc"
  measure callback callback "$conc" "${dur}s" "$kind" "$file" "$made" "$prep_s"
  CALLBACK_RATE=$(awk -v a="$CALLBACK_RATE" -v b="$LAST_RPS" 'BEGIN {printf "%d", (b > a ? b : a)}')
  ran_out callback "$conc" "$kind" "$dur" "$made" "$prep_s"
  rm -f "$file"
}

ran_out() { # step conc kind duration_s made prep_s
  if awk -v a="$WRK_DURATION" -v b="$4" 'BEGIN {exit !(a < b - 1)}'; then
    log "$1 c=$2 ($3) ran ${WRK_DURATION}s of ${4}s: the $5 inputs prepared in ${6}s were used up (the rate is over ${WRK_DURATION}s)"
  fi
}

run_redeem() { # kind conc duration_s
  local kind=$1 conc=$2 dur=$3 file n
  file=$RUN_DIR/lines-redeem-$kind-c$conc.txt
  [ "$kind" = measure ] && pre_wait "redeem c=$conc"
  # as many codes as the run needs at the rate seen so far (and some to spare), made in at most
  # PREP_MAX_SECONDS: codes expire 60 s after they were issued
  n=$(awk -v r="${REDEEM_RATE:-100000}" -v d="$dur" 'BEGIN {print int(r * d * 1.3) + 200}')
  prep codes "$n" "$file" "$PREP_MAX_SECONDS"
  local made=$PREP_MADE prep_s=$PREP_SECONDS
  measure redeem redeem "$conc" "${dur}s" "$kind" "$file" "$made" "$prep_s"
  if [ "$kind" = warmup ]; then REDEEM_RATE=$LAST_RPS; fi
  REDEEM_RATE=$(awk -v a="$REDEEM_RATE" -v b="$LAST_RPS" 'BEGIN {printf "%d", (b > a ? b : a)}')
  ran_out redeem "$conc" "$kind" "$dur" "$made" "$prep_s"
  rm -f "$file"
}

# ------------------------------------------------------------------ report

print_table() {
  echo "== results (cpu_ms = CPU ms per request of: orch = the orchestrator, ts = the token-service, idp = the bench upstream, redis)"
  printf '%-9s %5s %8s %8s %8s %8s %6s %8s %5s %7s %7s %7s %5s %5s %5s %6s %8s %7s %8s %8s %6s %5s %s\n' \
    step conc rps p50_ms p99_ms requests errors orch_ms jit% ts_ms idp_ms redis_ms srv% wrk% oth% dur_s prepared prep_s step_ms exch_ms failed load quiet
  awk -F'\t' 'NR == FNR {k = $1 SUBSEP $2; ts[k] = $3; idp[k] = $4; rd[k] = $5; dur[k] = $6; prep[k] = $7; prep_s[k] = $8;
                         wl[k] = $9; step[k] = $10; exch[k] = $11; failed[k] = $12; next}
    {k = $1 SUBSEP $2
     printf "%-9s %5s %8s %8s %8s %8s %6s %8s %5s %7s %7s %7s %5s %5s %5s %6s %8s %7s %8s %8s %6s %5s %s\n",
       $1, $2, $3, $4, $5, $6, $7, $8, $18, ts[k], idp[k], rd[k], $10, $11, $12, dur[k], prep[k], prep_s[k], step[k], exch[k], failed[k], wl[k], $17}' \
    "$EXTRA_TSV" "$RESULTS_TSV"
  echo
  echo "rps = responses per second over dur_s (a run ends early when its prepared inputs are used up); errors = wrong"
  echo "answers + socket errors; srv%/wrk%/oth% = share of all $(nproc) cores used by the orchestrator / wrk / everything"
  echo "else (the token-service, the upstream and Redis are in oth% too), over the whole DURATION even when the run ended"
  echo "earlier; jit% = share of orch_ms taken by the orchestrator's JIT compiler threads (the warm-up is repeated until"
  echo "it is below WARMUP_JIT_MAX=$WARMUP_JIT_MAX %; above that the JVM was still compiling); prepared/prep_s = one-time inputs made for the"
  echo "run and how long that took; step_ms = mean time of the step inside the orchestrator (http_server_requests_seconds;
callback: of those answered 302);"
  echo "exch_ms = mean token exchange call to the token-service (orchestrator_token_exchange_seconds); failed = logins"
  echo "failed / redemptions not issued as counted by the orchestrator; load = 1-minute load when the wait for a quiet"
  echo "machine ended (before the preparation); quiet = it had dropped below $QUIET_LOAD (DISTURBED: not within ${QUIET_MAX_WAIT}s)."
  echo
}

log_problems() { # file
  [ -f "$1" ] || return 0
  grep -E ' (WARN|ERROR) ' "$1" | sed -E 's/^[0-9:.]+ //' | sort | uniq -c | sort -rn | head -10 | sed 's/^/  /'
}

write_report() {
  {
    cat "$REPORT_HEAD"
    echo
    print_table
    if [ -n "$ORCH_NATIVE_BIN" ]; then
      echo "orchestrator: native executable built $ORCH_BUILD, RSS after the runs ${ORCH_RSS_END} MiB (peak ${ORCH_RSS_PEAK} MiB)"
    else
      echo "orchestrator: $TS_JAVA_VERSION${ORCH_JAVA_OPTS:+ ($ORCH_JAVA_OPTS)}, jar built $ORCH_BUILD, RSS after the runs ${ORCH_RSS_END} MiB (peak ${ORCH_RSS_PEAK} MiB)"
    fi
    echo "token-service: jar built $TS_BUILD, RSS $(proc_rss_mib "$TS_PID") MiB (peak $(proc_peak_rss_mib "$TS_PID") MiB)"
    echo "bench upstream IdP: node $(node --version), $(curl -s "$UPSTREAM/stats" | jq -c '{discovery, jwks, token, token_refused, first_refusal}')"
    echo "redis: $(redis-cli -u "$REDIS_URL" INFO server 2>/dev/null | sed -n 's/^redis_version:\(.*\)\r*$/\1/p' | tr -d '\r'), pid ${REDIS_SERVER_PID:-unknown (not local)}; shared with whatever else uses it"
    local lines
    lines=$(log_problems "$RUN_DIR/orchestrator.log")
    echo "orchestrator WARN/ERROR log lines (count, message):"
    echo "${lines:-  none}"
    lines=$(tokenservice_log_problems)
    echo "token-service WARN/ERROR log lines (count, message):"
    echo "${lines:-  none}"
    awk -F'\t' '$7 > 0 {print "WARNING: " $1 " c=" $2 " had " $7 " failed responses; see wrk-" $1 "-measure-c" $2 ".txt"}' "$RESULTS_TSV"
    awk -F'\t' '$12 > 10 {print "NOTE: other processes (the token-service, the upstream and Redis among them) used " $12 "% of the machine during " $1 " c=" $2}' "$RESULTS_TSV"
    awk -F'\t' '$17 == "DISTURBED" {print "WARNING: " $1 " c=" $2 " was measured without a quiet machine (waited " $16 " s); figures are disturbed"}' "$RESULTS_TSV"
    local o
    for o in "${ODD[@]}"; do echo "ODD: $o"; done
  } >"$REPORT"
  cp "$REPORT" "$RESULTS_ROOT/orchestrator-latest.txt"
  cat "$REPORT"
  log "saved in $RUN_DIR (report.txt, results.tsv, raw wrk output, logs, metrics) and $RESULTS_ROOT/orchestrator-latest.txt"
}

# ------------------------------------------------------------------ main

install_cleanup_trap
check_tokenservice_tools
[ -n "$ORCH_NATIVE_BIN" ] || [ -f "$ORCH_JAR" ] || die "$ORCH_JAR not found: build it first with ./mvnw -DskipTests package"
install_wrk
ensure_node_modules
ODD=()

# Fresh secrets per run (hex: no escaping needed in Basic auth or YAML).
ORCH_SECRET=bench-$(openssl rand -hex 24)
APP_SECRET=bench-$(openssl rand -hex 24)
UPSTREAM_SECRET=bench-$(openssl rand -hex 24)
REGISTRY_ENV=(BENCH_ORCHESTRATOR_SECRET="$ORCH_SECRET" BENCH_APP_SECRET="$APP_SECRET" BENCH_REDIRECT_URI="$REDIRECT_URI"
  BENCH_UPSTREAM_ISSUER="$UPSTREAM" BENCH_UPSTREAM_SECRET="$UPSTREAM_SECRET")
export ORCH_AUTHORIZATION="Basic $(printf '%s:%s' "$APP_ID" "$APP_SECRET" | base64 -w0)"
export ORCH_REDIRECT_URI=$REDIRECT_URI

log "results go to $RUN_DIR"
prepare_dependencies
REDIS_SERVER_PID=$(parse_url "$REDIS_URL" 6379; is_local_host "$URL_HOST" && listener_pid "$URL_PORT" || true)
start_upstream
start_tokenservice "$REGISTRY_FILE" "${REGISTRY_ENV[@]}" TS_REFRESH_LIFETIME=PT15M
start_orchestrator

{
  echo "orchestrator benchmark $STAMP: the callback step and the authorization-code redemption, wrk on the same machine"
  report_machine_lines
  echo "orchestrator ${ORCH_NATIVE_BIN:+executable $ORCH_NATIVE_BIN, }built $ORCH_BUILD, ready after $ORCH_START_MS ms (RSS $ORCH_RSS_READY MiB)${ORCH_EXTRA_ENV:+, with ORCH_EXTRA_ENV: $ORCH_EXTRA_ENV}"
  echo "load: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $WRK_THREADS thread(s), warm-up ${WARMUP_S}s at c=$WARMUP_CONCURRENCY per step, then ${DURATION_S}s per measured run at each c in: $CONCURRENCY"
  echo "client: $APP_ID (client_secret_basic, PKCE S256, id_tokens $BENCH_ID_TOKEN_ALG), scope '$BENCH_SCOPE'; token-service on $TS_BASE, bench upstream IdP on $UPSTREAM (ES256)"
  echo "callback: GET /callback?code=<upstream code>&state=<upstream state> of a login started with GET /authorize (a new browser"
  echo "          each), with that login's sealed orch_login_<id> cookie, each once; ok = 302 to the client with code (no error)."
  echo "          Per callback: open the sealed login cookie, upstream /token + id_token validation, SSO session, one token exchange"
  echo "          per resource at the token-service (in parallel), Redis: session, code"
  echo "redeem:   POST /token grant_type=authorization_code&code&redirect_uri&code_verifier (client_secret_basic), each code once;"
  echo "          ok = 200 with id_token and access_token (both minted by the orchestrator). Codes live 60 s: made after the wait for a quiet machine, just before the run"
} >"$REPORT_HEAD"

check_login

# the callback step
CALLBACK_RATE=400
if [[ " $STEPS " == *" callback "* ]]; then
  log "callback: warm-up ${WARMUP_S}s at c=$WARMUP_CONCURRENCY"
  warm_up "callback warm-up" run_callback warmup "$WARMUP_CONCURRENCY" "$WARMUP_S"
  echo "callback: warm after $WARM_ROUNDS warm-up round(s), the JIT at ${WARM_JIT_PCT}% of the orchestrator's CPU in the last" >>"$REPORT_HEAD"
  log "callback warm-up: $CALLBACK_RATE/s"
  for c in $CONCURRENCY; do run_callback measure "$c" "$DURATION_S"; done
fi

# the redemption
if [[ " $STEPS " == *" redeem "* ]]; then
  log "redeem: warm-up at c=$WARMUP_CONCURRENCY"
  REDEEM_RATE=$(awk -v r="$CALLBACK_RATE" 'BEGIN {printf "%d", r * 3}') # a first guess; the warm-up measures it
  warm_up "redeem warm-up" run_redeem warmup "$WARMUP_CONCURRENCY" "$WARMUP_S"
  echo "redeem: warm after $WARM_ROUNDS warm-up round(s), the JIT at ${WARM_JIT_PCT}% of the orchestrator's CPU in the last" >>"$REPORT_HEAD"
  log "redeem warm-up: $REDEEM_RATE/s"
  for c in $CONCURRENCY; do run_redeem measure "$c" "$DURATION_S"; done
fi

ORCH_RSS_END=$(proc_rss_mib "$ORCH_PID"); ORCH_RSS_PEAK=$(proc_peak_rss_mib "$ORCH_PID")
write_report
