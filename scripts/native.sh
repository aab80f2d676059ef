#!/usr/bin/env bash
# scripts/native.sh [service...] — builds the services as native executables and runs their
# packaged-application tests (*IT, @QuarkusIntegrationTest) against them.
#
#   scripts/native.sh                        token-service, orchestrator-service, device-portal
#   scripts/native.sh token-service          one of them (what CI runs after ./test.sh)
#   NATIVE_SKIP_ITS=1 scripts/native.sh      build only (e.g. for ./run.sh with TS_NATIVE=1)
#
# These machines have no GraalVM or Mandrel: the native-image home is assembled once from Temurin 25
# and the GraalVM builder jars on Maven Central by the stand-in toolchain (../shared/native-toolchain,
# read its README for what it is and is not) into $TS_STATE_DIR/native-image-home, and reused while
# the toolchain is unchanged. Where GraalVM or Mandrel is installed, use it instead: NATIVE_IMAGE_HOME.
#
# The services are built one after the other, never together: the image builder peaks near 7 GB and
# uses every core. Each build is `./mvnw verify -Dnative -pl <service> -am` with the unit tests
# skipped (./test.sh runs them on the JVM): Quarkus then runs the module's ITs against
# <module>/target/<module>-<version>-runner. The ITs use the test profile's Redis and PostgreSQL
# (postgresql://127.0.0.1:5432/tokenservices_test, or PG_URL when set), made sure of as ./test.sh does.
#
# Environment (all optional):
#   NATIVE_JAVA_HOME    the JDK the builder runs on (Temurin 25: /usr/lib/jvm/temurin-25-jdk-amd64)
#   NATIVE_TOOLCHAIN    the stand-in toolchain (default: shared/native-toolchain in a parent folder)
#   NATIVE_IMAGE_HOME   a native-image home to use as it is (GraalVM/Mandrel); nothing is assembled
#   NATIVE_SKIP_ITS=1   build the executables, run no test
#   NATIVE_LOG_DIR      $TS_STATE_DIR/logs (one native-<service>.log per build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/infra.sh
source scripts/infra.sh

ALL_SERVICES=(token-service orchestrator-service device-portal)
services=("$@")
if (( ${#services[@]} == 0 )); then services=("${ALL_SERVICES[@]}"); fi
for svc in "${services[@]}"; do
  [[ " ${ALL_SERVICES[*]} " == *" $svc "* ]] || die "unknown service '$svc' (one of: ${ALL_SERVICES[*]})"
done

NATIVE_JAVA_HOME=${NATIVE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
NATIVE_LOG_DIR=${NATIVE_LOG_DIR:-$TS_STATE_DIR/logs}
mkdir -p "$NATIVE_LOG_DIR"

# The toolchain: NATIVE_TOOLCHAIN, else shared/native-toolchain beside the repository or above it.
find_toolchain() {
  local dir
  if [[ -n ${NATIVE_TOOLCHAIN:-} ]]; then printf '%s' "$NATIVE_TOOLCHAIN"; return 0; fi
  dir=$(pwd)
  while [[ $dir != / ]]; do
    dir=$(dirname "$dir")
    if [[ -f $dir/shared/native-toolchain/assemble-native-image.sh ]]; then
      printf '%s' "$dir/shared/native-toolchain"; return 0
    fi
  done
  return 1
}

# The assembled home is kept while the toolchain's files and the JDK are those it was made from.
native_home() {
  if [[ -n ${NATIVE_IMAGE_HOME:-} ]]; then
    [[ -x $NATIVE_IMAGE_HOME/bin/native-image ]] || die "no bin/native-image in NATIVE_IMAGE_HOME=$NATIVE_IMAGE_HOME"
    printf '%s' "$NATIVE_IMAGE_HOME"; return 0
  fi
  local toolchain home stamp wanted
  toolchain=$(find_toolchain) || die "the native-image toolchain was not found: set NATIVE_TOOLCHAIN (shared/native-toolchain) or NATIVE_IMAGE_HOME (GraalVM/Mandrel)"
  [[ -x $NATIVE_JAVA_HOME/bin/java ]] || die "no JDK 25 at NATIVE_JAVA_HOME=$NATIVE_JAVA_HOME (the toolchain needs Temurin 25)"
  for tool in gcc unzip; do command -v "$tool" >/dev/null 2>&1 || apt_install "$tool"; done
  home=$TS_STATE_DIR/native-image-home
  stamp=$TS_STATE_DIR/native-image-home.stamp
  wanted=$({ cat "$toolchain"/*; "$NATIVE_JAVA_HOME/bin/java" -version 2>&1; } | sha1sum | cut -d' ' -f1)
  if [[ ! -x $home/bin/native-image || $(cat "$stamp" 2>/dev/null) != "$wanted" ]]; then
    log "assembling the native-image home from $toolchain into $home (once; about a minute)"
    rm -f "$stamp"
    BASE_JDK=$NATIVE_JAVA_HOME bash "$toolchain/assemble-native-image.sh" "$home" >"$NATIVE_LOG_DIR/native-image-home.log" 2>&1 \
      || { tail -20 "$NATIVE_LOG_DIR/native-image-home.log" >&2; die "assembling the native-image home failed (log: $NATIVE_LOG_DIR/native-image-home.log)"; }
    printf '%s\n' "$wanted" >"$stamp"
  fi
  printf '%s' "$home"
}

HOME_DIR=$(native_home)
log "native-image: $("$HOME_DIR/bin/native-image" --version | head -1) ($HOME_DIR)"

its=()
if [[ ${NATIVE_SKIP_ITS:-} == 1 ]]; then
  its=(-DskipITs)
else
  # the same datastores as ./test.sh (the ITs run the test profile)
  REDIS_URL=redis://127.0.0.1:6379 ensure_redis
  ensure_postgres
  ensure_database tokenservices_test   # with PG_URL set: only checks that it connects
fi

for svc in "${services[@]}"; do
  log_file=$NATIVE_LOG_DIR/native-$svc.log
  log "building $svc natively${its[*]:+ (no tests)}${its[*]:- and running its ITs against the executable} (several minutes; log: $log_file)"
  start=$SECONDS
  # The unit tests ran on the JVM (./test.sh); -Dtest=none skips them, failsafe's ITs still run.
  if ! JAVA_HOME=$NATIVE_JAVA_HOME ./mvnw -B verify -Dnative -pl "$svc" -am \
      -Dquarkus.native.graalvm-home="$HOME_DIR" -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false "${its[@]}" \
      >"$log_file" 2>&1; then
    grep -E 'Tests run:|FAIL|ERROR|Error:|error:' "$log_file" | tail -40 >&2 || true
    die "$svc: native build or its ITs failed after $((SECONDS - start)) s (log: $log_file)"
  fi
  runner=$(ls "$svc"/target/*-runner 2>/dev/null | head -1)
  summary=$(grep -E 'Tests run: [0-9]+, Failures' "$log_file" | tail -1 || true)
  log "$svc: $runner ($(du -m "$runner" | cut -f1) MiB) in $((SECONDS - start)) s${summary:+; ITs: $summary}"
done
