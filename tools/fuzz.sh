#!/usr/bin/env bash
# Runs the fuzz targets of //tests/fuzz under libFuzzer (Debian's clang 14,
# with ASan+UBSan), each for FUZZ_SECONDS (default 60) from its seed corpus.
# New interesting inputs go to $FUZZ_WORKDIR/<target>/ (not the repo);
# crashes to $FUZZ_WORKDIR/crashes/<target>-crash-<sha1>: copy one into
# tests/fuzz/corpus/<target>/regression_<what> and fix the parser.
#   tools/fuzz.sh                      # every target
#   FUZZ_SECONDS=600 tools/fuzz.sh checkpoint_fuzzer
# Prints "<target>: N inputs tried (libFuzzer, S s), ..." per target.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
work=${FUZZ_WORKDIR:-/tmp/tessera-fuzz}
# Own output base: a compiler switch would otherwise rebuild the gcc tree.
ob=${TESSERA_LIBFUZZER_OUTPUT_BASE:-$HOME/.cache/tessera-libfuzzer}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(table_fuzzer checkpoint_fuzzer record_io_fuzzer event_reader_fuzzer
           tensor_proto_fuzzer graph_def_fuzzer idx_fuzzer csv_fuzzer
           example_fuzzer meta_graph_fuzzer)
fi
labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:${t}_libfuzzer"); done
# --symlink_prefix=/: no bazel-* links, which would point the gcc build's
# convenience links at this output base (and break `bazel test //...`).
bazel --output_base="$ob" build --config=libfuzzer --symlink_prefix=/ \
  "${labels[@]}" || exit 1
bin=$(bazel --output_base="$ob" info --config=libfuzzer bazel-bin 2>/dev/null)
mkdir -p "$work/crashes"
rc=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  log="$work/$t.log"
  # ASan returns null past 1 GiB (sanitizer_options.cc), which Tessera
  # turns into ResourceExhausted; libFuzzer's own limits sit above that.
  "$bin/tests/fuzz/${t}_libfuzzer" -max_total_time="$secs" \
    -print_final_stats=1 -rss_limit_mb=4096 -malloc_limit_mb=2048 \
    -artifact_prefix="$work/crashes/$t-" "$work/$t" "tests/fuzz/corpus/$t" \
    > "$log" 2>&1
  r=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
  if [ "$r" -eq 0 ]; then
    echo "$t: ${execs:-?} inputs tried (libFuzzer, ${secs} s, ${cov}), 0 crashes"
  else
    rc=1
    echo "$t: FAILED after ${execs:-?} inputs (exit $r), see $log:"
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5
  fi
done
exit "$rc"
