#!/usr/bin/env bash
# e2e/run-orchestrator.sh — end-to-end test of the OIDC orchestrator with a real upstream OpenID
# provider (e2e/idp.mjs, oidc-provider) and a certified relying-party library (openid-client 6).
#
# Starts, on free local ports: the IdP (with client orch-upstream → the orchestrator's /callback),
# the token service and the orchestrator (copies of their target/quarkus-app), both reading a
# registry written from e2e/registry.orchestrator.e2e.yaml, on a fresh database
# tokenservices_e2e_orch; runs `node --test e2e/orchestrator.test.mjs`; stops what it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=SCRIPTDIR/../scripts/infra.sh
source scripts/infra.sh

E2E_DIR=e2e
E2E_DB=tokenservices_e2e_orch
LOG_DIR="$TS_STATE_DIR/logs/e2e-orchestrator"
RUN_DIR="$TS_STATE_DIR/e2e-orchestrator"
TS_JAR=token-service/target/quarkus-app/quarkus-run.jar
ORCH_JAR=orchestrator-service/target/quarkus-app/quarkus-run.jar
mkdir -p "$LOG_DIR" "$RUN_DIR"
elog() { printf '[e2e-orch] %s\n' "$*" >&2; }

command -v node >/dev/null 2>&1 || die "node is not installed"
if [[ ! -f $E2E_DIR/node_modules/.package-lock.json || $E2E_DIR/package-lock.json -nt $E2E_DIR/node_modules/.package-lock.json ]]; then
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
require_jdk17
JAVA_CMD=java
if [[ -n ${JAVA_HOME:-} ]]; then JAVA_CMD="$JAVA_HOME/bin/java"; fi
[[ -f $TS_JAR ]] || ./mvnw -B -q -DskipTests package -pl token-service -am
[[ -f $ORCH_JAR ]] || ./mvnw -B -q -DskipTests package -pl orchestrator-service -am

declare -A PID_OF=()
cleanup() {
  local rc=$? name
  trap - INT TERM
  for name in "${!PID_OF[@]}"; do kill -TERM "${PID_OF[$name]}" 2>/dev/null || true; done
  for name in "${!PID_OF[@]}"; do wait "${PID_OF[$name]}" 2>/dev/null || true; done
  PID_OF=()
  stop_started_infra
  return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
ensure_redis
unset PG_URL
ensure_postgres
pg_superuser_psql -f - >/dev/null <<SQL
DROP DATABASE IF EXISTS $E2E_DB WITH (FORCE);
SQL
ensure_database "$E2E_DB"
PG_URL_E2E="postgresql://$TS_DB_ROLE:$TS_DB_PASSWORD@127.0.0.1:5432/$E2E_DB"

read -r IDP_PORT TS_PORT ORCH_PORT DOWN_PORT RP_PORT < <(node -e '
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
[[ -n ${RP_PORT:-} ]] || die "could not pick free ports"

export IDP_PORT
export IDP_ISSUER="http://localhost:$IDP_PORT"
export TS_ISSUER="http://localhost:$TS_PORT"
export ORCH_ISSUER="http://localhost:$ORCH_PORT"
export ORCH_CALLBACK_URI="$ORCH_ISSUER/callback"
export RP_BASE="http://localhost:$RP_PORT"
export DOWN_IDP="http://127.0.0.1:$DOWN_PORT"
export IDP_APP_SECRET IDP_OTHER_SECRET IDP_ANN_PASSWORD IDP_ORCH_SECRET ORCHESTRATOR_SECRET E2E_RP_SECRET
IDP_APP_SECRET=$(openssl rand -hex 24)
IDP_OTHER_SECRET=$(openssl rand -hex 24)
IDP_ANN_PASSWORD=$(openssl rand -hex 12)
IDP_ORCH_SECRET=$(openssl rand -hex 24)
ORCHESTRATOR_SECRET=$(openssl rand -hex 24)
E2E_RP_SECRET=$(openssl rand -hex 24)
KEY=$(openssl rand -base64 32)

REGISTRY="$(cd "$RUN_DIR" && pwd)/registry.yaml"
sed -e "s|@IDP_ISSUER@|$IDP_ISSUER|g" -e "s|@DOWN_IDP@|$DOWN_IDP|g" -e "s|@RP_BASE@|$RP_BASE|g" \
  "$E2E_DIR/registry.orchestrator.e2e.yaml" >"$REGISTRY"

wait_for() {   # wait_for NAME URL SECONDS
  local name=$1 url=$2 seconds=$3 i
  for ((i = 0; i < seconds * 2; i++)); do
    kill -0 "${PID_OF[$name]}" 2>/dev/null || { tail -n 40 "$LOG_DIR/$name.log" >&2; die "$name exited during start-up"; }
    [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true) == 200 ]] && { elog "$name is ready"; return 0; }
    sleep 0.5
  done
  tail -n 40 "$LOG_DIR/$name.log" >&2
  die "$name did not answer at $url within $seconds s"
}

node "$E2E_DIR/idp.mjs" >"$LOG_DIR/idp.log" 2>&1 &
PID_OF[idp]=$!
wait_for idp "$IDP_ISSUER/.well-known/openid-configuration" 30

for app in token-service orchestrator-service; do
  rm -rf "$RUN_DIR/$app"
  cp -a "$app/target/quarkus-app" "$RUN_DIR/$app"
done

TOKEN_SERVICE_PORT=$TS_PORT TOKEN_SERVICE_ISSUER=$TS_ISSUER TS_REGISTRY=$REGISTRY TS_KEY_ENCRYPTION_KEY=$KEY PG_URL=$PG_URL_E2E \
  "$JAVA_CMD" -Dquarkus.http.host=127.0.0.1 -jar "$RUN_DIR/token-service/quarkus-run.jar" >"$LOG_DIR/token-service.log" 2>&1 &
PID_OF[token-service]=$!
ORCHESTRATOR_PORT=$ORCH_PORT ORCHESTRATOR_ISSUER=$ORCH_ISSUER TOKEN_SERVICE_URL="http://127.0.0.1:$TS_PORT" \
TS_REGISTRY=$REGISTRY TS_KEY_ENCRYPTION_KEY=$KEY PG_URL=$PG_URL_E2E \
  "$JAVA_CMD" -Dquarkus.http.host=127.0.0.1 -jar "$RUN_DIR/orchestrator-service/quarkus-run.jar" >"$LOG_DIR/orchestrator.log" 2>&1 &
PID_OF[orchestrator]=$!
wait_for token-service "http://127.0.0.1:$TS_PORT/q/health/ready" 90
wait_for orchestrator "http://127.0.0.1:$ORCH_PORT/q/health/ready" 90

rc=0
node --test --test-reporter=spec "$E2E_DIR/orchestrator.test.mjs" || rc=$?
if (( rc != 0 )) || [[ -n ${E2E_KEEP_LOGS:-} ]]; then
  tail -n 60 "$LOG_DIR/orchestrator.log" >&2
  tail -n 30 "$LOG_DIR/token-service.log" >&2
fi
elog "orchestrator end to end: $( ((rc == 0)) && echo OK || echo FAILED ) (logs: $LOG_DIR)"
exit "$rc"
