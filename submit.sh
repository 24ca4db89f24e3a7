#!/usr/bin/env bash
# Runs a mer-spark job.
#   ./submit.sh <job> [--conf FILE] [--manifest FILE] [--root DIR] [--round R|--rounds N] [key=value ...]
#   ./submit.sh --help            lists the jobs
# Without SPARK_HOME (and no spark-submit on the PATH) the job runs in this JVM on the embedded
# local[*] default (conf/local.conf), building the project first if needed. With Spark installed it
# goes through spark-submit with the shaded jar and conf/cluster.conf (see README, "Cluster").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

main_class=io.merspark.cli.MerCli
jobs="ingest extract train score select evaluate round selftrain pipeline demo bench"

if [[ $# -eq 0 ]]; then
  echo "usage: ./submit.sh <job> [options] [key=value ...]   (./submit.sh --help lists the jobs)" >&2
  exit 2
fi
job="$1"
case " $jobs --help -h --version " in
  *" $job "*) ;;
  *) echo "error: unknown job '$job' (one of: $jobs)" >&2; exit 2 ;;
esac
shift

has_conf=false
for a in "$@"; do [[ "$a" == --conf || "$a" == --conf=* ]] && has_conf=true; done

djl_opts=(-Dai.djl.offline=true)
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$here/target/djl-cache}"

spark_submit=""
if [[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]]; then
  spark_submit="$SPARK_HOME/bin/spark-submit"
elif command -v spark-submit >/dev/null 2>&1; then
  spark_submit="$(command -v spark-submit)"
fi

if [[ -n "$spark_submit" && "$job" != -* ]]; then
  jar="$(ls "$here"/target/mer-spark-*-cluster.jar 2>/dev/null | head -n1 || true)"
  if [[ -z "$jar" ]]; then
    mvn -q -B -DskipTests -Pcluster package
    jar="$(ls "$here"/target/mer-spark-*-cluster.jar | head -n1)"
  fi
  conf_args=()
  $has_conf || conf_args=(--conf conf/cluster.conf)
  exec "$spark_submit" --class "$main_class" \
    --driver-java-options "${djl_opts[*]}" \
    --conf "spark.executor.extraJavaOptions=${djl_opts[*]}" \
    --conf "spark.executorEnv.DJL_CACHE_DIR=./djl-cache" \
    --archives "$here/target/models.tgz#models" \
    ${SPARK_SUBMIT_OPTS_EXTRA:-} \
    "$jar" "$job" "${conf_args[@]}" "$@"
fi

# Embedded default: build when the classes or the classpath are missing or older than the sources.
stamp="$here/target/classpath.txt"
if [[ ! -f "$stamp" || -n "$(find src pom.xml -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
  echo "building (mvn package -DskipTests) ..." >&2
  mvn -q -B -DskipTests package >&2
fi
conf_args=()
$has_conf || [[ "$job" == -* ]] || conf_args=(--conf conf/local.conf)

# Spark on Java 17+ needs these opens when it is not started by spark-submit.
opens=()
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opens+=("--add-opens=java.base/$p=ALL-UNNAMED")
done

args=()
[[ "$job" == -* ]] || args=("$job")
exec java -Xmx"${MER_DRIVER_MEMORY:-6g}" "${opens[@]}" -XX:+IgnoreUnrecognizedVMOptions \
  -Djdk.reflect.useDirectMethodHandle=false "${djl_opts[@]}" \
  -cp "$here/target/classes:$(cat "$stamp")" "$main_class" "${args[@]}" "${conf_args[@]}" "$@"
