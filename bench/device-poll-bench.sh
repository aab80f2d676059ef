#!/usr/bin/env bash
# device-poll-bench.sh - RFC 8628 device polling at the token-service's /token: the device flow's
# steady load (every TV waiting for its user polls, usually every 5 s, until the user approves).
#
# What it does, in order:
#   1. Checks the tools (wrk from apt-get when missing; node for the code creation helper).
#   2. Resets a dedicated PostgreSQL database and starts a copy of the packaged token-service with
#      bench/registry-device.yaml (the example registry's shape with the public client bench-tv,
#      grant device_code, scope "r1.read") and TS_DEVICE_POLL_INTERVAL=0s (ts.device.poll-interval):
#      with no interval a poll is never answered slow_down, so what is measured is the pending
#      path: the client check, one Redis script (HMGET, HSET last_poll) and the 400 answer.
#   3. Creates DEVICE_CODES device codes with POST /device_authorization (client_id=bench-tv),
#      checks one poll, warms up, then wrk (device-poll.lua) rotates through the codes at each c in
#      CONCURRENCY. Every answer must be HTTP 400 with "error":"authorization_pending"; anything
#      else is an error.
#   4. Unless SLOW_DOWN_RUN=0: restarts the token-service with the default interval (5 s), creates
#      new codes, warms up and measures once more at SLOW_DOWN_CONCURRENCY, where all but the
#      first poll of each code are answered slow_down (the record's interval grows by 5 s each
#      time), to show that a device polling too fast costs no more than a pending one.
#   5. Prints polls/s, p50/p99, errors, the server's and Redis' CPU ms per poll, and saves
#      everything under bench/results/device-<timestamp>/ and bench/results/device-latest.txt.
#      The device codes it created are deleted from Redis at the end.
#
# Before each measured run it waits for a quiet machine (bench/lib.sh, QUIET_*).
#
# Knobs (environment variables), with defaults (and those of bench/lib.sh: TS_*, PG_URL, REDIS_URL,
# QUIET_LOAD/QUIET_MAX_WAIT/QUIET_POLL, RESULTS_ROOT):
#   CONCURRENCY="8 32 64"     measured runs of the pending path, one per concurrency
#   DURATION=20s              length of each measured run
#   WARMUP=20s  WARMUP_CONCURRENCY=32   warm-up (also before the slow_down run), not reported
#   WRK_THREADS=1             wrk threads (capped at the concurrency)
#   DEVICE_CODES=1000         device codes created and polled in rotation
#   DEVICE_CODE_LIFETIME=2h   ts.device.code-lifetime, long enough that no code expires while the
#                             script waits for a quiet machine (the default 10 min would not do)
#   SLOW_DOWN_RUN=1           0 skips the run with the default 5 s interval
#   SLOW_DOWN_CONCURRENCY=64  SLOW_DOWN_DURATION=10s
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

CONCURRENCY=${CONCURRENCY:-"8 32 64"}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-20s}
WARMUP_CONCURRENCY=${WARMUP_CONCURRENCY:-32}
WRK_THREADS=${WRK_THREADS:-1}
DEVICE_CODES=${DEVICE_CODES:-1000}
DEVICE_CODE_LIFETIME=${DEVICE_CODE_LIFETIME:-2h}
SLOW_DOWN_RUN=${SLOW_DOWN_RUN:-1}
SLOW_DOWN_CONCURRENCY=${SLOW_DOWN_CONCURRENCY:-64}
SLOW_DOWN_DURATION=${SLOW_DOWN_DURATION:-10s}

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

DEVICE_CLIENT_ID=bench-tv
DEVICE_SCOPE=r1.read
DEVICE_GRANT=urn:ietf:params:oauth:grant-type:device_code

bench_init_run_dir device-
CODE_FILES=()

# The device codes are secrets of a sort and their records sit in a shared Redis: delete both.
delete_device_codes() { # file
  local f=$1 keys=()
  [ -s "$f" ] || return 0
  # one process for all the hashes (a sha256sum per code takes a minute for 2,000 codes)
  # shellcheck disable=SC2016
  mapfile -t keys < <(node -e '
    const { createHash } = require("node:crypto");
    for (const code of require("node:fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean))
      console.log(`ts:device:{${code.split(".")[0]}}:${createHash("sha256").update(code).digest("hex")}`);' "$f")
  # the key names and the user_code field are the shared module's (dev.tokenservices.shared.device.DeviceCodes)
  # shellcheck disable=SC2016
  local deleted
  deleted=$(redis-cli -u "$REDIS_URL" EVAL '
    local n = 0
    for _, k in ipairs(KEYS) do
      local u = redis.call("HGET", k, "user_code")
      if u then redis.call("DEL", "ts:device-user:" .. string.match(k, "{[^}]*}") .. ":" .. u) end
      n = n + redis.call("DEL", k)
    end
    return n' "${#keys[@]}" "${keys[@]}" 2>&1) || deleted="failed: $deleted"
  log "deleted the device-code records of $(basename "$f") from Redis: $deleted"
  rm -f "$f"
}
bench_cleanup_hook() {
  local f
  for f in "${CODE_FILES[@]}"; do delete_device_codes "$f"; done
}

create_codes() { # label -> exports DEVICE_CODES_FILE
  local file=$RUN_DIR/device-codes-$1.txt summary
  CODE_FILES+=("$file")
  log "$1: creating $DEVICE_CODES device codes (POST /device_authorization, client_id=$DEVICE_CLIENT_ID)"
  summary=$(node "$BENCH_DIR/device-codes.mjs" "$TS_BASE" "$DEVICE_CLIENT_ID" "$DEVICE_SCOPE" "$DEVICE_CODES" "$file") \
    || die "device code creation failed: $summary"
  log "$1: $(jq -c '{created, failed, seconds, interval, expires_in}' <<<"$summary")"
  echo "$1 device authorization response (device_code hidden): $(jq -c .sample <<<"$summary")" >>"$REPORT_HEAD"
  DEVICE_INTERVAL=$(jq -r .interval <<<"$summary")
  DEVICE_CODES_FILE=$file
  export DEVICE_CODES_FILE
}

# One poll with curl, shown exactly as answered.
check_poll() { # label expected-error
  local body code first
  body=$(mktemp)
  first=$(head -1 "$DEVICE_CODES_FILE")
  code=$(curl -s -o "$body" -w '%{http_code}' -d "grant_type=$DEVICE_GRANT" -d "client_id=$DEVICE_CLIENT_ID" \
    --data-urlencode "device_code=$first" "$TS_BASE/token") || code=000
  echo "$1 first poll: HTTP $code $(head -c 400 "$body")" | tee -a "$REPORT_HEAD" >&2
  [ "$code" = 400 ] && [ "$(jq -r .error "$body")" = "$2" ] || { rm -f "$body"; die "the first poll was not 400 $2"; }
  rm -f "$body"
}

redis_pid() {
  parse_url "$REDIS_URL" 6379
  is_local_host "$URL_HOST" && listener_pid "$URL_PORT" || true
}

# ------------------------------------------------------------------ report

tally() { # label conc name
  sed -n 's/^RESULT //p' "$RUN_DIR/wrk-$1-measure-c$2.txt" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$3=//p"
}

write_report() {
  {
    cat "$REPORT_HEAD"
    echo
    echo "== results (cpu_ms = token-service CPU ms per poll; redis_ms = Redis' CPU ms per poll)"
    printf '%-10s %5s %9s %8s %8s %9s %6s %7s %8s %8s %5s %6s %5s %5s %9s %9s %6s %s\n' \
      run conc polls/s p50_ms p99_ms requests errors cpu_ms redis_ms rss_MiB srv% redis% wrk% oth% pending slow_down load quiet
    local label conc rest
    while IFS=$'\t' read -r label conc rest; do
      awk -F'\t' -v l="$label" -v c="$conc" -v p="$(tally "$label" "$conc" pending)" -v s="$(tally "$label" "$conc" slow_down)" \
        '$1 == l && $2 == c {printf "%-10s %5s %9s %8s %8s %9s %6s %7s %8s %8s %5s %6s %5s %5s %9s %9s %6s %s\n",
           $1, $2, $3, $4, $5, $6, $7, $8, $14, $9, $10, $15, $11, $12, p, s, $13, $17}' "$RESULTS_TSV"
    done <"$RESULTS_TSV"
    echo
    echo "pending/slow_down = answers with that error; srv%/redis%/wrk%/oth% = share of all $(nproc) cores used by the"
    echo "token-service / Redis / wrk / everything else; load = 1-minute load average at the start of the run; quiet = it"
    echo "had dropped below $QUIET_LOAD first (DISTURBED: not within ${QUIET_MAX_WAIT}s)."
    echo "The 'pending' runs use TS_DEVICE_POLL_INTERVAL=0s: no poll is ever answered slow_down, every one takes the"
    echo "authorization_pending path. The 'slow_down' run uses the default 5 s interval: after a code's first poll every"
    echo "poll is too fast and answered slow_down."
    echo
    echo "token-service: $TS_JAVA_VERSION${TS_JAVA_OPTS:+ ($TS_JAVA_OPTS)}, jar built $TS_BUILD, RSS after the pending runs ${TS_RSS_END} MiB (peak ${TS_RSS_PEAK} MiB)"
    echo "redis: $(redis-cli -u "$REDIS_URL" INFO server 2>/dev/null | sed -n 's/^redis_version:\(.*\)\r*$/\1/p' | tr -d '\r'), pid ${REDIS_SERVER_PID:-unknown (not local)}; shared with whatever else uses it"
    local lines
    lines=$(tokenservice_log_problems)
    echo "token-service WARN/ERROR log lines (count, message):"
    echo "${lines:-  none}"
    run_warnings
  } >"$REPORT"
  cp "$REPORT" "$RESULTS_ROOT/device-latest.txt"
  cat "$REPORT"
  log "saved in $RUN_DIR (report.txt, results.tsv, raw wrk output, logs) and $RESULTS_ROOT/device-latest.txt"
}

# ------------------------------------------------------------------ main

install_cleanup_trap
check_tokenservice_tools
need node "Node.js 20+"
install_wrk

export DEVICE_CLIENT_ID
log "results go to $RUN_DIR"
prepare_dependencies
REDIS_SERVER_PID=$(redis_pid)
AUX_PIDS=$REDIS_SERVER_PID

{
  echo "device polling benchmark $STAMP: RFC 8628 polls at /token, wrk on the same machine"
  report_machine_lines
  echo "load: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $WRK_THREADS thread(s), warm-up $WARMUP at c=$WARMUP_CONCURRENCY, then $DURATION at each c in: $CONCURRENCY"
  echo "poll: POST grant_type=$DEVICE_GRANT&client_id=$DEVICE_CLIENT_ID&device_code=<one of $DEVICE_CODES, in rotation> (public client)"
  echo "      ok = HTTP 400 with \"error\":\"authorization_pending\" (slow_down run: or \"slow_down\")"
  echo "pending runs: TS_DEVICE_POLL_INTERVAL=0s, so no poll is ever answered slow_down: the pending path is what is measured"
} >"$REPORT_HEAD"

# The pending path. The bench creates all its device codes from one address: lift the per-address
# limit on anonymous device authorizations (ts.device.max-per-minute-per-ip, 30 by default).
DEVICE_LIMIT=TS_DEVICE_MAX_PER_MINUTE_PER_IP=1000000
start_tokenservice "$BENCH_DIR/registry-device.yaml" TS_DEVICE_POLL_INTERVAL=0s TS_DEVICE_CODE_LIFETIME="$DEVICE_CODE_LIFETIME" "$DEVICE_LIMIT"
create_codes pending
[ "$DEVICE_INTERVAL" = 0 ] || die "the token-service announced interval $DEVICE_INTERVAL, not 0: TS_DEVICE_POLL_INTERVAL was not applied"
check_poll pending authorization_pending
export DEVICE_ACCEPT=authorization_pending
log "pending: warm-up $WARMUP at c=$WARMUP_CONCURRENCY"
run_wrk pending "$TS_BASE/token" "$TS_PID" "$WARMUP_CONCURRENCY" "$WARMUP" warmup "$BENCH_DIR/device-poll.lua"
for c in $CONCURRENCY; do
  run_wrk pending "$TS_BASE/token" "$TS_PID" "$c" "$DURATION" measure "$BENCH_DIR/device-poll.lua"
done
TS_RSS_END=$(proc_rss_mib "$TS_PID"); TS_RSS_PEAK=$(proc_peak_rss_mib "$TS_PID")

# Optional: the default interval, where fast polls are answered slow_down
if [ "$SLOW_DOWN_RUN" = 1 ]; then
  stop_tokenservice
  start_tokenservice "$BENCH_DIR/registry-device.yaml" TS_DEVICE_CODE_LIFETIME="$DEVICE_CODE_LIFETIME" "$DEVICE_LIMIT"
  create_codes slow_down
  echo "slow_down run: default interval ($DEVICE_INTERVAL s)" >>"$REPORT_HEAD"
  check_poll slow_down authorization_pending
  export DEVICE_ACCEPT=authorization_pending,slow_down
  log "slow_down: warm-up $WARMUP at c=$WARMUP_CONCURRENCY"
  run_wrk slow_down "$TS_BASE/token" "$TS_PID" "$WARMUP_CONCURRENCY" "$WARMUP" warmup "$BENCH_DIR/device-poll.lua"
  run_wrk slow_down "$TS_BASE/token" "$TS_PID" "$SLOW_DOWN_CONCURRENCY" "$SLOW_DOWN_DURATION" measure "$BENCH_DIR/device-poll.lua"
fi

write_report
stop_tokenservice
# the token-service log can be large (a warning per failed poll); keep it, compressed
[ "$(stat -c %s "$RUN_DIR/token-service.log" 2>/dev/null || echo 0)" -gt 1000000 ] && gzip -f "$RUN_DIR/token-service.log"
exit 0
