#!/usr/bin/env bash
# The sanitizer and fuzz stage of CI (.ci/run runs it after tools/test.sh):
#  1. every fuzz target (//tests/fuzz) under ASan+UBSan: its seed corpus, then
#     FUZZ_RUNS deterministic mutations (default 20000) or FUZZ_MAX_TIME
#     seconds (default 60), whichever ends first;
#  2. the unit tests of the parsers and storage (core/, graph/, the saver)
#     under ASan+UBSan.
# Prints each target's "N inputs tried" line and a summary line
#   sanitizers: N passed, M failed; fuzz: K inputs tried, 0 crashes
# Extra args go to bazel. A crash leaves its input as crash-<target>-<hash>
# in bazel-testlogs/tests/fuzz/<target>/test.outputs/ (see docs/reliability.md).
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${FUZZ_RUNS:-20000}
max_time=${FUZZ_MAX_TIME:-60}
# Chosen by measured time (docs/reliability.md): the parsers, storage and
# graph import, plus the saver's fault injection. The kernel-heavy tests are
# left to the plain run: rebuilding every kernel under ASan costs more than
# the whole plain CI run (measured: kernels/qr_op.cc alone, Eigen's QR, was
# still compiling after 20 minutes under ASan on the loaded 2-core machine;
# every runtime/ test and //kernels:random_ops_test link it). The other
# kernel tests link only their own kernel library; run them with
#   ASAN_EXTRA_TESTS="//kernels:cwise_ops_test //kernels:nn_ops_test ..."
# (docs/reliability.md lists the candidates).
asan_tests=(
  //core:crc32c_test //core:op_registry_test //core:record_io_test
  //core:table_test //core:tensor_bundle_test //core:tensor_test
  //core:idx_io_test //graph:graph_test
)
# Extra targets (e.g. //runtime:saver_test) from the environment.
read -r -a extra <<< "${ASAN_EXTRA_TESTS:-}"
log=$(mktemp)
start=$(date +%s)
bazel test --config=asan --test_output=errors \
  --test_arg=--runs="${runs}" --test_arg=--max_time="${max_time}" \
  //tests/fuzz:all "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
bazel test --config=asan --test_output=errors "${asan_tests[@]}" \
  "${extra[@]}" "$@" 2>&1 | tee -a "$log"
rc2=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && rc=$rc2
echo "== fuzz targets under ASan+UBSan (${runs} mutations or ${max_time} s each)"
total=0
for t in bazel-testlogs/tests/fuzz/*/test.log; do
  line=$(grep -h "inputs tried" "$t" | tail -1)
  [ -n "$line" ] || line="$(basename "$(dirname "$t")"): no count (crashed or did not run)"
  echo "  $line"
  n=$(sed -n 's/^[^:]*: \([0-9]*\) inputs tried.*/\1/p' <<< "$line")
  total=$((total + ${n:-0}))
done
passed=$(grep -cE '^//.*(PASSED|\(cached\) PASSED)' "$log")
failed=$(grep -cE '^//.*(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)' "$log")
crashes=$(grep -lE "CRASH|ERROR: (Address|Undefined|Leak)Sanitizer|runtime error:" \
  bazel-testlogs/tests/fuzz/*/test.log 2>/dev/null | wc -l)
echo "sanitizers: ${passed} passed, ${failed} failed; fuzz: ${total} inputs" \
  "tried, ${crashes} crashes; $(( $(date +%s) - start )) s"
rm -f "$log"
exit "$rc"
