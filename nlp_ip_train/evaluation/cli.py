"""``nlp-ip evaluate``, ``nlp-ip calibrate-policy``, ``nlp-ip compare``: parse, call, print."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _pct(value: Any, digits: int = 2) -> str:
    return "n/a" if value is None else f"{100 * value:.{digits}f}%"


def register_evaluate(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="score a model on labeled data; write metrics.json and report.html",
        description="Score a model folder on a labeled file and write metrics.json, "
                    "report.html (self-contained, opens offline), predictions.jsonl and "
                    "cases.json. Example: nlp-ip evaluate --model runs/default/model-best "
                    "--data data/seed/listings.jsonl --split test --slice-by language "
                    "difficulty marketplace --output reports/seed-test")
    parser.add_argument("--model", required=True, type=Path, help="model folder")
    parser.add_argument("--data", required=True, type=Path, nargs="+",
                        help="labeled JSONL/CSV/Parquet file(s); FILE:SPLIT selects a split "
                             "of that file only")
    parser.add_argument("--output", type=Path, default=None,
                        help="output folder (default: reports/<run>-<model>-<data>)")
    parser.add_argument("--slice-by", nargs="*", default=[], metavar="FIELD",
                        help="metadata columns to report per value (brand, language, ...)")
    parser.add_argument("--split", default=None,
                        help="keep rows whose 'split' field has this value (train, test), or "
                             "seed-validation / seed-train as training derives them")
    parser.add_argument("--cases", default="auto",
                        help="legal-case probe file (default: data/cases/cases.jsonl when it "
                             "exists; 'none' to skip)")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="bootstrap resamples for the 95%% intervals (0 to skip)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument("--worst", type=int, default=12, metavar="K",
                        help="examples per error table in the report")
    parser.add_argument("--no-blend", dest="blend", action="store_false",
                        help="score only the transformer part of a blend folder (one with a "
                             "TF-IDF model blended in), to compare the parts")
    parser.set_defaults(func=evaluate_cli)


def evaluate_cli(args: argparse.Namespace) -> int:
    from nlp_ip_train.evaluation.run import evaluate

    cases = None if str(args.cases).lower() == "none" else args.cases
    result = evaluate(args.model, args.data, output=args.output, slice_by=args.slice_by,
                      split=args.split, cases=cases, n_bootstrap=args.bootstrap,
                      seed=args.seed, worst_k=args.worst, blend=args.blend)
    m = result.metrics
    ci = m.get("macro_f1_ci95")
    print(f"rows: {m['n']}  macro-F1: {m['macro_f1']:.4f}"
          + (f" (95% CI {ci[0]:.4f}-{ci[1]:.4f})" if ci else "")
          + f"  accuracy: {_pct(m['accuracy'])}  ECE: {m['ece']:.4f}  Brier: {m['brier']:.4f}")
    print(f"infringing recall (remove+review): {_pct(m['infringing_recall'])}  "
          f"over-enforcement: {_pct(m['over_enforcement_rate'])}  "
          f"review rate: {_pct(m['review_rate'])}  "
          f"auto-decision accuracy: {_pct(m['auto_decision_accuracy'])}")
    if result.cases is not None:
        s = result.cases["summary"]
        print(f"legal-case probe: label agreement {s['label_agreement']}/{s['n_labeled']}, "
              f"infringing cases flagged {s['infringing_flagged']}/{s['n_infringing']}, "
              f"non-infringing cases removed {s['non_infringing_removed']}/"
              f"{s['n_non_infringing']}")
    print(f"wrote {result.output / 'metrics.json'} and {result.output / 'report.html'}")
    return 0


def register_calibrate_policy(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "calibrate-policy", help="tune the remove/review thresholds on validation data",
        description="Tune the model folder's decision policy on held-out labeled data and "
                    "store it in nlp_ip.json: the smallest remove threshold whose removals "
                    "reach --target-precision, and the infringing review threshold that keeps "
                    "remove+review recall at --target-recall. Parody and lookalike are never "
                    "removed automatically. Example: nlp-ip calibrate-policy --model "
                    "runs/default/model-best --data data/seed/listings.jsonl --split "
                    "seed-validation --target-precision 0.99")
    parser.add_argument("--model", required=True, type=Path, help="model folder to update")
    parser.add_argument("--data", required=True, type=Path, nargs="+",
                        help="held-out labeled file(s), never training rows; FILE:SPLIT "
                             "selects a split of that file (e.g. the generated validation.jsonl "
                             "plus data/seed/listings.jsonl:seed-validation)")
    parser.add_argument("--split", default=None,
                        help="keep rows with this 'split' value, or seed-validation")
    parser.add_argument("--target-precision", type=float, default=0.99)
    parser.add_argument("--target-recall", type=float, default=0.95)
    parser.add_argument("--min-removals", type=int, default=10,
                        help="a remove threshold must remove at least this many rows")
    parser.add_argument("--max-over-enforcement", type=float, default=None,
                        help="also keep the share of non-infringing rows removed at or "
                             "under this value")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the result without writing nlp_ip.json")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=calibrate_policy_cli)


def calibrate_policy_cli(args: argparse.Namespace) -> int:
    from nlp_ip_train.evaluation.run import calibrate_model_policy

    result = calibrate_model_policy(
        args.model, args.data, split=args.split, target_precision=args.target_precision,
        target_recall=args.target_recall, min_removals=args.min_removals,
        max_over_enforcement=args.max_over_enforcement, write=not args.dry_run)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.format())
        print("(dry run: nothing written)" if args.dry_run
              else f"policy written to {args.model / 'nlp_ip.json'}")
    return 0 if result.remove["reached"] and result.review["reached"] else 3


def register_calibrate_cascade(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "calibrate-cascade",
        help="fit when a blend's TF-IDF part may decide alone (the cascade)",
        description="Fit the cascade thresholds of a blend folder on held-out labeled data "
                    "and store them in nlp_ip.json (blend.cascade): per label (infringing, "
                    "legitimate; parody and lookalike never skip) the lowest calibrated "
                    "TF-IDF confidence at which the listings it would decide alone agree "
                    "with the full blend on label and decision at --target-agreement. "
                    "Example: nlp-ip calibrate-cascade --model runs/default/model-best --data "
                    "validation.jsonl data/seed/listings.jsonl:seed-validation")
    parser.add_argument("--model", required=True, type=Path, help="blend model folder")
    parser.add_argument("--data", required=True, type=Path, nargs="+",
                        help="held-out labeled file(s), never training rows (FILE:SPLIT "
                             "selects a split of a file)")
    parser.add_argument("--split", default=None, help="keep rows with this 'split' value")
    parser.add_argument("--target-agreement", type=float, default=0.995)
    parser.add_argument("--min-rows", type=int, default=20,
                        help="a label's threshold must have at least this many rows behind it")
    parser.add_argument("--budget", choices=("skipped", "overall"), default="skipped",
                        help="where --target-agreement must hold: among the skipped listings "
                             "(default, strictest) or over all listings, each answer against "
                             "the full blend's (the skipped rows' disagreements may then use "
                             "the whole set's budget)")
    parser.add_argument("--mix", default=None, metavar="LABEL=SHARE,...",
                        help="weigh the rows to stand for a traffic mix by true label, e.g. "
                             "legitimate=0.85,lookalike=0.08,infringing=0.05,parody=0.02 "
                             "(default: the rows as they are)")
    parser.add_argument("--distill", type=Path, nargs="+", default=None, metavar="FILE",
                        help="listing files (labels not needed; none of them in --data, e.g. "
                             "a generated corpus's train split) on which to fit a distilled "
                             "first stage: a linear head on the TF-IDF features trained to "
                             "reproduce the full blend's answers; it then decides instead of "
                             "the TF-IDF part (cascade_head.safetensors)")
    parser.add_argument("--distill-c", type=float, default=16.0,
                        help="inverse regularisation strength of the distilled head "
                             "(default 16)")
    parser.add_argument("--enable", action="store_true",
                        help="make the cascade the folder's default (else it runs only when "
                             "asked: nlp-ip predict --cascade, serve --cascade)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the result without writing nlp_ip.json")
    parser.set_defaults(func=calibrate_cascade_cli)


def parse_mix(text: str) -> dict[str, float]:
    """``legitimate=0.85,lookalike=0.08`` -> a label -> share mapping (checked)."""
    from nlp_ip.errors import InvalidInputError
    from nlp_ip.labels import LABEL_NAMES

    mix: dict[str, float] = {}
    for part in text.split(","):
        label, sep, share = part.strip().partition("=")
        if not sep or label not in LABEL_NAMES:
            raise InvalidInputError(f"--mix: {part.strip()!r} is not LABEL=SHARE with LABEL one "
                                    f"of {', '.join(LABEL_NAMES)}")
        try:
            value = float(share)
        except ValueError:
            raise InvalidInputError(f"--mix: the share of {label} must be a number, got "
                                    f"{share!r}") from None
        if not 0.0 <= value <= 1.0:
            raise InvalidInputError(f"--mix: the share of {label} must be in [0, 1], got {value}")
        mix[label] = value
    if sum(mix.values()) <= 0:
        raise InvalidInputError("--mix: at least one share must be above 0")
    return mix


def calibrate_cascade_cli(args: argparse.Namespace) -> int:
    from nlp_ip_train.evaluation.run import calibrate_model_cascade

    if args.distill_c <= 0:
        from nlp_ip.errors import InvalidInputError

        raise InvalidInputError(f"--distill-c must be above 0, got {args.distill_c}")
    if not 0.5 <= args.target_agreement <= 1.0:
        from nlp_ip.errors import InvalidInputError

        raise InvalidInputError(f"--target-agreement must be in [0.5, 1], got "
                                f"{args.target_agreement}")
    spec = calibrate_model_cascade(args.model, args.data, split=args.split,
                                   target_agreement=args.target_agreement,
                                   min_rows=args.min_rows, enable=args.enable,
                                   write=not args.dry_run, budget=args.budget,
                                   mix=parse_mix(args.mix) if args.mix else None,
                                   distill=args.distill, distill_c=args.distill_c)
    print(json.dumps(spec.model_dump(mode="json"), indent=2))
    print("(dry run: nothing written)" if args.dry_run
          else f"cascade written to {args.model / 'nlp_ip.json'}", file=sys.stderr)
    return 0


def register_calibrate_conformal(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "calibrate-conformal",
        help="fit conformal prediction sets: listings the model cannot tell apart go to review",
        description="Fit class-conditional conformal prediction sets on held-out labeled data "
                    "and store them in the folder's policy (nlp_ip.json: policy.conformal). A "
                    "label is in a listing's set when its probability reaches the label's "
                    "threshold; a listing of true label L has L in its set with probability "
                    "at least 1 - alpha, on listings like the calibration rows. A listing "
                    "whose set is not exactly its top label then goes to review instead of "
                    "being allowed (never removed). Use hand-written rows the model never "
                    "trained on. Example: nlp-ip calibrate-conformal --model "
                    "runs/default/model-best --data data/seed/listings.jsonl:seed-validation "
                    "--alpha 0.05")
    parser.add_argument("--model", required=True, type=Path, help="model folder to update")
    parser.add_argument("--data", type=Path, nargs="+", default=None,
                        help="held-out labeled file(s), never training rows (FILE:SPLIT "
                             "selects a split of a file, e.g. "
                             "data/seed/listings.jsonl:seed-validation)")
    parser.add_argument("--split", default=None, help="keep rows with this 'split' value")
    parser.add_argument("--alpha", type=float, default=0.05,
                        help="miss rate per label: 1 - alpha is the coverage (default 0.05)")
    parser.add_argument("--remove", action="store_true",
                        help="take the conformal sets out of the folder's policy instead")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the result without writing nlp_ip.json")
    parser.set_defaults(func=calibrate_conformal_cli)


def calibrate_conformal_cli(args: argparse.Namespace) -> int:
    from nlp_ip.errors import InvalidInputError
    from nlp_ip_train.evaluation.run import calibrate_model_conformal, remove_model_conformal

    if args.remove:
        if not args.dry_run:
            remove_model_conformal(args.model)
        print("(dry run: nothing written)" if args.dry_run
              else f"conformal sets removed from {args.model / 'nlp_ip.json'}", file=sys.stderr)
        return 0
    if not args.data:
        raise InvalidInputError("--data is required: the held-out labeled file(s) to fit the "
                                "sets on (or pass --remove to take them out)")
    if not 0.0 < args.alpha < 0.5:
        raise InvalidInputError(f"--alpha must be in (0, 0.5), got {args.alpha}; 0.05 asks "
                                "for 95% coverage per label")
    spec, report = calibrate_model_conformal(args.model, args.data, split=args.split,
                                             alpha=args.alpha, write=not args.dry_run)
    print(json.dumps({"conformal": spec.model_dump(mode="json"), "on_calibration_data": report},
                     indent=2))
    if spec.fitted.get("always_in"):
        print(f"warning: too few rows of {', '.join(spec.fitted['always_in'])} for alpha "
              f"{args.alpha}: those labels are in every set, so every listing goes to review; "
              "add held-out rows or raise --alpha", file=sys.stderr)
    print("(dry run: nothing written)" if args.dry_run
          else f"conformal sets written to {args.model / 'nlp_ip.json'}", file=sys.stderr)
    return 0


def register_compare(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compare", help="side-by-side table of runs or models",
        description="Compare runs, model folders or evaluation outputs: macro-F1, per-class "
                    "F1, ECE, over-enforcement, infringing recall, review rate, throughput. "
                    "Without --data the recorded numbers are used. Example: nlp-ip compare "
                    "runs/baseline runs/default --data data/seed/listings.jsonl --split test "
                    "--output compare.md")
    parser.add_argument("paths", nargs="+", type=Path, metavar="RUN_OR_MODEL")
    parser.add_argument("--data", type=Path, nargs="*", default=[],
                        help="score every model on this labeled file instead (FILE:SPLIT "
                             "allowed)")
    parser.add_argument("--split", default=None, help="row split of --data (e.g. test)")
    parser.add_argument("--recorded-split", default=None,
                        help="which nlp_ip.json metrics to show without --data "
                             "(default: generated_test, else validation)")
    parser.add_argument("--output", type=Path, default=None, help="write the markdown here")
    parser.set_defaults(func=compare_cli)


def compare_cli(args: argparse.Namespace) -> int:
    from nlp_ip_train.evaluation.compare import compare_rows, compare_table

    rows = compare_rows(args.paths, data=args.data, split=args.split,
                        recorded_split=args.recorded_split)
    table = compare_table(rows)
    print(table, end="")
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0
