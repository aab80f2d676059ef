#!/usr/bin/env bash
# deploy/overlays/dev/make-secrets.sh — writes the development overlay's secrets, random, into
# deploy/overlays/dev/secrets/ (gitignored), where its kustomization's secretGenerator reads them.
# Run it once before `kubectl apply -k deploy/overlays/dev`. Files that exist are kept: the master key
# must never change once the services stored signing keys under it (delete the directory, and the
# PostgreSQL volume, to start over).
#
#   UPSTREAM_IDP_CLIENT_SECRET='<the secret your SSO gave the orchestrator>' deploy/overlays/dev/make-secrets.sh
#
# Without UPSTREAM_IDP_CLIENT_SECRET a random value is written: the services start, logins at the
# upstream IdP fail until you put the real secret in secrets/tokenservices-secrets.env and apply again.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets"
mkdir -p "$dir"
chmod 700 "$dir"

random_hex() {   # 24 random bytes, 48 hex characters: a client secret, a password usable in a URL
  if command -v openssl >/dev/null 2>&1; then openssl rand -hex 24
  else head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; echo; fi
}
random_key() {   # 32 random bytes, base64: the master key TS_KEY_ENCRYPTION_KEY
  if command -v openssl >/dev/null 2>&1; then openssl rand -base64 32
  else head -c 32 /dev/urandom | base64; fi
}

write() {   # write FILE: stdin into FILE (mode 600) unless it exists
  local file="$dir/$1"
  if [[ -e $file ]]; then
    echo "kept    $file (delete it to make new secrets)" >&2
    cat >/dev/null
    return 0
  fi
  (umask 077; cat >"$file")
  echo "written $file" >&2
}

upstream=${UPSTREAM_IDP_CLIENT_SECRET:-}
if [[ -z $upstream ]]; then
  upstream=$(random_hex)
  echo "note: UPSTREAM_IDP_CLIENT_SECRET not given: a random one is written; logins at the upstream IdP fail until you set the real one" >&2
fi

write tokenservices-secrets.env <<EOT
TS_KEY_ENCRYPTION_KEY=$(random_key)
ORCHESTRATOR_SECRET=$(random_hex)
DEVICE_PORTAL_SECRET=$(random_hex)
PORTAL_CSRF_SECRET=$(random_hex)
REPORTS_WORKER_SECRET=$(random_hex)
WEB_SHOP_SECRET=$(random_hex)
UPSTREAM_IDP_CLIENT_SECRET=$upstream
EOT

# PostgreSQL's password, and the URL the services reach it with: written together, so they agree.
if [[ -e $dir/tokenservices-postgres.env && -e $dir/tokenservices-datastores.env ]]; then
  echo "kept    $dir/tokenservices-postgres.env and tokenservices-datastores.env" >&2
else
  password=$(random_hex)
  rm -f "$dir/tokenservices-postgres.env" "$dir/tokenservices-datastores.env"
  write tokenservices-postgres.env <<EOT
POSTGRES_PASSWORD=$password
EOT
  write tokenservices-datastores.env <<EOT
PG_URL=postgresql://tokenservices:$password@postgres:5432/tokenservices
REDIS_URL=redis://redis:6379
EOT
fi
