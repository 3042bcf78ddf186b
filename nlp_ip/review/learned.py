"""Which reviewer decisions the production model has already learned.

A model version that ``nlp-ip retrain`` registered keeps the reviewer decisions it was
trained on (``data/decisions.jsonl`` in the registry, see :mod:`nlp_ip.registry`). The
workbench, given the registry and the model name (``nlp-ip review serve --registry DIR
--model NAME``), marks an item whose current decision is among them (same listing, same
label): the production model has learned it. An item decided differently since, or
decided after that training, is not marked. The answer is cached until the registry's
production pointer moves.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp_ip.io import listing_key
from nlp_ip.registry import PRODUCTION, Registry

#: The file of a registered version that holds the decisions it was trained on.
DECISIONS_FILE = "decisions.jsonl"


@dataclass(frozen=True)
class Learned:
    """The production version and the (listing key, label) pairs it was trained on."""

    version: str | None
    model_version: str | None
    decisions: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def knows(self, listing: dict[str, Any], label: str | None) -> bool:
        """True when ``label`` for ``listing`` is a decision the production model learned."""
        return label is not None and (listing_key(listing), label) in self.decisions


class LearnedDecisions:
    """The production model's learned decisions, re-read when its pointer moves."""

    def __init__(self, registry: str | Path | Registry, name: str) -> None:
        self.registry = registry if isinstance(registry, Registry) else Registry(registry)
        self.name = name
        self._lock = threading.Lock()
        self._stamp: object = object()
        self._learned = Learned(None, None)

    def current(self) -> Learned:
        stamp = self.registry.pointer_stamp(self.name)
        with self._lock:
            if stamp != self._stamp:
                self._learned = self._read()
                self._stamp = stamp
            return self._learned

    def _read(self) -> Learned:
        version = self.registry.stage(self.name, PRODUCTION)
        if version is None:
            return Learned(None, None)
        record = self.registry.record(self.name, version)
        path = self.registry.version_dir(self.name, version) / "data" / DECISIONS_FILE
        pairs: set[tuple[str, str]] = set()
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    if row.get("label"):
                        pairs.add((listing_key(row), str(row["label"])))
        return Learned(version, record.model_version, frozenset(pairs))
