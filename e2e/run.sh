#!/usr/bin/env bash
# e2e/run.sh — end-to-end tests against a real third-party OIDC provider: RFC 8693 token exchange,
# and the RFC 8628 device flow in a real headless browser.
#
# Starts, on free local ports:
#   - the IdP          e2e/idp.mjs        (oidc-provider 9, ES256 id_tokens, user ann / sub ann-001)
#   - a scope authority e2e/authority.mjs (narrows invoices.write away, adds {"plan":"gold"})
#   - the token service token-service/target/quarkus-app/quarkus-run.jar, with a registry written
#     from e2e/registry.e2e.yaml and a fresh database tokenservices_e2e (dropped and recreated)
#   - the orchestrator orchestrator-service/target/quarkus-app/quarkus-run.jar, same registry and
#     database, its one upstream being the IdP (client orch-upstream → <orchestrator>/callback)
#   - the device portal device-portal/target/quarkus-app/quarkus-run.jar, an OIDC client of the
#     orchestrator (PORTAL_OIDC_ISSUER): its logins go portal → orchestrator → IdP and back
# then runs `node --test` on e2e/token-exchange.test.mjs and e2e/device-flow.test.mjs (the latter
# drives Debian's chromium through playwright-core; chromium is installed with apt-get when
# missing), and stops everything it started, whatever happens (Redis/PostgreSQL too, but only if
# this script started them).
#
# Environment (optional): REDIS_URL (redis://127.0.0.1:6379), E2E_KEEP_LOGS=1 to print the
# service logs even on success, TS_STATE_DIR (<repo>/.tokenservices; logs go to its logs/e2e/).
# PG_URL is ignored: the e2e database is always postgresql://…@127.0.0.1:5432/tokenservices_e2e.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=SCRIPTDIR/../scripts/infra.sh
source scripts/infra.sh

E2E_DIR=e2e
E2E_DB=tokenservices_e2e
LOG_DIR="$TS_STATE_DIR/logs/e2e"
RUN_DIR="$TS_STATE_DIR/e2e"
JAR=token-service/target/quarkus-app/quarkus-run.jar
PORTAL_JAR=device-portal/target/quarkus-app/quarkus-run.jar
ORCH_JAR=orchestrator-service/target/quarkus-app/quarkus-run.jar
CHROMIUM=/usr/bin/chromium
mkdir -p "$LOG_DIR" "$RUN_DIR"

elog() { printf '[e2e] %s\n' "$*" >&2; }

command -v node >/dev/null 2>&1 || die "node is not installed (Node 20 or newer is needed for the e2e tests)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
(( node_major >= 20 )) || die "Node $node_major found; the e2e tests need Node 20 or newer"
command -v curl >/dev/null 2>&1 || die "curl is needed"
command -v openssl >/dev/null 2>&1 || die "openssl is needed"

# ---- node dependencies ----------------------------------------------------------------------
# npm ci when node_modules is missing or older than the lock file.
if [[ ! -f $E2E_DIR/node_modules/.package-lock.json || $E2E_DIR/package-lock.json -nt $E2E_DIR/node_modules/.package-lock.json ]]; then
  elog "installing node dependencies (npm ci)"
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# ---- the browser (Debian's chromium, driven by playwright-core) -----------------------------
if [[ ! -x $CHROMIUM ]]; then
  apt_install chromium
fi
[[ -x $CHROMIUM ]] || die "$CHROMIUM is missing (apt-get install chromium)"
export CHROMIUM

# ---- the token service and device portal jars -----------------------------------------------
require_jdk17
JAVA_CMD=java
if [[ -n ${JAVA_HOME:-} ]]; then JAVA_CMD="$JAVA_HOME/bin/java"; fi
if [[ ! -f $JAR ]]; then
  elog "$JAR is missing: building it"
  ./mvnw -B -q -DskipTests package -pl token-service -am
fi
if [[ ! -f $PORTAL_JAR ]]; then
  elog "$PORTAL_JAR is missing: building it"
  ./mvnw -B -q -DskipTests package -pl device-portal -am
fi
if [[ ! -f $ORCH_JAR ]]; then
  elog "$ORCH_JAR is missing: building it"
  ./mvnw -B -q -DskipTests package -pl orchestrator-service -am
fi

# ---- stopping (set up before anything is started) -------------------------------------------
declare -A PID_OF=()
CLEANED_UP=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  if [[ -n $CLEANED_UP ]]; then return 0; fi
  CLEANED_UP=1
  trap - INT TERM
  local name pid i alive
  for name in "${!PID_OF[@]}"; do
    kill -TERM "${PID_OF[$name]}" 2>/dev/null || true
  done
  for ((i = 0; i < 20; i++)); do
    alive=""
    for name in "${!PID_OF[@]}"; do
      if kill -0 "${PID_OF[$name]}" 2>/dev/null; then alive=1; fi
    done
    [[ -z $alive ]] && break
    sleep 0.5
  done
  for name in "${!PID_OF[@]}"; do
    pid=${PID_OF[$name]}
    if kill -0 "$pid" 2>/dev/null; then
      elog "$name (pid $pid) did not stop within 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if (( ${#PID_OF[@]} > 0 )); then elog "stopped: ${!PID_OF[*]}"; fi
  PID_OF=()
  stop_started_infra
  return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- Redis and PostgreSQL -------------------------------------------------------------------
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
ensure_redis
unset PG_URL            # ensure_postgres/ensure_database then use 127.0.0.1:5432 and create the db
ensure_postgres
elog "recreating database $E2E_DB (a fresh one each run: stored signing keys never clash)"
pg_superuser_psql -f - >/dev/null <<SQL
DROP DATABASE IF EXISTS $E2E_DB WITH (FORCE);
SQL
ensure_database "$E2E_DB"
PG_URL_E2E="postgresql://$TS_DB_ROLE:$TS_DB_PASSWORD@127.0.0.1:5432/$E2E_DB"

# ---- ports and secrets ----------------------------------------------------------------------
read -r IDP_PORT AUTHORITY_PORT TS_PORT PORTAL_PORT ORCH_PORT < <(node -e '
  const net = require("node:net");
  (async () => {
    const servers = [];
    for (let i = 0; i < 5; i++) {
      servers.push(await new Promise((resolve, reject) => {
        const s = net.createServer().once("error", reject).listen(0, "127.0.0.1", () => resolve(s));
      }));
    }
    console.log(servers.map((s) => s.address().port).join(" "));
    servers.forEach((s) => s.close());
  })();')
[[ -n ${ORCH_PORT:-} ]] || die "could not pick free ports"

export IDP_PORT AUTHORITY_PORT
export IDP_ISSUER="http://localhost:$IDP_PORT"
export IDP_REDIRECT_URI="http://localhost:$IDP_PORT/cb"
export AUTHORITY_URL="http://127.0.0.1:$AUTHORITY_PORT"
export TS_ISSUER="http://localhost:$TS_PORT"
# The orchestrator: the portal's OpenID provider; the IdP registers <it>/callback as orch-upstream.
export ORCH_ISSUER="http://localhost:$ORCH_PORT"
export ORCH_CALLBACK_URI="$ORCH_ISSUER/callback"
# The portal's public URL: the token service builds verification_uri from it, the registry holds
# <it>/callback for the portal (a client of the orchestrator), and the browser opens it.
export PORTAL_URL="http://localhost:$PORTAL_PORT"
export IDP_APP_SECRET IDP_OTHER_SECRET IDP_ANN_PASSWORD IDP_ORCH_SECRET E2E_EXCHANGER_SECRET \
  ORCHESTRATOR_SECRET DEVICE_PORTAL_SECRET
IDP_APP_SECRET=$(openssl rand -hex 24)
IDP_OTHER_SECRET=$(openssl rand -hex 24)
IDP_ANN_PASSWORD=$(openssl rand -hex 12)
E2E_EXCHANGER_SECRET=$(openssl rand -hex 24)
DEVICE_PORTAL_SECRET=$(openssl rand -hex 24)
IDP_ORCH_SECRET=$(openssl rand -hex 24)
ORCHESTRATOR_SECRET=$(openssl rand -hex 24)
# The token service and the orchestrator share the database, so the same key-encryption key.
KEY=$(openssl rand -base64 32)

REGISTRY="$RUN_DIR/registry.yaml"
sed -e "s|@IDP_ISSUER@|$IDP_ISSUER|g" -e "s|@AUTHORITY_URL@|$AUTHORITY_URL/scope-decision|g" \
  -e "s|@PORTAL_URL@|$PORTAL_URL|g" "$E2E_DIR/registry.e2e.yaml" >"$REGISTRY"
REGISTRY="$(cd "$(dirname "$REGISTRY")" && pwd)/$(basename "$REGISTRY")"

# ---- starting ------------------------------------------------------------------------------
show_log_tail() {
  elog "last ${2:-40} lines of $LOG_DIR/$1.log:"
  tail -n "${2:-40}" "$LOG_DIR/$1.log" >&2 || true
}

wait_for() {   # wait_for NAME URL SECONDS
  local name=$1 url=$2 seconds=$3 i code=""
  for ((i = 0; i < seconds * 2; i++)); do
    if ! kill -0 "${PID_OF[$name]}" 2>/dev/null; then
      show_log_tail "$name"
      die "$name exited during start-up"
    fi
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true)
    if [[ $code == 200 ]]; then
      elog "$name is ready (pid ${PID_OF[$name]}, $url)"
      return 0
    fi
    sleep 0.5
  done
  show_log_tail "$name"
  die "$name did not answer 200 at $url within $seconds s (last status: ${code:-none})"
}

elog "starting the IdP on port $IDP_PORT (log: $LOG_DIR/idp.log)"
# PORTAL_URL unset for the IdP: the portal is no client of it (it logs in through the orchestrator).
PORTAL_URL="" node "$E2E_DIR/idp.mjs" >"$LOG_DIR/idp.log" 2>&1 &
PID_OF[idp]=$!
elog "starting the scope authority on port $AUTHORITY_PORT (log: $LOG_DIR/authority.log)"
node "$E2E_DIR/authority.mjs" >"$LOG_DIR/authority.log" 2>&1 &
PID_OF[authority]=$!
wait_for idp "$IDP_ISSUER/.well-known/openid-configuration" 30
wait_for authority "$AUTHORITY_URL/calls" 30

# Run copies of the Quarkus apps: a rebuild in the work tree (which replaces target/quarkus-app
# file by file) must not pull jars from under a running service.
copy_app() {   # copy_app JAR DIR
  rm -rf "$2"
  cp -a "$(dirname "$1")" "$2"
  [[ -f $2/quarkus-run.jar ]] || die "copying $(dirname "$1") failed"
  local jars=("$2"/app/*.jar)
  elog "build: ${jars[*]##*/} ($(date -r "$2/quarkus-run.jar" '+%F %T'))"
}
APP_COPY="$RUN_DIR/quarkus-app"
PORTAL_COPY="$RUN_DIR/portal-app"
ORCH_COPY="$RUN_DIR/orchestrator-app"
copy_app "$JAR" "$APP_COPY"
copy_app "$PORTAL_JAR" "$PORTAL_COPY"
copy_app "$ORCH_JAR" "$ORCH_COPY"

elog "starting the token service on port $TS_PORT (log: $LOG_DIR/token-service.log)"
TOKEN_SERVICE_PORT=$TS_PORT \
TOKEN_SERVICE_ISSUER=$TS_ISSUER \
DEVICE_PORTAL_URL=$PORTAL_URL \
TS_REGISTRY=$REGISTRY \
TS_KEY_ENCRYPTION_KEY=$KEY \
PG_URL=$PG_URL_E2E \
  "$JAVA_CMD" -Dquarkus.http.port="$TS_PORT" -Dquarkus.http.host=127.0.0.1 -jar "$APP_COPY/quarkus-run.jar" \
  >"$LOG_DIR/token-service.log" 2>&1 &
PID_OF[token-service]=$!
wait_for token-service "http://127.0.0.1:$TS_PORT/q/health/ready" 90

elog "starting the orchestrator on port $ORCH_PORT (log: $LOG_DIR/orchestrator.log)"
ORCHESTRATOR_PORT=$ORCH_PORT \
ORCHESTRATOR_ISSUER=$ORCH_ISSUER \
TOKEN_SERVICE_URL="http://127.0.0.1:$TS_PORT" \
TS_REGISTRY=$REGISTRY \
TS_KEY_ENCRYPTION_KEY=$KEY \
PG_URL=$PG_URL_E2E \
  "$JAVA_CMD" -Dquarkus.http.port="$ORCH_PORT" -Dquarkus.http.host=127.0.0.1 -jar "$ORCH_COPY/quarkus-run.jar" \
  >"$LOG_DIR/orchestrator.log" 2>&1 &
PID_OF[orchestrator]=$!
wait_for orchestrator "http://127.0.0.1:$ORCH_PORT/q/health/ready" 90

# The per-IP wrong-code limit is raised here: every e2e browser comes from 127.0.0.1, and runs
# repeated within its 10-minute window would add up. The per-session limit is what the e2e tests;
# the per-IP one is covered by the portal's own tests.
elog "starting the device portal on port $PORTAL_PORT (log: $LOG_DIR/device-portal.log)"
DEVICE_PORTAL_PORT=$PORTAL_PORT \
DEVICE_PORTAL_URL=$PORTAL_URL \
PORTAL_OIDC_ISSUER=$ORCH_ISSUER \
TS_REGISTRY=$REGISTRY \
PORTAL_RATE_LIMIT_PER_IP=1000 \
  "$JAVA_CMD" -Dquarkus.http.port="$PORTAL_PORT" -Dquarkus.http.host=127.0.0.1 -jar "$PORTAL_COPY/quarkus-run.jar" \
  >"$LOG_DIR/device-portal.log" 2>&1 &
PID_OF[device-portal]=$!
wait_for device-portal "http://127.0.0.1:$PORTAL_PORT/q/health/ready" 90

# ---- the tests ------------------------------------------------------------------------------
TESTS=("$E2E_DIR/token-exchange.test.mjs" "$E2E_DIR/device-flow.test.mjs")
elog "running node --test ${TESTS[*]}"
TEST_OUT="$LOG_DIR/node-test.tap"
rc=0
# The spec reporter for people on stdout, TAP to a file for the summary below. One file at a time:
# the device-flow tests drive a browser, and both read the same services.
node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$TEST_OUT" \
  "${TESTS[@]}" || rc=$?

pass=$(awk '/^# pass /{print $3}' "$TEST_OUT" | tail -n 1)
fail=$(awk '/^# fail /{print $3}' "$TEST_OUT" | tail -n 1)
if (( rc != 0 )) || [[ -n ${E2E_KEEP_LOGS:-} ]]; then
  show_log_tail token-service 60
  show_log_tail orchestrator 40
  show_log_tail device-portal 40
  show_log_tail idp 20
  show_log_tail authority 20
fi
cat >&2 <<EOF

[e2e] ================================================================================
[e2e]  token exchange and device flow end to end: ${pass:-?} passed, ${fail:-?} failed   ($( ((rc == 0)) && echo OK || echo FAILED ))
[e2e]  IdP $IDP_ISSUER · authority $AUTHORITY_URL · token service $TS_ISSUER · orchestrator $ORCH_ISSUER · portal $PORTAL_URL
[e2e]  logs: $LOG_DIR/   registry: $REGISTRY
[e2e] ================================================================================
EOF
exit "$rc"
