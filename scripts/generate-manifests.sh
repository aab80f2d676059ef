#!/usr/bin/env bash
# scripts/generate-manifests.sh — refresh deploy/base/<service>.yaml from what quarkus-kubernetes
# generates.
#
# Each service's Deployment, Services, PodDisruptionBudget (and the token service's
# HorizontalPodAutoscaler) are generated at `package` into <service>/target/kubernetes/kubernetes.yml,
# from the "Kubernetes" section of its application.properties and its src/main/kubernetes/kubernetes.yml.
# deploy/base/<service>.yaml is that file in a canonical form (quarkus-kubernetes' own order changes
# from build to build), with a header; deploy-check fails while they differ. This packages the three
# services (tests skipped) and lets deploy-check's GeneratedManifestsTest write the copies.
#
# The ports of the manifests are the defaults of quarkus.http.port and quarkus.management.port, which
# TOKEN_SERVICE_PORT & co. would change at build time: they are unset here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

env -u TOKEN_SERVICE_PORT -u ORCHESTRATOR_PORT -u DEVICE_PORTAL_PORT -u TOKEN_SERVICE_MANAGEMENT_PORT \
    -u ORCHESTRATOR_MANAGEMENT_PORT -u DEVICE_PORTAL_MANAGEMENT_PORT REFRESH_MANIFESTS=1 \
  ./mvnw -B -q verify -pl deploy-check -am -DskipITs \
    -Dtest=GeneratedManifestsTest -Dsurefire.failIfNoSpecifiedTests=false "$@"
git status --short deploy/base
