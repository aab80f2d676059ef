#!/usr/bin/env bash
# The one test command: ./test.sh [extra Maven arguments]
#
# The tests use real Redis and PostgreSQL (no Docker, no Dev Services) at fixed local addresses:
#   redis://127.0.0.1:6379
#   postgresql://127.0.0.1:5432/tokenservices_test   user tokenservices, password tokenservices
#   a Redis Cluster of three masters on 127.0.0.1:7000-7002 (scripts/redis-cluster.sh), for the tests
#   that run the token service and the portal with quarkus.redis.client-type=cluster
# This script makes sure all are there (starting local ones when nothing listens), then runs the
# whole Maven build with its tests. Whatever it started stays running afterwards, so that repeated
# runs are fast; it says what it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/infra.sh
source scripts/infra.sh

require_jdk17

# The test profile points at the fixed addresses above. A PG_URL meant for ./run.sh would take
# precedence over it inside the services (its config source ranks above application.properties),
# and REDIS_URL is irrelevant to the tests, so neither may steer the tests or the infra check.
if [[ -n ${PG_URL:-} ]]; then
  log "ignoring PG_URL for the tests (they use postgresql://127.0.0.1:5432/tokenservices_test)"
  unset PG_URL
fi
REDIS_URL=redis://127.0.0.1:6379 ensure_redis
REDIS_CLUSTER_PORT=7000 ensure_redis_cluster
ensure_postgres
# A fresh test database each run: the migrations build it from nothing, as on a new installation,
# and no earlier run's (or earlier version's) tables can make a test pass or fail.
if pg_superuser_available; then
  fresh_database tokenservices_test
else
  ensure_database tokenservices_test
fi

# Chromium (Debian's): the orchestrator's demo page is laid out in it by its tests, and the e2e runs drive it.
if [[ ! -x ${CHROMIUM:-/usr/bin/chromium} ]]; then
  apt_install chromium
fi

started=$(describe_started_infra)
if [[ -n $started ]]; then
  log "started for the tests and left running: $started"
fi

./mvnw -B verify "$@"

# End to end, against a real third-party OpenID provider (oidc-provider) with certified clients
# (openid-client) and a real browser (Chromium): token exchange and the device flow ...
e2e/run.sh
# ... and logins through the orchestrator.
e2e/run-orchestrator.sh
