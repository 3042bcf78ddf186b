"""``nlp-ip train``: parse arguments, set up logging to the run folder, call ``train()``."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any


def register_train(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train", help="fine-tune a model from a config file",
        description="Train, calibrate and export a model. Example: nlp-ip train --config "
                    "configs/quick.yaml --output runs/quick --set training.learning_rate=3e-5",
    )
    parser.add_argument("--config", required=True, type=Path, help="configs/NAME.yaml")
    parser.add_argument("--output", required=True, type=Path, help="run folder to write")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY.PATH=VALUE", help="override a config value (repeatable)")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted run from its last checkpoint")
    parser.set_defaults(func=train_cli)


def train_cli(args: argparse.Namespace) -> int:
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cfg = load_config(args.config, args.overrides)
    args.output.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(args.output / "train.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    result = train(cfg, args.output, resume=args.resume)
    for name, metrics in result.metrics.items():
        parts = {k: round(v["macro_f1"], 4) for k, v in metrics.items()
                 if isinstance(v, dict) and "macro_f1" in v}
        print(f"{name}: macro-F1 {json.dumps(parts)}; temperature "
              f"{metrics['calibration']['temperature']:.3f}")
    print(f"model folders: {result.model_best} {result.model_last}")
    return 0
