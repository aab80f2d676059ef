#!/usr/bin/env bash
# A local Redis Cluster for the tests that run the services in cluster mode
# (quarkus.redis.client-type=cluster): three masters on loopback, no replicas, no persistence.
#
#   scripts/redis-cluster.sh start    start it, unless it is already up and healthy (then nothing);
#                                     returns once every node reports cluster_state:ok
#   scripts/redis-cluster.sh stop     stop the nodes started from this checkout, and drop their data
#   scripts/redis-cluster.sh status   exit 0 when the cluster is up and healthy
#
# Ports REDIS_CLUSTER_PORT, +1, +2 (default 7000-7002); node directories, pid files and logs under
# TS_STATE_DIR (default <repo>/.tokenservices, git-ignored). Needs redis-server and redis-cli
# (Debian: redis-server, redis-tools; installed with apt-get when missing). ./test.sh starts it.
set -euo pipefail
# shellcheck source=scripts/infra.sh
source "$(dirname "${BASH_SOURCE[0]}")/infra.sh"

case "${1:-}" in
  start)
    ensure_redis_cluster
    ;;
  stop)
    stop_redis_cluster
    ;;
  status)
    read -r -a ports <<<"$(redis_cluster_ports)"
    if command -v redis-cli >/dev/null 2>&1 && redis_cluster_healthy "${ports[@]}"; then
      log "Redis Cluster is up on 127.0.0.1:${ports[0]}-${ports[2]}"
    else
      log "no healthy Redis Cluster on 127.0.0.1:${ports[0]}-${ports[2]}"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
