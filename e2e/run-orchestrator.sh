#!/usr/bin/env bash
# e2e/run-orchestrator.sh — end-to-end test of the OIDC orchestrator with a real upstream OpenID
# provider (e2e/idp.mjs, oidc-provider) and a certified relying-party library (openid-client 6).
#
# Starts, on free local ports: the IdP (with client orch-upstream → the orchestrator's /callback),
# a second instance of it at 127.0.0.1 whose accounts carry Workspace domains (hd),
# the token service and the orchestrator (copies of their target/quarkus-app), both reading a
# registry written from e2e/registry.orchestrator.e2e.yaml, on a fresh database
# tokenservices_e2e_orch, and an API that asks users to subscribe first (e2e/interaction-api.mjs:
# its scope authority and its subscription page; also the authority of an API that accepts everyone,
# recording what it is asked), with registration and Client ID Metadata Documents (from loopback,
# over https) on; runs `node --test` on the orchestrator's test files (PAR, DPoP and resource
# indicators with openid-client in par-dpop; registered and metadata-document clients in
# cimd-register; the login CSRF, pages and interaction ones drive Debian's chromium through
# playwright-core, installed with apt-get when missing; the pages one runs axe-core in it) and, last,
# e2e/datastore-scan.test.mjs; stops what it started.
#
# The services use Redis database 12 of REDIS_URL's server (when REDIS_URL names none), so that the
# scan and the key counts see their keys only.
# TS_NATIVE=1 runs the token service's and the orchestrator's native executables (scripts/native.sh
# builds them) instead of their jars.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
E2E_NAME=e2e-orchestrator
# shellcheck source=SCRIPTDIR/lib.sh
source e2e/lib.sh

CHROMIUM=/usr/bin/chromium
if [[ ! -x $CHROMIUM ]]; then
  apt_install chromium
fi
[[ -x $CHROMIUM ]] || die "$CHROMIUM is missing (apt-get install chromium)"
export CHROMIUM

e2e_packaged token-service orchestrator-service
e2e_fresh_database tokenservices_e2e_orch
# The run's own Redis database (when REDIS_URL names none): the tests scan and count its keys.
if [[ $REDIS_URL =~ ^redis://[^/,]+/?$ ]]; then export REDIS_URL="${REDIS_URL%/}/12"; fi

read -r IDP_PORT TS_PORT ORCH_PORT DOWN_PORT RP_PORT QUIRKS_PORT INTERACTION_API_PORT < <(free_ports 7)
[[ -n ${INTERACTION_API_PORT:-} ]] || die "could not pick free ports"

export IDP_PORT
export IDP_ISSUER="http://localhost:$IDP_PORT"
export TS_ISSUER="http://localhost:$TS_PORT"
export ORCH_ISSUER="http://localhost:$ORCH_PORT"
export ORCH_CALLBACK_URI="$ORCH_ISSUER/callback"
export RP_BASE="http://localhost:$RP_PORT"
export DOWN_IDP="http://127.0.0.1:$DOWN_PORT"
# the quirks IdP: another site (127.0.0.1) than the orchestrator (localhost), so its form post is cross-site
export QUIRKS_IDP="http://127.0.0.1:$QUIRKS_PORT"
export INTERACTION_API_PORT
export INTERACTION_API="http://localhost:$INTERACTION_API_PORT"
export IDP_APP_SECRET IDP_OTHER_SECRET IDP_ANN_PASSWORD IDP_BOB_PASSWORD IDP_ORCH_SECRET ORCHESTRATOR_SECRET E2E_RP_SECRET E2E_NONCE_RP_SECRET
IDP_APP_SECRET=$(openssl rand -hex 24)
IDP_OTHER_SECRET=$(openssl rand -hex 24)
IDP_ANN_PASSWORD=$(openssl rand -hex 12)
IDP_BOB_PASSWORD=$(openssl rand -hex 12)
IDP_ORCH_SECRET=$(openssl rand -hex 24)
ORCHESTRATOR_SECRET=$(openssl rand -hex 24)
E2E_RP_SECRET=$(openssl rand -hex 24)
E2E_NONCE_RP_SECRET=$(openssl rand -hex 24)
KEY=$(openssl rand -base64 32)
# Clients nobody registered by hand (e2e/cimd-register.test.mjs): registration on, with its initial
# access token and scope cap; metadata documents from loopback, served over https by the test with a
# certificate made here, which the orchestrator trusts through a trust store of its own.
export E2E_REGISTRATION_TOKEN E2E_CIMD_KEY="$RUN_DIR/cimd-key.pem" E2E_CIMD_CERT="$RUN_DIR/cimd-cert.pem"
E2E_REGISTRATION_TOKEN=$(openssl rand -hex 24)
CIMD_TRUST_STORE="$RUN_DIR/cimd-trust.p12"
CIMD_TRUST_PASSWORD=$(openssl rand -hex 16)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" -keyout "$E2E_CIMD_KEY" -out "$E2E_CIMD_CERT" 2>/dev/null
rm -f "$CIMD_TRUST_STORE"
"$(dirname "$(readlink -f "$(command -v "${JAVA_CMD:-java}")")")/keytool" -importcert -noprompt -alias cimd -file "$E2E_CIMD_CERT" \
  -storetype PKCS12 -keystore "$CIMD_TRUST_STORE" -storepass "$CIMD_TRUST_PASSWORD" >/dev/null

REGISTRY="$(cd "$RUN_DIR" && pwd)/registry.yaml"
sed -e "s|@IDP_ISSUER@|$IDP_ISSUER|g" -e "s|@DOWN_IDP@|$DOWN_IDP|g" -e "s|@QUIRKS_IDP@|$QUIRKS_IDP|g" -e "s|@RP_BASE@|$RP_BASE|g" \
  -e "s|@INTERACTION_API@|$INTERACTION_API|g" \
  "$E2E_DIR/registry.orchestrator.e2e.yaml" >"$REGISTRY"

node "$E2E_DIR/idp.mjs" >"$LOG_DIR/idp.log" 2>&1 &
PID_OF[idp]=$!
wait_for idp "$IDP_ISSUER/.well-known/openid-configuration" 30
IDP_PORT=$QUIRKS_PORT IDP_ISSUER=$QUIRKS_IDP IDP_HOSTED_DOMAINS="ann-001=example.com,bob-002=other.example" \
  node "$E2E_DIR/idp.mjs" >"$LOG_DIR/idp-quirks.log" 2>&1 &
PID_OF[idp-quirks]=$!
wait_for idp-quirks "$QUIRKS_IDP/.well-known/openid-configuration" 30
node "$E2E_DIR/interaction-api.mjs" >"$LOG_DIR/interaction-api.log" 2>&1 &
PID_OF[interaction-api]=$!
wait_for interaction-api "$INTERACTION_API/calls" 30

start_app token-service token-service "$TS_PORT" TOKEN_SERVICE_PORT="$TS_PORT" TOKEN_SERVICE_ISSUER="$TS_ISSUER" \
  TS_REGISTRY="$REGISTRY" TS_KEY_ENCRYPTION_KEY="$KEY" PG_URL="$PG_URL_E2E"
start_app orchestrator orchestrator-service "$ORCH_PORT" ORCHESTRATOR_PORT="$ORCH_PORT" ORCHESTRATOR_ISSUER="$ORCH_ISSUER" \
  TOKEN_SERVICE_URL="http://127.0.0.1:$TS_PORT" TS_REGISTRY="$REGISTRY" TS_KEY_ENCRYPTION_KEY="$KEY" PG_URL="$PG_URL_E2E" \
  ORCHESTRATOR_REGISTRATION_TOKEN="$E2E_REGISTRATION_TOKEN" ORCHESTRATOR_REGISTRATION_MAX_SCOPE="openid profile email invoices.read" \
  ORCHESTRATOR_CIMD_ALLOW_LOOPBACK=true ORCHESTRATOR_CIMD_TRUST_STORE="$CIMD_TRUST_STORE" \
  ORCHESTRATOR_CIMD_TRUST_STORE_PASSWORD="$CIMD_TRUST_PASSWORD"
wait_ready token-service 90
wait_ready orchestrator 90

# One file at a time, in this order (one `node --test` each: given several files, it sorts them):
# the flood counts the keys that appear while it runs, and the datastore scan, last, looks for
# every credential the others recorded.
export E2E_REDIS_URL="$REDIS_URL" E2E_PG_URL="$PG_URL_E2E" E2E_SECRETS_FILE="$RUN_DIR/seen-secrets.jsonl"
: >"$E2E_SECRETS_FILE"
rc=0
failed=()
TESTS=(orchestrator oidc-conformance oidc-claims audience code-race login-csrf orchestrator-pages interaction-browser logout upstream-quirks par-dpop cimd-register authorize-flood datastore-scan)
# E2E_ONLY="name …" runs just those files (in the order above), for a quick look at one area.
if [[ -n ${E2E_ONLY:-} ]]; then
  only=()
  for name in "${TESTS[@]}"; do [[ " $E2E_ONLY " == *" $name "* ]] && only+=("$name"); done
  TESTS=("${only[@]}")
fi
for name in "${TESTS[@]}"; do
  node --test --test-reporter=spec "$E2E_DIR/$name.test.mjs" || { rc=1; failed+=("$name"); }
done
if (( rc != 0 )) || [[ -n ${E2E_KEEP_LOGS:-} ]]; then
  show_log_tail orchestrator 60
  show_log_tail token-service 30
fi
log "orchestrator end to end: $( ((rc == 0)) && echo OK || echo "FAILED in ${failed[*]}" ) (logs: $LOG_DIR)"
exit "$rc"
