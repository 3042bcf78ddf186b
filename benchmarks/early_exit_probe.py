"""Would an early exit inside the transformer let the cascade skip more? A probe, not a feature.

Usage::

    python benchmarks/early_exit_probe.py --model runs/default/model-best \\
        --distill other-seed/train.jsonl --distill-n 6000 \\
        --data CORPUS/validation.jsonl data/seed/listings.jsonl:seed-validation \\
        --traffic CORPUS/test.jsonl data/seed/listings.jsonl:test data/holdout/listings.jsonl

For each layer k in ``--layers``, a linear exit head reads the mean-pooled hidden state after
layer k (torch, fp32) beside the TF-IDF part's logits, fitted to the full blend's
probabilities on the ``--distill`` listings (soft targets, as ``calibrate-cascade
--distill``); its temperature and the cascade thresholds are fitted on ``--data`` (labeled,
held out; both budgets, the overall one weighted to ``--mix``), and it is scored on a traffic
mix drawn from ``--traffic`` as ``bench_cascade.py`` draws it: the share of listings that
would exit at layer k and the label agreement of every answer with the full blend, plus the
share thresholds chosen on the traffic itself would let exit (an upper bound). It times
nothing: an exit at layer k of L still costs k/L of the transformer for every listing that
reaches it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def pooled_hidden(folder: Path, texts: list[str], layers: list[int], max_length: int
                  ) -> dict[int, np.ndarray]:
    """Mean-pooled hidden states after each of ``layers`` (0 = embeddings)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForSequenceClassification.from_pretrained(str(folder)).eval()
    out: dict[int, list[np.ndarray]] = {k: [] for k in layers}
    with torch.inference_mode():
        for i in range(0, len(texts), 64):
            enc = tokenizer(texts[i:i + 64], truncation=True, max_length=max_length,
                            padding=True, return_tensors="pt")
            states = model(**enc, output_hidden_states=True).hidden_states
            mask = enc["attention_mask"].unsqueeze(-1).float()
            for k in layers:
                out[k].append(((states[k] * mask).sum(1) / mask.sum(1)).numpy())
    return {k: np.concatenate(v) for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    from bench_cascade import DEFAULT_MIX, report_result, traffic

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path, help="torch blend folder")
    parser.add_argument("--distill", required=True, nargs="+")
    parser.add_argument("--distill-n", type=int, default=6000,
                        help="listings drawn (seeded) from --distill")
    parser.add_argument("--data", required=True, nargs="+", help="labeled, held-out rows")
    parser.add_argument("--traffic", required=True, nargs="+")
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--mix", default=DEFAULT_MIX)
    parser.add_argument("--layers", default="1,2,3")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    from nlp_ip.doctor import environment_report
    from nlp_ip.inference import ListingClassifier
    from nlp_ip.inference.cascade import early_exits
    from nlp_ip.numerics import softmax
    from nlp_ip.text import build_model_inputs
    from nlp_ip.tfidf import TfidfScorer
    from nlp_ip_train.cascade import fit_cascade, fit_head, mix_weights
    from nlp_ip_train.evaluation.data import label_ids, load_labeled, load_listings
    from nlp_ip_train.metrics import fit_temperature

    env = environment_report()
    print(f"CPU: {env['cpu']['model']}; {', '.join(env['cpu']['instruction_sets'])}",
          file=sys.stderr)
    mix = {k: float(v) for k, v in (part.split("=") for part in args.mix.split(","))}
    layers = [int(k) for k in args.layers.split(",")]
    clf = ListingClassifier.from_pretrained(args.model, backend="torch-fp32", cascade=False)
    meta = clf.meta
    if meta.blend is None:
        raise SystemExit(f"{args.model} is not a blend folder")
    scorer = TfidfScorer.load(args.model)
    catalog = args.model / "brands.yaml"

    def prepare(rows: list[Any]) -> tuple[dict[int, np.ndarray], np.ndarray, np.ndarray]:
        texts = build_model_inputs(rows, hints=meta.text.hints,
                                   catalog_path=catalog if catalog.is_file() else None)
        return (pooled_hidden(args.model, texts, layers, meta.text.max_length),
                scorer.logits(texts), clf.predict_proba(rows))

    rng = np.random.default_rng(args.seed)
    pool = load_listings(args.distill)
    distill = [pool[i] for i in rng.choice(len(pool), min(args.distill_n, len(pool)),
                                           replace=False)]
    validation = load_labeled(args.data)
    rows = traffic(args.traffic, args.n, mix, args.seed)
    hidden_d, tfidf_d, probs_d = prepare(distill)
    hidden_v, tfidf_v, probs_v = prepare(validation)
    hidden_t, tfidf_t, probs_t = prepare(rows)
    y = label_ids(validation)
    weights = mix_weights([str(x.label) for x in validation], mix)
    result: dict[str, Any] = {"cpu": env["cpu"], "model_version": meta.model_version,
                              "distill_n": len(distill), "n": len(rows), "layers": {}}
    for k in layers:
        x_d = np.hstack([hidden_d[k], tfidf_d])
        mu, sd = x_d.mean(0), x_d.std(0) + 1e-6
        coef, intercept = fit_head((x_d - mu) / sd, probs_d, C=1.0)
        logits_v, logits_t = (((np.hstack([hidden[k], tfidf]) - mu) / sd) @ coef.T + intercept
                              for hidden, tfidf in ((hidden_v, tfidf_v), (hidden_t, tfidf_t)))
        temperature = fit_temperature(logits_v, y)
        report: dict[str, Any] = {}
        for budget in ("skipped", "overall"):
            spec = fit_cascade(logits_v, temperature, probs_v, meta.policy, budget=budget,
                               weights=weights if budget == "overall" else None)
            exits = early_exits(logits_t, temperature, spec.thresholds)
            answer = np.where(exits, softmax(logits_t, temperature).argmax(1),
                              probs_t.argmax(1))
            report[budget] = {"thresholds": {a: round(b, 4) for a, b in spec.thresholds.items()},
                              "exit_share": round(float(exits.mean()), 4),
                              "label_agreement": round(float(
                                  (answer == probs_t.argmax(1)).mean()), 5)}
        oracle = fit_cascade(logits_t, temperature, probs_t, meta.policy, budget="overall")
        report["oracle_exit_share"] = round(float(
            early_exits(logits_t, temperature, oracle.thresholds).mean()), 4)
        report["raw_label_agreement"] = round(float(
            (logits_t.argmax(1) == probs_t.argmax(1)).mean()), 4)
        result["layers"][str(k)] = report
        print(f"layer {k}: {json.dumps(report)}", file=sys.stderr, flush=True)
    report_result(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
