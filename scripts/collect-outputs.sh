#!/bin/sh
# Collects every output a dsim binary gives for the scenarios in this
# repository, so that two builds can be compared byte for byte:
#
#   scripts/collect-outputs.sh OLD/dsim /tmp/before
#   scripts/collect-outputs.sh build/release/dsim /tmp/after
#   diff -r /tmp/before /tmp/after && echo identical
#
# A change of structure must leave the two directories identical. For each of
# scenarios/*.yaml (and their subfolders), tests/data/corpus/*.yaml and the built-in example, and
# three seeds: the JSON summary, the table, the time series, the trace, the
# DOT graph and validate's line; the history of those with reads and
# writes; some --set variants; and, for every file
# under tests/data/bad/, the message and exit code of validate and run.
# Wall-clock lines (stderr of a successful run) are not collected.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 DSIM OUTDIR" >&2; exit 2; }
bin=$1
out=$2
cd "$(dirname "$0")/.."
mkdir -p "$out"

# run_case NAME ARGS...: stdout, stderr and exit code of `dsim ARGS...`.
run_case() {
  case_name=$1
  shift
  set +e
  "$bin" "$@" >"$out/$case_name.out" 2>"$out/$case_name.err"
  echo $? >"$out/$case_name.code"
  set -e
}

full_run() {
  # full_run NAME SEED FILE [--set ...]
  run_name=$1
  seed=$2
  shift 2
  run_case "$run_name.s$seed.json" run "$@" --seed "$seed" --json -q
  run_case "$run_name.s$seed.table" run "$@" --seed "$seed" -q
  rm -rf "$out/$run_name.s$seed.dir"
  run_case "$run_name.s$seed.files" run "$@" --seed "$seed" -q --out "$out/$run_name.s$seed.dir" \
    --trace "$out/$run_name.s$seed.dir/trace.json" --trace-limit 3000
}

for f in scenarios/*.yaml scenarios/*/*.yaml tests/data/corpus/*.yaml; do
  name=$(basename "$f" .yaml)
  # In a folder of scenarios (scenarios/cap/): the folder too (cap-cp).
  case "$f" in scenarios/*/*) name=$(basename "$(dirname "$f")")-$name ;; esac
  seeds="1 7 123456789"
  [ "$name" = lb-mm1 ] && seeds="1"
  for s in $seeds; do full_run "$name" "$s" "$f"; done
  if grep -q "mix:" "$f"; then
    # Reads and writes: the history too.
    for s in $seeds; do run_case "$name.s$s.history" run "$f" --seed "$s" -q --history "$out/$name.s$s.history.jsonl"; done
  fi
  run_case "$name.graph" graph "$f"
  run_case "$name.validate" validate "$f"
done
for s in 1 7; do
  run_case "builtin.s$s.json" run --seed "$s" --json -q
done
full_run failover-nocheck 1 scenarios/failover.yaml --set components.lb.health_check=none
full_run retry-storm-noretry 1 scenarios/retry-storm.yaml --set components.clients.retries=0
full_run retry-storm-budget 1 scenarios/retry-storm.yaml --set 'components.clients.retry_budget={ratio: 10%, min_per_s: 5}'
full_run autoscaling-off 1 scenarios/autoscaling.yaml --set components.app.autoscaling=none
full_run load-over-time-constant 1 scenarios/load-over-time.yaml --set components.clients.arrival=constant
full_run ecommerce-p2c 3 scenarios/ecommerce.yaml --set components.lb.policy=power_of_two_choices \
  --set components.app.replicas=3 --set duration=20s

for f in tests/data/bad/*.yaml; do
  name=bad.$(basename "$f" .yaml)
  run_case "$name.validate" validate "$f"
  run_case "$name.run" run "$f" -q
done
echo "collected $(ls "$out" | wc -l) outputs into $out"
