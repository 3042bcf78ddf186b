"""Base models side by side: tokens per listing and the time of one training step.

Usage::

    .venv/bin/python benchmarks/bench_base_models.py       # default.yaml vs multilingual.yaml
    .venv/bin/python benchmarks/bench_base_models.py --configs configs/default.yaml \\
        --steps 8 --threads 2 --data data/seed/listings.jsonl

For each config the model and tokenizer come from ``nlp_ip_train.transformer.build_model``
(the classifier the Trainer fine-tunes) and the texts from the shared text builder
(``text.hints`` of the config). Token counts are over every listing of ``--data``
(no model is scored). A training step is what the Trainer does per batch: forward,
cross-entropy, backward, AdamW step, zero_grad, on ``--batch-size`` listings padded to
``text.max_length`` (the worst case, the same shape for every base); the AdamW step is
also timed alone (it touches every parameter, the whole embedding matrix included). The
configs take turns step by step, so a busy machine slows all of them alike; the ratio is
the figure to read. Wall and process CPU seconds are both reported (medians).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _listings(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _token_stats(tokenizer: Any, texts: list[str], max_length: int) -> dict[str, float]:
    lengths = [len(ids) for ids in tokenizer(texts, truncation=False)["input_ids"]]
    ordered = sorted(lengths)
    return {"mean": statistics.fmean(lengths), "median": statistics.median(lengths),
            "p95": ordered[int(0.95 * (len(ordered) - 1))],
            "truncated_share": sum(n > max_length for n in lengths) / len(lengths),
            "mean_kept": statistics.fmean(min(n, max_length) for n in lengths)}


class _Stepper:
    """One model, its optimizer, and a timed training step on a fixed batch."""

    def __init__(self, cfg: Any, texts: list[str]) -> None:
        import torch

        from nlp_ip_train.transformer import build_model

        self.cfg = cfg
        self.model, self.tokenizer = build_model(cfg)
        self.model.train()
        self.optimizer = torch.optim.AdamW(self.model.parameters(),
                                           lr=cfg.training.learning_rate,
                                           weight_decay=cfg.training.weight_decay)
        self.texts = texts
        #: (wall, CPU) seconds of whole steps and of the optimizer step alone.
        self.times: dict[str, list[tuple[float, float]]] = {"step": [], "optimizer": []}

    def batch(self) -> dict[str, Any]:
        enc = self.tokenizer(self.texts, truncation=True, max_length=self.cfg.text.max_length,
                             padding="max_length", return_tensors="pt")
        return dict(enc)

    def step(self) -> None:
        import torch
        from torch.nn import functional as F

        batch = self.batch()
        labels = torch.arange(len(self.texts)) % self.model.config.num_labels
        start = time.perf_counter(), time.process_time()
        logits = self.model(**batch).logits
        F.cross_entropy(logits.float(), labels).backward()
        middle = time.perf_counter(), time.process_time()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        end = time.perf_counter(), time.process_time()
        self.times["step"].append((end[0] - start[0], end[1] - start[1]))
        self.times["optimizer"].append((end[0] - middle[0], end[1] - middle[1]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", nargs="+", type=Path,
                        default=[ROOT / "configs" / "default.yaml",
                                 ROOT / "configs" / "multilingual.yaml"])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "seed" / "listings.jsonl")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per padding")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--cache-dir", default=None, help="data.cache_dir override")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)

    import torch

    from nlp_ip.text import build_model_inputs
    from nlp_ip_train.config import load_config

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rows = _listings(args.data)
    overrides = [f"data.cache_dir={args.cache_dir}"] if args.cache_dir else []
    configs = [load_config(path, overrides) for path in args.configs]
    texts_by_hints: dict[bool, list[str]] = {}
    steppers = []
    for cfg in configs:
        if cfg.text.hints not in texts_by_hints:
            texts_by_hints[cfg.text.hints] = build_model_inputs(rows, hints=cfg.text.hints)
        texts = texts_by_hints[cfg.text.hints]
        sample = random.Random(args.seed).sample(texts, args.batch_size)
        stepper = _Stepper(cfg, sample)
        stats = _token_stats(stepper.tokenizer, texts, cfg.text.max_length)
        print(f"{cfg.name}: base {cfg.model.base}, "
              f"{sum(p.numel() for p in stepper.model.parameters()) / 1e6:.1f} M parameters; "
              f"tokens per listing over {len(texts)} listings: mean {stats['mean']:.1f}, "
              f"median {stats['median']:.0f}, p95 {stats['p95']}, "
              f"over {cfg.text.max_length}: {stats['truncated_share']:.1%} "
              f"(mean kept {stats['mean_kept']:.1f})", flush=True)
        steppers.append(stepper)

    for stepper in steppers:                          # warm-up (allocations, AdamW state)
        stepper.step()
        for times in stepper.times.values():
            times.clear()
    for _ in range(args.steps):
        for stepper in steppers:
            stepper.step()
    print(f"torch threads {torch.get_num_threads()}, batch {args.batch_size} padded to "
          f"max_length, median of {args.steps} steps:")
    for stepper in steppers:
        (wall, cpu), (opt_wall, opt_cpu) = (
            tuple(statistics.median(t[i] for t in stepper.times[part]) for i in (0, 1))
            for part in ("step", "optimizer"))
        width = stepper.batch()["input_ids"].shape[1]
        print(f"  {stepper.cfg.name:<14} {width} tokens: step {wall:6.2f} s wall "
              f"{cpu:6.2f} s CPU, of which AdamW {opt_wall:5.2f} s wall {opt_cpu:5.2f} s CPU")
    if len(steppers) > 1:
        first, last = (statistics.median(t[1] for t in s.times["step"])
                       for s in (steppers[0], steppers[-1]))
        print(f"  CPU-time ratio {steppers[-1].cfg.name}/{steppers[0].cfg.name}: "
              f"{last / first:.2f}x")

if __name__ == "__main__":
    main()
