"""The interface between the engine and a backend.

:class:`~nlp_ip.inference.ListingClassifier` sees every backend (torch, ONNX,
TF-IDF, and the blend wrapper around one of them) only through
:class:`Backend`: it encodes a chunk once, packs rows into batches by
:meth:`~Backend.lengths` under a token budget, and asks for the logits of one
batch at a time with :meth:`~Backend.forward`. A backend on a GPU
(:attr:`~Backend.device` other than ``cpu``) gets one batch at a time by default.
"""

from __future__ import annotations

from typing import Protocol, TypedDict, TypeVar, runtime_checkable

import numpy as np

#: What a backend's ``encode`` returns and its ``lengths`` and ``forward`` take back.
Encoded = TypeVar("Encoded")


class Int8Run(TypedDict):
    """How an int8 ONNX graph runs on this CPU (``/v1/model`` and ``nlp_ip.json`` report it).

    ``kernel``, ``instruction`` and ``saturates`` describe onnxruntime's ``u8 x s8``
    kernel here (:class:`nlp_ip.inference.cpu.Int8Kernel`); ``variant`` is the graph
    variant run on it (:mod:`nlp_ip.inference.int8_portability`).
    """

    kernel: str
    instruction: str
    saturates: bool
    variant: str


@runtime_checkable
class Backend(Protocol[Encoded]):
    """A loaded model that turns model-input texts into logits, batch by batch."""

    @property
    def name(self) -> str:
        """What ``backend_name`` reports, e.g. ``torch-fp32`` or ``onnx-int8+tfidf``."""
        ...

    @property
    def precision(self) -> str:
        """The precision the model computes in (``fp32``, ``bf16``, ``int8``, ``fp64``)."""
        ...

    @property
    def default_batch_tokens(self) -> int:
        """The measured best token budget per batch (rows x padded length)."""
        ...

    @property
    def device(self) -> str:
        """Where the model computes: ``cpu``, or a GPU such as ``cuda:0``."""
        ...

    @property
    def int8(self) -> Int8Run | None:
        """For an int8 ONNX model, its kernel path on this CPU; None for the others."""
        ...

    def encode(self, texts: list[str], max_length: int) -> Encoded:
        """Tokenise ``texts`` (truncated to ``max_length`` tokens), without padding."""
        ...

    def lengths(self, encoded: Encoded) -> np.ndarray:
        """Tokens per row of ``encoded`` (int64), what the batches are packed by."""
        ...

    def forward(self, encoded: Encoded, idx: np.ndarray) -> np.ndarray:
        """Logits, shape (len(idx), K), of the rows ``idx`` of ``encoded``, as float32."""
        ...
