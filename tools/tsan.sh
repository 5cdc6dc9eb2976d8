#!/usr/bin/env bash
# The ThreadSanitizer stage of CI (.ci/run runs it after tools/sanitize.sh):
# the concurrency tests and the threaded unit tests, built with
# --config=tsan. TSAN_OPTIONS=halt_on_error=1 (.bazelrc) makes any report a
# test failure; the first report of each failing test is printed. Ends with
#   tsan: N passed, M failed; R reports; T s
# Extra args go to bazel; TSAN_EXTRA_TESTS adds targets.
# Debian's absl is not built with TSan: //third_party:absl_tsan_annotations
# (linked in by --config=tsan) annotates its Mutex; see docs/reliability.md.
set -uo pipefail
cd "$(dirname "$0")/.."
# Chosen by measured time (docs/reliability.md): these share one TSan build
# of the runtime, the ops and the kernels they run. Tests that link all of
# //kernels (summary_writer_test, data_test...) would add conv/nn/parsing to
# it; add them with TSAN_EXTRA_TESTS="//runtime:summary_writer_test".
tsan_tests=(
  //third_party:absl_tsan_annotations_test
  //tests:concurrency_test
  //runtime:session_test
)
read -r -a extra <<< "${TSAN_EXTRA_TESTS:-}"
log=$(mktemp)
start=$(date +%s)
bazel test --config=tsan --test_output=errors "${tsan_tests[@]}" \
  "${extra[@]}" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
reports=0
echo "== ThreadSanitizer reports"
for t in "${tsan_tests[@]}" "${extra[@]}"; do
  f="bazel-testlogs/$(sed 's|^//||; s|:|/|' <<< "$t")/test.log"
  [ -f "$f" ] || continue
  n=$(grep -c "WARNING: ThreadSanitizer" "$f")
  reports=$((reports + n))
  if [ "$n" -gt 0 ]; then
    echo "  $t: $n report(s):"
    grep -m1 -A12 "WARNING: ThreadSanitizer" "$f" | sed 's/^/    /'
  else
    echo "  $t: none"
  fi
done
passed=$(grep -cE '^//.*(PASSED|\(cached\) PASSED)' "$log")
failed=$(grep -cE '^//.*(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)' "$log")
echo "tsan: ${passed} passed, ${failed} failed; ${reports} reports;" \
  "$(( $(date +%s) - start )) s"
rm -f "$log"
[ "$reports" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1
exit "$rc"
