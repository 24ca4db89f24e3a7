#!/usr/bin/env bash
# Runs a mer-spark job.
#   ./submit.sh <job> [--conf FILE] [--master URL] [--deploy-mode client|cluster] [job flags] [key=value ...]
#   ./submit.sh --help            lists the jobs;   ./submit.sh <job> --help   shows the job's flags
# Without SPARK_HOME (and no spark-submit on the PATH) the job runs in this JVM on the embedded
# local[*] default (conf/local.conf), building the project first if needed; --master URL sets
# mer.spark.master. With Spark installed it goes through spark-submit with the shaded jar
# (mvn -Pcluster package), conf/cluster.conf, the models as an archive, DJL's offline settings and, for
# the jobs named in mer.submit.gpu-jobs, GPU executor resources (see docs/cluster.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

main_class=io.merspark.cli.MerCli
jobs="ingest extract train score select evaluate round selftrain report pipeline demo probe import-features bench"

usage() {
  cat <<'USAGE'
usage: ./submit.sh <job> [--conf FILE] [--master URL] [--deploy-mode client|cluster] [job flags] [key=value ...]

jobs:
  ingest      validate a manifest CSV into manifest/ (bad rows to errors/stage=ingest)
  extract     decode media and encode every modality into features/ (DJL, on the executors)
  train       train round R's k-fold fusion ensemble (folds on the driver, or as tasks on executors) (rounds/round=R/model)
  score       score the unlabeled pool with round R's ensemble (rounds/round=R/scores)
  select      select confident pseudo-labels from round R's scores (rounds/round=R/pseudo)
  evaluate    evaluate round R on the test split (rounds/round=R/metrics.json, _SUCCESS)
  round       one resumable self-training round: train, score, select, evaluate
  selftrain   rounds 1..N, each on labeled data + earlier pseudo-labels
  report      HTML report with plots over the completed rounds, predictions CSV (reports/)
  pipeline    ingest -> extract -> selftrain -> report
  demo        pipeline on the bundled mer-mini corpus into demo-out/ (2 rounds)
  probe       one task per executor: host, DJL engines and devices, Spark GPU addresses, Java, CPUs
  import-features  MER tool-chain .npy feature folder into features/modality=<m>/ (--dir DIR --modality M)
  bench       measured ratios: bench extract | select | train | models | prior | protocol | round --pool N | append | group-stats (figures in the README)

options of submit.sh (the rest goes to the job; ./submit.sh <job> --help lists the job's flags):
  --conf FILE         HOCON over reference.conf (default conf/local.conf, or conf/cluster.conf under spark-submit)
  --master URL        local[N], spark://host:7077, yarn, k8s://https://host:443 (locally: mer.spark.master)
  --deploy-mode MODE  spark-submit only: client (default) or cluster (ships the conf file with --files)
  key=value           any config key, e.g. train.folds=3 (the mer. prefix is optional)

environment: SPARK_HOME (use its spark-submit), MER_CLUSTER_JAR (a prebuilt shaded jar), SPARK_SUBMIT_OPTS_EXTRA (more spark-submit flags, e.g.
  "--num-executors 8 --executor-memory 16g"), MER_DRIVER_MEMORY (embedded mode, default 6g), DJL_CACHE_DIR.
exit codes: 0 done, 2 configuration or usage, 3 round out of order, 1 failure.
USAGE
}

if [[ $# -eq 0 ]]; then
  usage >&2
  exit 2
fi
job="$1"
shift
case "$job" in
  --help|-h) usage; exit 0 ;;
  --version|-V) ;;
  *)
    case " $jobs " in
      *" $job "*) ;;
      *) echo "error: unknown job '$job' (one of: $jobs; ./submit.sh --help)" >&2; exit 2 ;;
    esac ;;
esac

# submit.sh's own flags; everything else is the job's.
conf=""
master=""
deploy_mode=""
rest=()
overrides=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --conf) [[ $# -ge 2 ]] || { echo "error: --conf needs a FILE" >&2; exit 2; }; conf="$2"; shift 2 ;;
    --conf=*) conf="${1#--conf=}"; shift ;;
    --master) [[ $# -ge 2 ]] || { echo "error: --master needs a URL" >&2; exit 2; }; master="$2"; shift 2 ;;
    --master=*) master="${1#--master=}"; shift ;;
    --deploy-mode) [[ $# -ge 2 ]] || { echo "error: --deploy-mode needs client or cluster" >&2; exit 2; }
      deploy_mode="$2"; shift 2 ;;
    --deploy-mode=*) deploy_mode="${1#--deploy-mode=}"; shift ;;
    *)
      [[ "$1" =~ ^[A-Za-z][A-Za-z0-9._-]*= ]] && overrides+=("$1")
      rest+=("$1"); shift ;;
  esac
done
case "$deploy_mode" in
  ""|client|cluster) ;;
  *) echo "error: --deploy-mode must be client or cluster, got '$deploy_mode'" >&2; exit 2 ;;
esac
if [[ -n "$conf" && ! -f "$conf" ]]; then
  echo "error: config file not found: $conf" >&2
  exit 2
fi

djl_opts=(-Dai.djl.offline=true)
# PyTorch's bundled MKL otherwise picks summation orders by buffer alignment, so the same training could end in
# different last bits from run to run (README, "Limits worth knowing"); read by the driver and every executor.
export MKL_CBWR="${MKL_CBWR-AUTO,STRICT}"
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$here/target/djl-cache}"

spark_submit=""
if [[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]]; then
  spark_submit="$SPARK_HOME/bin/spark-submit"
elif command -v spark-submit >/dev/null 2>&1; then
  spark_submit="$(command -v spark-submit)"
fi

is_help=false
for a in "${rest[@]+"${rest[@]}"}"; do [[ "$a" == --help || "$a" == -h ]] && is_help=true; done

if [[ -n "$spark_submit" && "$job" != -* ]] && ! $is_help; then
  # The shaded jar, rebuilt when a source or the pom is newer.
  jar="${MER_CLUSTER_JAR:-$(ls "$here"/target/mer-spark-*-cluster.jar 2>/dev/null | head -n1 || true)}"
  if [[ -n "${MER_CLUSTER_JAR:-}" ]]; then
    [[ -f "$jar" ]] || { echo "error: MER_CLUSTER_JAR not found: $jar" >&2; exit 2; }
  elif [[ -z "$jar" || -n "$(find src pom.xml -newer "$jar" -print -quit 2>/dev/null)" ]]; then
    echo "building the cluster jar (mvn -Pcluster package -DskipTests) ..." >&2
    mvn -q -B -DskipTests -Pcluster package >&2
    jar="$(ls "$here"/target/mer-spark-*-cluster.jar | head -n1)"
  fi
  # The models directory as an archive; the executors (and a cluster-mode driver) unpack it as ./models.
  models_tgz="$here/target/models.tgz"
  if [[ ! -f "$models_tgz" || -n "$(find models -newer "$models_tgz" -print -quit 2>/dev/null)" ]]; then
    echo "packing models/ into target/models.tgz ..." >&2
    mkdir -p "$here/target"
    tar -C models -czf "$models_tgz.tmp" . && mv "$models_tgz.tmp" "$models_tgz"
  fi
  [[ -n "$conf" ]] || conf=conf/cluster.conf

  # mer.submit from the same layered config the job resolves (reference.conf < conf file < key=value).
  submit_vars="$(java -cp "$jar" io.merspark.probe.SubmitSettings --conf "$conf" "${overrides[@]+"${overrides[@]}"}")" \
    || exit 2
  eval "$submit_vars"

  args=(--class "$main_class"
        --driver-java-options "${djl_opts[*]}"
        --conf "spark.executor.extraJavaOptions=${djl_opts[*]}"
        --conf "spark.executorEnv.DJL_CACHE_DIR=./djl-cache"
        --conf "spark.executorEnv.OMP_NUM_THREADS=${MER_TASK_THREADS:-1}"
        --conf "spark.executorEnv.MKL_CBWR=$MKL_CBWR"
        --archives "$models_tgz#models")
  [[ -z "$master" ]] || args+=(--master "$master")
  [[ -z "$deploy_mode" ]] || args+=(--deploy-mode "$deploy_mode")
  files=()
  job_conf="$conf"
  if [[ "$deploy_mode" == cluster ]]; then
    # The driver runs on the cluster: ship the conf file and name it as it lands in the working directory.
    files+=("$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")")
    job_conf="$(basename "$conf")"
    args+=(--conf "spark.yarn.appMasterEnv.DJL_CACHE_DIR=./djl-cache"
           --conf "spark.kubernetes.driverEnv.DJL_CACHE_DIR=./djl-cache")
  fi
  if [[ " $gpu_jobs " == *" $job "* ]]; then
    script="$discovery_script"
    if [[ "$script" != /* && -f "$script" ]]; then
      files+=("$here/$script")
      script="./$(basename "$script")"
    fi
    args+=(--conf "spark.executor.resource.gpu.amount=$executor_gpus"
           --conf "spark.task.resource.gpu.amount=$task_gpus"
           --conf "spark.executor.resource.gpu.discoveryScript=$script")
    echo "GPU executors for '$job': $executor_gpus GPU(s) per executor, $task_gpus per task, discovery $script" >&2
  fi
  if [[ ${#files[@]} -gt 0 ]]; then
    args+=(--files "$(IFS=,; echo "${files[*]}")")
  fi
  # shellcheck disable=SC2086  # SPARK_SUBMIT_OPTS_EXTRA is a list of flags
  exec "$spark_submit" "${args[@]}" ${SPARK_SUBMIT_OPTS_EXTRA:-} \
    "$jar" "$job" --conf "$job_conf" "${rest[@]+"${rest[@]}"}"
fi

# Embedded default: build when the classes or the classpath are missing or older than the sources.
stamp="$here/target/classpath.txt"
if [[ ! -f "$stamp" || -n "$(find src pom.xml -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
  echo "building (mvn package -DskipTests) ..." >&2
  mvn -q -B -DskipTests package >&2
  touch "$stamp"   # the dependency plugin leaves an unchanged classpath file as it was
fi
conf_args=()
if [[ "$job" != -* ]]; then
  conf_args=(--conf "${conf:-conf/local.conf}")
fi
[[ -z "$master" ]] || rest+=("spark.master=$master")

# Spark on Java 17+ needs these opens when it is not started by spark-submit.
opens=()
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opens+=("--add-opens=java.base/$p=ALL-UNNAMED")
done

# `bench` starts local-cluster sessions: their in-JVM workers launch executors from a Spark home, which only needs
# an (empty) jars/ directory here; the executors get this JVM's classpath.
if [[ "$job" == bench ]]; then
  export SPARK_HOME="$here/target/spark-home"
  mkdir -p "$SPARK_HOME/jars"
fi

args=()
args=("$job")
exec java -Xmx"${MER_DRIVER_MEMORY:-6g}" "${opens[@]}" -XX:+IgnoreUnrecognizedVMOptions \
  -Djdk.reflect.useDirectMethodHandle=false "${djl_opts[@]}" \
  -cp "$here/target/classes:$(cat "$stamp")" "$main_class" "${args[@]}" "${conf_args[@]}" "${rest[@]+"${rest[@]}"}"
