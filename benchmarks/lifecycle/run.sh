#!/usr/bin/env bash
# The lifecycle check on a real model (docs/lifecycle.md, "The loop on the default model"):
# production = MODEL; 200 hold-out listings decided through the workbench; retrain (warm
# start, STEPS steps); gate on the other 200, seed-test and both case sets.
# Usage: bash benchmarks/lifecycle/run.sh MODEL WORK_DIR [STEPS]   (from the repository root)
set -euo pipefail
MODEL=$(realpath "$1"); WORK=$(realpath -m "$2"); STEPS=${3:-120}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
REG="$WORK/registry"
python "$HERE/split_holdout.py" "$WORK"
nlp-ip models register "$MODEL" --name listings --registry "$REG" --by lifecycle-check
nlp-ip models promote listings v1 --registry "$REG" --by lifecycle-check
nlp-ip review build --model "$REG/listings/versions/v1/model" --input "$WORK/decide-input.jsonl" \
    --db "$WORK/review.sqlite" --max-margin 1.0
PW=$(python -c "import secrets; print(secrets.token_urlsafe(16))")
echo "$PW" | nlp-ip review add-user reviewer --db "$WORK/review.sqlite" --password-stdin
echo "$PW" | python "$HERE/decide_via_workbench.py" "$WORK/review.sqlite" "$WORK/decide-labeled.jsonl" reviewer
nlp-ip retrain --config configs/retrain.yaml --set "registry=$REG" --set name=listings \
    --set holdout.fraction=0 \
    --set "training.overrides=[training.max_steps=$STEPS, training.eval_steps=$((STEPS / 2)), training.save_steps=$((STEPS / 2))]" \
    --db "$WORK/review.sqlite" --output "$WORK/run" --by lifecycle-check
nlp-ip gate v2 --registry "$REG" --name listings \
    --set "gate.sets=[{name: seed-test, path: data/seed/listings.jsonl, split: test}, {name: holdout-other-200, path: $WORK/holdout-gate.jsonl}, {name: cases, path: data/cases/cases.jsonl}, {name: litigated-2, path: data/cases/litigated-2.jsonl}]"
