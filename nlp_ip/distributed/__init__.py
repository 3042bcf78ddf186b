"""Batch classification on Ray Data: one machine, a Ray cluster or KubeRay, same code.

Ray is an optional extra (``pip install "nlp-ip[distributed]"``); importing this
package does not import Ray, calling into it without Ray raises an ImportError
that names the install line.

>>> from nlp_ip.distributed import predict_with_ray  # doctest: +SKIP
>>> predict_with_ray("runs/default/model-best", "shards/*.jsonl", "out/")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nlp_ip.distributed._ray import INSTALL_HINT, require_ray

if TYPE_CHECKING:
    from nlp_ip.distributed.ray_predict import ListingPredictor, RayPredictResult, predict_with_ray

__all__ = ["INSTALL_HINT", "ListingPredictor", "RayPredictResult", "predict_with_ray",
           "require_ray"]


def __getattr__(name: str) -> Any:
    if name in ("ListingPredictor", "RayPredictResult", "predict_with_ray"):
        from nlp_ip.distributed import ray_predict

        return getattr(ray_predict, name)
    raise AttributeError(f"module 'nlp_ip.distributed' has no attribute {name!r}")
