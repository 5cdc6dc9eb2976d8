#!/usr/bin/env bash
# Installs the Debian packages Tessera needs to build and test; quiet and fast
# when everything is already there. Safe to run any number of times.
set -euo pipefail
PKGS=(bazel-bootstrap bazel-rules-proto bazel-rules-java bazel-skylib
      bazel-platforms libeigen3-dev libabsl-dev libprotobuf-dev
      protobuf-compiler libgtest-dev libgmock-dev libbenchmark-dev
      libsnappy-dev zlib1g-dev libpng-dev g++ hostname)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null || true
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
