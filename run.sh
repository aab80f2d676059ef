#!/usr/bin/env bash
# ./run.sh — run TokenServices locally, in the foreground.
#
# Builds what is missing, makes sure Redis and PostgreSQL are reachable (starting local ones when
# nothing listens), starts the demo upstream IdP (Keycloak, scripts/demo-idp.sh) unless DEMO_IDP=off,
# then token-service, orchestrator-service and device-portal, prints their URLs, and on Ctrl-C /
# SIGTERM stops everything it started (and only that).
#
# Environment (all optional):
#   REDIS_URL             redis://127.0.0.1:6379
#   PG_URL                postgresql://user[:password]@host:port/database; when unset, a local
#                         database 'tokenservices' (role tokenservices/tokenservices) is used
#   TOKEN_SERVICE_PORT    8081      TOKEN_SERVICE_ISSUER   http://localhost:<port>
#   ORCHESTRATOR_PORT     8082      ORCHESTRATOR_ISSUER    http://localhost:<port>
#   DEVICE_PORTAL_PORT    8083      DEVICE_PORTAL_URL      http://localhost:<port>
#   TOKEN_SERVICE_MANAGEMENT_PORT 9081, ORCHESTRATOR_MANAGEMENT_PORT 9082, DEVICE_PORTAL_MANAGEMENT_PORT 9083
#                         health (/q/health/*) and metrics (/q/metrics), never on the public ports
#   TS_REGISTRY           config/registry.example.yaml
#   DEMO_IDP              on (off: no demo upstream IdP)
#   DEMO_IDP_PORT         8180 (the demo IdP listens on 127.0.0.1; its issuer is in the registry)
#   DEMO_MEDIA_API        on (off: no demo media API; media.play is then never granted)
#   DEMO_MEDIA_API_PORT   8190 (the demo media API's authority and subscription page, on 127.0.0.1;
#                         the example registry names this port)
#   DEMO_WORKER_SECRET, ORCHESTRATOR_SECRET, WEB_SHOP_SECRET, DEVICE_PORTAL_SECRET, DEMO_APP_SECRET,
#   DEMO_IDP_CLIENT_SECRET, DEMO_IDP_ADMIN_PASSWORD (Keycloak's admin console, user admin),
#   TS_KEY_ENCRYPTION_KEY generated once and kept in $TS_STATE_DIR/secrets.env when not set
#   TS_STATE_DIR          .tokenservices (logs, pid files, secrets, a private PostgreSQL if needed)
#   TS_NATIVE             1: start each service's native executable (<module>/target/*-runner, built
#                         by scripts/native.sh) instead of its jar, where one was built. The native
#                         orchestrator is the production build: it has no /demo client.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/infra.sh
source scripts/infra.sh
# shellcheck source=scripts/demo-idp.sh
source scripts/demo-idp.sh

# ---- configuration --------------------------------------------------------------------------
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export TOKEN_SERVICE_PORT="${TOKEN_SERVICE_PORT:-8081}"
export ORCHESTRATOR_PORT="${ORCHESTRATOR_PORT:-8082}"
export DEVICE_PORTAL_PORT="${DEVICE_PORTAL_PORT:-8083}"
export TOKEN_SERVICE_MANAGEMENT_PORT="${TOKEN_SERVICE_MANAGEMENT_PORT:-9081}"
export ORCHESTRATOR_MANAGEMENT_PORT="${ORCHESTRATOR_MANAGEMENT_PORT:-9082}"
export DEVICE_PORTAL_MANAGEMENT_PORT="${DEVICE_PORTAL_MANAGEMENT_PORT:-9083}"
export TOKEN_SERVICE_ISSUER="${TOKEN_SERVICE_ISSUER:-http://localhost:$TOKEN_SERVICE_PORT}"
export ORCHESTRATOR_ISSUER="${ORCHESTRATOR_ISSUER:-http://localhost:$ORCHESTRATOR_PORT}"
export DEVICE_PORTAL_URL="${DEVICE_PORTAL_URL:-http://localhost:$DEVICE_PORTAL_PORT}"
export DEMO_IDP="${DEMO_IDP:-on}"
export DEMO_MEDIA_API="${DEMO_MEDIA_API:-on}"
export DEMO_MEDIA_API_PORT="${DEMO_MEDIA_API_PORT:-8190}"

# Each service resolves a relative path against its own working directory: make it absolute.
TS_REGISTRY="${TS_REGISTRY:-config/registry.example.yaml}"
[[ -f $TS_REGISTRY ]] || die "registry file not found: $TS_REGISTRY (set TS_REGISTRY)"
TS_REGISTRY="$(cd "$(dirname "$TS_REGISTRY")" && pwd)/$(basename "$TS_REGISTRY")"
export TS_REGISTRY

# service name | module directory | public port | management port (health, metrics)
SERVICES=(token-service orchestrator-service device-portal)
declare -A PORT_OF=([token-service]=$TOKEN_SERVICE_PORT [orchestrator-service]=$ORCHESTRATOR_PORT
                    [device-portal]=$DEVICE_PORTAL_PORT)
declare -A MANAGEMENT_PORT_OF=([token-service]=$TOKEN_SERVICE_MANAGEMENT_PORT
                               [orchestrator-service]=$ORCHESTRATOR_MANAGEMENT_PORT
                               [device-portal]=$DEVICE_PORTAL_MANAGEMENT_PORT)

mkdir -p "$TS_STATE_DIR/logs"

# ---- secrets --------------------------------------------------------------------------------
# The example registry refers to ${DEMO_WORKER_SECRET} etc. A value given in the environment wins;
# otherwise one is generated once and kept in secrets.env, so that clients configured with it
# keep working across runs. TS_KEY_ENCRYPTION_KEY encrypts the signing keys stored in PostgreSQL:
# if it changed, the stored keys could not be decrypted any more.
SECRETS_FILE="$TS_STATE_DIR/secrets.env"

random_hex() {   # 24 random bytes as 48 hex characters (client secrets must be >= 32 characters)
  if command -v openssl >/dev/null 2>&1; then openssl rand -hex 24
  else head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; echo; fi
}
random_key() {   # 32 random bytes, base64 (an AES-256 key)
  if command -v openssl >/dev/null 2>&1; then openssl rand -base64 32
  else head -c 32 /dev/urandom | base64; fi
}

stored_secret() {   # stored_secret NAME -> value from secrets.env, or empty
  [[ -f $SECRETS_FILE ]] || return 0
  local k v
  while IFS='=' read -r k v; do
    if [[ $k == "$1" ]]; then printf '%s' "$v"; return 0; fi
  done <"$SECRETS_FILE"
  return 0
}

load_secret() {   # load_secret NAME GENERATOR
  local name=$1 gen=$2 value
  value=${!name:-}
  if [[ -z $value ]]; then
    value=$(stored_secret "$name")
    if [[ -z $value ]]; then
      value=$($gen)
      (umask 077; printf '%s=%s\n' "$name" "$value" >>"$SECRETS_FILE")
      log "generated $name (kept in $SECRETS_FILE)"
    fi
  fi
  export "$name=$value"
}

if [[ -f $SECRETS_FILE ]]; then chmod 600 "$SECRETS_FILE"; fi
for name in DEMO_WORKER_SECRET ORCHESTRATOR_SECRET WEB_SHOP_SECRET DEVICE_PORTAL_SECRET \
            DEMO_APP_SECRET DEMO_IDP_CLIENT_SECRET; do
  load_secret "$name" random_hex
  value=${!name}
  (( ${#value} >= 32 )) || die "$name must be at least 32 characters long (the registry refuses shorter client secrets)"
done
unset value
load_secret TS_KEY_ENCRYPTION_KEY random_key

# ---- build what is missing ------------------------------------------------------------------
jar_of() { printf '%s/target/quarkus-app/quarkus-run.jar' "$1"; }

# The orchestrator's /demo client is built in only on request (never in the production build): this
# run needs it, so an orchestrator packaged without it (by a plain ./mvnw package) is rebuilt. ArC
# generates a bean class for the demo resource only in a build that includes it.
demo_built() {
  grep -qa 'dev/tokenservices/orchestrator/demo/DemoResource_Bean' \
    orchestrator-service/target/quarkus-app/quarkus/generated-bytecode.jar 2>/dev/null
}

needs_build() {
  local svc jar
  for svc in "${SERVICES[@]}"; do
    jar=$(jar_of "$svc")
    [[ -f $jar ]] || return 0
    # Any source or POM newer than the jar means the jar is stale.
    [[ -z $(find ./*/src pom.xml ./*/pom.xml -newer "$jar" -print -quit 2>/dev/null) ]] || return 0
  done
  demo_built || return 0
  return 1
}

java_cmd
if needs_build; then
  log "building the services (./mvnw package with the demo client, tests skipped; the first build takes a few minutes)"
  ./mvnw -B -q -DskipTests -Dorchestrator.demo.enabled=true package
fi

# ---- stopping (set up before anything is started) -------------------------------------------
CLEANED_UP=""
cleanup() {
  if [[ -n $CLEANED_UP ]]; then return 0; fi
  CLEANED_UP=1
  trap - INT TERM
  log "stopping"
  stop_started_processes   # the services and Keycloak's launcher: 10 s to shut down cleanly, then killed
  demo_idp_stop         # whatever of Keycloak's process group is left
  stop_started_infra
  log "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT     # exit runs the EXIT trap: one place that stops everything
trap 'exit 143' TERM

# ---- dependencies ---------------------------------------------------------------------------
ensure_redis
ensure_postgres
if [[ -z ${PG_URL:-} ]]; then
  ensure_database tokenservices
  export PG_URL="postgresql://$TS_DB_ROLE:$TS_DB_PASSWORD@127.0.0.1:5432/tokenservices"
else
  ensure_database   # only checks that PG_URL connects
fi

# ---- the demo upstream IdP (Keycloak): before the orchestrator, which discovers it at start ----
if demo_idp_enabled; then
  demo_idp_prepare                  # downloads Keycloak once (cached), unpacks it once
  demo_idp_launch                   # log: $TS_STATE_DIR/logs/demo-idp.log
  PID_OF[demo-idp]=$DEMO_IDP_PID    # stopped with the services, and watched like them
  demo_idp_wait_ready
elif grep -qF "$DEMO_IDP_ISSUER" "$TS_REGISTRY"; then
  log "DEMO_IDP=off: no demo IdP; logins through the registry's upstream IdP at $DEMO_IDP_ISSUER will fail"
fi

# ---- the demo media API: a scope authority that asks for a one-click "subscription" ---------
if [[ $DEMO_MEDIA_API != off ]]; then
  ! port_in_use "$DEMO_MEDIA_API_PORT" || die "port $DEMO_MEDIA_API_PORT (demo media API) is already in use; stop what listens there or set DEMO_MEDIA_API=off"
  log "starting the demo media API on port $DEMO_MEDIA_API_PORT (log: $TS_STATE_DIR/logs/demo-media-api.log)"
  : >"$TS_STATE_DIR/logs/demo-media-api.log"
  "$JAVA_CMD" scripts/DemoMediaApi.java >>"$TS_STATE_DIR/logs/demo-media-api.log" 2>&1 </dev/null &
  PID_OF[demo-media-api]=$!
  wait_until_ready demo-media-api "${PID_OF[demo-media-api]}" "http://127.0.0.1:$DEMO_MEDIA_API_PORT/" 60
fi

# ---- services -------------------------------------------------------------------------------
show_log_tail() {
  log "last 40 lines of $TS_STATE_DIR/logs/$1.log:"
  tail -n 40 "$TS_STATE_DIR/logs/$1.log" >&2 || true
  # The one start-up failure a user can cause without touching anything: a lost secrets.env.
  if grep -q 'TS_KEY_ENCRYPTION_KEY' "$TS_STATE_DIR/logs/$1.log" 2>/dev/null; then
    log "hint: the signing keys in PostgreSQL were stored under another TS_KEY_ENCRYPTION_KEY;"
    log "      set that key again (it was in $SECRETS_FILE), or use a fresh database."
  fi
}

start_service() {
  local svc=$1 port=${PORT_OF[$1]} management=${MANAGEMENT_PORT_OF[$1]} log_file p executable
  log_file="$TS_STATE_DIR/logs/$svc.log"
  # Something else on a port would answer our health check and hide a failed start.
  for p in "$port" "$management"; do
    ! port_in_use "$p" || die "port $p is already in use; stop what listens there or set another port for $svc"
  done
  log "starting $svc on port $port, health and metrics on $management (log: $log_file)"
  : >"$log_file"
  executable=""
  if [[ ${TS_NATIVE:-} == 1 ]]; then executable=$(native_executable_of "$svc"); fi
  if [[ -n $executable ]]; then
    log "$svc: native executable $executable"
    start_native_app "$svc" "$executable" "$port" "$management" "$log_file"
  else
    if [[ ${TS_NATIVE:-} == 1 ]]; then log "$svc: no native executable (scripts/native.sh builds it); starting the JVM build"; fi
    start_quarkus_app "$svc" "$(dirname "$(jar_of "$svc")")" "$port" "$management" "$log_file"
  fi
  wait_until_ready "$svc" "${PID_OF[$svc]}" "http://127.0.0.1:$management/q/health/ready" 60
}

# In order: the orchestrator talks to the token service, the portal logs in at the orchestrator.
for svc in "${SERVICES[@]}"; do
  start_service "$svc"
done

# What a newcomer can try, printed only when this build has it.
demo_sections=()
answers() { curl -fsS -m 3 -o /dev/null "$1" 2>/dev/null; }
if [[ $DEMO_MEDIA_API != off ]]; then
  demo_sections+=("  demo media API      http://localhost:$DEMO_MEDIA_API_PORT   (asks each user once for a free one-click subscription before media.play)")
fi
if demo_idp_enabled; then
  demo_sections+=("  demo IdP            $DEMO_IDP_ISSUER   (user demo / password demo; admin console $DEMO_IDP_URL/admin/)")
fi
if answers "http://127.0.0.1:$ORCHESTRATOR_PORT/.well-known/openid-configuration" \
   && answers "http://127.0.0.1:$ORCHESTRATOR_PORT/demo"; then
  line="  Log in like a newcomer: open $ORCHESTRATOR_ISSUER/demo"
  if demo_idp_enabled; then line+="   (user demo / password demo)"; fi
  demo_sections+=("$line")
fi
if answers "http://127.0.0.1:$DEVICE_PORTAL_PORT/device"; then
  line="scripts/tv-demo.sh"
  if [[ $TOKEN_SERVICE_PORT != 8081 ]]; then line="TOKEN_SERVICE_PORT=$TOKEN_SERVICE_PORT $line"; fi
  line="  Try the TV flow: $line
    (it shows a code; enter it at $DEVICE_PORTAL_URL/device"
  if demo_idp_enabled; then line+=", log in as demo / demo"; fi
  demo_sections+=("$line, approve)")
fi
DEMO_BANNER=""
for line in "${demo_sections[@]}"; do DEMO_BANNER+=$'\n'"$line"$'\n'; done

cat >&2 <<EOF

  TokenServices is running (Ctrl-C stops it).

  token service       $TOKEN_SERVICE_ISSUER
    discovery         $TOKEN_SERVICE_ISSUER/.well-known/openid-configuration
    JWKS              $TOKEN_SERVICE_ISSUER/jwks
  orchestrator        $ORCHESTRATOR_ISSUER/.well-known/openid-configuration
  device portal       $DEVICE_PORTAL_URL/device   (enter a TV's code; sign-in goes through the orchestrator)
  health, metrics     (management ports, not public)
    token service     http://localhost:$TOKEN_SERVICE_MANAGEMENT_PORT/q/health/ready   http://localhost:$TOKEN_SERVICE_MANAGEMENT_PORT/q/metrics
    orchestrator      http://localhost:$ORCHESTRATOR_MANAGEMENT_PORT/q/health/ready   http://localhost:$ORCHESTRATOR_MANAGEMENT_PORT/q/metrics
    device portal     http://localhost:$DEVICE_PORTAL_MANAGEMENT_PORT/q/health/ready   http://localhost:$DEVICE_PORTAL_MANAGEMENT_PORT/q/metrics

  logs                $TS_STATE_DIR/logs/
  secrets             $SECRETS_FILE

  A client_credentials token:
    curl -s -u $(printf '%q' "demo-worker:$DEMO_WORKER_SECRET") -d grant_type=client_credentials -d scope=invoices.read http://localhost:$TOKEN_SERVICE_PORT/token
${DEMO_BANNER}
EOF

# ---- stay in the foreground -----------------------------------------------------------------
# wait -n returns when any service exits (or a signal arrives, which runs its trap). A service
# that stops on its own is a failure: show why and stop the rest.
while true; do
  rc=0
  wait -n || rc=$?
  if (( rc == 127 )); then sleep 1; fi   # no child to wait for (cannot happen; do not spin)
  for svc in "${!PID_OF[@]}"; do
    pid=${PID_OF[$svc]}
    if ! kill -0 "$pid" 2>/dev/null; then
      unset "PID_OF[$svc]"
      log "$svc (pid $pid) exited unexpectedly (status $rc)"
      show_log_tail "$svc"
      exit 1
    fi
  done
done
