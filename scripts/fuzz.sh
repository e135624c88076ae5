#!/bin/sh
# Fuzzes dsim with libFuzzer (docs/FUZZING.md): builds the "fuzz" preset
# (clang, AddressSanitizer, UBSan) and runs each target for SECONDS (default
# 60) from a seed corpus of every scenario and bad file in the repository,
# with the dictionary fuzz/dsim.dict. Fails on any crash, timeout (10 s per
# input), leak or out-of-memory (3 GiB); the input that caused it is saved
# under build/fuzz/findings/ and its path printed.
#
#   scripts/fuzz.sh            # 60 s per target (what CI runs)
#   scripts/fuzz.sh 3600       # an hour per target
#   scripts/fuzz.sh 600 run_fuzzer
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=${2:-"load_fuzzer run_fuzzer"}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
mkdir -p build/fuzz/findings
status=0
for t in $targets; do
  corpus=build/fuzz/corpus/$t
  mkdir -p "$corpus"
  # The seed corpus: kept between runs (libFuzzer adds what it finds), and
  # refreshed from the repository each time.
  cp scenarios/*.yaml scenarios/*/*.yaml tests/data/bad/*.yaml tests/data/corpus/*.yaml tests/data/leader_follower/*.yaml "$corpus"/ 2>/dev/null || true
  [ -d fuzz/regressions ] && cp fuzz/regressions/* "$corpus"/ 2>/dev/null || true
  echo "=== $t: ${seconds} s"
  if ! "build/fuzz/fuzz/$t" "$corpus" -dict=fuzz/dsim.dict -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=3072 -max_len=16384 -print_final_stats=1 -artifact_prefix="build/fuzz/findings/$t-" \
      2>"build/fuzz/$t.log"; then
    echo "FAILED: $t found a problem; see build/fuzz/$t.log and build/fuzz/findings/" >&2
    grep -E "ERROR|SUMMARY|Test unit written|==[0-9]+==" "build/fuzz/$t.log" | head -20 >&2
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|cov: " "build/fuzz/$t.log" | tail -3
done
exit $status
