#!/usr/bin/env bash
# dpop-bench.sh - client_credentials with a DPoP proof (RFC 9449) next to the same grant without one
# (Bearer), in ONE invocation against the same token-service process: tokens/s and the server's
# CPU ms per token at c=32, so that what DPoP costs per token is read from one run.
#
# What it does, in order:
#   1. Checks the tools (wrk from apt-get when missing; node and bench/node_modules for jose).
#   2. Resets the benchmark database and starts a copy of the packaged token-service with
#      bench/registry.yaml and TS_DPOP_MAX_AGE=$DPOP_MAX_AGE: proofs are signed before the runs, so
#      their iat must stay acceptable until the last one is sent (the default window is 60 s).
#   3. Signs proofs with one ES256 key (bench/dpop-proofs.mjs, jose): a proof is single use, so each
#      request of the DPoP runs takes the next one (dpop-token.lua). Checks one Bearer and one DPoP
#      token (token_type, cnf.jkt = the key's thumbprint).
#   4. Warms up both (WARMUP each at c=$CONC), then signs the proofs of the measured run (its count
#      from the DPoP warm-up's rate, with a margin), then measures Bearer and DPoP, DURATION each at
#      c=$CONC, one after the other.
#   5. Prints one table (tokens/s, p50/p99, errors, server CPU-ms per token, Redis CPU-ms per token,
#      oth%) and the DPoP/Bearer ratios; saves everything under bench/results/dpop-<timestamp>/ and
#      bench/results/dpop-latest.txt. The proof ids the runs left in Redis are deleted at the end.
#
# Knobs (environment variables), with defaults (and those of bench/lib.sh: TS_*, PG_URL, REDIS_URL,
# QUIET_LOAD/QUIET_MAX_WAIT/QUIET_POLL, RESULTS_ROOT):
#   CONC=32                   connections of the warm-ups and the measured runs
#   DURATION=30s              each measured run
#   WARMUP=10s                each warm-up, not reported
#   WRK_THREADS=1             wrk threads
#   WARMUP_PROOFS=80000       proofs signed for the DPoP warm-up
#   PROOF_MARGIN=1.5          the measured run gets (warm-up rate x DURATION x this) proofs
#   DPOP_MAX_AGE=PT1H         ts.dpop.max-age of the benchmarked process (at most 1 hour): the signing,
#                             the wait for a quiet machine and the runs must fit in it
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

CONC=${CONC:-32}
DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-10s}
WRK_THREADS=${WRK_THREADS:-1}
WARMUP_PROOFS=${WARMUP_PROOFS:-80000}
PROOF_MARGIN=${PROOF_MARGIN:-1.5}
DPOP_MAX_AGE=${DPOP_MAX_AGE:-PT1H}

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

CLIENT_ID=bench-client
SCOPE=bench.read

bench_init_run_dir dpop-
JTI_KEY_FILES=()

# The proof ids the token-service recorded (ts:dpop-jti:<hash>) expire with the window; delete them
# now rather than leave them for an hour in a shared Redis. Only the keys of our own proofs.
delete_proof_ids() {
  local f deleted
  for f in "${JTI_KEY_FILES[@]}"; do
    [ -s "$f" ] || continue
    deleted=$(awk '{print "DEL " $0}' "$f" | redis-cli -u "$REDIS_URL" 2>/dev/null | awk '$1 == 1 {n++} END {print n + 0}') \
      || deleted="failed"
    log "deleted $deleted proof ids of $(basename "$f") from Redis"
    rm -f "$f"
  done
}
bench_cleanup_hook() { delete_proof_ids; }

sign_proofs() { # label count -> sets PROOFS_FILE
  local label=$1 count=$2 summary keys=$RUN_DIR/proof-ids-$1.txt
  PROOFS_FILE=$RUN_DIR/proofs-$label.txt
  JTI_KEY_FILES+=("$keys")
  log "$label: signing $count DPoP proofs (jose, ES256)"
  summary=$(node "$BENCH_DIR/dpop-proofs.mjs" "$TOKEN_ENDPOINT" "$count" "$PROOFS_FILE" "$keys" "$RUN_DIR/dpop-key.jwk") \
    || die "signing proofs failed: $summary"
  log "$label: $(jq -c '{count, seconds, per_second}' <<<"$summary")"
  DPOP_JKT=$(jq -r .jkt <<<"$summary")
  [ "$label" = check ] && echo "proof: header $(jq -c .sample_header <<<"$summary"), payload $(jq -c .sample_payload <<<"$summary")" >>"$REPORT_HEAD"
  return 0
}

check_tokens() {
  local body code
  # a proof names the endpoint as the service publishes it (from its issuer), not the address wrk uses
  TOKEN_ENDPOINT=$(curl -sf "$TS_BASE/.well-known/oauth-authorization-server" | jq -r .token_endpoint)
  [ -n "$TOKEN_ENDPOINT" ] && [ "$TOKEN_ENDPOINT" != null ] || die "no token_endpoint in the token-service's discovery document"
  body=$(mktemp)
  code=$(curl -s -o "$body" -w '%{http_code}' -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
    --data-urlencode "scope=$SCOPE" "$TS_BASE/token") || code=000
  [ "$code" = 200 ] && [ "$(jq -r .token_type "$body")" = Bearer ] || { cat "$body" >&2; die "no Bearer token (HTTP $code)"; }
  show_token_response bearer "$body" || die "no Bearer token"
  sign_proofs check 1
  code=$(curl -s -o "$body" -w '%{http_code}' -u "$CLIENT_ID:$CLIENT_SECRET" -H "DPoP: $(head -1 "$PROOFS_FILE")" \
    -d grant_type=client_credentials --data-urlencode "scope=$SCOPE" "$TS_BASE/token") || code=000
  [ "$code" = 200 ] && [ "$(jq -r .token_type "$body")" = DPoP ] || { cat "$body" >&2; die "no DPoP token (HTTP $code)"; }
  show_token_response dpop "$body" || die "no DPoP token"
  [ "$(jq -r .cnf.jkt <<<"$TOKEN_CLAIMS")" = "$DPOP_JKT" ] || die "the DPoP token's cnf.jkt is not the proof key's thumbprint $DPOP_JKT"
  rm -f "$body"
}

seconds_of() { # 30s | 2m -> seconds
  case $1 in *m) echo $(( ${1%m} * 60 )) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac
}

redis_pid() {
  parse_url "$REDIS_URL" 6379
  is_local_host "$URL_HOST" && listener_pid "$URL_PORT" || true
}

write_report() {
  {
    cat "$REPORT_HEAD"
    echo
    echo "== client_credentials at c=$CONC, Bearer and DPoP in one run (cpu_ms = token-service CPU ms per token; redis_ms = Redis')"
    printf '%-7s %5s %9s %8s %8s %9s %6s %7s %8s %8s %5s %6s %5s %5s %6s %s\n' \
      run conc tokens/s p50_ms p99_ms requests errors cpu_ms redis_ms rss_MiB srv% redis% wrk% oth% load quiet
    awk -F'\t' '{printf "%-7s %5s %9s %8s %8s %9s %6s %7s %8s %8s %5s %6s %5s %5s %6s %s\n",
      $1, $2, $3, $4, $5, $6, $7, $8, $14, $9, $10, $15, $11, $12, $13, $17}' "$RESULTS_TSV"
    echo
    awk -F'\t' '$1 == "bearer" {br = $3; bc = $8} $1 == "dpop" {dr = $3; dc = $8; dx = $14}
      END {if (br > 0 && bc > 0) printf "DPoP / Bearer: %.2f x the server CPU per token (+%.3f ms), %.2f x the tokens/s; Redis adds %s ms per DPoP token\n",
        dc / bc, dc - bc, dr / br, dx}' "$RESULTS_TSV"
    echo "srv%/redis%/wrk%/oth% = share of all $(nproc) cores used by the token-service / Redis / wrk / everything else;"
    echo "load = 1-minute load average at the start of the run; quiet = it had dropped below $QUIET_LOAD first."
    echo "A DPoP request verifies one ES256 proof (header, signature, claims) and records its jti in Redis (SET NX PX);"
    echo "a Bearer request does neither. Proofs: one ES256 key, signed before the run, one per request."
    echo
    echo "token-service: $TS_JAVA_VERSION${TS_JAVA_OPTS:+ ($TS_JAVA_OPTS)}, jar built $TS_BUILD, TS_DPOP_MAX_AGE=$DPOP_MAX_AGE"
    echo "redis: pid ${REDIS_SERVER_PID:-unknown (not local)}; shared with whatever else uses it"
    local lines
    lines=$(tokenservice_log_problems)
    echo "token-service WARN/ERROR log lines (count, message):"
    echo "${lines:-  none}"
    run_warnings
  } >"$REPORT"
  cp "$REPORT" "$RESULTS_ROOT/dpop-latest.txt"
  cat "$REPORT"
  log "saved in $RUN_DIR and $RESULTS_ROOT/dpop-latest.txt"
}

# ------------------------------------------------------------------ main

install_cleanup_trap
check_tokenservice_tools
need node "Node.js 20+"
install_wrk
ensure_node_modules

CLIENT_SECRET=bench-$(openssl rand -hex 24)
CC_AUTHORIZATION="Basic $(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
CC_SCOPE=$SCOPE
DPOP_THREADS=$WRK_THREADS
export CC_AUTHORIZATION CC_SCOPE DPOP_THREADS

log "results go to $RUN_DIR"
prepare_dependencies
REDIS_SERVER_PID=$(redis_pid)
AUX_PIDS=$REDIS_SERVER_PID
start_tokenservice "$BENCH_DIR/registry.yaml" BENCH_CLIENT_SECRET="$CLIENT_SECRET" TS_DPOP_MAX_AGE="$DPOP_MAX_AGE"
{
  echo "DPoP benchmark $STAMP: client_credentials with and without a DPoP proof, one token-service process, wrk on the same machine"
  report_machine_lines
  echo "load: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $WRK_THREADS thread(s), warm-up $WARMUP each, then $DURATION each at c=$CONC"
  echo "request: POST grant_type=client_credentials&scope=$SCOPE, client_secret_basic, ES256 tokens; DPoP: plus a DPoP header"
} >"$REPORT_HEAD"
check_tokens

run_wrk bearer "$TS_BASE/token" "$TS_PID" "$CONC" "$WARMUP" warmup "$BENCH_DIR/cc-token.lua"
sign_proofs warmup "$WARMUP_PROOFS"
DPOP_PROOFS_FILE=$PROOFS_FILE; export DPOP_PROOFS_FILE
run_wrk dpop "$TS_BASE/token" "$TS_PID" "$CONC" "$WARMUP" warmup "$BENCH_DIR/dpop-token.lua"
measured=$(awk -v r="$LAST_RPS" -v d="$(seconds_of "$DURATION")" -v m="$PROOF_MARGIN" 'BEGIN {printf "%d", r * d * m + 1000}')
sign_proofs measure "$measured"
DPOP_PROOFS_FILE=$PROOFS_FILE
rm -f "$RUN_DIR/proofs-warmup.txt"

run_wrk bearer "$TS_BASE/token" "$TS_PID" "$CONC" "$DURATION" measure "$BENCH_DIR/cc-token.lua"
run_wrk dpop "$TS_BASE/token" "$TS_PID" "$CONC" "$DURATION" measure "$BENCH_DIR/dpop-token.lua"
TS_RSS_END=$(proc_rss_mib "$TS_PID")
rm -f "$RUN_DIR/proofs-measure.txt" "$RUN_DIR/proofs-check.txt" "$RUN_DIR/dpop-key.jwk"

write_report
stop_tokenservice
[ "$(stat -c %s "$RUN_DIR/token-service.log" 2>/dev/null || echo 0)" -gt 1000000 ] && gzip -f "$RUN_DIR/token-service.log"
exit 0
