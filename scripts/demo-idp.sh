#!/usr/bin/env bash
# The demo upstream IdP: Keycloak's distribution from Maven Central, in dev mode, with the realm
# config/demo-realm.json (realm "demo", user demo/demo, confidential client
# tokenservices-orchestrator, ES256 tokens). ./run.sh sources this file and starts it before the
# orchestrator; run on its own it starts Keycloak in the foreground until Ctrl-C:
#
#   scripts/demo-idp.sh
#
# Functions (scripts/infra.sh must be sourced first):
#   demo_idp_enabled      false when DEMO_IDP is off / false / no / 0
#   demo_idp_prepare      downloads the zip once (cached, SHA-1 checked against Maven Central),
#                         unzips it once into $TS_STATE_DIR/keycloak-<version>, copies the realm file
#   demo_idp_launch       starts Keycloak in the background; sets DEMO_IDP_PID (its own process group)
#   demo_idp_wait_ready   waits up to DEMO_IDP_START_TIMEOUT s (120; 120 s more on the first,
#                         self-configuring start) for the realm's discovery document; on failure
#                         shows the log, stops Keycloak and dies
#   demo_idp_stop         stops what demo_idp_launch started (and only that)
#
# Environment:
#   DEMO_IDP_PORT            8180 (Keycloak listens on 127.0.0.1 only)
#   DEMO_IDP_CLIENT_SECRET   the secret of client tokenservices-orchestrator (required; ./run.sh
#                            generates it into secrets.env, as the registry's ${DEMO_IDP_CLIENT_SECRET})
#   DEMO_IDP_ADMIN_PASSWORD  password of Keycloak's bootstrap admin 'admin' (generated once, kept in
#                            $TS_STATE_DIR/secrets.env); admin console: http://localhost:8180/admin/
#   ORCHESTRATOR_ISSUER      the client's redirect URI is <ORCHESTRATOR_ISSUER>/callback
#                            (default http://localhost:${ORCHESTRATOR_PORT:-8082})
#   DEMO_IDP_JAVA_HOME       a JDK to run Keycloak with; default: Temurin 25 when installed, else
#                            JAVA_HOME / the java on PATH (17 or newer)
#   DEMO_IDP_START_TIMEOUT   120 (seconds; Keycloak needs ~30 s on an idle machine, more under load)
#   XDG_CACHE_HOME           the download is cached in ${XDG_CACHE_HOME:-$HOME/.cache}/tokenservices
#
# The database is Keycloak's in-memory one (dev-mem): every start imports the realm afresh, so the
# realm file, the client secret and the admin password always hold; nothing survives a restart.

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then   # run on its own (see the end of this file)
  set -euo pipefail
  # shellcheck source=scripts/infra.sh
  source "$(dirname "${BASH_SOURCE[0]}")/infra.sh"
fi

DEMO_IDP_KC_VERSION=26.5.6
DEMO_IDP_PORT="${DEMO_IDP_PORT:-8180}"
DEMO_IDP_URL="http://localhost:$DEMO_IDP_PORT"
DEMO_IDP_ISSUER="$DEMO_IDP_URL/realms/demo"
DEMO_IDP_HOME="$TS_STATE_DIR/keycloak-$DEMO_IDP_KC_VERSION"
DEMO_IDP_LOG="$TS_STATE_DIR/logs/demo-idp.log"
DEMO_IDP_PID=""

demo_idp_enabled() {
  local v=${DEMO_IDP:-on}
  case "${v,,}" in
    off|false|no|0) return 1 ;;
    *) return 0 ;;
  esac
}

# demo_idp_secret NAME: the environment's value, else the one in secrets.env, else a new one that is
# appended there (the same file and format as ./run.sh's secrets).
demo_idp_secret() {
  local name=$1 file="$TS_STATE_DIR/secrets.env" value="${!1:-}" k v
  if [[ -z $value && -f $file ]]; then
    while IFS='=' read -r k v; do
      if [[ $k == "$name" ]]; then value=$v; break; fi
    done <"$file"
  fi
  if [[ -z $value ]]; then
    value=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    mkdir -p "$TS_STATE_DIR"
    (umask 077; printf '%s=%s\n' "$name" "$value" >>"$file")
    log "generated $name (kept in $file)"
  fi
  export "$name=$value"
}

demo_idp_prepare() {
  [[ -n ${DEMO_IDP_CLIENT_SECRET:-} ]] || die "DEMO_IDP_CLIENT_SECRET is not set (./run.sh generates it)"
  demo_idp_secret DEMO_IDP_ADMIN_PASSWORD
  if [[ ! -x $DEMO_IDP_HOME/bin/kc.sh ]]; then
    local zip tmp
    zip=$(maven_central_file org.keycloak keycloak-quarkus-dist "$DEMO_IDP_KC_VERSION" zip) \
      || die "no Keycloak $DEMO_IDP_KC_VERSION for the demo IdP (DEMO_IDP=off runs without it)"
    command -v unzip >/dev/null 2>&1 || apt_install unzip
    log "unpacking Keycloak $DEMO_IDP_KC_VERSION into $DEMO_IDP_HOME"
    tmp="$TS_STATE_DIR/.keycloak-unzip.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    unzip -q "$zip" -d "$tmp" || { rm -rf "$tmp"; die "unzip of $zip failed"; }
    rm -rf "$DEMO_IDP_HOME"
    mv "$tmp/keycloak-$DEMO_IDP_KC_VERSION" "$DEMO_IDP_HOME"   # whole or nothing
    rm -rf "$tmp"
    chmod +x "$DEMO_IDP_HOME"/bin/*.sh
  fi
  # The realm file holds ${DEMO_IDP_CLIENT_SECRET}, ${DEMO_IDP_REDIRECT_URI} and
  # ${DEMO_IDP_POST_LOGOUT_REDIRECT_URI}: Keycloak replaces
  # placeholders with environment variables when it imports a realm at start-up.
  mkdir -p "$DEMO_IDP_HOME/data/import"
  rm -f "$DEMO_IDP_HOME"/data/import/*.json
  cp "$TS_REPO_ROOT/config/demo-realm.json" "$DEMO_IDP_HOME/data/import/demo-realm.json"
}

# The JDK to run Keycloak with: DEMO_IDP_JAVA_HOME, else Temurin 25 (starts faster), else the default.
demo_idp_java_home() {
  local home
  for home in "${DEMO_IDP_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 "${JAVA_HOME:-}"; do
    if [[ -n $home && -x $home/bin/java ]]; then printf '%s\n' "$home"; return 0; fi
  done
  return 0   # empty: kc.sh uses the java on PATH
}

demo_idp_launch() {
  if tcp_open 127.0.0.1 "$DEMO_IDP_PORT"; then
    die "port $DEMO_IDP_PORT is already in use; stop what listens there, or set DEMO_IDP_PORT (and the demo issuer in the registry), or DEMO_IDP=off"
  fi
  local java_home java major opts=""
  java_home=$(demo_idp_java_home)
  java=${java_home:+$java_home/bin/}java
  major=$(JAVA_HOME=$java_home jdk_major)
  if [[ -z $major ]] || (( major < 17 )); then
    die "the demo IdP (Keycloak) needs Java 17 or newer; found '${major:-none}' ($java)"
  fi
  # Java 24+: Keycloak's threads log errors without this opening, and Netty's use of
  # sun.misc.Unsafe prints warnings unless allowed.
  if (( major >= 24 )); then opts="--add-opens=java.base/java.lang=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"; fi
  mkdir -p "$(dirname "$DEMO_IDP_LOG")"
  log "starting the demo IdP (Keycloak $DEMO_IDP_KC_VERSION, Java $major) on $DEMO_IDP_URL (log: $DEMO_IDP_LOG)"
  # setsid: Keycloak (kc.sh and its java child) gets its own process group, so that stopping it
  # stops both. --hostname pins every URL (and the tokens' iss) to $DEMO_IDP_URL however it is reached.
  env JAVA_HOME="$java_home" JAVA_OPTS_APPEND="${JAVA_OPTS_APPEND:+$JAVA_OPTS_APPEND }$opts" \
      KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="$DEMO_IDP_ADMIN_PASSWORD" \
      DEMO_IDP_CLIENT_SECRET="$DEMO_IDP_CLIENT_SECRET" \
      DEMO_IDP_REDIRECT_URI="${ORCHESTRATOR_ISSUER:-http://localhost:${ORCHESTRATOR_PORT:-8082}}/callback" \
      DEMO_IDP_POST_LOGOUT_REDIRECT_URI="${ORCHESTRATOR_ISSUER:-http://localhost:${ORCHESTRATOR_PORT:-8082}}/logout/done" \
      setsid "$DEMO_IDP_HOME/bin/kc.sh" start-dev --db dev-mem \
        --http-host 127.0.0.1 --http-port "$DEMO_IDP_PORT" --hostname "$DEMO_IDP_URL" --import-realm \
      </dev/null >"$DEMO_IDP_LOG" 2>&1 &
  DEMO_IDP_PID=$!
  DEMO_IDP_STARTED_AT=$SECONDS
}

demo_idp_wait_ready() {
  local url="http://127.0.0.1:$DEMO_IDP_PORT/realms/demo/.well-known/openid-configuration"
  local budget=${DEMO_IDP_START_TIMEOUT:-120} extended="" next_note=10 waited doc issuer
  while true; do
    waited=$((SECONDS - DEMO_IDP_STARTED_AT))
    if ! kill -0 "$DEMO_IDP_PID" 2>/dev/null; then
      tail -n 40 "$DEMO_IDP_LOG" >&2 || true
      demo_idp_stop
      die "the demo IdP exited during start-up (log: $DEMO_IDP_LOG; DEMO_IDP=off runs without it)"
    fi
    if doc=$(curl -fsS -m 2 "$url" 2>/dev/null); then
      issuer=$(sed -n 's/.*"issuer":"\([^"]*\)".*/\1/p' <<<"$doc")
      if [[ $issuer != "$DEMO_IDP_ISSUER" ]]; then
        log "warning: the demo IdP says its issuer is '$issuer', expected $DEMO_IDP_ISSUER"
      fi
      log "demo IdP is ready after $waited s: $DEMO_IDP_ISSUER (user demo / password demo)"
      return 0
    fi
    # The first start after unpacking also builds Keycloak for this configuration (once, ~20-40 s).
    if [[ -z $extended ]] && grep -q 'Updating the configuration' "$DEMO_IDP_LOG" 2>/dev/null; then
      extended=1
      budget=$((budget + 120))
      log "first start: Keycloak configures itself once; this start takes a minute or two"
    fi
    if (( waited >= budget )); then break; fi
    if (( waited >= next_note )); then
      log "waiting for the demo IdP to start ($waited s)"
      next_note=$((waited + 10))
    fi
    sleep 1
  done
  tail -n 40 "$DEMO_IDP_LOG" >&2 || true
  demo_idp_stop
  die "the demo IdP did not answer $url within $budget s (log: $DEMO_IDP_LOG; DEMO_IDP=off runs without it)"
}

# Stops the process group demo_idp_launch started: TERM, up to 15 s, then KILL.
demo_idp_stop() {
  local pid=$DEMO_IDP_PID i
  [[ -n $pid ]] || return 0
  DEMO_IDP_PID=""
  kill -0 -- "-$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  log "stopping the demo IdP (process group $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 -- "-$pid" 2>/dev/null; then
    log "the demo IdP (process group $pid) did not stop within 15 s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# ---- run on its own: Keycloak in the foreground -----------------------------------------------
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  demo_idp_secret DEMO_IDP_CLIENT_SECRET
  trap 'demo_idp_stop' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  demo_idp_prepare
  demo_idp_launch
  demo_idp_wait_ready
  log "admin console: $DEMO_IDP_URL/admin/ (admin / DEMO_IDP_ADMIN_PASSWORD in $TS_STATE_DIR/secrets.env); Ctrl-C stops it"
  wait "$DEMO_IDP_PID" || true
fi
