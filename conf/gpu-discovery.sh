#!/usr/bin/env bash
# Spark GPU discovery script for real GPU nodes: prints the GPUs this node has, in the
# format Spark expects: {"name":"gpu","addresses":["0","1",...]}.
# Use it as spark.worker.resource.gpu.discoveryScript (standalone) or
# spark.executor.resource.gpu.discoveryScript (YARN, Kubernetes).
set -euo pipefail
if ! command -v nvidia-smi >/dev/null; then
  echo "gpu-discovery.sh: nvidia-smi not found on $(hostname)" >&2
  exit 1
fi
addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader | sed -e 's/^ *//' -e 's/.*/"&"/' | paste -sd, -)
echo "{\"name\":\"gpu\",\"addresses\":[${addresses}]}"
