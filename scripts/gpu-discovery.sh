#!/usr/bin/env bash
# Spark GPU discovery script: prints the node's GPUs in Spark's resource format,
#   {"name":"gpu","addresses":["0","1"]}
# Used as spark.executor.resource.gpu.discoveryScript (YARN, Kubernetes) or
# spark.worker.resource.gpu.discoveryScript (standalone workers). Fails (exit 1, message on stderr)
# when nvidia-smi is missing or errors, so an executor asking for GPUs on a node without them fails
# at start-up instead of running on the CPU unnoticed.
# CUDA_VISIBLE_DEVICES, when set, restricts the list the way CUDA would (indices or GPU UUIDs).
set -euo pipefail
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-discovery: nvidia-smi not found on $(hostname); no GPUs to offer" >&2
  exit 1
fi
if ! rows="$(nvidia-smi --query-gpu=index,uuid --format=csv,noheader,nounits 2>&1)"; then
  echo "gpu-discovery: nvidia-smi failed on $(hostname): $rows" >&2
  exit 1
fi
visible="${CUDA_VISIBLE_DEVICES-}"
addrs=()
while IFS=', ' read -r index uuid; do
  [[ -n "$index" ]] || continue
  if [[ -n "${CUDA_VISIBLE_DEVICES+x}" ]]; then
    case ",$visible," in
      *",$index,"*|*",$uuid,"*) ;;
      *) continue ;;
    esac
  fi
  addrs+=("\"$index\"")
done <<< "$rows"
joined="$(IFS=,; echo "${addrs[*]-}")"
echo "{\"name\":\"gpu\",\"addresses\":[${joined}]}"
