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
# then runs `node --test` on e2e/token-exchange.test.mjs, e2e/interaction-machine.test.mjs,
# e2e/device-flow.test.mjs, e2e/interaction-device.test.mjs, e2e/dpop.test.mjs (the three drive
# Debian's chromium through playwright-core; chromium is installed with apt-get when missing),
# e2e/device-flood.test.mjs and, last, e2e/datastore-scan.test.mjs (every Redis value and
# PostgreSQL row against the credentials the others saw), and stops everything it started,
# whatever happens (Redis/PostgreSQL too, but only if this script started them).
#
# The services use Redis database 11 of REDIS_URL's server (when REDIS_URL names none), so that the
# scan and the key counts see their keys only.
#
# Environment (optional): REDIS_URL (redis://127.0.0.1:6379), E2E_KEEP_LOGS=1 to print the
# service logs even on success, TS_STATE_DIR (<repo>/.tokenservices; logs go to its logs/e2e/).
# E2E_DATABASE_SUFFIX (appended to the database's name), E2E_ONLY="name …" (run only those files). PG_URL is ignored: the e2e database is
# always postgresql://…@127.0.0.1:5432/tokenservices_e2e<suffix>. TS_NATIVE=1 runs the three services'
# native executables (scripts/native.sh builds them) instead of their jars.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
E2E_NAME=e2e
# shellcheck source=SCRIPTDIR/lib.sh
source e2e/lib.sh

# ---- the browser (Debian's chromium, driven by playwright-core) -----------------------------
CHROMIUM=/usr/bin/chromium
if [[ ! -x $CHROMIUM ]]; then
  apt_install chromium
fi
[[ -x $CHROMIUM ]] || die "$CHROMIUM is missing (apt-get install chromium)"
export CHROMIUM

e2e_packaged token-service device-portal orchestrator-service
e2e_fresh_database tokenservices_e2e
# The run's own Redis database (when REDIS_URL names none): the tests scan and count its keys.
if [[ $REDIS_URL =~ ^redis://[^/,]+/?$ ]]; then export REDIS_URL="${REDIS_URL%/}/11"; fi

# ---- ports and secrets ----------------------------------------------------------------------
read -r IDP_PORT AUTHORITY_PORT TS_PORT PORTAL_PORT ORCH_PORT < <(free_ports 5)
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
  E2E_DPOP_WORKER_SECRET ORCHESTRATOR_SECRET DEVICE_PORTAL_SECRET
IDP_APP_SECRET=$(openssl rand -hex 24)
IDP_OTHER_SECRET=$(openssl rand -hex 24)
IDP_ANN_PASSWORD=$(openssl rand -hex 12)
E2E_EXCHANGER_SECRET=$(openssl rand -hex 24)
E2E_DPOP_WORKER_SECRET=$(openssl rand -hex 24)
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
log "starting the IdP on port $IDP_PORT (log: $LOG_DIR/idp.log)"
# PORTAL_URL unset for the IdP: the portal is no client of it (it logs in through the orchestrator).
PORTAL_URL="" node "$E2E_DIR/idp.mjs" >"$LOG_DIR/idp.log" 2>&1 &
PID_OF[idp]=$!
log "starting the scope authority on port $AUTHORITY_PORT (log: $LOG_DIR/authority.log)"
node "$E2E_DIR/authority.mjs" >"$LOG_DIR/authority.log" 2>&1 &
PID_OF[authority]=$!
wait_for idp "$IDP_ISSUER/.well-known/openid-configuration" 30
wait_for authority "$AUTHORITY_URL/calls" 30

start_app token-service token-service "$TS_PORT" TOKEN_SERVICE_PORT="$TS_PORT" TOKEN_SERVICE_ISSUER="$TS_ISSUER" \
  DEVICE_PORTAL_URL="$PORTAL_URL" TS_REGISTRY="$REGISTRY" TS_KEY_ENCRYPTION_KEY="$KEY" PG_URL="$PG_URL_E2E"
wait_ready token-service 90

start_app orchestrator orchestrator-service "$ORCH_PORT" ORCHESTRATOR_PORT="$ORCH_PORT" ORCHESTRATOR_ISSUER="$ORCH_ISSUER" \
  TOKEN_SERVICE_URL="http://127.0.0.1:$TS_PORT" TS_REGISTRY="$REGISTRY" TS_KEY_ENCRYPTION_KEY="$KEY" PG_URL="$PG_URL_E2E"
wait_ready orchestrator 90

# The per-IP wrong-code limit is raised here: every e2e browser comes from 127.0.0.1, and runs
# repeated within its 10-minute window would add up. The per-session limit is what the e2e tests;
# the per-IP one is covered by the portal's own tests.
start_app device-portal device-portal "$PORTAL_PORT" DEVICE_PORTAL_PORT="$PORTAL_PORT" DEVICE_PORTAL_URL="$PORTAL_URL" \
  PORTAL_OIDC_ISSUER="$ORCH_ISSUER" TS_REGISTRY="$REGISTRY" TS_KEY_ENCRYPTION_KEY="$KEY" PORTAL_RATE_LIMIT_PER_IP=1000
wait_ready device-portal 90

# ---- the tests ------------------------------------------------------------------------------
# One file at a time, in this order (one `node --test` each: given several files, it sorts them):
# the device-flow tests drive a browser and all read the same services; the flood leaves this
# address throttled for a minute, so it comes after every file that asks for device codes; the
# datastore scan, last, looks for every credential the earlier files recorded.
TESTS=(token-exchange interaction-machine device-flow interaction-device dpop device-flood datastore-scan)
# E2E_ONLY="name …" runs just those files (in the order above), for a quick look at one area.
if [[ -n ${E2E_ONLY:-} ]]; then
  only=()
  for name in "${TESTS[@]}"; do [[ " $E2E_ONLY " == *" $name "* ]] && only+=("$name"); done
  TESTS=("${only[@]}")
fi
export E2E_REDIS_URL="$REDIS_URL" E2E_PG_URL="$PG_URL_E2E" E2E_SECRETS_FILE="$RUN_DIR/seen-secrets.jsonl"
: >"$E2E_SECRETS_FILE"
log "running node --test on ${TESTS[*]}"
rc=0
pass=0
fail=0
failed=()
for name in "${TESTS[@]}"; do
  # The spec reporter for people on stdout, TAP to a file for the summary below.
  tap="$LOG_DIR/node-test-$name.tap"
  node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$E2E_DIR/$name.test.mjs" || { rc=1; failed+=("$name"); }
  pass=$((pass + $(awk '/^# pass /{n = $3} END {print n + 0}' "$tap")))
  fail=$((fail + $(awk '/^# fail /{n = $3} END {print n + 0}' "$tap")))
done

if (( rc != 0 )) || [[ -n ${E2E_KEEP_LOGS:-} ]]; then
  show_log_tail token-service 60
  show_log_tail orchestrator 40
  show_log_tail device-portal 40
  show_log_tail idp 20
  show_log_tail authority 20
fi
cat >&2 <<EOF

[e2e] ================================================================================
[e2e]  token exchange and device flow end to end: $pass passed, $fail failed   ($( ((rc == 0)) && echo OK || echo "FAILED in ${failed[*]}" ))
[e2e]  IdP $IDP_ISSUER · authority $AUTHORITY_URL · token service $TS_ISSUER · orchestrator $ORCH_ISSUER · portal $PORTAL_URL
[e2e]  logs: $LOG_DIR/   registry: $REGISTRY
[e2e] ================================================================================
EOF
exit "$rc"
