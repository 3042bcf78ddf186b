"""``nlp-ip export``: write an ONNX (fp32 or int8) model folder from a trained one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export", help="export a model folder to ONNX (fp32 or int8)",
        description="Export a transformer model folder to ONNX for onnxruntime. The output is "
                    "a complete model folder that `nlp-ip predict` and ListingClassifier load. "
                    "Example: nlp-ip export --model runs/default/model-best --format onnx "
                    "--quantize int8 --output runs/default/model-int8",
    )
    parser.add_argument("--model", required=True, type=Path, help="transformer model folder")
    parser.add_argument("--format", required=True, choices=("onnx",), help="export format")
    parser.add_argument("--quantize", choices=("int8",), default=None,
                        help="quantise the weights (dynamic int8); fp32 when left out")
    parser.add_argument("--output", required=True, type=Path, help="model folder to write")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output")
    parser.add_argument("--opset", type=int, default=17, help="ONNX opset (>= 17)")
    parser.add_argument("--no-optimize", action="store_true",
                        help="skip onnxruntime's operator fusion")
    parser.add_argument("--int8-method", choices=("rowwise", "blockwise", "dynamic"),
                        default="rowwise",
                        help="int8 scheme: rowwise (default: per-token activation scales, fast, "
                             "batch-independent), blockwise (MatMulNBits: most accurate, slow on "
                             "x86) or dynamic (onnxruntime quantize_dynamic: per-batch scales)")
    parser.add_argument("--block-size", type=int, default=32,
                        help="int8 blockwise: weights and activations per scale (default 32)")
    parser.add_argument("--per-tensor", action="store_true",
                        help="int8 dynamic: one weight scale per matrix, not per output channel")
    parser.add_argument("--reduce-range", action="store_true",
                        help="int8 dynamic: 7-bit weights (for CPUs without VNNI)")
    parser.add_argument("--keep-torch-weights", action="store_true",
                        help="also copy model.safetensors (for transformers.pipeline and the "
                             "torch backends)")
    parser.set_defaults(func=export_cli)


def export_cli(args: argparse.Namespace) -> int:
    from nlp_ip.exporters import export_onnx

    result = export_onnx(args.model, args.output, quantize=args.quantize,
                         int8_method=args.int8_method, block_size=args.block_size,
                         optimize=not args.no_optimize, per_channel=not args.per_tensor,
                         reduce_range=args.reduce_range, opset=args.opset,
                         keep_torch_weights=args.keep_torch_weights, overwrite=args.overwrite)
    print(f"{result.output}: onnx {result.precision}, {result.file_mb:.1f} MB; max difference "
          f"from torch: {result.max_abs_logit_diff:.2g} logit, {result.max_prob_diff:.2g} "
          f"probability ({result.seconds:.0f}s)", file=sys.stderr)
    return 0
