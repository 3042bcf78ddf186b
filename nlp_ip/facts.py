"""The labeling guide's facts, and the label they decide in the guide's order.

A model folder with fact heads (``nlp_ip.json`` -> ``facts``) has a transformer whose
output holds, after the four label logits, one logit per fact of :data:`FACTS`: the
probability (sigmoid) that the fact holds for the listing. Four of them decide the
label the way ``shared/labeling-guide.md`` does, first rule first:

1. infringing: the mark is on the goods as the brand's own (``mark_on_goods``) and the
   goods are not genuine (not ``genuine_goods``);
2. parody: otherwise, a joke on a famous mark is signalled (``joke_signalled``);
3. lookalike: otherwise, a famous design is imitated (``design_imitated``);
4. legitimate: otherwise.

With the fact probabilities taken as independent this gives a distribution over the
labels (:func:`guide_probs`); the folder's scores blend it with the direct label head
(:func:`label_scores`). The other four facts (counterfeit jargon, provenance, the brand
named only as a reference, an implausible price) are the evidence the guide names for
them; they are trained and reported, and do not enter the combination.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nlp_ip.labels import LABEL_NAMES
from nlp_ip.numerics import log_softmax

#: The facts, in the order of the model's fact outputs; (name, what it means).
FACT_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    ("mark_on_goods", "the goods carry a brand's mark (name, logo, product line, an obfuscated "
                      "form) as the brand's own"),
    ("genuine_goods", "the listing presents the goods as the brand's genuine goods and "
                      "nothing in it contradicts that"),
    ("joke_signalled", "the listing signals a joke on a famous mark (a pun, a spoof, "
                       "'parody')"),
    ("design_imitated", "the item imitates a famous design, style or look"),
    ("counterfeit_jargon", "counterfeit vocabulary: replica, 1:1, AAA, UA, mirror quality"),
    ("provenance", "provenance: a receipt, serial number, authentication, an authorized "
                   "seller"),
    ("reference_only", "the brand is named only for compatibility, comparison or as a "
                       "subject"),
    ("implausible_price", "the price is far below any genuine item of the brand named"),
)
FACTS: tuple[str, ...] = tuple(name for name, _ in FACT_DESCRIPTIONS)
#: The facts the guide's decision order reads, in that order of use.
DECISIVE: tuple[str, ...] = ("mark_on_goods", "genuine_goods", "joke_signalled",
                             "design_imitated")
_EPS = 1e-6


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))


def fact_probs(fact_logits: np.ndarray) -> np.ndarray:
    """(N, len(FACTS)) probabilities from the fact logits."""
    return _sigmoid(np.asarray(fact_logits, dtype=np.float64))


def _guide_columns(p: Any) -> list[Any]:
    """The guide's order over fact probabilities ``p`` (N, len(FACTS)), numpy or torch: the
    four label columns in label order (the one definition both versions use)."""
    mark, genuine, joke, design = (p[:, FACTS.index(name)] for name in DECISIVE)
    infringing = mark * (1.0 - genuine)
    rest = 1.0 - infringing
    by_label = {"infringing": infringing, "parody": rest * joke,
                "lookalike": rest * (1.0 - joke) * design,
                "legitimate": rest * (1.0 - joke) * (1.0 - design)}
    return [by_label[name] for name in LABEL_NAMES]


def guide_probs(fact_logits: np.ndarray) -> np.ndarray:
    """(N, 4) label probabilities, in label order, from the fact logits (guide order)."""
    return np.stack(_guide_columns(fact_probs(fact_logits)), axis=1)


def label_scores(raw: np.ndarray, weight: float) -> np.ndarray:
    """Log-scores of the labels from a fact-head model's raw outputs (N, 4 + len(FACTS)):
    ``weight * log_softmax(direct) + (1 - weight) * log(guide_probs(facts))``, a weighted
    product of the direct head's and the guide order's distributions."""
    raw = np.asarray(raw, dtype=np.float64)
    n_labels = len(LABEL_NAMES)
    if raw.ndim != 2 or raw.shape[1] != n_labels + len(FACTS):
        raise ValueError(f"a fact-head model outputs {n_labels + len(FACTS)} columns (labels "
                         f"then facts), got shape {raw.shape}")
    direct = log_softmax(raw[:, :n_labels])
    guide = np.log(np.clip(guide_probs(raw[:, n_labels:]), _EPS, 1.0))
    return weight * direct + (1.0 - weight) * guide


def torch_guide_log_probs(fact_logits: Any) -> Any:
    """Torch version of :func:`guide_probs`, as log-probabilities (N, 4); differentiable."""
    import torch

    probs = torch.stack(_guide_columns(torch.sigmoid(fact_logits.float())), dim=1)
    return torch.log(probs.clamp_min(_EPS))


def torch_label_scores(raw: Any, weight: float) -> Any:
    """Torch version of :func:`label_scores` (for gradients through the model)."""
    import torch

    n_labels = len(LABEL_NAMES)
    raw = raw.float()
    direct = torch.log_softmax(raw[:, :n_labels], dim=-1)
    return weight * direct + (1.0 - weight) * torch_guide_log_probs(raw[:, n_labels:])
