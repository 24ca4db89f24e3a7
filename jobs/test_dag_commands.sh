#!/usr/bin/env bash
# Runs the exact commands of the mer_nightly_round DAG (as jobs/mer_nightly_round.py prints them) for three
# nights on the bundled tiny corpus, in the embedded local mode, and checks what each night leaves behind:
#   2025-01-01  round 1: extract (manifest new), round, evaluate, promote (first model -> current)
#   2025-01-02  round 2: extract_new finds the manifest unchanged, round 2, evaluate, promote decided by WAF
#   2025-01-01  rerun:   round 1 is a no-op, evaluate gives the same WAF, promote keeps the newer round
#   2025-01-04  round 4 before round 3: refused with exit 3
# then checks promote.py's decisions on prepared metrics (tolerance, idempotence, incomplete rounds).
# Needs JDK 17 + Maven (submit.sh builds if needed); no Airflow. Takes ~5-8 min on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
unset SPARK_HOME
if command -v spark-submit >/dev/null 2>&1; then
  echo "spark-submit is on the PATH; this test runs the embedded local mode, remove it from PATH" >&2
  exit 2
fi
work="$here/target/dag-test"
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 -m py_compile jobs/mer_nightly_round.py scripts/promote.py

dag() {  # dag DS -> prints "task<TAB>command" lines
  python3 jobs/mer_nightly_round.py --ds "$1" \
    --set repo="$here" --set conf=conf/local.conf --set 'master=local[2]' --set deploy_mode=client \
    --set root="$work/root" --set manifest="$here/data/mer-mini/tiny/manifest.csv" \
    --set truth="$here/data/mer-mini/tiny/unlabeled_truth.csv" \
    --set 'overrides=["train.folds=2","train.max-epochs=15","train.patience=5","select.threshold=0.5","extract.partition-rows=16"]' \
    --set spark_submit_opts= --set first_date=2025-01-01 --set first_round=1 \
    --set promoted="$work/promoted" --set tolerance=0.01 --set state_dir="$work/state"
}

run_task() {  # run_task DS TASK -> runs the command, output in $work/DS.TASK.log, returns its exit code
  local cmd
  cmd="$(dag "$1" | awk -F'\t' -v t="$2" '$1 == t { print $2 }')"
  [[ -n "$cmd" ]] || fail "no command for task $2"
  local t0=$(date +%s) rc=0
  bash -c "$cmd" > "$work/$1.$2.log" 2>&1 || rc=$?
  echo "  $1 $2: exit $rc ($(( $(date +%s) - t0 )) s)"
  return $rc
}

night() {
  echo "night $1"
  for t in extract_new selftrain_round evaluate promote; do
    run_task "$1" "$t" || { tail -n 40 "$work/$1.$t.log" >&2; fail "$1 $t"; }
  done
}

waf() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cv_waf"])' "$work/root/rounds/round=$1/metrics.json"; }

night 2025-01-01
[[ -f "$work/root/rounds/round=1/_SUCCESS" ]] || fail "round 1 has no _SUCCESS"
grep -q "extracted manifest" "$work/2025-01-01.extract_new.log" || fail "night 1 did not extract"
grep -q "promoted round 1: no model promoted yet" "$work/2025-01-01.promote.log" || fail "round 1 not promoted"
[[ "$(readlink "$work/promoted/current")" == "$work/root/rounds/round=1/model" ]] || fail "current does not point at round 1"
waf1="$(waf 1)"

night 2025-01-02
grep -q "no new clips" "$work/2025-01-02.extract_new.log" || fail "night 2 extracted an unchanged manifest again"
[[ -f "$work/root/rounds/round=2/_SUCCESS" ]] || fail "round 2 has no _SUCCESS"
waf2="$(waf 2)"
python3 - "$waf1" "$waf2" "$work/promoted/current.json" "$work/2025-01-02.promote.log" <<'PY' || fail "round 2 promotion"
import json, sys
w1, w2, cur, log = float(sys.argv[1]), float(sys.argv[2]), json.load(open(sys.argv[3])), open(sys.argv[4]).read()
expected = 2 if w2 >= w1 - 0.01 else 1
assert cur["round"] == expected, (w1, w2, cur)
assert ("promoted round 2" if expected == 2 else "not promoted round 2") in log, log
print(f"  round 1 WAF {w1:.4f}, round 2 WAF {w2:.4f}: current is round {cur['round']}")
PY

echo "rerun of 2025-01-01"
cp "$work/root/rounds/round=1/metrics.json" "$work/metrics1.before"
run_task 2025-01-01 selftrain_round || fail "rerun of round 1"
grep -q "already complete" "$work/2025-01-01.selftrain_round.log" || fail "rerun of round 1 did work"
run_task 2025-01-01 evaluate || fail "re-evaluation of round 1"
[[ "$(waf 1)" == "$waf1" ]] || fail "re-evaluating round 1 changed its WAF: $waf1 -> $(waf 1)"
run_task 2025-01-01 promote || fail "promote rerun"
grep -q "newer than round 1: kept\|already the current model" "$work/2025-01-01.promote.log" || fail "promote rerun changed current"

echo "round out of order"
rc=0; run_task 2025-01-04 selftrain_round || rc=$?
[[ $rc -eq 3 ]] || fail "round 4 before round 3 should exit 3, got $rc"
[[ ! -e "$work/root/rounds/round=4" ]] || fail "round 4 left output"

echo "promote.py decisions on prepared metrics"
p="$work/promote-cases"
mk() { mkdir -p "$p/root/rounds/round=$1"; echo "{\"round\": $1, \"cv_waf\": $2, \"waf\": $2, \"accuracy\": 0.5}" > "$p/root/rounds/round=$1/metrics.json"; [[ "${3:-}" == incomplete ]] || touch "$p/root/rounds/round=$1/_SUCCESS"; }
mk 1 0.60; mk 2 0.595; mk 3 0.55; mk 4 0.70 incomplete
pr() { python3 scripts/promote.py --root "$p/root" --promoted "$p/promoted" --tolerance 0.01 --round "$@"; }
pr 1 | grep -q "promoted round 1" || fail "case: first round"
pr 2 | grep -q "promoted round 2: WAF 0.5950 vs current 0.6000 (round 1): drop 0.0050 <= tolerance 0.0100" || fail "case: drop within tolerance"
pr 3 | grep -q "not promoted round 3: WAF 0.5500 vs current 0.5950 (round 2): drop 0.0450 > tolerance 0.0100" || fail "case: drop beyond tolerance"
pr 3 > /dev/null; pr 2 | grep -q "already the current model" || fail "case: rerun"
[[ $(wc -l < "$p/promoted/history.jsonl") -eq 3 ]] || fail "case: history should have 3 decisions, has $(wc -l < "$p/promoted/history.jsonl")"
rc=0; pr 4 2>/dev/null || rc=$?; [[ $rc -eq 1 ]] || fail "case: incomplete round should exit 1, got $rc"
[[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["round"])' "$p/promoted/current.json")" == 2 ]] || fail "case: current should be round 2"
mkdir -p "$p/root/rounds/round=5"; echo '{"round": 5, "cv_waf": 0.80, "waf": 0.80, "regressed": true}' > "$p/root/rounds/round=5/metrics.json"; touch "$p/root/rounds/round=5/_SUCCESS"
pr 5 | grep -q "not promoted round 5: round regressed" || fail "case: a regressed round is never promoted"

echo "DAG commands test passed"
