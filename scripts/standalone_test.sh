#!/usr/bin/env bash
# Runs mer-spark for real on a Spark standalone cluster on this machine and checks the results.
#
#   scripts/standalone_test.sh            (needs JDK 17, Maven with Spark's jars in ~/.m2 or Maven Central)
#
# 1. Assembles a minimal SPARK_HOME (target/spark-home) from Maven: spark-core/sql/mllib and their runtime
#    dependencies in jars/, bin/spark-class (Spark's launcher library builds the java command, as in a
#    distribution) and bin/spark-submit.
# 2. Starts a Master on spark://127.0.0.1:$MER_STANDALONE_PORT (default 7077) and one Worker (2 cores, 3 GiB)
#    whose GPU discovery runs scripts/gpu-discovery.sh against a stand-in nvidia-smi that reports one GPU:
#    there is no GPU here, so this checks Spark's GPU scheduling path (worker discovery, submit.sh's
#    resource flags, the address a task receives), not CUDA.
# 3. ./submit.sh probe through spark-submit with GPU resources: one executor, GPU address "0" assigned to the
#    task, ONNX Runtime and PyTorch loaded on the executor.
# 4. ./submit.sh pipeline --rounds 1 on data/mer-mini/tiny/manifest.csv: ingest, extract and one self-training
#    round on the executor; checks metrics.json, _SUCCESS, the row counts and that the executor ran tasks.
# 5. ./submit.sh round --round 1 again: a complete round is a no-op (same metrics).
# The daemons are stopped on exit (by the process ids this script started). Exit 0 only if every check passed.
# MER_CLUSTER_JAR names a prebuilt shaded jar (the failsafe test passes it); otherwise submit.sh builds one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
port="${MER_STANDALONE_PORT:-7077}"
master_url="spark://127.0.0.1:$port"
work="$here/target/standalone"
spark_home="$here/target/spark-home"
t_start=$(date +%s)

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($(( $(date +%s) - t_start )) s)"; }

# ---- 1. SPARK_HOME from Maven ------------------------------------------------------------------------
spark_version="$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' pom.xml | head -n1)"
scala_binary="$(sed -n 's:.*<scala.binary>\(.*\)</scala.binary>.*:\1:p' pom.xml | head -n1)"
[[ -n "$spark_version" && -n "$scala_binary" ]] || fail "cannot read spark.version / scala.binary from pom.xml"
if [[ ! -f "$spark_home/RELEASE" ]] || ! grep -q "Spark $spark_version " "$spark_home/RELEASE"; then
  step "assembling SPARK_HOME for Spark $spark_version from Maven"
  rm -rf "$spark_home"
  mkdir -p "$spark_home/jars" "$spark_home/bin" "$spark_home/conf" "$spark_home/build"
  cat > "$spark_home/build/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.merspark</groupId><artifactId>spark-home</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-core_$scala_binary</artifactId><version>$spark_version</version></dependency>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-sql_$scala_binary</artifactId><version>$spark_version</version></dependency>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-mllib_$scala_binary</artifactId><version>$spark_version</version></dependency>
  </dependencies>
</project>
POM
  mvn -q -B -o -f "$spark_home/build/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$spark_home/jars" \
    || mvn -q -B -f "$spark_home/build/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$spark_home/jars" \
    || fail "could not copy Spark's jars from Maven"
  cat > "$spark_home/bin/spark-class" <<'SH'
#!/usr/bin/env bash
# As in a Spark distribution: org.apache.spark.launcher.Main prints the java command (NUL-separated, after a
# NUL sentinel line) with the classpath, JVM module options and *_OPTS applied; this script runs it.
export SPARK_HOME="${SPARK_HOME:-$(cd "$(dirname "$0")/.." && pwd)}"
export SPARK_SCALA_VERSION="${SPARK_SCALA_VERSION:-2.13}"
RUNNER="${JAVA_HOME:+$JAVA_HOME/bin/}java"
build_command() {
  "$RUNNER" -Xmx128m $SPARK_LAUNCHER_OPTS -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main "$@"
  printf "%d\0" $?
}
set +o posix
CMD=()
DELIM=$'\n'
CMD_START_FLAG=false
while IFS= read -d "$DELIM" -r _ARG; do
  ARG=${_ARG//$'\r'}
  if [[ "$CMD_START_FLAG" == true ]]; then
    CMD+=("$ARG")
  elif [[ "$ARG" == $'\0' ]]; then
    DELIM=''
    CMD_START_FLAG=true
  elif [[ -n "$ARG" ]]; then
    echo "$ARG"
  fi
done < <(build_command "$@")
LAST=$(( ${#CMD[@]} - 1 ))
LAUNCHER_EXIT_CODE=${CMD[$LAST]}
if ! [[ $LAUNCHER_EXIT_CODE =~ ^[0-9]+$ ]]; then
  echo "${CMD[@]}" | head -n-1 1>&2
  exit 1
fi
[[ $LAUNCHER_EXIT_CODE == 0 ]] || exit "$LAUNCHER_EXIT_CODE"
exec "${CMD[@]:0:$LAST}"
SH
  cat > "$spark_home/bin/spark-submit" <<'SH'
#!/usr/bin/env bash
exec "$(cd "$(dirname "$0")" && pwd)/spark-class" org.apache.spark.deploy.SparkSubmit "$@"
SH
  chmod +x "$spark_home/bin/spark-class" "$spark_home/bin/spark-submit"
  # Spark's INFO log for daemons and executors (the checks below read it); the driver keeps WARN.
  cat > "$spark_home/conf/log4j2.properties" <<'LOG'
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = warn
LOG
  echo "Spark $spark_version (built from Maven artifacts for mer-spark's standalone test)" > "$spark_home/RELEASE"
fi
n_jars=$(ls "$spark_home/jars" | wc -l)
[[ $n_jars -gt 100 ]] || fail "SPARK_HOME has only $n_jars jars"
ls "$spark_home/jars" | grep -q "^spark-core_$scala_binary-$spark_version.jar$" || fail "spark-core missing in $spark_home/jars"
export SPARK_HOME="$spark_home"

# ---- 2. Master and Worker --------------------------------------------------------------------------------
rm -rf "$work"
mkdir -p "$work/logs" "$work/worker" "$work/fake-gpu"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  fail "port $port is in use; set MER_STANDALONE_PORT"
fi
pids=()
cleanup() {
  for pid in "${pids[@]+"${pids[@]}"}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]+"${pids[@]}"}"; do
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

wait_for() {  # wait_for SECONDS FILE PATTERN WHAT
  local deadline=$(( $(date +%s) + $1 ))
  until grep -q "$3" "$2" 2>/dev/null; do
    [[ $(date +%s) -lt $deadline ]] || { tail -n 30 "$2" >&2 || true; fail "timed out waiting for $4"; }
    sleep 1
  done
}

step "starting the master on $master_url"
SPARK_DAEMON_MEMORY=512m "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$port" --webui-port 0 > "$work/logs/master.log" 2>&1 &
pids+=($!)
wait_for 90 "$work/logs/master.log" "I have been elected leader" "the master"

# A stand-in nvidia-smi for the worker's GPU discovery (there is no GPU on this machine).
cat > "$work/fake-gpu/nvidia-smi" <<'SH'
#!/bin/sh
echo "0, GPU-00000000-standalone-test"
SH
chmod +x "$work/fake-gpu/nvidia-smi"
step "starting a worker (2 cores, 3 GiB, 1 discovered GPU)"
PATH="$work/fake-gpu:$PATH" SPARK_DAEMON_MEMORY=512m \
  SPARK_WORKER_OPTS="-Dspark.worker.resource.gpu.amount=1 -Dspark.worker.resource.gpu.discoveryScript=$here/scripts/gpu-discovery.sh" \
  "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
  --host 127.0.0.1 --cores 2 --memory 3g --webui-port 0 --work-dir "$work/worker" "$master_url" \
  > "$work/logs/worker.log" 2>&1 &
pids+=($!)
wait_for 90 "$work/logs/worker.log" "Successfully registered with master" "the worker to register"
grep -q "Registering worker 127.0.0.1" "$work/logs/master.log" || fail "the master did not log the worker"

if [[ -n "${MER_CLUSTER_JAR:-}" ]]; then
  [[ -f "$MER_CLUSTER_JAR" ]] || fail "MER_CLUSTER_JAR not found: $MER_CLUSTER_JAR"
fi
submit_opts="--driver-memory 2g --executor-memory 2g --total-executor-cores 2 --conf spark.ui.enabled=false"
export SPARK_SUBMIT_OPTS_EXTRA="$submit_opts"

# ---- 3. probe with GPU resources ------------------------------------------------------------------------
step "probe through spark-submit with GPU resources"
./submit.sh probe --master "$master_url" --json 'submit.gpu-jobs=[probe]' submit.task-gpus=1 \
  > "$work/probe.json" 2> "$work/logs/probe.log" || { tail -n 40 "$work/logs/probe.log" >&2; fail "probe exited non-zero"; }
cat "$work/probe.json"
python3 - "$work/probe.json" <<'PY' || fail "probe output"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert len(rows) == 1, f"expected one executor, got {len(rows)}"
r = rows[0]
assert r["executor_id"] == "0", r["executor_id"]
assert r["spark_gpu_addresses"] == ["0"], r["spark_gpu_addresses"]
eng = {e["name"]: e for e in r["engines"]}
for name in ("OnnxRuntime", "PyTorch"):
    assert name in eng and eng[name]["error"] is None, eng.get(name)
assert eng["PyTorch"]["version"] == "2.7.1", eng["PyTorch"]
assert all(e["gpu_count"] == 0 for e in eng.values()), "a stand-in nvidia-smi must not make CUDA appear"
assert r["java_version"].startswith("17"), r["java_version"]
engines = ", ".join("%s %s" % (n, e["version"]) for n, e in sorted(eng.items()))
print(f"probe ok: executor {r['executor_id']} on {r['host']}, Spark GPU addresses {r['spark_gpu_addresses']}, "
      f"engines {engines}, {r['cpus']} cpus")
PY
grep -q "GPU executors for 'probe': 1 GPU(s) per executor, 1 per task" "$work/logs/probe.log" \
  || fail "submit.sh did not add the GPU resources for the probe"

# ---- 4. one round on the tiny manifest ------------------------------------------------------------------
root="$work/out"
step "pipeline (ingest, extract, round 1) on data/mer-mini/tiny through $master_url"
t0=$(date +%s)
./submit.sh pipeline --master "$master_url" --rounds 1 --root "$root" \
  --manifest data/mer-mini/tiny/manifest.csv --truth data/mer-mini/tiny/unlabeled_truth.csv \
  spark.shuffle-partitions=4 extract.partition-rows=8 train.folds=3 train.max-epochs=30 select.threshold=0.5 \
  > "$work/pipeline.out" 2> "$work/logs/pipeline.log" || { tail -n 60 "$work/logs/pipeline.log" >&2; fail "pipeline exited non-zero"; }
t_pipeline=$(( $(date +%s) - t0 ))
cat "$work/pipeline.out"
[[ -f "$root/rounds/round=1/_SUCCESS" ]] || fail "no rounds/round=1/_SUCCESS"
[[ -f "$root/rounds/round=1/metrics.json" ]] || fail "no rounds/round=1/metrics.json"
for d in manifest features/modality=video features/modality=audio features/modality=text \
         rounds/round=1/model rounds/round=1/scores rounds/round=1/pseudo rounds/round=1/predictions; do
  ls "$root/$d"/part-* >/dev/null 2>&1 || ls "$root/$d"/* >/dev/null 2>&1 || fail "$d is empty"
done
grep -q "ingest: 36 rows in, 36 accepted" "$work/pipeline.out" || fail "ingest did not accept the 36 tiny rows"
python3 - "$root/rounds/round=1/metrics.json" <<'PY' || fail "metrics.json"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["round"] == 1, m["round"]
assert m["n_test"] == 6 and m["n_test_unscored"] == 0, (m["n_test"], m["n_test_unscored"])
assert m["n_train"] == 18, m["n_train"]
assert 0.0 <= m["waf"] <= 1.0 and 0.0 <= m["accuracy"] <= 1.0, (m["waf"], m["accuracy"])
assert sum(sum(r) for r in m["confusion"]["matrix"]) == 6
assert sum(m["accepted_per_class"].values()) == m["n_pseudo"] <= 12, m["accepted_per_class"]
print(f"round 1 ok: waf={m['waf']:.4f} accuracy={m['accuracy']:.4f} n_train={m['n_train']} "
      f"n_test={m['n_test']} accepted={m['n_pseudo']}/12 pseudo_accuracy={m.get('pseudo_accuracy')}")
PY
# The work ran on the standalone executor, not in the driver.
app_dir="$(ls -d "$work"/worker/app-* | tail -n1)"
finished=$(cat "$app_dir"/*/stderr | grep -c "Finished task" || true)
[[ $finished -gt 0 ]] || fail "the executor of $(basename "$app_dir") logged no finished task"
echo "executor of $(basename "$app_dir") finished $finished tasks; pipeline took ${t_pipeline} s"

# ---- 5. rerun of a complete round -----------------------------------------------------------------------
step "round 1 again: a complete round is a no-op"
cp "$root/rounds/round=1/metrics.json" "$work/metrics.before.json"
./submit.sh round --round 1 --master "$master_url" --root "$root" spark.shuffle-partitions=4 \
  > "$work/rerun.out" 2> "$work/logs/rerun.log" || { tail -n 40 "$work/logs/rerun.log" >&2; fail "rerun exited non-zero"; }
grep -q "already complete" "$work/logs/rerun.log" || fail "the rerun did not report the round as complete"
cmp -s "$work/metrics.before.json" "$root/rounds/round=1/metrics.json" || fail "the rerun changed metrics.json"

step "standalone test passed"
