#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (the
# benchmark-tagged targets are built but not run). Extra args go to bazel,
# e.g. tools/test.sh --config=asan.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh || exit 1
log=$(mktemp)
bazel test //... "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# One plain summary line ("N passed, N failed") for CI.
passed=$(grep -cE '^//.*(PASSED|\(cached\) PASSED)' "$log")
failed=$(grep -cE '^//.*(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)' "$log")
echo "tests: ${passed} passed, ${failed} failed"
rm -f "$log"
exit "$rc"
