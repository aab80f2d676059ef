#!/usr/bin/env bash
# The one shell library of ./run.sh, ./test.sh, e2e/, bench/, scripts/ and .ci/run. Source it; do
# not execute it. Each of these is written here once:
#
# TokenServices needs a real Redis and a real PostgreSQL (no Docker, no Dev Services). These
# functions use whatever already listens at the configured address, and otherwise install the
# distribution's packages (Debian/Ubuntu, apt-get) and start a local instance, remembering what
# they started so that the caller can stop exactly that and nothing else.
#
#   ensure_redis            REDIS_URL (default redis://127.0.0.1:6379)
#   ensure_redis_cluster    a local Redis Cluster for the tests: three masters on 127.0.0.1,
#                           ports REDIS_CLUSTER_PORT..+2 (default 7000-7002); stop_redis_cluster
#   ensure_postgres         host/port from PG_URL when set, else 127.0.0.1:5432
#   ensure_database DB...   role TS_DB_ROLE/TS_DB_PASSWORD (tokenservices/tokenservices) + databases owned by it
#   fresh_database DB       DB dropped and created anew, owned by that role
#   stop_started_infra      stops only what ensure_redis / ensure_postgres / ensure_redis_cluster started
#
# URLs, ports and processes:
#
#   parse_url URL PORT      URL_HOST URL_PORT URL_USER URL_PASSWORD URL_PATH of a redis://, postgresql://... URL
#   tcp_open HOST PORT, port_in_use PORT, redis_answers HOST PORT, pg_answers HOST PORT
#   java_cmd                JAVA_CMD: the JDK 17+ java (JAVA_HOME first)
#   copy_quarkus_app APP DEST          a packaged service copied to run (a rebuild cannot pull it away)
#   start_quarkus_app NAME APP PORT MANAGEMENT_PORT LOG [NAME=value...]   into PID_OF[NAME]
#   start_native_app NAME EXECUTABLE PORT MANAGEMENT_PORT LOG [NAME=value...]   the same, native
#   native_executable_of MODULE          <module>/target/*-runner when built, else nothing
#   wait_until_ready NAME PID URL SECONDS                                 200 at URL, or die
#   stop_process NAME PID [SECONDS], stop_started_processes (every PID_OF)
#   maven_central_file GROUP ARTIFACT VERSION EXT   downloaded once, SHA-1 checked, cached; prints its path
#   require_jdk17, ensure_build_tools, apt_install, log, die
#
# Variables: TS_STATE_DIR (default <repo>/.tokenservices) holds pid files, logs, secrets and a
# private PostgreSQL cluster when one is needed. log writes "[TS_LOG_PREFIX] message" (default
# "tokenservices"; TS_LOG_TIME=1: the time instead) to stderr, and to TS_LOG_FILE as well when set.

set -euo pipefail

TS_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TS_STATE_DIR="${TS_STATE_DIR:-$TS_REPO_ROOT/.tokenservices}"

# What this shell started (empty = nothing). Process-local on purpose: a later run must not stop a
# Redis/PostgreSQL that it found already running, even if an earlier run had started it.
TS_STARTED_REDIS_PIDFILE=""
TS_STARTED_REDIS_ADDR=""
TS_STARTED_REDIS_CLUSTER=""  # "127.0.0.1:<first port>-<last port>"
TS_STARTED_PG=""            # "cluster <version> <name>" or "private <bindir> <datadir> <os-user>"
TS_STARTED_PG_ADDR=""

# The login the services (and the tests) use when PG_URL is not given.
TS_DB_ROLE="tokenservices"
TS_DB_PASSWORD="tokenservices"

log() {
  local prefix=${TS_LOG_PREFIX:-tokenservices} line
  if [[ -n ${TS_LOG_TIME:-} ]]; then prefix=$(date +%H:%M:%S); fi
  line="[$prefix] $*"
  printf '%s\n' "$line" >&2
  if [[ -n ${TS_LOG_FILE:-} ]]; then printf '%s\n' "$line" >>"$TS_LOG_FILE"; fi
}
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Privileges: installing packages and starting the Debian cluster need root; be root or use sudo.

as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "'$*' needs root and sudo is not installed; run it as root or install sudo"
  fi
}

can_be_root() { [[ $EUID -eq 0 ]] || command -v sudo >/dev/null 2>&1; }

# Run a command as another OS user (postgres refuses to run as root).
as_user() {
  local user=$1; shift
  if [[ $(id -un) == "$user" ]]; then
    "$@"
  elif [[ $EUID -eq 0 ]]; then
    runuser -u "$user" -- "$@"
  else
    sudo -u "$user" -- "$@"
  fi
}

# apt-get install, refreshing the package lists only when the first attempt fails (a fresh
# container has none; a developer's machine usually has current ones and should not wait).
apt_install() {
  command -v apt-get >/dev/null 2>&1 \
    || die "cannot install $* automatically (no apt-get); please install it with your package manager"
  log "installing $* (apt-get)"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update >&2 \
      || die "apt-get update failed"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2 \
      || die "apt-get install $* failed"
  fi
}

# ---------------------------------------------------------------------------------------------
# Small network helpers

# parse_url URL DEFAULT_PORT -> sets URL_HOST, URL_PORT, URL_USER, URL_PASSWORD and URL_PATH (without
# its leading slash: PostgreSQL's database, Redis' database number).
# Accepts scheme://[user[:password]@]host[:port][/path][?query], IPv6 hosts in brackets, and a
# comma-separated list (Quarkus' redis hosts syntax), of which the first entry counts.
parse_url() {
  local rest=${1%%,*} userinfo=""
  rest=${rest#*://}
  URL_PATH=""
  if [[ $rest == */* ]]; then URL_PATH=${rest#*/}; URL_PATH=${URL_PATH%%\?*}; fi
  rest=${rest%%/*}
  rest=${rest%%\?*}
  if [[ $rest == *@* ]]; then userinfo=${rest%@*}; rest=${rest##*@}; fi
  URL_USER=${userinfo%%:*}
  URL_PASSWORD=""
  if [[ $userinfo == *:* ]]; then URL_PASSWORD=${userinfo#*:}; fi
  if [[ $rest == \[* ]]; then
    URL_HOST=${rest%%]*}; URL_HOST=${URL_HOST#[}
    URL_PORT=${rest#*]}; URL_PORT=${URL_PORT#:}
  else
    URL_HOST=${rest%%:*}
    URL_PORT=${rest#"$URL_HOST"}; URL_PORT=${URL_PORT#:}
  fi
  [[ -n $URL_HOST ]] || URL_HOST=127.0.0.1
  [[ -n $URL_PORT ]] || URL_PORT=$2
  [[ $URL_PORT =~ ^[0-9]+$ ]] || die "cannot read a port number from '$1'"
}

# port_in_use PORT: does anything listen on PORT (any address)? (ss when installed, else a connection)
port_in_use() {
  if command -v ss >/dev/null 2>&1; then
    ss -ltnH "sport = :$1" 2>/dev/null | grep -q .
  else
    tcp_open 127.0.0.1 "$1"
  fi
}

# Only an address on this machine can be served by a process we start.
is_local_host() {
  case "$1" in 127.0.0.1|localhost|::1|0.0.0.0) return 0 ;; *) return 1 ;; esac
}

# tcp_open HOST PORT: does anything accept a TCP connection there? (bash's /dev/tcp, no tools)
# shellcheck disable=SC2016  # $0/$1 expand in the inner bash
tcp_open() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# Redis

# shellcheck disable=SC2016  # $0/$1 expand in the inner bash
redis_answers() {
  local host=$1 port=$2 reply
  if command -v redis-cli >/dev/null 2>&1; then
    reply=$(timeout 3 redis-cli -h "$host" -p "$port" ping 2>&1 || true)
  else
    # Speak RESP by hand: one inline PING, read one line back.
    reply=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
                               printf "PING\r\n" >&3; IFS= read -r line <&3; printf "%s" "$line"' \
              "$host" "$port" 2>/dev/null || true)
  fi
  # A password-protected Redis answers NOAUTH: it is there, and the URL carries the password.
  [[ $reply == *PONG* || $reply == *NOAUTH* || $reply == *WRONGPASS* ]]
}

ensure_redis() {
  local url=${REDIS_URL:-redis://127.0.0.1:6379}
  parse_url "$url" 6379
  local host=$URL_HOST port=$URL_PORT
  if redis_answers "$host" "$port"; then
    log "Redis answers at $host:$port"
    return 0
  fi
  is_local_host "$host" \
    || die "Redis at $host:$port (REDIS_URL) does not answer, and it is not on this machine, so it cannot be started here"
  if tcp_open "$host" "$port"; then
    die "something listens on $host:$port but does not answer Redis PING; free the port or set REDIS_URL"
  fi

  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server
    # Some packagings start a service on install; use it if it is the one we need.
    if redis_answers "$host" "$port"; then
      log "Redis answers at $host:$port (started by its package)"
      return 0
    fi
  fi

  local dir="$TS_STATE_DIR/redis" pidfile="$TS_STATE_DIR/redis/redis-$port.pid"
  mkdir -p "$dir" "$TS_STATE_DIR/logs"
  rm -f "$pidfile"
  local bind=127.0.0.1
  [[ $host == ::1 ]] && bind="127.0.0.1 ::1"
  log "starting Redis on $host:$port (log: $TS_STATE_DIR/logs/redis-$port.log)"
  # A cache for short-lived records: no snapshots, no AOF (every key has a TTL anyway).
  # shellcheck disable=SC2086  # $bind is one or two addresses on purpose
  redis-server --daemonize yes --bind $bind --port "$port" --save "" --appendonly no \
    --dir "$dir" --pidfile "$pidfile" --logfile "$TS_STATE_DIR/logs/redis-$port.log" \
    || die "redis-server failed to start; see $TS_STATE_DIR/logs/redis-$port.log"
  TS_STARTED_REDIS_PIDFILE=$pidfile
  TS_STARTED_REDIS_ADDR="$host:$port"

  local i
  for ((i = 0; i < 40; i++)); do
    redis_answers "$host" "$port" && { log "Redis is up (pid $(cat "$pidfile" 2>/dev/null || echo ?))"; return 0; }
    sleep 0.5
  done
  tail -n 20 "$TS_STATE_DIR/logs/redis-$port.log" >&2 2>/dev/null || true
  die "Redis started on $host:$port but did not answer PING within 20 s"
}

# ---------------------------------------------------------------------------------------------
# Redis Cluster (tests only): three masters on loopback, no replicas, no persistence. The tests that
# run the services with quarkus.redis.client-type=cluster expect it on 127.0.0.1:7000-7002.

redis_cluster_ports() {
  local base=${REDIS_CLUSTER_PORT:-7000}
  [[ $base =~ ^[0-9]+$ ]] && (( base > 0 && base < 65534 )) || die "REDIS_CLUSTER_PORT must be a port number, not '$base'"
  printf '%s %s %s\n' "$base" $((base + 1)) $((base + 2))
}

# Every node reports a healthy cluster that serves all 16384 slots.
redis_cluster_healthy() {
  local port info
  for port in "$@"; do
    info=$(timeout 3 redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | tr -d '\r') || return 1
    [[ $info == *cluster_state:ok* && $info == *cluster_slots_ok:16384* ]] || return 1
  done
}

# The pid of the node we started on PORT, when it still runs.
redis_cluster_own_pid() {
  local pid
  pid=$(cat "$TS_STATE_DIR/redis-cluster/redis-$1.pid" 2>/dev/null || true)
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null || true) == redis-server* ]] \
    && printf '%s\n' "$pid"
}

redis_cluster_stop_node() { # port
  local pid i
  pid=$(redis_cluster_own_pid "$1" || true)
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$TS_STATE_DIR/redis-cluster/redis-$1.pid"
}

ensure_redis_cluster() {
  local -a ports
  read -r -a ports <<<"$(redis_cluster_ports)"
  local range="127.0.0.1:${ports[0]}-${ports[2]}" dir="$TS_STATE_DIR/redis-cluster"
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server
  fi
  command -v redis-cli >/dev/null 2>&1 || apt_install redis-tools
  mkdir -p "$dir" "$TS_STATE_DIR/logs"

  # One at a time: two test runs starting it at once would each create a cluster.
  # (The daemons must not inherit the lock's descriptor, or they would hold the lock for ever.)
  local lock
  exec {lock}>"$dir/lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 120 "$lock" || die "another run is starting the Redis Cluster and did not finish within 120 s"
  fi
  if redis_cluster_healthy "${ports[@]}"; then
    log "Redis Cluster answers on $range"
    exec {lock}>&-
    return 0
  fi

  local port
  for port in "${ports[@]}"; do
    if [[ -n $(redis_cluster_own_pid "$port" || true) ]]; then
      redis_cluster_stop_node "$port"   # ours, but not (or no longer) a healthy cluster: start afresh
    elif tcp_open 127.0.0.1 "$port"; then
      die "127.0.0.1:$port is taken by something that is not a healthy Redis Cluster started here; stop it, or set REDIS_CLUSTER_PORT to another first port"
    fi
  done

  log "starting a Redis Cluster on $range (three masters; logs: $TS_STATE_DIR/logs/redis-cluster-<port>.log)"
  for port in "${ports[@]}"; do
    rm -rf "${dir:?}/$port"
    mkdir -p "$dir/$port"
    # Test data only: no snapshots, no AOF; the cluster's node table lives in the node's directory.
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" \
      --cluster-enabled yes --cluster-config-file "nodes-$port.conf" --cluster-node-timeout 5000 \
      --save "" --appendonly no --dir "$dir/$port" --pidfile "$dir/redis-$port.pid" \
      --logfile "$TS_STATE_DIR/logs/redis-cluster-$port.log" {lock}>&- \
      || die "redis-server failed to start on port $port; see $TS_STATE_DIR/logs/redis-cluster-$port.log"
  done
  TS_STARTED_REDIS_CLUSTER=$range
  local i
  for port in "${ports[@]}"; do
    for ((i = 0; i < 40; i++)); do
      redis_answers 127.0.0.1 "$port" && break
      sleep 0.25
    done
    redis_answers 127.0.0.1 "$port" || die "the Redis Cluster node on port $port does not answer PING"
  done
  redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >"$TS_STATE_DIR/logs/redis-cluster-create.log" 2>&1 \
    || { cat "$TS_STATE_DIR/logs/redis-cluster-create.log" >&2; die "redis-cli --cluster create failed"; }
  for ((i = 0; i < 120; i++)); do
    if redis_cluster_healthy "${ports[@]}"; then
      log "Redis Cluster is up on $range (cluster_state:ok)"
      exec {lock}>&-
      return 0
    fi
    sleep 0.25
  done
  die "the Redis Cluster on $range did not reach cluster_state:ok within 30 s"
}

# Stops the cluster nodes started from this checkout (pid files in TS_STATE_DIR), nothing else.
stop_redis_cluster() {
  local -a ports
  read -r -a ports <<<"$(redis_cluster_ports)"
  local port stopped=""
  for port in "${ports[@]}"; do
    if [[ -n $(redis_cluster_own_pid "$port" || true) ]]; then
      redis_cluster_stop_node "$port"
      stopped+=" $port"
    fi
    rm -rf "${TS_STATE_DIR:?}/redis-cluster/$port"
  done
  if [[ -n $stopped ]]; then
    log "stopped the Redis Cluster nodes on 127.0.0.1:${stopped# }"
  else
    log "no Redis Cluster node started from here was running"
  fi
  TS_STARTED_REDIS_CLUSTER=""
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

pg_target() {
  if [[ -n ${PG_URL:-} ]]; then
    parse_url "$PG_URL" 5432
  else
    URL_HOST=127.0.0.1 URL_PORT=5432
  fi
  PG_HOST=$URL_HOST PG_PORT=$URL_PORT
}

pg_answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    # exit 0 = accepting connections (1 = still starting, 2 = nothing there)
    pg_isready -q -h "$1" -p "$2" -t 3 >/dev/null 2>&1
  else
    tcp_open "$1" "$2"
  fi
}

pg_wait_ready() {
  local i
  for ((i = 0; i < 60; i++)); do
    pg_answers "$PG_HOST" "$PG_PORT" && return 0
    sleep 0.5
  done
  return 1
}

# Newest installed server binaries (Debian keeps them in /usr/lib/postgresql/<version>/bin).
pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n $d && -x $d/postgres ]] && printf '%s\n' "$d"
}

# Where a private cluster lives. Under root the server runs as the `postgres` OS user, which must
# be able to reach the directory; a repository under /root is not reachable, so fall back to
# postgres' home directory then.
pg_private_base() {
  local base="$TS_STATE_DIR/pg"
  if [[ $EUID -eq 0 ]]; then
    mkdir -p "$base"
    chown postgres: "$base"
    if ! runuser -u postgres -- test -w "$base" 2>/dev/null; then
      base=/var/lib/postgresql/tokenservices
      mkdir -p "$base"
      chown postgres: "$base"
    fi
  else
    mkdir -p "$base"
  fi
  printf '%s\n' "$base"
}

# The Debian cluster (pg_lsclusters) configured for PORT, as "<version> <name>".
pg_debian_cluster_for_port() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 1
  pg_lsclusters -h 2>/dev/null | awk -v p="$1" '$3 == p { print $1, $2; found = 1; exit } END { exit !found }'
}

pg_start_private() {
  local bindir=$1 base owner data sock
  base=$(pg_private_base)
  owner=$(id -un)
  if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' OS user to run a private PostgreSQL cluster as"
    owner=postgres
  fi
  data="$base/data"
  sock="$base/run"
  as_user "$owner" mkdir -p "$sock"
  as_user "$owner" chmod 700 "$sock"   # trust on the local socket is safe: only its owner (and root) gets in

  if [[ ! -f $data/PG_VERSION ]]; then
    log "creating a private PostgreSQL cluster in $data"
    # Superuser 'postgres' without password over the private socket; password (scram) over TCP,
    # as on a stock Debian cluster.
    (cd / && as_user "$owner" "$bindir/initdb" -D "$data" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256) >"$base/initdb.log" 2>&1 \
      || { cat "$base/initdb.log" >&2; die "initdb failed"; }
    echo "include_if_exists = 'tokenservices.conf'" | as_user "$owner" tee -a "$data/postgresql.conf" >/dev/null
  fi
  # Rewritten on every start so that the port and addresses always match what was asked for.
  as_user "$owner" tee "$data/tokenservices.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sock'
EOF
  log "starting the private PostgreSQL cluster on 127.0.0.1:$PG_PORT (log: $base/postgres.log)"
  (cd / && as_user "$owner" "$bindir/pg_ctl" -D "$data" -l "$base/postgres.log" -w -t 30 start >&2) \
    || { tail -n 20 "$base/postgres.log" >&2 2>/dev/null || true; die "PostgreSQL did not start; see $base/postgres.log"; }
  TS_STARTED_PG="private $bindir $data $owner"
}

ensure_postgres() {
  pg_target
  if pg_answers "$PG_HOST" "$PG_PORT"; then
    log "PostgreSQL answers at $PG_HOST:$PG_PORT"
    return 0
  fi
  is_local_host "$PG_HOST" \
    || die "PostgreSQL at $PG_HOST:$PG_PORT (PG_URL) does not answer, and it is not on this machine, so it cannot be started here"

  local bindir
  bindir=$(pg_bindir || true)
  if [[ -z $bindir ]]; then
    apt_install postgresql
    bindir=$(pg_bindir || true)
    [[ -n $bindir ]] || die "the postgresql package installed no server under /usr/lib/postgresql"
    # Debian's package creates a cluster and, where an init script may run, starts it.
    if pg_wait_ready_short; then
      log "PostgreSQL answers at $PG_HOST:$PG_PORT (started by its package)"
      return 0
    fi
  fi

  local cluster
  if can_be_root && cluster=$(pg_debian_cluster_for_port "$PG_PORT"); then
    # shellcheck disable=SC2086  # "<version> <name>"
    set -- $cluster
    log "starting PostgreSQL cluster $1/$2 (pg_ctlcluster)"
    # --skip-systemctl-redirect: there may be no systemd; talk to the cluster directly.
    as_root pg_ctlcluster --skip-systemctl-redirect "$1" "$2" start >&2 \
      || die "pg_ctlcluster $1 $2 start failed; see /var/log/postgresql/postgresql-$1-$2.log"
    TS_STARTED_PG="cluster $1 $2"
  else
    pg_start_private "$bindir"
  fi
  TS_STARTED_PG_ADDR="$PG_HOST:$PG_PORT"

  pg_wait_ready || die "PostgreSQL was started but does not accept connections at $PG_HOST:$PG_PORT within 30 s"
  log "PostgreSQL is up at $PG_HOST:$PG_PORT"
}

pg_wait_ready_short() {
  local i
  for ((i = 0; i < 6; i++)); do
    pg_answers "$PG_HOST" "$PG_PORT" && return 0
    sleep 0.5
  done
  return 1
}

# Run psql as a PostgreSQL superuser, whichever way this machine allows:
#   1. TCP as 'postgres' (developer machines set to trust; -w: never prompt for a password),
#   2. the private cluster's socket (trust, owner-only directory),
#   3. peer authentication on the default socket as the 'postgres' OS user (stock Debian).
# The SQL comes on stdin.
pg_superuser_try() {
  local how=$1 sock; shift
  case "$how" in
    tcp)     (cd / && PGCONNECT_TIMEOUT=5 psql -w -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@") ;;
    private) for sock in "$TS_STATE_DIR/pg/run" /var/lib/postgresql/tokenservices/run; do
               [[ -S $sock/.s.PGSQL.$PG_PORT ]] || continue
               (cd / && psql -w -X -q -h "$sock" -p "$PG_PORT" -U postgres -d postgres "$@")
               return
             done
             return 1 ;;
    peer)    if [[ $EUID -eq 0 ]]; then
               (cd / && runuser -u postgres -- psql -w -X -q -p "$PG_PORT" -d postgres "$@")
             elif command -v sudo >/dev/null 2>&1; then
               (cd / && sudo -u postgres -- psql -w -X -q -p "$PG_PORT" -d postgres "$@")
             else
               return 1
             fi ;;
  esac
}

# pg_superuser_way: which of the ways above gets in (tcp, private, peer), or fails.
pg_superuser_way() {
  local how
  for how in tcp private peer; do
    if pg_superuser_try "$how" -c 'select 1' </dev/null >/dev/null 2>&1; then
      printf '%s\n' "$how"
      return 0
    fi
  done
  return 1
}

pg_superuser_available() { pg_target; pg_superuser_way >/dev/null; }

pg_superuser_psql() {
  local how
  how=$(pg_superuser_way) \
    || die "cannot connect to PostgreSQL on port $PG_PORT as a superuser (tried: TCP as postgres, a private cluster's socket, peer auth as the postgres OS user)"
  pg_superuser_try "$how" -v ON_ERROR_STOP=1 "$@"
}

ensure_database() {
  pg_target
  if [[ -n ${PG_URL:-} ]]; then
    # The user chose the database: it is theirs to create. Only check that it can be reached.
    if command -v psql >/dev/null 2>&1; then
      PGCONNECT_TIMEOUT=5 psql -w -X -q "$PG_URL" -c 'select 1' >/dev/null \
        || die "cannot connect with PG_URL (check user, password and database)"
      log "PG_URL connects"
    fi
    return 0
  fi
  create_databases "$@"
}

# fresh_database DB: DB dropped (its connections closed) and created anew, owned by TS_DB_ROLE, on
# the server of PG_URL (else 127.0.0.1:5432). Needs superuser access (pg_superuser_available).
fresh_database() {
  pg_target
  [[ $1 =~ ^[a-z_][a-z0-9_]*$ ]] || die "unexpected database name '$1'"
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client
  pg_superuser_psql -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" </dev/null >/dev/null || die "dropping database $1 failed"
  create_databases "$1"
}

# create_databases DB...: role TS_DB_ROLE (password TS_DB_PASSWORD) and the databases owned by it.
create_databases() {
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client
  [[ $TS_DB_ROLE =~ ^[a-z_][a-z0-9_]*$ ]] || die "unexpected role name '$TS_DB_ROLE'"
  local db sql password=${TS_DB_PASSWORD//\'/\'\'}
  # Role: created once; its password is (re)set so that a pre-existing role also works over scram.
  sql="DO \$\$ BEGIN
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$TS_DB_ROLE') THEN
           CREATE ROLE $TS_DB_ROLE LOGIN PASSWORD '$password';
         ELSE
           ALTER ROLE $TS_DB_ROLE LOGIN PASSWORD '$password';
         END IF;
       END \$\$;"
  for db in "$@"; do
    [[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || die "unexpected database name '$db'"
    # CREATE DATABASE cannot run inside DO/transactions; \gexec runs it only when missing.
    sql+="
SELECT 'CREATE DATABASE $db OWNER $TS_DB_ROLE' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db') \\gexec
ALTER DATABASE $db OWNER TO $TS_DB_ROLE;"
  done
  pg_superuser_psql -f - <<<"$sql" >/dev/null || die "creating role/databases failed"
  log "role $TS_DB_ROLE and database(s) $* are ready"
}

# ---------------------------------------------------------------------------------------------
# Processes we start: the services, and whatever the caller records in PID_OF

# The processes started by start_quarkus_app (and those the caller adds), by name: what
# stop_started_processes stops.
if ! declare -p PID_OF >/dev/null 2>&1; then declare -gA PID_OF=(); fi

# java_cmd: JAVA_CMD = the java of a JDK 17+ (JAVA_HOME first, as mvnw does), or die.
java_cmd() {
  require_jdk17
  JAVA_CMD=java
  if [[ -n ${JAVA_HOME:-} ]]; then JAVA_CMD="$JAVA_HOME/bin/java"; fi
}

# copy_quarkus_app APP_DIR DEST: a copy of a packaged service (<module>/target/quarkus-app) to run
# from DEST. A rebuild of the tree replaces APP_DIR file by file and must not pull jars from under a
# running service; a copy taken while a build rewrites it is taken again.
copy_quarkus_app() {
  local app=$1 dest=$2 i before after
  [[ -f $app/quarkus-run.jar ]] || die "$app/quarkus-run.jar not found: build it first with ./mvnw -DskipTests package"
  for i in 1 2 3 4 5; do
    before=$(find "$app" -type f -printf '%T@ %s %p\n' 2>/dev/null | sort | sha1sum)
    rm -rf "$dest"
    if cp -a "$app" "$dest" 2>/dev/null; then
      after=$(find "$app" -type f -printf '%T@ %s %p\n' 2>/dev/null | sort | sha1sum)
      if [[ $before == "$after" && -f $dest/quarkus-run.jar ]]; then return 0; fi
    fi
    log "$app changed while it was copied (a build?); retrying in 20 s"
    sleep 20
  done
  die "could not get a stable copy of $app"
}

# start_quarkus_app NAME APP_DIR PORT MANAGEMENT_PORT LOG_FILE [NAME=value...]: runs APP_DIR/quarkus-run.jar
# in the background with that environment, on PORT with its health and metrics on MANAGEMENT_PORT
# (both on TS_APP_HOST when set, else the service's own quarkus.http.host), output appended to
# LOG_FILE, and records it in PID_OF[NAME]. JAVA_CMD runs it (java_cmd), TS_APP_JAVA_OPTS (words)
# go before -jar. The ports are given explicitly so that they hold whatever the service's defaults.
# Quarkus' own URI check answers malformed URIs with an empty 400; the services make the same check
# themselves and answer with a body (README "Errors"): it is switched off.
start_quarkus_app() {
  local name=$1 app=$2 port=$3 management=$4 log_file=$5
  shift 5
  local -a opts=(-Dvertx.disableURIValidation=true -Dquarkus.http.port="$port" -Dquarkus.management.port="$management")
  if [[ -n ${TS_APP_HOST:-} ]]; then
    opts+=(-Dquarkus.http.host="$TS_APP_HOST" -Dquarkus.management.host="$TS_APP_HOST")
  fi
  # shellcheck disable=SC2206  # words on purpose
  if [[ -n ${TS_APP_JAVA_OPTS:-} ]]; then opts+=($TS_APP_JAVA_OPTS); fi
  [[ -f $app/quarkus-run.jar ]] || die "$app/quarkus-run.jar not found: build it first with ./mvnw -DskipTests package"
  env "$@" "${JAVA_CMD:-java}" "${opts[@]}" -jar "$app/quarkus-run.jar" >>"$log_file" 2>&1 </dev/null &
  PID_OF[$name]=$!
}

# start_native_app NAME EXECUTABLE PORT MANAGEMENT_PORT LOG_FILE [NAME=value...]: as start_quarkus_app,
# for a native executable (<module>/target/<module>-<version>-runner, scripts/native.sh builds it): the
# same system properties, given on its command line; TS_APP_JAVA_OPTS is not used (there is no JVM),
# TS_APP_NATIVE_OPTS (words, e.g. -Xmx64m) goes on its command line.
start_native_app() {
  local name=$1 executable=$2 port=$3 management=$4 log_file=$5
  shift 5
  local -a opts=(-Dvertx.disableURIValidation=true -Dquarkus.http.port="$port" -Dquarkus.management.port="$management")
  if [[ -n ${TS_APP_HOST:-} ]]; then
    opts+=(-Dquarkus.http.host="$TS_APP_HOST" -Dquarkus.management.host="$TS_APP_HOST")
  fi
  # shellcheck disable=SC2206  # words on purpose
  if [[ -n ${TS_APP_NATIVE_OPTS:-} ]]; then opts+=($TS_APP_NATIVE_OPTS); fi
  [[ -x $executable ]] || die "$executable not found: build it first with scripts/native.sh"
  env "$@" "$executable" "${opts[@]}" >>"$log_file" 2>&1 </dev/null &
  PID_OF[$name]=$!
}

# native_executable_of MODULE: the module's native executable, if one was built (else nothing).
native_executable_of() {
  local f
  for f in "$1"/target/*-runner; do
    if [[ -x $f ]]; then printf '%s' "$f"; return 0; fi
  done
  return 0
}

# stop_process NAME PID [SECONDS]: SIGTERM, SIGKILL after SECONDS (default 10) if it still runs; waits for it.
stop_process() {
  local name=$1 pid=$2 grace=${3:-10} i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 2; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not stop within $grace s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# stop_started_processes: every process of PID_OF at once: SIGTERM, 10 s for all, then SIGKILL.
stop_started_processes() {
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
      log "$name (pid $pid) did not stop within 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if (( ${#PID_OF[@]} > 0 )); then log "stopped: ${!PID_OF[*]}"; fi
  PID_OF=()
}

# wait_until_ready NAME PID URL SECONDS: returns once URL answers 200. When PID exits first, or SECONDS
# pass, it calls the caller's show_log_tail NAME and dies.
wait_until_ready() {
  local name=$1 pid=$2 url=$3 seconds=$4 i code=""
  for ((i = 0; i < seconds * 2; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail "$name"
      die "$name exited during start-up"
    fi
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true)
    if [[ $code == 200 ]]; then
      log "$name is ready (pid $pid, $url)"
      return 0
    fi
    sleep 0.5
  done
  show_log_tail "$name"
  die "$name did not answer 200 at $url within $seconds s (last status: ${code:-none})"
}

# ---------------------------------------------------------------------------------------------
# Stopping what we started

stop_started_infra() {
  if [[ -n $TS_STARTED_REDIS_PIDFILE ]]; then
    local pid i
    pid=$(cat "$TS_STARTED_REDIS_PIDFILE" 2>/dev/null || true)
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      log "stopping the Redis we started on $TS_STARTED_REDIS_ADDR (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$TS_STARTED_REDIS_PIDFILE"
    TS_STARTED_REDIS_PIDFILE=""
  fi
  if [[ -n $TS_STARTED_PG ]]; then
    local -a what
    read -r -a what <<<"$TS_STARTED_PG"
    log "stopping the PostgreSQL we started on $TS_STARTED_PG_ADDR"
    case "${what[0]}" in
      cluster)
        as_root pg_ctlcluster --skip-systemctl-redirect -m fast "${what[1]}" "${what[2]}" stop >&2 || true ;;
      private)
        (cd / && as_user "${what[3]}" "${what[1]}/pg_ctl" -D "${what[2]}" -m fast -w stop >&2) || true ;;
    esac
    TS_STARTED_PG=""
  fi
  if [[ -n $TS_STARTED_REDIS_CLUSTER ]]; then
    stop_redis_cluster
  fi
}

# Human-readable summary of what this shell started, for the caller's messages.
describe_started_infra() {
  local out=""
  [[ -n $TS_STARTED_REDIS_PIDFILE ]] && out+="Redis on $TS_STARTED_REDIS_ADDR (pid file $TS_STARTED_REDIS_PIDFILE); "
  [[ -n $TS_STARTED_PG ]] && out+="PostgreSQL on $TS_STARTED_PG_ADDR ($TS_STARTED_PG); "
  [[ -n $TS_STARTED_REDIS_CLUSTER ]] && out+="Redis Cluster on $TS_STARTED_REDIS_CLUSTER (scripts/redis-cluster.sh stop); "
  printf '%s' "${out%; }"
}

# ---------------------------------------------------------------------------------------------
# Downloads

# maven_central_file GROUP ARTIFACT VERSION EXT: prints the path of that artifact, downloaded once from
# MAVEN_REPO_URL (https://repo1.maven.org/maven2) into TS_CACHE_DIR (${XDG_CACHE_HOME:-~/.cache}/tokenservices)
# and checked against the SHA-1 the repository publishes beside it (Keycloak, for the demo IdP and the
# benchmark).
maven_central_file() {
  local group=$1 artifact=$2 version=$3 ext=$4
  local cache=${TS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tokenservices}
  local name="$artifact-$version.$ext"
  local url="${MAVEN_REPO_URL:-https://repo1.maven.org/maven2}/${group//.//}/$artifact/$version/$name"
  local file="$cache/$name" expected actual
  mkdir -p "$cache"
  command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
  if [[ ! -s $file.sha1 ]]; then
    curl -fsS --retry 3 -o "$file.sha1.part" "$url.sha1" || die "cannot fetch $url.sha1 (no network?)"
    mv "$file.sha1.part" "$file.sha1"
  fi
  expected=$(tr -dc '0-9a-f' <"$file.sha1" | head -c 40)
  [[ ${#expected} == 40 ]] || { rm -f "$file.sha1"; die "unreadable checksum from $url.sha1; try again"; }
  if [[ ! -f $file ]]; then
    log "downloading $name (only this once; cached in $cache)"
    local progress=(-sS)
    if [[ -t 2 ]]; then progress=(-#); fi
    curl -fL --retry 3 "${progress[@]}" -o "$file.part" "$url" || { rm -f "$file.part"; die "downloading $url failed"; }
    mv "$file.part" "$file"
  fi
  actual=$(sha1sum "$file" | cut -c1-40)
  if [[ $actual != "$expected" ]]; then
    rm -f "$file" "$file.sha1"
    die "$file has SHA-1 $actual, the repository says $expected; deleted it, run again to download it anew"
  fi
  printf '%s\n' "$file"
}

# ---------------------------------------------------------------------------------------------
# Java

# Major version of the JDK Maven will use (JAVA_HOME first, as mvnw does), or empty.
jdk_major() {
  local java=java
  [[ -n ${JAVA_HOME:-} ]] && java="$JAVA_HOME/bin/java"
  command -v "$java" >/dev/null 2>&1 || return 0
  local v
  v=$("$java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { print $2; exit }')
  v=${v#1.}
  printf '%s\n' "${v%%.*}"
}

has_javac() {
  local java
  if [[ -n ${JAVA_HOME:-} ]]; then
    [[ -x $JAVA_HOME/bin/javac ]]
  else
    java=$(readlink -f "$(command -v java)")
    [[ -x ${java%/*}/javac ]] || command -v javac >/dev/null 2>&1
  fi
}

require_jdk17() {
  local major
  major=$(jdk_major)
  [[ -n $major ]] || die "no Java found: install a JDK 17 or newer (e.g. apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
  (( major >= 17 )) || die "Java $major found${JAVA_HOME:+ in JAVA_HOME=$JAVA_HOME}; TokenServices needs a JDK 17 or newer (set JAVA_HOME to one)"
  has_javac || die "Java $major is a runtime without a compiler (no javac); install the JDK (e.g. openjdk-17-jdk-headless)"
}

# For a clean machine (CI): what the build needs and may be missing.
ensure_build_tools() {
  local -a missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)          # mvnw downloads Maven with it
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)    # secrets in run.sh
  [[ -e /etc/ssl/certs/ca-certificates.crt ]] || missing+=(ca-certificates)
  (( ${#missing[@]} == 0 )) || apt_install "${missing[@]}"

  local major
  major=$(jdk_major)
  if [[ -z $major ]] || (( major < 17 )) || ! has_javac; then
    # Debian 12 / Ubuntu 22.04+ have 17; newer releases may only carry 21 or later.
    # A fresh container has no package lists yet: refresh them once if no candidate is known.
    local pkg chosen="" attempt
    for attempt in 1 2; do
      for pkg in openjdk-17-jdk-headless openjdk-21-jdk-headless default-jdk-headless; do
        if apt-cache show "$pkg" >/dev/null 2>&1; then chosen=$pkg; break 2; fi
      done
      [[ $attempt == 1 ]] && as_root env DEBIAN_FRONTEND=noninteractive apt-get update >&2
    done
    [[ -n $chosen ]] || die "no JDK package found by apt-get; install a JDK 17 or newer"
    apt_install "$chosen"
    # The default `java` may still be an older one: point JAVA_HOME at the newest JDK 17+.
    major=$(jdk_major)
    if [[ -z $major ]] || (( major < 17 )) || ! has_javac; then
      local home
      for home in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
        home=${home%/}
        if [[ -x $home/bin/javac ]] && JAVA_HOME=$home jdk_major | awk '{ exit !($1 >= 17) }'; then
          export JAVA_HOME=$home
          log "using JAVA_HOME=$JAVA_HOME"
          break
        fi
      done
    fi
  fi
  require_jdk17
}
