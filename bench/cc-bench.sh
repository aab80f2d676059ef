#!/usr/bin/env bash
# cc-bench.sh - OAuth2 client_credentials throughput of TokenServices next to Keycloak 26,
# measured in ONE invocation on the same machine, so that the ratio between the two is meaningful
# even when absolute figures move with the machine's load.
#
# What it does, in order:
#   1. Checks the tools (installs wrk from the distribution's packages when it is missing).
#   2. Keycloak: downloads its server distribution from Maven Central once (cached), unzips a fresh
#      copy, starts it in dev mode on 127.0.0.1, creates a realm "bench" that signs with ES256 and a
#      confidential client allowed the client_credentials grant, checks one token, warms it up, runs
#      wrk at every concurrency, then stops it.
#   3. TokenServices: resets a dedicated PostgreSQL database, starts the packaged token-service with
#      bench/registry.yaml, checks one token (typ at+jwt, alg ES256), warms up, runs the same wrk
#      load, then stops it.
#   4. Prints one table per server and a comparison per concurrency, and saves everything
#      (tables, raw wrk output, server logs) under bench/results/<timestamp>/ and
#      bench/results/latest.txt.
#
# The servers run one after the other, never together: on a small machine they would otherwise
# compete for the same cores and each would look slower than it is.
#
# The figure that survives a noisy machine best is the server's CPU time per token: the server's
# own utime+stime (from /proc/<pid>/stat) spent during a measured window, divided by the requests
# answered in that window. Throughput and latency also depend on whatever else runs; the "oth%"
# column shows how much of the machine other processes took during each window.
#
# Knobs (environment variables), with defaults:
#   CONCURRENCY="1 8 32 64"   connections per measured run, one run each
#   DURATION=20s              length of each measured run
#   WARMUP=15s                warm-up per server (JIT, pools), not reported
#   WARMUP_CONCURRENCY=32     connections during the warm-up
#   WRK_THREADS=1             wrk threads (wrk shares the machine with the server: keep it small)
#   SKIP_KEYCLOAK=1           measure only TokenServices
#   SKIP_TOKENSERVICE=1       measure only Keycloak (no built token-service needed)
#   KC_VERSION=26.5.6         org.keycloak:keycloak-quarkus-dist version
#   KC_JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64   JDK that runs Keycloak
#   KC_PORT=18080  TS_PORT=18081                       loopback ports of the two servers
#   TS_JAR=token-service/target/quarkus-app/quarkus-run.jar   (its directory is copied to a temporary
#                             directory and started from there: the tree may be rebuilt meanwhile)
#   TS_JAVA=$JAVA_HOME/bin/java (or java on PATH)      JVM that runs TokenServices
#   TS_JAVA_OPTS=""           extra JVM options for TokenServices
#   PG_URL=postgresql://tokenservices:tokenservices@127.0.0.1:5432/tokenservices_bench
#                             must name a database used only by this benchmark: it is dropped and
#                             recreated on every run
#   PG_SUPERUSER=postgres     role used to (re)create the role and the database
#   REDIS_URL=redis://127.0.0.1:6379
#   CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/tokenservices   where the Keycloak zip is kept
#   MAVEN_REPO_URL=https://repo1.maven.org/maven2
#   RESULTS_ROOT=bench/results
#   KEEP_WORK=1               keep the unzipped Keycloak directory (printed at the end)
#   QUIET_LOAD=1.0 QUIET_MAX_WAIT=600 QUIET_POLL=10
#                             before each measured run, wait until the 1-minute load average is below
#                             QUIET_LOAD (at most QUIET_MAX_WAIT s, then the run is marked DISTURBED)
#
# The helpers shared with the other benchmarks (processes, PostgreSQL/Redis, token-service start,
# wrk runs) are in bench/lib.sh.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

CONCURRENCY=${CONCURRENCY:-"1 8 32 64"}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-15s}
WARMUP_CONCURRENCY=${WARMUP_CONCURRENCY:-32}
WRK_THREADS=${WRK_THREADS:-1}
SKIP_KEYCLOAK=${SKIP_KEYCLOAK:-0}
SKIP_TOKENSERVICE=${SKIP_TOKENSERVICE:-0}

KC_VERSION=${KC_VERSION:-26.5.6}
KC_JAVA_HOME=${KC_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
# Java 24+ needs java.lang opened for jboss-threads, otherwise Keycloak's worker threads log
# IllegalAccessError when they end.
KC_JAVA_OPTS_APPEND=${KC_JAVA_OPTS_APPEND:---add-opens=java.base/java.lang=ALL-UNNAMED}
KC_PORT=${KC_PORT:-18080}
KC_START_TIMEOUT=${KC_START_TIMEOUT:-300}
MAVEN_REPO_URL=${MAVEN_REPO_URL:-https://repo1.maven.org/maven2}
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tokenservices}

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"


KEEP_WORK=${KEEP_WORK:-0}

CLIENT_ID=bench-client
SCOPE=bench.read
AUDIENCE=https://api.example/bench
TOKEN_LIFETIME=300

bench_init_run_dir ""

# PIDs of what this script started besides lib.sh's (token-service, Redis); cleanup stops exactly
# these and nothing else.
KC_LAUNCH_PID="" KC_PID=""
KC_WORK=""

stop_keycloak() {
  stop_process Keycloak "$KC_PID" 30
  [ "$KC_LAUNCH_PID" != "$KC_PID" ] && stop_process "Keycloak launcher" "$KC_LAUNCH_PID" 30
  KC_PID="" KC_LAUNCH_PID=""
}

# Called by lib.sh's bench_cleanup on exit, before it stops the token-service and Redis.
bench_cleanup_hook() {
  stop_keycloak
  if [ -n "$KC_WORK" ] && [ -d "$KC_WORK" ]; then
    if [ "$KEEP_WORK" = 1 ]; then log "Keycloak work directory kept: $KC_WORK"; else rm -rf "$KC_WORK"; fi
  fi
}

# ------------------------------------------------------------------ JWT helpers

# Gets one token with exactly the grant the load uses; prints its header and claims.
# Sets TOKEN_HEADER (compact JSON) for the caller's checks.
fetch_and_show_token() { # label token_url
  local label=$1 url=$2 body code rc=0
  body=$(mktemp)
  code=$(curl -s -o "$body" -w '%{http_code}' -u "$CLIENT_ID:$CLIENT_SECRET" \
    -d grant_type=client_credentials --data-urlencode "scope=$SCOPE" "$url") || code=000
  if [ "$code" != 200 ]; then
    log "$label token endpoint answered HTTP $code: $(head -c 500 "$body")"
    rm -f "$body"
    return 1
  fi
  show_token_response "$label" "$body" || rc=1
  rm -f "$body"
  return $rc
}

# ------------------------------------------------------------------ load

bench_server() { # server url pid
  local server=$1 url=$2 pid=$3 c
  log "$server: warm-up ${WARMUP} at c=$WARMUP_CONCURRENCY"
  run_wrk "$server" "$url" "$pid" "$WARMUP_CONCURRENCY" "$WARMUP" warmup "$BENCH_DIR/cc-token.lua"
  for c in $CONCURRENCY; do
    run_wrk "$server" "$url" "$pid" "$c" "$DURATION" measure "$BENCH_DIR/cc-token.lua"
  done
}

# ------------------------------------------------------------------ Keycloak

keycloak_zip() {
  KC_ZIP=$(TS_CACHE_DIR=$CACHE_DIR maven_central_file org.keycloak keycloak-quarkus-dist "$KC_VERSION" zip)
  log "Keycloak $KC_VERSION: $KC_ZIP"
}

start_keycloak() {
  [ -x "$KC_JAVA_HOME/bin/java" ] || die "no JDK at KC_JAVA_HOME=$KC_JAVA_HOME"
  port_in_use "$KC_PORT" && die "port $KC_PORT is already in use (set KC_PORT)"
  KC_WORK=$(mktemp -d "${TMPDIR:-/tmp}/tokenservices-kc.XXXXXX")
  unzip -q "$KC_ZIP" -d "$KC_WORK"
  local home=$KC_WORK/keycloak-$KC_VERSION
  [ -x "$home/bin/kc.sh" ] || die "unexpected layout in $KC_ZIP (no keycloak-$KC_VERSION/bin/kc.sh)"
  KC_ADMIN_PASSWORD=$(openssl rand -hex 16)
  log "starting Keycloak $KC_VERSION (start-dev, 127.0.0.1:$KC_PORT, $("$KC_JAVA_HOME/bin/java" -version 2>&1 | head -1))"
  local t0=$SECONDS
  env JAVA_HOME="$KC_JAVA_HOME" PATH="$KC_JAVA_HOME/bin:$PATH" \
      JAVA_OPTS_APPEND="$KC_JAVA_OPTS_APPEND" \
      KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="$KC_ADMIN_PASSWORD" \
    "$home/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="$KC_PORT" \
    >"$RUN_DIR/keycloak.log" 2>&1 </dev/null &
  KC_LAUNCH_PID=$!
  KC_PID=$KC_LAUNCH_PID
  KC_BASE=http://127.0.0.1:$KC_PORT
  local code=000
  while [ $((SECONDS - t0)) -lt "$KC_START_TIMEOUT" ]; do
    kill -0 "$KC_LAUNCH_PID" 2>/dev/null || { tail -30 "$RUN_DIR/keycloak.log" >&2; die "Keycloak exited during start-up"; }
    code=$(curl -s -o /dev/null -w '%{http_code}' "$KC_BASE/realms/master/.well-known/openid-configuration" || true)
    [ "$code" = 200 ] && break
    sleep 1
  done
  [ "$code" = 200 ] || die "Keycloak not ready after ${KC_START_TIMEOUT}s (see $RUN_DIR/keycloak.log)"
  # Measure the JVM that listens, which is our launcher or a child of it.
  local lpid
  lpid=$(listener_pid "$KC_PORT")
  if [ -n "$lpid" ] && is_descendant "$lpid" "$KC_LAUNCH_PID"; then KC_PID=$lpid; fi
  log "Keycloak ready after $((SECONDS - t0)) s (pid $KC_PID, RSS $(proc_rss_mib "$KC_PID") MiB)"
}

kc_admin_token() {
  curl -sf -d grant_type=password -d client_id=admin-cli -d username=admin \
    --data-urlencode "password=$KC_ADMIN_PASSWORD" \
    "$KC_BASE/realms/master/protocol/openid-connect/token" | jq -r .access_token
}

kc_api() { # method path [json]; prints the HTTP status, body goes to kc-admin-last.json
  local args=(-s -o "$RUN_DIR/kc-admin-last.json" -w '%{http_code}' -X "$1"
              -H "Authorization: Bearer $(kc_admin_token)")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' -d "$3")
  curl "${args[@]}" "$KC_BASE/admin$2"
}

kc_expect() { # expected-status description method path [json]
  local want=$1 what=$2 code
  shift 2
  code=$(kc_api "$@")
  [ "$code" = "$want" ] || die "Keycloak admin API, $what: HTTP $code $(head -c 400 "$RUN_DIR/kc-admin-last.json")"
}

# Realm "bench": ES256 as the default signature algorithm with its own P-256 key provider,
# 300 s access tokens (as ours), and a client scope "bench.read" whose mapper puts the same
# audience into the token as ours does, so both servers issue comparable tokens for one request.
configure_keycloak() {
  kc_expect 201 "create realm" POST /realms "$(jq -nc --argjson life "$TOKEN_LIFETIME" \
    '{realm: "bench", enabled: true, defaultSignatureAlgorithm: "ES256", accessTokenLifespan: $life}')"
  local realm_id
  kc_expect 200 "read realm" GET /realms/bench
  realm_id=$(jq -r .id "$RUN_DIR/kc-admin-last.json")
  kc_expect 201 "create ES256 key provider" POST /realms/bench/components "$(jq -nc --arg p "$realm_id" \
    '{name: "ecdsa-p256", providerId: "ecdsa-generated", providerType: "org.keycloak.keys.KeyProvider",
      parentId: $p, config: {priority: ["200"], enabled: ["true"], active: ["true"], ecdsaEllipticCurveKey: ["P-256"]}}')"
  kc_expect 201 "create client scope $SCOPE" POST /realms/bench/client-scopes "$(jq -nc --arg s "$SCOPE" --arg aud "$AUDIENCE" \
    '{name: $s, protocol: "openid-connect",
      attributes: {"include.in.token.scope": "true", "display.on.consent.screen": "false"},
      protocolMappers: [{name: "audience", protocol: "openid-connect", protocolMapper: "oidc-audience-mapper",
        config: {"included.custom.audience": $aud, "access.token.claim": "true", "id.token.claim": "false"}}]}')"
  kc_expect 200 "list client scopes" GET /realms/bench/client-scopes
  local scope_id
  scope_id=$(jq -r --arg s "$SCOPE" '.[] | select(.name == $s) | .id' "$RUN_DIR/kc-admin-last.json")
  kc_expect 201 "create client $CLIENT_ID" POST /realms/bench/clients "$(jq -nc --arg id "$CLIENT_ID" --arg s "$CLIENT_SECRET" \
    '{clientId: $id, enabled: true, protocol: "openid-connect", publicClient: false,
      clientAuthenticatorType: "client-secret", secret: $s, serviceAccountsEnabled: true,
      standardFlowEnabled: false, directAccessGrantsEnabled: false, implicitFlowEnabled: false}')"
  kc_expect 200 "find client" GET "/realms/bench/clients?clientId=$CLIENT_ID"
  local client_uuid
  client_uuid=$(jq -r '.[0].id' "$RUN_DIR/kc-admin-last.json")
  kc_expect 204 "attach $SCOPE to the client" PUT "/realms/bench/clients/$client_uuid/optional-client-scopes/$scope_id"
  rm -f "$RUN_DIR/kc-admin-last.json" # its last listing held the client secret
  log "Keycloak realm 'bench' configured (ES256, client $CLIENT_ID, scope $SCOPE)"
}

run_keycloak_side() {
  keycloak_zip
  start_keycloak
  configure_keycloak
  local url=$KC_BASE/realms/bench/protocol/openid-connect/token
  fetch_and_show_token keycloak "$url" || die "Keycloak did not issue a token"
  [ "$(jq -r .alg <<<"$TOKEN_HEADER")" = ES256 ] || die "Keycloak token is not ES256: $TOKEN_HEADER"
  bench_server keycloak "$url" "$KC_PID"
  KC_RSS_END=$(proc_rss_mib "$KC_PID"); KC_RSS_PEAK=$(proc_peak_rss_mib "$KC_PID")
  KC_JAVA_VERSION=$("$KC_JAVA_HOME/bin/java" -version 2>&1 | head -1)
  stop_keycloak
}

# ------------------------------------------------------------------ TokenServices

run_tokenservice_side() {
  prepare_dependencies
  start_tokenservice "$BENCH_DIR/registry.yaml" BENCH_CLIENT_SECRET="$CLIENT_SECRET"
  local url=$TS_BASE/token
  if ! fetch_and_show_token tokenservices "$url"; then
    tail -20 "$RUN_DIR/token-service.log" >&2
    die "token-service did not issue a token"
  fi
  local typ alg
  typ=$(jq -r .typ <<<"$TOKEN_HEADER"); alg=$(jq -r .alg <<<"$TOKEN_HEADER")
  [ "$typ" = at+jwt ] && [ "$alg" = ES256 ] || die "token-service token header is $TOKEN_HEADER; expected typ at+jwt and alg ES256"
  bench_server tokenservices "$url" "$TS_PID"
  TS_RSS_END=$(proc_rss_mib "$TS_PID"); TS_RSS_PEAK=$(proc_peak_rss_mib "$TS_PID")
  stop_tokenservice
}

# ------------------------------------------------------------------ report

print_server_table() { # server
  awk -F'\t' -v s="$1" '$1 == s' "$RESULTS_TSV" | grep -q . || return 0
  echo "== $1"
  printf '%5s %10s %8s %8s %9s %7s %16s %8s %5s %5s %5s %6s %s\n' conc rps p50_ms p99_ms requests errors cpu_ms_per_token rss_MiB srv% wrk% oth% load quiet
  awk -F'\t' -v s="$1" '$1 == s {printf "%5s %10s %8s %8s %9s %7s %16s %8s %5s %5s %5s %6s %s\n", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $17}' "$RESULTS_TSV"
  echo
}

print_comparison() {
  echo "== tokenservices vs keycloak (rps ratio = ours/keycloak, higher is better for us; cpu ratio = keycloak/ours, higher is better for us)"
  printf '%5s %10s %10s %9s %10s %10s %9s %12s %12s\n' conc ts_rps kc_rps rps_ratio ts_p99_ms kc_p99_ms ts_cpu_ms kc_cpu_ms cpu_ratio
  awk -F'\t' '
    $1 == "tokenservices" {ts_rps[$2] = $3; ts_p99[$2] = $5; ts_cpu[$2] = $8; order[++n] = $2}
    $1 == "keycloak"      {kc_rps[$2] = $3; kc_p99[$2] = $5; kc_cpu[$2] = $8}
    END {
      for (i = 1; i <= n; i++) {
        c = order[i]
        if (!(c in kc_rps)) continue
        rr = (kc_rps[c] > 0) ? sprintf("%.2fx", ts_rps[c] / kc_rps[c]) : "-"
        cr = (ts_cpu[c] + 0 > 0 && kc_cpu[c] != "-") ? sprintf("%.2fx", kc_cpu[c] / ts_cpu[c]) : "-"
        printf "%5s %10s %10s %9s %10s %10s %9s %12s %12s\n", c, ts_rps[c], kc_rps[c], rr, ts_p99[c], kc_p99[c], ts_cpu[c], kc_cpu[c], cr
      }
    }' "$RESULTS_TSV"
  echo
}

write_report() {
  {
    cat "$REPORT_HEAD"
    echo
    print_server_table keycloak
    print_server_table tokenservices
    if grep -q '^keycloak' "$RESULTS_TSV" && grep -q '^tokenservices' "$RESULTS_TSV"; then
      print_comparison
    fi
    echo "cpu_ms_per_token = server utime+stime during the run / requests in the run;"
    echo "srv%/wrk%/oth% = share of all $(nproc) cores used by the server / wrk / everything else during the run;"
    echo "load = 1-minute load average when the run started; quiet = it had dropped below $QUIET_LOAD first (DISTURBED: not within ${QUIET_MAX_WAIT}s)."
    if [ "$SKIP_KEYCLOAK" != 1 ]; then
      echo "keycloak: $KC_VERSION start-dev, $KC_JAVA_VERSION, RSS after the runs ${KC_RSS_END} MiB (peak ${KC_RSS_PEAK} MiB)"
    fi
    if [ "$SKIP_TOKENSERVICE" != 1 ]; then
      echo "tokenservices: $TS_JAVA_VERSION${TS_JAVA_OPTS:+ ($TS_JAVA_OPTS)}, jar built $TS_BUILD, RSS after the runs ${TS_RSS_END} MiB (peak ${TS_RSS_PEAK} MiB)"
      echo "tokenservices crypto provider (from its log):"
      local lines
      lines=$(crypto_provider_lines)
      echo "${lines:-  (no line mentioning a crypto provider found in token-service.log)}"
    fi
    run_warnings
  } >"$REPORT"
  cp "$REPORT" "$RESULTS_ROOT/latest.txt"
  cat "$REPORT"
  log "saved in $RUN_DIR (report.txt, results.tsv, raw wrk output, server logs) and $RESULTS_ROOT/latest.txt"
}

# ------------------------------------------------------------------ main

install_cleanup_trap

[ "$SKIP_KEYCLOAK" = 1 ] && [ "$SKIP_TOKENSERVICE" = 1 ] && die "SKIP_KEYCLOAK=1 and SKIP_TOKENSERVICE=1: nothing to measure"
for tool in curl jq awk openssl ss base64 sha1sum; do need "$tool"; done
# Fail now rather than after the Keycloak half of the run.
[ "$SKIP_TOKENSERVICE" != 1 ] && check_tokenservice_tools
[ "$SKIP_KEYCLOAK" != 1 ] && need unzip
install_wrk

# One secret for both servers, fresh per run (hex, so it needs no escaping in Basic auth).
CLIENT_SECRET=bench-$(openssl rand -hex 24)
CC_AUTHORIZATION="Basic $(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
CC_SCOPE=$SCOPE
export CC_AUTHORIZATION CC_SCOPE

{
  echo "client_credentials benchmark $STAMP: TokenServices vs Keycloak, one server at a time, wrk on the same machine"
  report_machine_lines
  echo "load: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $WRK_THREADS thread(s), warm-up $WARMUP at c=$WARMUP_CONCURRENCY, then $DURATION at each c in: $CONCURRENCY"
  echo "request: POST grant_type=client_credentials&scope=$SCOPE, client_secret_basic; ok = 2xx with an access_token"
} >"$REPORT_HEAD"
log "results go to $RUN_DIR"

[ "$SKIP_KEYCLOAK" != 1 ] && run_keycloak_side
[ "$SKIP_TOKENSERVICE" != 1 ] && run_tokenservice_side
write_report
