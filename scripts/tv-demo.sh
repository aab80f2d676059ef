#!/usr/bin/env bash
# scripts/tv-demo.sh — play the TV of the device flow (RFC 8628) against a running ./run.sh.
#
# Asks the token service for a device code as the public client tv-app, shows the user code (big)
# and the link to open, polls /token at the interval the server asks for (5 s more on slow_down),
# and prints the tokens it finally gets: the access token's header and claims, decoded, and the
# refresh token. On a phone or in a browser: open the link, log in (demo IdP: demo / demo), approve.
# The first time, the demo media API (scripts/DemoMediaApi.java, started by ./run.sh) asks for a
# one-click free subscription before it grants media.play: the consent page lists it with a link to
# its page; subscribe there, come back to the consent page, then approve. Approving without it gives
# the TV the rest, and the token response says what still waits (interaction_required).
#
# Environment (optional):
#   TOKEN_SERVICE_URL   http://localhost:${TOKEN_SERVICE_PORT:-8081}
#   TV_CLIENT_ID        tv-app
#   TV_SCOPE            "media.play profile.read"
# Needs curl, and jq or python3 (jq is installed with apt-get when neither is there).
set -euo pipefail

BASE="${TOKEN_SERVICE_URL:-http://localhost:${TOKEN_SERVICE_PORT:-8081}}"
BASE=${BASE%/}
CLIENT_ID="${TV_CLIENT_ID:-tv-app}"
SCOPE="${TV_SCOPE:-media.play profile.read}"
DEVICE_GRANT=urn:ietf:params:oauth:grant-type:device_code

say() { printf '%s\n' "$*"; }
fail() { printf 'tv-demo: %s\n' "$*" >&2; exit 1; }

command -v curl >/dev/null 2>&1 || fail "curl is needed (apt-get install curl)"
if ! command -v jq >/dev/null 2>&1 && ! command -v python3 >/dev/null 2>&1; then
  # shellcheck source=scripts/infra.sh
  source "$(dirname "${BASH_SOURCE[0]}")/infra.sh"
  apt_install jq
fi

# ---- JSON ----------------------------------------------------------------------------------
# jget FIELD < json: the field as text (empty when absent). jpretty < json: indented.
# jwaiting < json: one line per interaction_required entry, resource, message and url separated by
# tabs (a message holds no control character); nothing when absent.
if command -v jq >/dev/null 2>&1; then
  jget() { jq -r --arg f "$1" '.[$f] // empty | tostring' 2>/dev/null || true; }
  jpretty() { jq . 2>/dev/null || cat; }
  jwaiting() { jq -r '(.interaction_required // [])[] | "\(.resource)\t\(.message)\t\(.url)"' 2>/dev/null || true; }
else
  jget() {
    python3 -c 'import json,sys
try:
    v = json.load(sys.stdin).get(sys.argv[1])
except Exception:
    v = None
if v is not None:
    print(v if isinstance(v, str) else json.dumps(v))' "$1"
  }
  jpretty() { python3 -m json.tool 2>/dev/null || cat; }
  jwaiting() {
    python3 -c 'import json,sys
try:
    entries = json.load(sys.stdin).get("interaction_required") or []
except Exception:
    entries = []
for e in entries:
    print("%s\t%s\t%s" % (e.get("resource"), e.get("message"), e.get("url")))'
  }
fi

# base64url → bytes (JWT segments are unpadded)
b64url_decode() {
  local s=${1//-/+}
  s=${s//_//}
  case $(( ${#s} % 4 )) in 2) s+="==" ;; 3) s+="=" ;; esac
  printf '%s' "$s" | base64 -d 2>/dev/null
}

# ---- HTTP ----------------------------------------------------------------------------------
# post PATH ARGS... → sets STATUS and BODY (STATUS 000: no answer).
post() {
  local path=$1 out
  shift
  out=$(curl -sS -m 10 -w '\n%{http_code}' -H 'Accept: application/json' "$@" "$BASE$path" 2>/dev/null) || out=$'\n000'
  STATUS=${out##*$'\n'}
  BODY=${out%$'\n'*}
}

# ---- the user code, big ----------------------------------------------------------------------
# A 5-row font for the user-code alphabet (RFC 8628 §6.1: consonants only) and the dash.
declare -A GLYPH=(
  [B]="████ |█   █|████ |█   █|████ "  [C]=" ████|█    |█    |█    | ████"
  [D]="████ |█   █|█   █|█   █|████ "  [F]="█████|█    |████ |█    |█    "
  [G]=" ████|█    |█  ██|█   █| ████"  [H]="█   █|█   █|█████|█   █|█   █"
  [J]="  ███|    █|    █|█   █| ███ "  [K]="█   █|█  █ |███  |█  █ |█   █"
  [L]="█    |█    |█    |█    |█████"  [M]="█   █|██ ██|█ █ █|█   █|█   █"
  [N]="█   █|██  █|█ █ █|█  ██|█   █"  [P]="████ |█   █|████ |█    |█    "
  [Q]=" ███ |█   █|█ █ █|█  █ | ██ █"  [R]="████ |█   █|████ |█  █ |█   █"
  [S]=" ████|█    | ███ |    █|████ "  [T]="█████|  █  |  █  |  █  |  █  "
  [V]="█   █|█   █|█   █| █ █ |  █  "  [W]="█   █|█   █|█ █ █|██ ██|█   █"
  [X]="█   █| █ █ |  █  | █ █ |█   █"  [Z]="█████|   █ |  █  | █   |█████"
  [-]="     |     | ███ |     |     "
)

big() {
  local text=$1 row ch glyph line i
  local -a rows
  for ((row = 0; row < 5; row++)); do
    line="    "
    for ((i = 0; i < ${#text}; i++)); do
      ch=${text:i:1}
      glyph=${GLYPH[$ch]:-"     |     |  ?  |     |     "}
      IFS='|' read -r -a rows <<<"$glyph"
      line+="${rows[row]}  "
    done
    # Without a UTF-8 terminal, draw with '#'.
    if [[ ${LC_ALL:-${LC_CTYPE:-${LANG:-}}} != *[Uu][Tt][Ff]* ]]; then line=${line//█/#}; fi
    printf '%s\n' "$line"
  done
}

# ---- 1. ask for a device code ------------------------------------------------------------------
post /device_authorization -d "client_id=$CLIENT_ID" --data-urlencode "scope=$SCOPE"
if [[ $STATUS == 000 ]]; then
  fail "the token service does not answer at $BASE (is ./run.sh running? TOKEN_SERVICE_URL / TOKEN_SERVICE_PORT)"
fi
if [[ $STATUS != 200 ]]; then
  fail "POST $BASE/device_authorization answered $STATUS: $(jget error <<<"$BODY") $(jget error_description <<<"$BODY")"
fi
DEVICE_CODE=$(jget device_code <<<"$BODY")
USER_CODE=$(jget user_code <<<"$BODY")
VERIFY_URI=$(jget verification_uri <<<"$BODY")
VERIFY_URI_COMPLETE=$(jget verification_uri_complete <<<"$BODY")
EXPIRES_IN=$(jget expires_in <<<"$BODY")
INTERVAL=$(jget interval <<<"$BODY")
[[ -n $DEVICE_CODE && -n $USER_CODE ]] || fail "unexpected answer from /device_authorization: $BODY"
[[ $INTERVAL =~ ^[0-9]+$ ]] || INTERVAL=5          # RFC 8628 §3.2: 5 s when absent
[[ $EXPIRES_IN =~ ^[0-9]+$ ]] || EXPIRES_IN=600

say ""
say "  📺  Living-room TV ($CLIENT_ID) wants: $SCOPE"
say ""
say "  On your phone or computer, go to  ${VERIFY_URI:-the device portal}  and enter:"
say ""
big "$USER_CODE"
say ""
say "      $USER_CODE"
say ""
if [[ -n $VERIFY_URI_COMPLETE ]]; then
  say "  or open this link directly (the code is filled in):"
  say "      $VERIFY_URI_COMPLETE"
  if command -v qrencode >/dev/null 2>&1; then qrencode -t ANSIUTF8 -m 2 "$VERIFY_URI_COMPLETE" || true; fi
fi
say ""
say "  Log in (demo IdP: demo / demo) and approve. The code expires in $((EXPIRES_IN / 60)) min $((EXPIRES_IN % 60)) s."
if [[ " $SCOPE " == *" media.play "* ]]; then
  say ""
  say "  The first time you ask for media.play, the consent page says \"One more step for the rest\": the"
  say "  demo media API wants a (free) Media Plus subscription. Follow its link, click \"Subscribe for free\","
  say "  and you are back on the consent page, which now lists \"Play media\". Then approve."
  say "  (Approve without subscribing and the TV gets the rest, told that media.play waits.)"
fi
say ""

# ---- 2. poll ---------------------------------------------------------------------------------
printf '  waiting for approval (polling every %s s) ' "$INTERVAL"
deadline=$((SECONDS + EXPIRES_IN + 30))
while true; do
  sleep "$INTERVAL"
  post /token -d "grant_type=$DEVICE_GRANT" --data-urlencode "device_code=$DEVICE_CODE" -d "client_id=$CLIENT_ID"
  if [[ $STATUS == 200 ]]; then
    printf ' approved!\n\n'
    break
  fi
  error=$(jget error <<<"$BODY")
  case "$STATUS:$error" in
    400:authorization_pending)
      printf '.' ;;
    400:slow_down)
      INTERVAL=$((INTERVAL + 5))
      printf ' [slow_down: now every %s s] ' "$INTERVAL" ;;
    400:access_denied)
      printf '\n\n'
      say "  ✋  Denied: the user said no on the portal (access_denied). The TV gets no token."
      exit 2 ;;
    400:expired_token)
      printf '\n\n'
      say "  ⌛  Expired: nobody approved the code in time (expired_token). Run scripts/tv-demo.sh again."
      exit 3 ;;
    000:*)
      printf 'x' ;;   # the token service did not answer; the code may still be approved later
    503:*)
      printf '!' ;;   # temporarily_unavailable: Redis/PostgreSQL/an authority away; keep polling
    *)
      printf '\n\n'
      fail "the token service answered $STATUS: ${error:-?} $(jget error_description <<<"$BODY")" ;;
  esac
  if (( SECONDS > deadline )); then
    printf '\n\n'
    fail "gave up: the device code has expired (no answer from the token service?)"
  fi
done

# ---- 3. the tokens ----------------------------------------------------------------------------
TOKENS=$BODY
ACCESS_TOKEN=$(jget access_token <<<"$TOKENS")
REFRESH_TOKEN=$(jget refresh_token <<<"$TOKENS")
IFS=. read -r jwt_header jwt_claims _ <<<"$ACCESS_TOKEN"

say "  access token (expires in $(jget expires_in <<<"$TOKENS") s, scope \"$(jget scope <<<"$TOKENS")\"):"
say ""
say "    header:"
b64url_decode "$jwt_header" | jpretty | sed 's/^/      /'
say "    claims:"
b64url_decode "$jwt_claims" | jpretty | sed 's/^/      /'
say ""
WAITING=$(jwaiting <<<"$TOKENS")
if [[ -n $WAITING ]]; then
  say "    not granted yet: an API asks you to do something first (interaction_required):"
  while IFS=$'\t' read -r w_resource w_message w_url; do
    say "      $w_resource: $w_message"
    say "        (its page: $w_url)"
  done <<<"$WAITING"
  say "    Run scripts/tv-demo.sh again and, on the consent page, follow the link before you approve."
  say ""
fi
say "    the token itself (verify it with $BASE/jwks):"
say "      $ACCESS_TOKEN"
say ""
if [[ -n $REFRESH_TOKEN ]]; then
  say "  refresh token (single use; each refresh returns a new one):"
  say "      $REFRESH_TOKEN"
  say ""
  say "  refresh:  curl -s -d grant_type=refresh_token -d client_id=$CLIENT_ID -d refresh_token=$REFRESH_TOKEN $BASE/token"
else
  say "  (no refresh token: $CLIENT_ID may not use refresh_token)"
fi
say ""
