#!/usr/bin/env bash
# exchange-bench.sh - RFC 8693 token exchange throughput and latency of the token-service, with
# the scope-authority fan-out, next to its own client_credentials rate measured in the same run.
#
# What it does, in order:
#   1. Checks the tools (wrk from apt-get when missing; the node helpers' modules with npm ci).
#   2. Starts a bench OpenID issuer (bench-issuer.mjs: discovery, JWKS, ID_TOKEN_ALG id_tokens for
#      sub bench-user, aud bench-app, valid 2 h) and three scope authorities (authorities.mjs, one HTTP
#      server per port, so the token-service pools connections per API as in production) that
#      answer {"decision":"accept"} after AUTHORITY_DELAY_MS.
#   3. Resets a dedicated PostgreSQL database and starts a copy of the packaged token-service with
#      bench/registry-exchange.yaml: client bench-exchanger (token exchange, "r1.read r2.read
#      r3.read"), resources https://api.example/r1..r3 each with one scope and an authority
#      (timeout_ms 1000), the bench issuer trusted for audience bench-app, and client_credentials
#      client bench-client for the reference rate.
#   4. (a) client_credentials at CC_CONCURRENCY (reference);
#      (b) token exchange with the authorities answering after AUTHORITY_DELAY_MS, at every c in
#          CONCURRENCY;
#      (c) the authorities restarted to answer at once (0 ms), exchange at INSTANT_CONCURRENCY.
#      Before each measured run it waits for a quiet machine (bench/lib.sh, QUIET_*).
#   5. Prints rps, p50/p99, errors, the server's CPU ms per request, the authorities' share, the
#      fan-out seen by the authorities and the token-service's own metrics, the ratio
#      exchange(instant)/client_credentials, and whether the targets of issue 3 hold:
#        p50 <= 25 ms with 20 ms authorities; >= 1,000 exchanges/s at c=64;
#        instant-authority exchange >= 50 % of the client_credentials rate.
#      Saved under bench/results/exchange-<timestamp>/ and bench/results/exchange-latest.txt.
#
# An exchange counts as good only when it is 2xx, has an access_token and its scope holds all three
# requested scopes (an authority that timed out would silently drop its scope; that is an error
# here).
#
# Knobs (environment variables), with defaults (and those of bench/lib.sh: TS_*, PG_URL, REDIS_URL,
# QUIET_LOAD/QUIET_MAX_WAIT/QUIET_POLL, RESULTS_ROOT):
#   CONCURRENCY="1 8 32 64"   exchange runs with delayed authorities, one per concurrency
#   CC_CONCURRENCY=64         the client_credentials reference run
#   INSTANT_CONCURRENCY=64    the exchange run with instant authorities
#   DURATION=20s              length of each measured run
#   WARMUP=30s                one round of the warm-ups of client_credentials and of exchange, not
#                             reported; repeated until the JIT is quiet (bench/lib.sh: WARMUP_ROUNDS,
#                             WARMUP_JIT_MAX)
#   WARMUP_CONCURRENCY=32     connections during the warm-ups
#   INSTANT_WARMUP=10s        warm-up after the authorities were restarted
#   WRK_THREADS=1             wrk threads (capped at the concurrency)
#   AUTHORITY_DELAY_MS=20     delay of every authority answer in phase (b)
#   ISSUER_PORT=18090         the bench issuer's loopback port
#   ID_TOKEN_ALG=RS256        how the bench issuer signs id_tokens: RS256 (Google, Azure AD, Okta and
#                             Keycloak by default) or ES256
#   AUTHORITY_PORTS=18091,18092,18093   the three authorities' loopback ports
#   TARGET_P50_MS=25 TARGET_EXCHANGE_RPS=1000 TARGET_CC_SHARE=50   the targets checked at the end
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

CONCURRENCY=${CONCURRENCY:-"1 8 32 64"}
CC_CONCURRENCY=${CC_CONCURRENCY:-64}
INSTANT_CONCURRENCY=${INSTANT_CONCURRENCY:-64}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-30s}
WARMUP_CONCURRENCY=${WARMUP_CONCURRENCY:-32}
INSTANT_WARMUP=${INSTANT_WARMUP:-10s}
WRK_THREADS=${WRK_THREADS:-1}
AUTHORITY_DELAY_MS=${AUTHORITY_DELAY_MS:-20}
ISSUER_PORT=${ISSUER_PORT:-18090}
ID_TOKEN_ALG=${ID_TOKEN_ALG:-RS256}
AUTHORITY_PORTS=${AUTHORITY_PORTS:-18091,18092,18093}
TARGET_P50_MS=${TARGET_P50_MS:-25}
TARGET_EXCHANGE_RPS=${TARGET_EXCHANGE_RPS:-1000}
TARGET_CC_SHARE=${TARGET_CC_SHARE:-50}

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

EXCHANGER_ID=bench-exchanger
EXCHANGE_SCOPE="r1.read r2.read r3.read"
RESOURCES=(https://api.example/r1 https://api.example/r2 https://api.example/r3)
CC_ID=bench-client
CC_SCOPE=bench.read
TOKEN_EXCHANGE=urn:ietf:params:oauth:grant-type:token-exchange
ID_TOKEN_TYPE=urn:ietf:params:oauth:token-type:id_token

bench_init_run_dir exchange-
EXTRA_TSV=$RUN_DIR/exchange-extra.tsv # label conc calls_per_request auth_mean_ms auth_failures server_mean_ms
: >"$EXTRA_TSV"

ISSUER_PID="" AUTH_PID=""
IFS=, read -r -a AUTH_PORT_LIST <<<"$AUTHORITY_PORTS"
[ "${#AUTH_PORT_LIST[@]}" = 3 ] || { echo "AUTHORITY_PORTS must name three ports" >&2; exit 2; }
ISSUER=http://127.0.0.1:$ISSUER_PORT

stop_authorities() {
  if [ -n "$AUTH_PID" ] && kill -0 "$AUTH_PID" 2>/dev/null; then
    echo "STATS $(curl -s "http://127.0.0.1:${AUTH_PORT_LIST[0]}/stats")" >>"$RUN_DIR/authorities.log"
  fi
  stop_process "scope authorities" "$AUTH_PID" 30; AUTH_PID=""; AUX_PIDS=""
}
bench_cleanup_hook() {
  stop_authorities
  stop_process "bench issuer" "$ISSUER_PID" 30; ISSUER_PID=""
}

# ------------------------------------------------------------------ node helpers

wait_ready() { # pid logfile name
  local i
  for i in $(seq 1 100); do
    grep -q '^READY' "$2" 2>/dev/null && return 0
    kill -0 "$1" 2>/dev/null || { tail -20 "$2" >&2; die "$3 exited during start-up (see $2)"; }
    sleep 0.2
  done
  die "$3 not ready after 20 s (see $2)"
}

start_issuer() {
  port_in_use "$ISSUER_PORT" && die "port $ISSUER_PORT is already in use (set ISSUER_PORT)"
  ISSUER_PORT=$ISSUER_PORT ID_TOKEN_ALG=$ID_TOKEN_ALG node "$BENCH_DIR/bench-issuer.mjs" >"$RUN_DIR/issuer.log" 2>&1 </dev/null &
  ISSUER_PID=$!
  wait_ready "$ISSUER_PID" "$RUN_DIR/issuer.log" "bench issuer"
  log "bench issuer $ISSUER ready (pid $ISSUER_PID)"
}

start_authorities() { # delay_ms
  local p i mark
  for p in "${AUTH_PORT_LIST[@]}"; do port_in_use "$p" && die "port $p is already in use (set AUTHORITY_PORTS)"; done
  echo "----- $(date '+%F %T') start, delay $1 ms" >>"$RUN_DIR/authorities.log"
  mark=$(grep -c '^READY' "$RUN_DIR/authorities.log" || true)
  AUTHORITY_PORTS=$AUTHORITY_PORTS AUTHORITY_DELAY_MS=$1 node "$BENCH_DIR/authorities.mjs" \
    >>"$RUN_DIR/authorities.log" 2>&1 </dev/null &
  AUTH_PID=$!
  for i in $(seq 1 100); do
    [ "$(grep -c '^READY' "$RUN_DIR/authorities.log" || true)" -gt "$mark" ] && break
    kill -0 "$AUTH_PID" 2>/dev/null || { tail -20 "$RUN_DIR/authorities.log" >&2; die "scope authorities exited during start-up"; }
    sleep 0.2
  done
  for p in "${AUTH_PORT_LIST[@]}"; do port_in_use "$p" || die "scope authorities not listening on $p after 20 s"; done
  log "scope authorities on ports $AUTHORITY_PORTS answering after $1 ms (pid $AUTH_PID)"
}

authority_calls() { curl -s "http://127.0.0.1:${AUTH_PORT_LIST[0]}/stats" | jq '[.calls[]] | add'; }
authority_bad() { curl -s "http://127.0.0.1:${AUTH_PORT_LIST[0]}/stats" | jq -c '{bad, sample_bad}'; }
authority_connections() { curl -s "http://127.0.0.1:${AUTH_PORT_LIST[0]}/stats" | jq -c '.connections'; }

fresh_id_token() {
  EXCHANGE_SUBJECT_TOKEN=$(curl -sf "$ISSUER/id_token") || die "the bench issuer did not mint an id_token"
  export EXCHANGE_SUBJECT_TOKEN
}

# ------------------------------------------------------------------ checks

# One exchange with curl: it must grant all three scopes for all three resources.
check_exchange() { # label
  local body code calls0 calls1 attempt
  body=$(mktemp)
  for attempt in 1 2 3; do
    calls0=$(authority_calls)
    code=$(curl -s -o "$body" -w '%{http_code}' -u "$EXCHANGER_ID:$EXCHANGER_SECRET" \
      --data-urlencode "grant_type=$TOKEN_EXCHANGE" --data-urlencode "subject_token=$EXCHANGE_SUBJECT_TOKEN" \
      --data-urlencode "subject_token_type=$ID_TOKEN_TYPE" --data-urlencode "scope=$EXCHANGE_SCOPE" \
      "$TS_BASE/token") || code=000
    calls1=$(authority_calls)
    if [ "$code" = 200 ] && [ "$(jq -r .scope "$body")" = "$EXCHANGE_SCOPE" ]; then break; fi
    log "ODD: $1 check exchange (attempt $attempt) answered HTTP $code: $(head -c 600 "$body")"
    ODD+=("$1 check exchange attempt $attempt: HTTP $code $(head -c 600 "$body")")
    [ "$attempt" = 3 ] && { rm -f "$body"; die "token exchange does not grant '$EXCHANGE_SCOPE'"; }
    sleep 2
  done
  show_token_response "$1" "$body" || { rm -f "$body"; die "no access_token in the exchange response"; }
  rm -f "$body"
  local typ alg aud
  typ=$(jq -r .typ <<<"$TOKEN_HEADER"); alg=$(jq -r .alg <<<"$TOKEN_HEADER")
  aud=$(jq -c '[.aud] | flatten | sort' <<<"$TOKEN_CLAIMS")
  [ "$typ" = at+jwt ] && [ "$alg" = ES256 ] || die "exchanged token header is $TOKEN_HEADER; expected typ at+jwt and alg ES256"
  [ "$aud" = "$(printf '%s\n' "${RESOURCES[@]}" | jq -Rsc 'split("\n") | map(select(. != "")) | sort')" ] \
    || die "exchanged token aud is $aud; expected the three resources"
  [ "$(jq -r .sub <<<"$TOKEN_CLAIMS")" = bench-user ] || die "exchanged token sub is not bench-user: $TOKEN_CLAIMS"
  [ $((calls1 - calls0)) = 3 ] || log "ODD: one exchange made $((calls1 - calls0)) authority calls (expected 3)"
  log "$1: one exchange checked (aud = 3 resources, scope '$EXCHANGE_SCOPE', $((calls1 - calls0)) authority calls)"
}

fetch_cc_token() {
  local body code
  body=$(mktemp)
  code=$(curl -s -o "$body" -w '%{http_code}' -u "$CC_ID:$CC_SECRET" \
    -d grant_type=client_credentials --data-urlencode "scope=$CC_SCOPE" "$TS_BASE/token") || code=000
  [ "$code" = 200 ] || { log "client_credentials answered HTTP $code: $(head -c 500 "$body")"; rm -f "$body"; die "no client_credentials token"; }
  show_token_response cc "$body" || die "no access_token in the client_credentials response"
  rm -f "$body"
}

# ------------------------------------------------------------------ measuring

metrics_snapshot() { curl -s "$TS_MANAGEMENT_BASE/q/metrics" >"$1" || : >"$1"; }
# Sum over all series of one metric (e.g. ts_authority_request_seconds_count) in a snapshot.
metric_sum() { awk -v n="$1" 'index($0, n) == 1 && (substr($0, length(n) + 1, 1) == "{" || substr($0, length(n) + 1, 1) == " ") {s += $NF} END {printf "%.6f", s + 0}' "$2"; }
metric_delta() { awk -v a="$(metric_sum "$1" "$2")" -v b="$(metric_sum "$1" "$3")" 'BEGIN {printf "%.6f", b - a}'; }

# A measured run plus what the authorities and the token-service's metrics saw during it.
measure() { # label concurrency duration script
  local label=$1 conc=$2 dur=$3 script=$4
  local m0=$RUN_DIR/metrics-before.txt m1=$RUN_DIR/metrics-after.txt calls0 calls1
  [ "$script" = "$BENCH_DIR/exchange.lua" ] && fresh_id_token
  metrics_snapshot "$m0"; calls0=$(authority_calls)
  run_wrk "$label" "$TS_BASE/token" "$TS_PID" "$conc" "$dur" measure "$script"
  metrics_snapshot "$m1"; calls1=$(authority_calls)
  local requests
  requests=$(awk -F'\t' -v l="$label" -v c="$conc" '$1 == l && $2 == c {n = $6} END {print n + 0}' "$RESULTS_TSV")
  awk -v l="$label" -v c="$conc" -v n="$requests" -v calls=$((calls1 - calls0)) \
      -v ac="$(metric_delta ts_authority_request_seconds_count "$m0" "$m1")" \
      -v as="$(metric_delta ts_authority_request_seconds_sum "$m0" "$m1")" \
      -v af="$(metric_delta ts_authority_failures_total "$m0" "$m1")" \
      -v tc="$(metric_delta ts_token_request_seconds_count "$m0" "$m1")" \
      -v ts="$(metric_delta ts_token_request_seconds_sum "$m0" "$m1")" \
      -v rj="$(metric_delta ts_tokens_rejected_total "$m0" "$m1")" \
      'BEGIN {printf "%s\t%s\t%s\t%s\t%d\t%s\t%d\n", l, c, (n > 0 ? sprintf("%.2f", calls / n) : "-"),
              (ac > 0 ? sprintf("%.2f", 1000 * as / ac) : "-"), af, (tc > 0 ? sprintf("%.2f", 1000 * ts / tc) : "-"), rj}' \
      >>"$EXTRA_TSV"
  cp "$m1" "$RUN_DIR/metrics-after-$label-c$conc.txt"
}

# ------------------------------------------------------------------ report

print_table() {
  echo "== results (cpu_ms = token-service CPU ms per request; auth_ms = the authorities' CPU ms per request)"
  printf '%-14s %5s %9s %8s %8s %9s %6s %7s %5s %8s %5s %5s %5s %5s %9s %8s %7s %9s %5s %s\n' \
    run conc rps p50_ms p99_ms requests errors cpu_ms jit% auth_ms srv% auth% wrk% oth% calls/req auth_avg fail srv_avg load quiet
  awk -F'\t' 'NR == FNR {k = $1 SUBSEP $2; calls[k] = $3; aavg[k] = $4; af[k] = $5; savg[k] = $6; next}
    {k = $1 SUBSEP $2
     printf "%-14s %5s %9s %8s %8s %9s %6s %7s %5s %8s %5s %5s %5s %5s %9s %8s %7s %9s %5s %s\n",
       $1, $2, $3, $4, $5, $6, $7, $8, $18, $14, $10, $15, $11, $12, calls[k], aavg[k], af[k], savg[k], $13, $17}' \
    "$EXTRA_TSV" "$RESULTS_TSV"
  echo
  echo "jit% = share of cpu_ms taken by the token-service's JIT compiler threads (each warm-up is repeated until it is"
  echo "below WARMUP_JIT_MAX=$WARMUP_JIT_MAX %; above that the JVM was still compiling);"
  echo "calls/req = authority calls received per request; auth_avg = mean authority call as timed by the token-service (ms);"
  echo "fail = authority failures counted by the token-service; srv_avg = mean /token time inside the token-service (ms);"
  echo "srv%/auth%/wrk%/oth% = share of all $(nproc) cores used by the token-service / the three authorities (one node"
  echo "process) / wrk / everything else; load = 1-minute load average at the start of the run; quiet = it had dropped"
  echo "below $QUIET_LOAD first (DISTURBED: not within ${QUIET_MAX_WAIT}s)."
  echo
}

value() { awk -F'\t' -v l="$1" -v c="$2" -v col="$3" '$1 == l && $2 == c {v = $col} END {print v}' "$RESULTS_TSV"; }
verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {ok = (op == "<=") ? (a + 0 <= b + 0) : (a + 0 >= b + 0); print (ok ? "HOLDS" : "MISSED")}'; }

print_targets() {
  local delayed=exchange-${AUTHORITY_DELAY_MS}ms instant=exchange-0ms
  local cc_rps inst_rps share ex64 c p50 cpu_cc cpu_inst
  cc_rps=$(value cc "$CC_CONCURRENCY" 3)
  inst_rps=$(value "$instant" "$INSTANT_CONCURRENCY" 3)
  echo "== targets (issue 3)"
  for c in $CONCURRENCY; do
    p50=$(value "$delayed" "$c" 4)
    [ -n "$p50" ] || continue
    printf '  p50 <= %s ms with %s ms authorities, c=%-3s: %8s ms  %s\n' "$TARGET_P50_MS" "$AUTHORITY_DELAY_MS" "$c" "$p50" \
      "$(verdict "$p50" '<=' "$TARGET_P50_MS")"
  done
  ex64=$(value "$delayed" 64 3)
  if [ -n "$ex64" ]; then
    printf '  >= %s exchanges/s at c=64 with %s ms authorities: %8s /s  %s\n' "$TARGET_EXCHANGE_RPS" "$AUTHORITY_DELAY_MS" "$ex64" \
      "$(verdict "$ex64" '>=' "$TARGET_EXCHANGE_RPS")"
  fi
  if [ -n "$cc_rps" ] && [ -n "$inst_rps" ]; then
    share=$(awk -v a="$inst_rps" -v b="$cc_rps" 'BEGIN {printf "%.1f", 100 * a / b}')
    printf '  exchange (instant authorities, c=%s) / client_credentials (c=%s): %s / %s rps = %s %%  (target >= %s %%)  %s\n' \
      "$INSTANT_CONCURRENCY" "$CC_CONCURRENCY" "$inst_rps" "$cc_rps" "$share" "$TARGET_CC_SHARE" "$(verdict "$share" '>=' "$TARGET_CC_SHARE")"
    cpu_cc=$(value cc "$CC_CONCURRENCY" 8); cpu_inst=$(value "$instant" "$INSTANT_CONCURRENCY" 8)
    awk -v a="$cpu_inst" -v b="$cpu_cc" 'BEGIN {if (b > 0) printf "  token-service CPU per exchange / per client_credentials token: %s / %s ms = %.1fx\n", a, b, a / b}'
  fi
  echo
}

write_report() {
  {
    cat "$REPORT_HEAD"
    echo
    print_table
    print_targets
    echo "token-service: $TS_JAVA_VERSION${TS_JAVA_OPTS:+ ($TS_JAVA_OPTS)}, jar built $TS_BUILD, RSS after the runs ${TS_RSS_END} MiB (peak ${TS_RSS_PEAK} MiB)"
    echo "node $(node --version); bench issuer fetches by the token-service: $(curl -s "$ISSUER/stats" | jq -c '{discovery, jwks}')"
    echo "authorities (instant run's process): TCP connections accepted per port $(authority_connections), contract violations $(authority_bad)"
    echo "authorities (20 ms run's process): $(grep '^STATS ' "$RUN_DIR/authorities.log" | head -1 | cut -d' ' -f2-)"
    echo "token-service crypto provider (from its log):"
    local lines
    lines=$(crypto_provider_lines)
    echo "${lines:-  (no line mentioning a crypto provider found in token-service.log)}"
    lines=$(tokenservice_log_problems)
    echo "token-service WARN/ERROR log lines (count, message):"
    echo "${lines:-  none}"
    run_warnings
    local o
    for o in "${ODD[@]}"; do echo "ODD: $o"; done
  } >"$REPORT"
  cp "$REPORT" "$RESULTS_ROOT/exchange-latest.txt"
  cat "$REPORT"
  log "saved in $RUN_DIR (report.txt, results.tsv, raw wrk output, logs, metrics) and $RESULTS_ROOT/exchange-latest.txt"
}

# ------------------------------------------------------------------ main

install_cleanup_trap
check_tokenservice_tools
install_wrk
ensure_node_modules
ODD=()

# Fresh secrets per run (hex, so they need no escaping in Basic auth).
EXCHANGER_SECRET=bench-$(openssl rand -hex 24)
CC_SECRET=bench-$(openssl rand -hex 24)
EXCHANGE_AUTHORIZATION="Basic $(printf '%s:%s' "$EXCHANGER_ID" "$EXCHANGER_SECRET" | base64 -w0)"
CC_AUTHORIZATION="Basic $(printf '%s:%s' "$CC_ID" "$CC_SECRET" | base64 -w0)"
export EXCHANGE_AUTHORIZATION EXCHANGE_SCOPE CC_AUTHORIZATION CC_SCOPE
export EXCHANGE_SUBJECT_TYPE=$ID_TOKEN_TYPE

log "results go to $RUN_DIR"
prepare_dependencies
start_issuer
start_authorities "$AUTHORITY_DELAY_MS"
start_tokenservice "$BENCH_DIR/registry-exchange.yaml" \
  BENCH_EXCHANGER_SECRET="$EXCHANGER_SECRET" BENCH_CLIENT_SECRET="$CC_SECRET" BENCH_ISSUER="$ISSUER" \
  BENCH_AUTHORITY_1="http://127.0.0.1:${AUTH_PORT_LIST[0]}/decide" \
  BENCH_AUTHORITY_2="http://127.0.0.1:${AUTH_PORT_LIST[1]}/decide" \
  BENCH_AUTHORITY_3="http://127.0.0.1:${AUTH_PORT_LIST[2]}/decide"

{
  echo "token exchange benchmark $STAMP: RFC 8693 with 3 scope authorities in parallel, and client_credentials for reference; wrk on the same machine"
  report_machine_lines
  echo "load: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $WRK_THREADS thread(s), warm-up $WARMUP at c=$WARMUP_CONCURRENCY per grant, then $DURATION per measured run"
  echo "exchange: POST grant_type=$TOKEN_EXCHANGE, subject_token=<$ID_TOKEN_ALG id_token of $ISSUER, sub bench-user, aud bench-app>,"
  echo "          subject_token_type=$ID_TOKEN_TYPE, scope=$EXCHANGE_SCOPE; client_secret_basic ($EXCHANGER_ID);"
  echo "          ok = 2xx with an access_token whose scope holds all three scopes"
  echo "authorities: 3 HTTP servers (ports $AUTHORITY_PORTS, one node process), {\"decision\":\"accept\"} after the delay; timeout_ms 1000"
  echo "client_credentials: POST grant_type=client_credentials&scope=$CC_SCOPE, client_secret_basic ($CC_ID)"
} >"$REPORT_HEAD"

# (a) client_credentials, the reference rate
fetch_cc_token
AUX_PIDS=""
log "client_credentials: warm-up $WARMUP at c=$WARMUP_CONCURRENCY"
warm_up "client_credentials warm-up" run_wrk cc "$TS_BASE/token" "$TS_PID" "$WARMUP_CONCURRENCY" "$WARMUP" warmup "$BENCH_DIR/cc-token.lua"
measure cc "$CC_CONCURRENCY" "$DURATION" "$BENCH_DIR/cc-token.lua"

# (b) token exchange, authorities answering after AUTHORITY_DELAY_MS
AUX_PIDS=$AUTH_PID
fresh_id_token
check_exchange "exchange-${AUTHORITY_DELAY_MS}ms"
log "exchange: warm-up $WARMUP at c=$WARMUP_CONCURRENCY"
warm_up "exchange warm-up" run_wrk "exchange-${AUTHORITY_DELAY_MS}ms" "$TS_BASE/token" "$TS_PID" "$WARMUP_CONCURRENCY" "$WARMUP" warmup "$BENCH_DIR/exchange.lua"
for c in $CONCURRENCY; do
  measure "exchange-${AUTHORITY_DELAY_MS}ms" "$c" "$DURATION" "$BENCH_DIR/exchange.lua"
done

# (c) token exchange, authorities answering at once
stop_authorities
start_authorities 0
AUX_PIDS=$AUTH_PID
fresh_id_token
check_exchange exchange-0ms
log "exchange, instant authorities: warm-up $INSTANT_WARMUP at c=$INSTANT_CONCURRENCY"
warm_up "instant exchange warm-up" run_wrk exchange-0ms "$TS_BASE/token" "$TS_PID" "$INSTANT_CONCURRENCY" "$INSTANT_WARMUP" warmup "$BENCH_DIR/exchange.lua"
[ "${LAST_ERRORS:-0}" -gt 0 ] && ODD+=("the warm-up after restarting the authorities had $LAST_ERRORS failed responses (see wrk-exchange-0ms-warmup-c$INSTANT_CONCURRENCY.txt)")
measure exchange-0ms "$INSTANT_CONCURRENCY" "$DURATION" "$BENCH_DIR/exchange.lua"

TS_RSS_END=$(proc_rss_mib "$TS_PID"); TS_RSS_PEAK=$(proc_peak_rss_mib "$TS_PID")
write_report
stop_tokenservice
# the audit log of a run is large (three lines per exchange); keep it, compressed
[ "$(stat -c %s "$RUN_DIR/token-service.log" 2>/dev/null || echo 0)" -gt 1000000 ] && gzip -f "$RUN_DIR/token-service.log"
exit 0
