"""The report's figures as base64 PNG strings (matplotlib, Agg backend, no metadata URLs)."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nlp_ip.labels import LABEL_NAMES

DECISION_COLORS = {"remove": "#c0392b", "review": "#e6a23c", "allow": "#4c9a5b"}


def _pyplot() -> Any:
    from nlp_ip.errors import require

    matplotlib: Any = require("matplotlib", extra="train", feature="the HTML report")
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    # metadata Software=None: matplotlib would otherwise embed its home-page URL
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def confusion_png(matrix: Sequence[Sequence[int]], labels: Sequence[str] = LABEL_NAMES) -> str:
    """Counts with row shares; rows are true labels, columns predictions."""
    plt = _pyplot()
    cm = np.asarray(matrix, dtype=np.float64)
    shares = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, f"{int(cm[i, j])}\n{shares[i, j]:.0%}", ha="center", va="center",
                    fontsize=9, color="white" if shares[i, j] > 0.6 else "#222")
    ax.set_xticks(range(len(labels)), labels, rotation=20)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    ax.set_title("Confusion matrix (row share)")
    return _png(fig)


def decisions_png(by_label: Mapping[str, Mapping[str, int]]) -> str:
    """Stacked decision shares per true label."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 2.8))
    labels = list(by_label)
    left = np.zeros(len(labels))
    for decision, color in DECISION_COLORS.items():
        counts = np.array([by_label[name].get(decision, 0) for name in labels], dtype=float)
        totals = np.array([max(sum(by_label[name].values()), 1) for name in labels])
        share = counts / totals
        ax.barh(labels, share, left=left, color=color, label=decision)
        for y, (s, x, c) in enumerate(zip(share, left, counts, strict=True)):
            if s >= 0.06:
                ax.text(x + s / 2, y, f"{int(c)}", ha="center", va="center", fontsize=8,
                        color="white")
        left += share
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of rows with this true label")
    ax.legend(ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return _png(fig)


def reliability_png(bins: Sequence[Mapping[str, float]]) -> str:
    """Accuracy per confidence bin against the diagonal, with bin counts."""
    plt = _pyplot()
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(5.2, 5.0), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
    lows = np.array([b["lower"] for b in bins])
    highs = np.array([b["upper"] for b in bins])
    counts = np.array([b["count"] for b in bins])
    acc = np.array([b["accuracy"] for b in bins])
    conf = np.array([b["confidence"] for b in bins])
    full = counts > 0
    ax.plot([0, 1], [0, 1], ls="--", color="#888", lw=1, label="perfect calibration")
    ax.bar(lows[full], acc[full], width=(highs - lows)[full], align="edge", color="#4a78b5",
           edgecolor="white", label="accuracy")
    ax.plot(conf[full], acc[full], "o", color="#c0392b", ms=4, label="mean confidence")
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title("Reliability diagram (top label)")
    ax.legend(loc="upper left", fontsize=8)
    ax2.bar(lows, counts, width=highs - lows, align="edge", color="#999", edgecolor="white")
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("confidence")
    ax2.set_ylabel("rows")
    return _png(fig)


def risk_coverage_png(coverage: np.ndarray, risk: np.ndarray, aurc: float | None) -> str:
    """Error rate among the most confident rows, as coverage grows."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    if len(coverage):
        ax.step(np.r_[0.0, coverage], np.r_[risk[0], risk], where="post", color="#4a78b5")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, max(0.05, float(np.max(risk)) * 1.1) if len(risk) else 1)
    ax.set_xlabel("coverage (share of rows kept, most confident first)")
    ax.set_ylabel("risk (error rate of kept rows)")
    title = "Risk-coverage curve"
    if aurc is not None:
        title += f" (AURC {aurc:.4f})"
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return _png(fig)


def slice_png(field: str, slices: Mapping[str, Mapping[str, Any]], max_items: int = 20) -> str:
    """Macro-F1 and over-enforcement per slice value (largest slices first)."""
    plt = _pyplot()
    items = list(slices.items())[:max_items]
    names = [f"{k} (n={v['n']})" for k, v in items]
    f1 = [v["macro_f1"] if v["macro_f1"] is not None else 0.0 for _, v in items]
    over = [v["over_enforcement_rate"] if v["over_enforcement_rate"] is not None else 0.0
            for _, v in items]
    height = 0.9 + 0.32 * len(items)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8.4, height), sharey=True)
    y = np.arange(len(items))
    a1.barh(y, f1, color="#4a78b5")
    a1.set_xlim(0, 1)
    a1.set_yticks(y, names, fontsize=8)
    a1.invert_yaxis()
    a1.set_title(f"macro-F1 by {field}", fontsize=10)
    a2.barh(y, over, color="#c0392b")
    a2.set_xlim(0, max(0.05, max(over) * 1.2 if over else 0.05))
    a2.set_title("over-enforcement rate", fontsize=10)
    for ax in (a1, a2):
        ax.grid(axis="x", alpha=0.3)
    return _png(fig)
