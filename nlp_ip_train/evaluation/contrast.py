"""Contrast sets: does the model follow the decisive fact or the surface topic?

A contrast group (``data/contrast/``) is a base listing plus edits, each a copy of
the base with one decisive fact changed so that the labeling guide gives it
another label. Rows carry ``group`` and ``role`` (``base`` or ``edit``) and, for
edits, ``edit_kind``. The measures:

- **consistency**: the share of groups with every member right (the usual
  contrast-set score: a model that keeps a topic's label gets the base right
  and every edit wrong);
- **per direction** (base label -> edit label): how many edits the model gets
  right, and how many it leaves at the base's label ("kept the topic");
- **per edit kind**: accuracy of the edits of each kind of change;
- a 95% bootstrap interval of consistency, resampling groups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from nlp_ip.labels import LABEL_NAMES
from nlp_ip.schema import Listing


def contrast_metrics(listings: Sequence[Listing], y_true: np.ndarray, y_pred: np.ndarray, *,
                     n_bootstrap: int = 1000, seed: int = 0) -> dict[str, Any] | None:
    """Contrast measures for rows that carry ``group``/``role``; None when no row does."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, listing in enumerate(listings):
        group = listing.metadata.get("group")
        if group is not None:
            members[str(group)].append(i)
    if not members:
        return None
    right = np.asarray(y_true) == np.asarray(y_pred)
    names = sorted(members)
    all_right = np.array([bool(right[members[g]].all()) for g in names])
    directions: dict[str, dict[str, int]] = {}
    kinds: dict[str, dict[str, int]] = {}
    base_right = edit_n = edit_right = 0
    for g in names:
        rows = members[g]
        bases = [i for i in rows if listings[i].metadata.get("role") == "base"]
        if len(bases) != 1:
            raise ValueError(f"contrast group {g!r} has {len(bases)} base rows; each group "
                             "needs exactly one row with role 'base'")
        base = bases[0]
        base_right += int(right[base])
        for i in rows:
            if i == base:
                continue
            key = f"{LABEL_NAMES[int(y_true[base])]}->{LABEL_NAMES[int(y_true[i])]}"
            slot = directions.setdefault(key, {"n": 0, "right": 0, "kept_base_label": 0})
            slot["n"] += 1
            slot["right"] += int(right[i])
            slot["kept_base_label"] += int(y_pred[i] == y_true[base])
            kind = str(listings[i].metadata.get("edit_kind") or "unspecified")
            kslot = kinds.setdefault(kind, {"n": 0, "right": 0})
            kslot["n"] += 1
            kslot["right"] += int(right[i])
            edit_n += 1
            edit_right += int(right[i])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(names), size=(n_bootstrap, len(names)))
    boot = all_right[draws].mean(axis=1)
    for table in (directions, kinds):
        for slot in table.values():
            slot["accuracy"] = round(slot["right"] / slot["n"], 4)  # type: ignore[assignment]
    return {
        "groups": len(names), "rows": int(sum(len(v) for v in members.values())),
        "consistency": round(float(all_right.mean()), 4),
        "consistency_ci95": [round(float(np.percentile(boot, 2.5)), 4),
                             round(float(np.percentile(boot, 97.5)), 4)],
        "base_accuracy": round(base_right / len(names), 4),
        "edit_accuracy": round(edit_right / edit_n, 4) if edit_n else None,
        "directions": dict(sorted(directions.items())),
        "edit_kinds": dict(sorted(kinds.items())),
    }
