"""Training targets and loss of the fact heads (issue 20, item 3; see :mod:`nlp_ip.facts`).

Every training row gets a target per fact of :data:`nlp_ip.facts.FACTS`: 1, 0, or
unknown (masked out of the loss). Two sources, both from what the data already knows:

- the **label** fixes facts through the guide's decision order: an infringing row has the
  mark on the goods and the goods are not genuine; a parody signals a joke and does not
  carry the mark as the brand's own; a lookalike imitates a design without the mark or a
  joke; a legitimate listing signals no joke. This holds for hand-written rows too.
- the generated row's **scenario** (its family's, :mod:`nlp_ip_train.datagen.families`)
  adds what its template writes: counterfeit vocabulary, provenance, a compatibility or
  comparison reference, a price below genuine, and for legitimate families whether the
  goods are the brand's genuine ones.

Where neither says, the target is unknown: a counterfeit betrayed by its price may or may
not also use jargon, a parody may or may not imitate a design.

The loss (:func:`fact_loss`) adds, per row, the cross-entropy of the guide-order
distribution (:func:`nlp_ip.facts.guide_probs`, in torch) and the masked binary
cross-entropy of the known facts to the direct head's cross-entropy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nlp_ip.facts import FACTS, torch_guide_log_probs
from nlp_ip.labels import LABEL_NAMES

_Targets = dict[str, int]

#: What the label alone says of the facts (the guide's decision order).
BY_LABEL: Mapping[str, _Targets] = {
    "infringing": {"mark_on_goods": 1, "genuine_goods": 0},
    "parody": {"mark_on_goods": 0, "joke_signalled": 1},
    "lookalike": {"mark_on_goods": 0, "joke_signalled": 0, "design_imitated": 1},
    "legitimate": {"joke_signalled": 0},
}

_GENUINE = {"mark_on_goods": 1, "genuine_goods": 1, "counterfeit_jargon": 0,
            "reference_only": 0, "implausible_price": 0}
_NO_MARK_PLAIN = {"mark_on_goods": 0, "design_imitated": 0, "counterfeit_jargon": 0,
                  "implausible_price": 0}

#: What each generator scenario writes, beyond its label (see the families' builders).
BY_SCENARIO: Mapping[str, _Targets] = {
    # infringing
    "counterfeit_vocab": {"counterfeit_jargon": 1, "provenance": 0, "reference_only": 0},
    "obfuscated_mark": {"provenance": 0, "reference_only": 0},
    "contradicted_claims": {"provenance": 0, "reference_only": 0},
    "price_far_below": {"implausible_price": 1, "reference_only": 0},
    "keyword_stuffing": {"reference_only": 0},
    "failed_parody": {"joke_signalled": 1, "reference_only": 0},
    "mark_on_lookalike": {"design_imitated": 1},
    "jargon": {"counterfeit_jargon": 1, "provenance": 0, "reference_only": 0},
    "unauthorized_software": {"provenance": 0, "reference_only": 0},
    "mark_on_merch": {"joke_signalled": 0, "design_imitated": 0, "counterfeit_jargon": 0,
                      "provenance": 0, "reference_only": 0},
    # parody
    "pun_name": {"counterfeit_jargon": 0, "provenance": 0, "reference_only": 0},
    "satire_slogan": {"counterfeit_jargon": 0, "provenance": 0, "reference_only": 0},
    "cartoon_tote": {"counterfeit_jargon": 0, "provenance": 0, "reference_only": 0},
    "gag_gift": {"counterfeit_jargon": 0, "provenance": 0, "reference_only": 0},
    "satirical_art": {"counterfeit_jargon": 0, "provenance": 0, "reference_only": 0},
    "visual_joke": {"counterfeit_jargon": 0, "provenance": 0, "reference_only": 0},
    # lookalike
    "design_no_mark": {"counterfeit_jargon": 0, "provenance": 0},
    "dupe_comparison": {"counterfeit_jargon": 0, "provenance": 0, "reference_only": 1},
    "fragrance_impression": {"counterfeit_jargon": 0, "provenance": 0, "reference_only": 1},
    "hype_lookalike": {"counterfeit_jargon": 0, "provenance": 0},
    "homage": {"counterfeit_jargon": 0, "provenance": 0},
    "design_classic": {"counterfeit_jargon": 0, "provenance": 0},
    # legitimate
    "genuine_new": dict(_GENUINE),
    "genuine_preowned": {**_GENUINE, "provenance": 1},
    "genuine_notfake": dict(_GENUINE),
    "licensed_replica": dict(_GENUINE),
    "generic_goods": {**_NO_MARK_PLAIN, "provenance": 0, "reference_only": 0},
    "compatibility": {**_NO_MARK_PLAIN, "reference_only": 1},
    "false_cue_words": {**_NO_MARK_PLAIN, "reference_only": 0},
    "brand_media": {**_NO_MARK_PLAIN, "reference_only": 1},
    # topic twins (nlp_ip_train/datagen/twins.py)
    "plain_novelty": {**_NO_MARK_PLAIN, "provenance": 0, "reference_only": 0},
    "plain_unbranded": {**_NO_MARK_PLAIN, "provenance": 0, "reference_only": 0},
}


def fact_targets(label: str, metadata: Mapping[str, Any] | None = None
                 ) -> tuple[list[float], list[float]]:
    """``(targets, mask)`` over :data:`FACTS` for a row of ``label``; ``metadata`` may carry
    the generator's ``scenario`` (minimal-pair rows carry ``minimal_pair``, which adds
    nothing). A scenario never contradicts its label's facts (checked by a test)."""
    if label not in BY_LABEL:
        raise ValueError(f"unknown label {label!r}; use {', '.join(LABEL_NAMES)}")
    known: _Targets = dict(BY_LABEL[label])
    scenario = (metadata or {}).get("scenario")
    if isinstance(scenario, str):
        known.update(BY_SCENARIO.get(scenario, {}))
    targets = [float(known.get(name, 0)) for name in FACTS]
    mask = [1.0 if name in known else 0.0 for name in FACTS]
    return targets, mask


def fact_loss(logits: Any, labels: Any, facts: Any, mask: Any, fact_weight: float) -> Any:
    """Per-row loss of a fact-head model's logits (N, 4 + len(FACTS)): the direct head's
    cross-entropy + the guide order's + ``fact_weight`` x the masked binary
    cross-entropy of the known facts (mean over the known ones)."""
    from torch.nn import functional as F

    n_labels = len(LABEL_NAMES)
    logits = logits.float()
    direct = F.cross_entropy(logits[:, :n_labels], labels, reduction="none")
    guide = F.nll_loss(torch_guide_log_probs(logits[:, n_labels:]), labels, reduction="none")
    bce = F.binary_cross_entropy_with_logits(logits[:, n_labels:], facts.float(),
                                             reduction="none")
    known = mask.float()
    per_fact = (bce * known).sum(dim=1) / known.sum(dim=1).clamp_min(1.0)
    return direct + guide + fact_weight * per_fact


class FactFit:
    """The fitted combination of a fact-head model's two heads (``meta``) and the
    validation log-loss of each candidate weight of the direct head (``losses``)."""

    def __init__(self, meta: Any, losses: dict[str, float], f1: dict[str, float]) -> None:
        self.meta = meta
        self.losses = losses
        self.f1 = f1

    def report(self) -> dict[str, Any]:
        return {"weight": self.meta.weight, "validation_log_loss": self.losses,
                "validation_macro_f1": self.f1}


def fit_fact_weight(raw: Any, y_true: Any, weights: list[float], *,
                    calibrate: bool = True) -> FactFit:
    """The direct head's weight (:func:`nlp_ip.facts.label_scores`) with the lowest
    validation log-loss (after temperature scaling when ``calibrate``)."""
    import numpy as np

    from nlp_ip.artifact import FactsMeta
    from nlp_ip.facts import FACTS, guide_probs, label_scores
    from nlp_ip.numerics import softmax
    from nlp_ip_train.metrics import fit_temperature, log_loss, macro_f1

    y = np.asarray(y_true, dtype=int)
    losses: dict[str, float] = {}
    best: tuple[float, float] | None = None
    for w in weights:
        z = label_scores(raw, w)
        loss = log_loss(z, y, fit_temperature(z, y) if calibrate else 1.0)
        losses[f"{w:g}"] = loss
        if best is None or loss < best[0] - 1e-12:
            best = (loss, w)
    assert best is not None
    n = len(LABEL_NAMES)
    f1 = {"direct": macro_f1(y, softmax(np.asarray(raw)[:, :n]).argmax(1)),
          "guide_order": macro_f1(y, guide_probs(np.asarray(raw)[:, n:]).argmax(1)),
          "combined": macro_f1(y, label_scores(raw, best[1]).argmax(1))}
    return FactFit(FactsMeta(names=list(FACTS), weight=float(best[1])), losses, f1)
