# e2e/lib.sh — what the end-to-end scripts (e2e/run.sh, e2e/run-orchestrator.sh) share beyond
# scripts/infra.sh (Redis/PostgreSQL, processes, waiting): tool checks, the node dependencies, the
# packaged services, a fresh database, free ports, and stopping everything they started whatever
# happens. Sourced, not run.
#
# The sourcing script sets E2E_NAME (log prefix and directory name) first; this file then sets
# E2E_DIR, LOG_DIR ($TS_STATE_DIR/logs/<name>), RUN_DIR ($TS_STATE_DIR/<name>) and JAVA_CMD, and
# installs the EXIT trap that stops every process recorded in PID_OF.
# shellcheck shell=bash
# shellcheck source=SCRIPTDIR/../scripts/infra.sh
source scripts/infra.sh
TS_LOG_PREFIX=$E2E_NAME

E2E_DIR=e2e
LOG_DIR="$TS_STATE_DIR/logs/$E2E_NAME"
RUN_DIR="$TS_STATE_DIR/$E2E_NAME"
mkdir -p "$LOG_DIR" "$RUN_DIR"

command -v node >/dev/null 2>&1 || die "node is not installed (Node 20 or newer is needed for the e2e tests)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
(( node_major >= 20 )) || die "Node $node_major found; the e2e tests need Node 20 or newer"
command -v curl >/dev/null 2>&1 || die "curl is needed"
command -v openssl >/dev/null 2>&1 || die "openssl is needed"

# npm ci when node_modules is missing or older than the lock file.
if [[ ! -f $E2E_DIR/node_modules/.package-lock.json || $E2E_DIR/package-lock.json -nt $E2E_DIR/node_modules/.package-lock.json ]]; then
  log "installing node dependencies (npm ci)"
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

java_cmd

# e2e_packaged MODULE...: builds the modules whose target/quarkus-app is missing.
e2e_packaged() {
  local module
  for module in "$@"; do
    if [[ ! -f $module/target/quarkus-app/quarkus-run.jar ]]; then
      log "$module/target/quarkus-app is missing: building it"
      ./mvnw -B -q -DskipTests package -pl "$module" -am
    fi
  done
}

# ---- stopping (installed before anything is started) ----------------------------------------
CLEANED_UP=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
e2e_cleanup() {
  local rc=$?
  if [[ -n $CLEANED_UP ]]; then return 0; fi
  CLEANED_UP=1
  trap - INT TERM
  stop_started_processes
  stop_started_infra
  return "$rc"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# e2e_fresh_database DB: Redis and PostgreSQL up, DB dropped and created anew (stored signing keys
# of an earlier run never clash); sets PG_URL_E2E. PG_URL is ignored: the database is always local.
# E2E_DATABASE_SUFFIX (optional) is appended to DB's name, so that runs from two checkouts on one
# machine never drop each other's database (give them different Redis databases in REDIS_URL too).
e2e_fresh_database() {
  [[ ${E2E_DATABASE_SUFFIX:-} =~ ^[a-z0-9_]*$ ]] || die "E2E_DATABASE_SUFFIX may hold only a-z, 0-9 and _"
  set -- "$1${E2E_DATABASE_SUFFIX:-}"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
  ensure_redis
  unset PG_URL
  ensure_postgres
  log "recreating database $1"
  fresh_database "$1"
  PG_URL_E2E="postgresql://$TS_DB_ROLE:$TS_DB_PASSWORD@127.0.0.1:5432/$1"
}

# free_ports N: N loopback ports free right now, on one line, none of them handed out before in this
# run (PORTS_GIVEN): a service may not have bound its port yet when the next one is picked, the kernel
# may offer a port just released again, and some ports (an IdP meant to be down) are never bound. Two
# services once got the same management port that way, and the second could not start.
PORTS_GIVEN="$RUN_DIR/ports-given"
: >"$PORTS_GIVEN"
free_ports() {
  node -e '
    const fs = require("node:fs");
    const net = require("node:net");
    const listen = () => new Promise((resolve, reject) => {
      const s = net.createServer().once("error", reject).listen(0, "127.0.0.1", () => resolve(s));
    });
    (async () => {
      const given = new Set(fs.readFileSync(process.argv[2], "utf8").split(/\s+/).filter(Boolean));
      const picked = [];
      const held = [];   // kept open until the end, so that a port refused here is not offered again
      while (picked.length < Number(process.argv[1])) {
        const s = await listen();
        held.push(s);
        const port = String(s.address().port);
        if (!given.has(port)) {
          picked.push(port);
          given.add(port);
        }
      }
      fs.appendFileSync(process.argv[2], picked.join(" ") + "\n");
      console.log(picked.join(" "));
      held.forEach((s) => s.close());
    })();' "$1" "$PORTS_GIVEN"
}

show_log_tail() {   # show_log_tail NAME [LINES]
  log "last ${2:-40} lines of $LOG_DIR/$1.log:"
  tail -n "${2:-40}" "$LOG_DIR/$1.log" >&2 || true
}

wait_for() {   # wait_for NAME URL SECONDS: a process started here answers 200 at URL
  wait_until_ready "$1" "${PID_OF[$1]}" "$2" "$3"
}

# start_app NAME MODULE PORT [NAME=value...]: runs a copy of MODULE's target/quarkus-app (a rebuild
# in the work tree, which replaces it file by file, must not pull jars from under a running
# service) on 127.0.0.1:PORT with the given environment, logging to $LOG_DIR/NAME.log. Its health
# and metrics are on a free management port of their own (MANAGEMENT_PORT_OF[NAME]; wait_ready).
# With TS_NATIVE=1 it runs a copy of the module's native executable instead (scripts/native.sh builds
# them; one missing is an error here, not a silent fall-back to the jar): the same tests, against what
# the production overlay deploys.
declare -A MANAGEMENT_PORT_OF=()
start_app() {
  local name=$1 module=$2 port=$3 copy="$RUN_DIR/$1-app" management executable
  shift 3
  management=$(free_ports 1)
  [[ -n $management ]] || die "could not pick a free management port for $name"
  MANAGEMENT_PORT_OF[$name]=$management
  : >"$LOG_DIR/$name.log"
  if [[ ${TS_NATIVE:-} == 1 ]]; then
    executable=$(native_executable_of "$module")
    [[ -n $executable ]] || die "TS_NATIVE=1, but $module has no native executable: build it with scripts/native.sh $module"
    mkdir -p "$copy"
    cp "$executable" "$copy/"
    log "starting $name on port $port, health on $management (native: ${executable##*/}, $(date -r "$executable" '+%F %T'); log: $LOG_DIR/$name.log)"
    TS_APP_HOST=127.0.0.1 start_native_app "$name" "$copy/${executable##*/}" "$port" "$management" "$LOG_DIR/$name.log" "$@"
    return 0
  fi
  copy_quarkus_app "$module/target/quarkus-app" "$copy"
  local jars=("$copy"/app/*.jar)
  log "starting $name on port $port, health on $management (build: ${jars[*]##*/}, $(date -r "$copy/quarkus-run.jar" '+%F %T'); log: $LOG_DIR/$name.log)"
  TS_APP_HOST=127.0.0.1 start_quarkus_app "$name" "$copy" "$port" "$management" "$LOG_DIR/$name.log" "$@"
}

# wait_ready NAME SECONDS: a service started by start_app is ready (/q/health/ready on its management port).
wait_ready() {
  wait_for "$1" "http://127.0.0.1:${MANAGEMENT_PORT_OF[$1]}/q/health/ready" "$2"
}
