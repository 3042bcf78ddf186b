"""Word-level explanations on the text exactly as the seller typed it.

A *word* is a maximal run of non-space characters of the title or the
description ("G.U.C.C.I", "1:1" and "$59" are single words), identified by
its field and character offsets in that field, so a highlight always lands on
the original text, whatever the model's text builder or tokenizer does to it.

Two attribution methods, both toward one target label (by default the predicted
one); a positive score means the word pushed the model toward the target:

``occlusion`` (any backend; only needs ``predict_proba``)
    the drop of the target probability when the word is deleted from the listing
    and the listing is scored again. All variants of a batch of listings are
    scored together through the engine's length-sorted batching.
``integrated-gradients`` (torch backends)
    integrated gradients of the calibrated target probability with respect to the
    input token embeddings, from a baseline where every word token is replaced by
    the padding embedding; token scores are summed into the words whose characters
    they cover (tokens are mapped to the original fields through the tokenizer's
    offsets and the position of each field in the built model input).

Explanations are merged with the text layer's signals (brand mentions, cue
words): each word lists the signals it overlaps.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nlp_ip.errors import InvalidInputError
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.schema import Listing

logger = logging.getLogger(__name__)

FIELDS: tuple[str, ...] = ("title", "description")
METHODS: tuple[str, ...] = ("occlusion", "integrated-gradients")
#: What an empty title becomes when its only word is deleted (a title cannot be blank).
EMPTY_TITLE = "-"
_WORD = re.compile(r"\S+")

Scorer = Callable[[list[Listing]], np.ndarray]


@dataclass(frozen=True)
class Word:
    """One word of a listing: ``listing.<field>[start:end] == text``."""

    field: str
    start: int
    end: int
    text: str


@dataclass
class Explanation:
    """Word attributions for one listing toward ``target``, merged with its signals."""

    method: str
    target: str
    base_probability: float
    words: list[Word]
    scores: np.ndarray
    signals: dict[str, Any] = field(default_factory=dict)

    def top_words(self, k: int, *, positive_only: bool = True) -> list[int]:
        """Indices of the ``k`` words with the highest scores (positive ones only by default)."""
        order = np.argsort(-self.scores, kind="stable")
        if positive_only:
            order = order[self.scores[order] > 0]
        return [int(i) for i in order[:k]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: words with score and the signals each overlaps."""
        words = []
        for word, score in zip(self.words, self.scores, strict=True):
            words.append({"field": word.field, "start": word.start, "end": word.end,
                          "text": word.text, "score": round(float(score), 6),
                          "signals": _overlapping_signals(word, self.signals)})
        return {"method": self.method, "target": self.target,
                "base_probability": round(float(self.base_probability), 6),
                "words": words, "signals": self.signals}


def words_of(listing: Listing, *, max_words: int | None = None) -> list[Word]:
    """The words of the title, then of the description, with their offsets."""
    out: list[Word] = []
    for name in FIELDS:
        text = getattr(listing, name) or ""
        for match in _WORD.finditer(text):
            out.append(Word(name, match.start(), match.end(), match.group()))
            if max_words is not None and len(out) >= max_words:
                return out
    return out


def _cut(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` without the ``spans``, joining the pieces with single spaces."""
    pieces: list[str] = []
    last = 0
    for start, end in sorted(spans):
        pieces.append(text[last:start])
        last = max(last, end)
    pieces.append(text[last:])
    out = pieces[0]
    for piece in pieces[1:]:
        if out and out[-1].isspace() and piece[:1].isspace():
            piece = piece[1:]
        out += piece
    return out


def delete_words(listing: Listing, words: Sequence[Word]) -> Listing:
    """A copy of ``listing`` with ``words`` removed from their fields (all else kept)."""
    update: dict[str, Any] = {}
    for name in FIELDS:
        spans = [(w.start, w.end) for w in words if w.field == name]
        if not spans:
            continue
        text = _cut(getattr(listing, name) or "", spans)
        if name == "title" and not text.strip():
            text = EMPTY_TITLE
        update[name] = text
    return listing.model_copy(update=update)


def _score_in_chunks(score: Scorer, listings: list[Listing], chunk: int) -> np.ndarray:
    parts = [np.asarray(score(listings[i:i + chunk]), dtype=np.float64)
             for i in range(0, len(listings), chunk)]
    return np.concatenate(parts) if parts else np.zeros((0, len(LABEL_NAMES)))


def occlusion(
    score: Scorer,
    listings: Sequence[Listing],
    *,
    targets: Sequence[str] | None = None,
    max_words: int = 200,
    chunk_size: int = 2048,
) -> list[Explanation]:
    """Occlusion attributions: target probability minus that with the word deleted.

    ``score`` maps listings to an (N, 4) probability array (``clf.predict_proba``).
    ``targets`` defaults to each listing's predicted label. Words after the first
    ``max_words`` get no score (a model truncates long text anyway).
    """
    listings = list(listings)
    base = _score_in_chunks(score, listings, chunk_size)
    target_idx = _target_indices(base, targets)
    variants: list[Listing] = []
    owners: list[tuple[int, int]] = []
    words_per: list[list[Word]] = []
    for i, listing in enumerate(listings):
        words = words_of(listing, max_words=max_words)
        words_per.append(words)
        for j, word in enumerate(words):
            variants.append(delete_words(listing, [word]))
            owners.append((i, j))
    scored = _score_in_chunks(score, variants, chunk_size)
    results = []
    scores_per = [np.zeros(len(w), dtype=np.float64) for w in words_per]
    for (i, j), row in zip(owners, scored, strict=True):
        scores_per[i][j] = base[i, target_idx[i]] - row[target_idx[i]]
    for i, words in enumerate(words_per):
        results.append(Explanation("occlusion", LABEL_NAMES[target_idx[i]],
                                   float(base[i, target_idx[i]]), words, scores_per[i]))
    return results


def _target_indices(probs: np.ndarray, targets: Sequence[str] | None) -> list[int]:
    if targets is None:
        return [int(i) for i in probs.argmax(axis=1)]
    if len(targets) != len(probs):
        raise InvalidInputError(f"targets: expected one label per listing ({len(probs)}), "
                                f"got {len(targets)}")
    out = []
    for t in targets:
        if t not in LABEL_NAMES:
            raise InvalidInputError(f"targets: unknown label {t!r}; use {', '.join(LABEL_NAMES)}")
        out.append(LABEL_NAMES.index(t))
    return out


# ------------------------------------------------------------------ signals


def signals_dict(signals: Any) -> dict[str, Any]:
    """The text layer's ``Signals`` as plain data: ``{"brands": [...], "cues": [...]}``.

    Only the fields the review page needs are kept, so a change of the text layer's
    richer ``to_dict`` does not break stored explanations.
    """
    if signals is None:
        return {"brands": [], "cues": []}
    if isinstance(signals, dict):
        raw_brands, raw_cues = signals.get("brands", []), signals.get("cues", [])
    else:
        raw_brands, raw_cues = getattr(signals, "brands", []), getattr(signals, "cues", [])

    def get(item: Any, name: str, default: Any = None) -> Any:
        if isinstance(item, dict):
            return item.get(name, default)
        return getattr(item, name, default)

    brands = [{"brand": str(get(b, "brand", "")), "surface": str(get(b, "surface", "")),
               "field": str(get(b, "field", "title")), "start": int(get(b, "start", 0)),
               "end": int(get(b, "end", 0)), "obfuscated": bool(get(b, "obfuscated", False))}
              for b in raw_brands]
    cues = [{"kind": str(get(c, "kind", "")), "surface": str(get(c, "surface", "")),
             "field": str(get(c, "field", "title")), "start": int(get(c, "start", 0)),
             "end": int(get(c, "end", 0)), "negated": bool(get(c, "negated", False)),
             "brand": get(c, "brand")}
            for c in raw_cues]
    out: dict[str, Any] = {"brands": brands, "cues": cues}
    price = signals.get("price") if isinstance(signals, dict) else getattr(signals, "price", None)
    if price is not None:
        keep = ("brand", "price", "currency", "range_min", "range_max", "range_currency",
                "verdict", "basis", "currency_assumed")
        out["price"] = {k: get(price, k) for k in keep}
    return out


def _overlapping_signals(word: Word, signals: dict[str, Any]) -> list[str]:
    found = []
    for brand in signals.get("brands", []):
        if brand["field"] == word.field and brand["start"] < word.end and word.start < brand["end"]:
            found.append(f"brand:{brand['brand']}")
    for cue in signals.get("cues", []):
        if cue["field"] == word.field and cue["start"] < word.end and word.start < cue["end"]:
            found.append(f"cue:{cue['kind']}" + ("-negated" if cue.get("negated") else ""))
    return found


def segments(text: str, field_name: str, explanation: dict[str, Any]) -> list[dict[str, Any]]:
    """Split ``text`` into pieces for highlighting.

    Each piece has ``text``, ``score`` (the attribution of the word it belongs to,
    or ``None`` for spaces) and ``marks`` (the brand mentions and cues covering it).
    Cut points are every word and signal boundary, so overlapping spans are fine.
    """
    words = [w for w in explanation.get("words", []) if w["field"] == field_name]
    signals = explanation.get("signals", {})
    marks: list[dict[str, Any]] = []
    for b in signals.get("brands", []):
        if b["field"] == field_name:
            title = f"brand: {b['brand']}" + (" (obfuscated)" if b.get("obfuscated") else "")
            marks.append({"start": b["start"], "end": b["end"], "kind": "brand",
                          "obfuscated": bool(b.get("obfuscated")), "title": title})
    for c in signals.get("cues", []):
        if c["field"] == field_name:
            kind = c["kind"] + (" (negated)" if c.get("negated") else "")
            marks.append({"start": c["start"], "end": c["end"], "kind": "cue",
                          "obfuscated": False, "title": f"cue: {kind}"})
    cuts = {0, len(text)}
    for span in [*words, *marks]:
        cuts.add(max(0, min(len(text), int(span["start"]))))
        cuts.add(max(0, min(len(text), int(span["end"]))))
    points = sorted(cuts)
    out = []
    for start, end in itertools.pairwise(points):
        if start == end:
            continue
        score = None
        for w in words:
            if w["start"] <= start and end <= w["end"]:
                score = float(w["score"])
                break
        covering = [m for m in marks if m["start"] <= start and end <= m["end"]]
        out.append({"text": text[start:end], "start": start, "end": end, "score": score,
                    "marks": covering})
    return out


# ------------------------------------------------------------ integrated gradients


def locate_words(listing: Listing, words: Sequence[Word], built: str
                 ) -> list[tuple[int, int] | None]:
    """Where each word of ``listing`` sits in ``built`` (the model input text).

    The text builder copies each field with its whitespace runs collapsed, so a
    field is first looked up whole in that form (the title from the start, the
    description from the end, since the builder puts it last) and its words map
    exactly. Otherwise each word is searched in order after the previous one. Words
    the builder changed beyond recognition map to ``None`` (they get no score).
    """
    spans: list[tuple[int, int] | None] = [None] * len(words)
    cursor = 0
    for name in FIELDS:
        text = getattr(listing, name) or ""
        idx = [i for i, w in enumerate(words) if w.field == name]
        if not idx or not text.strip():
            continue
        squashed = " ".join(text.split())
        base = built.find(squashed, cursor) if name == "title" else built.rfind(squashed)
        if base >= cursor:
            offset = base
            for i in idx:
                found = built.find(words[i].text, offset)
                spans[i] = (found, found + len(words[i].text))
                offset = found + len(words[i].text)
            cursor = offset
            continue
        for i in idx:
            found = built.find(words[i].text, cursor)
            if found >= 0:
                spans[i] = (found, found + len(words[i].text))
                cursor = found + len(words[i].text)
    return spans


def integrated_gradients(
    clf: Any,
    listings: Sequence[Listing],
    *,
    targets: Sequence[str] | None = None,
    steps: int = 24,
    max_words: int = 200,
) -> list[Explanation]:
    """Integrated gradients on the input embeddings of a torch classifier.

    The path runs from a baseline where every non-special token's embedding is the
    padding token's embedding to the real input, in ``steps`` midpoint steps; the
    attributed quantity is the calibrated probability of the target label.
    Token attributions (gradient x input difference, summed over the hidden size)
    are summed into the words whose characters the token covers.
    """
    import torch

    from nlp_ip.review.embed import model_input_texts

    model = clf.backend.model
    tokenizer = clf.backend.tokenizer
    temperature = float(clf.meta.temperature)
    listings = list(listings)
    texts = model_input_texts(clf, listings)
    base_probs = np.asarray(clf.predict_proba(listings), dtype=np.float64)
    target_idx = _target_indices(base_probs, targets)
    embed = model.get_input_embeddings()
    pad_id = int(tokenizer.pad_token_id or 0)
    dtype = next(model.parameters()).dtype
    results = []
    for i, (listing, built) in enumerate(zip(listings, texts, strict=True)):
        words = words_of(listing, max_words=max_words)
        located = locate_words(listing, words, built)
        enc = tokenizer(built, truncation=True, max_length=int(clf.meta.text.max_length),
                        return_offsets_mapping=True, return_special_tokens_mask=True,
                        return_tensors="pt")
        ids = enc["input_ids"]
        mask = enc["attention_mask"]
        offsets = enc["offset_mapping"][0].tolist()
        special = enc["special_tokens_mask"][0].bool()
        with torch.no_grad():
            x = embed(ids).detach()
            pad = embed(torch.full_like(ids, pad_id)).detach()
            baseline = torch.where(special[None, :, None], x, pad)
        alphas = ((torch.arange(steps, dtype=torch.float32) + 0.5) / steps).to(dtype)
        path = (baseline + alphas[:, None, None] * (x - baseline)).requires_grad_(True)
        logits = model(inputs_embeds=path, attention_mask=mask.expand(steps, -1)).logits
        if clf.meta.facts is not None:  # fact heads: the label scores, as the engine's
            from nlp_ip.facts import torch_label_scores

            logits = torch_label_scores(logits, clf.meta.facts.weight)
        probs = torch.softmax(logits.float() / temperature, dim=-1)[:, target_idx[i]]
        (grad,) = torch.autograd.grad(probs.sum(), path)
        token_attr = (grad.float().mean(0) * (x - baseline)[0].float()).sum(-1).numpy()
        scores = np.zeros(len(words), dtype=np.float64)
        for t, (start, end) in enumerate(offsets):
            if special[t] or end <= start:
                continue
            for j, span in enumerate(located):
                if span is not None and span[0] < end and start < span[1]:
                    scores[j] += float(token_attr[t])
                    break
        results.append(Explanation("integrated-gradients", LABEL_NAMES[target_idx[i]],
                                   float(base_probs[i, target_idx[i]]), words, scores))
    return results
