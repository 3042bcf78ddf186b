"""Punned parody names derived from any brand name.

The catalog's ``parody_names`` are used when present; otherwise (and in
addition) puns are made by swapping a syllable of the name for a real word
that sounds close ("Rolex" -> "Relax", "Marc" -> "Bark"), replacing the tail
of a word ("Vuitton" -> "Vuitmutt"), or negating it ("Adidas" -> "Adidon't").
"""

from __future__ import annotations

import random
from functools import lru_cache

from nlp_ip_train.datagen.vocab import words

_VOWELS = "aeiouy"


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings only)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _cap(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[:1].upper() + word[1:]


def _swap_candidates(token: str) -> list[str]:
    low = token.lower()
    if len(low) < 3 or not low.isalpha():
        return []
    limit = 1 if len(low) <= 3 else 2 if len(low) <= 7 else 3
    out = []
    for word in words("pun_words"):
        if word == low or abs(len(word) - len(low)) > 2:
            continue
        dist = edit_distance(low, word)
        # a distance-1 swap always sounds close; larger ones must keep a first or last letter
        if dist == 1 or (dist <= limit and (word[0] == low[0] or word[-1] == low[-1])):
            out.append(_cap(word, token))
    return out


def _tail_candidates(token: str) -> list[str]:
    low = token.lower()
    if len(low) < 5 or not low.isalpha():
        return []
    # keep up to the first vowel group plus one consonant: "vuitton" -> "vuit"
    i = 0
    while i < len(low) and low[i] not in _VOWELS:
        i += 1
    while i < len(low) and low[i] in _VOWELS:
        i += 1
    head = token[: i + 1]
    if len(head) >= len(token) - 1:
        return []
    return [head + w for w in words("pun_words") if len(w) <= 5 and w[0] not in _VOWELS][:40]


def _head_candidates(token: str) -> list[str]:
    """Swap the first syllable for a word with the same first letter: 'Burberry' -> 'Barkberry'."""
    low = token.lower()
    if len(low) < 5 or not low.isalpha():
        return []
    i = 0
    while i < len(low) and low[i] not in _VOWELS:
        i += 1
    while i < len(low) and low[i] in _VOWELS:
        i += 1
    if i < len(low) and low[i] not in _VOWELS:
        i += 1
    tail = low[i:]
    if len(tail) < 3:
        return []
    return [
        _cap(w + tail, token)
        for w in words("pun_words")
        if w[0] == low[0] and w != low[:i] and 3 <= len(w) <= 6
    ]


def _negation(token: str) -> str | None:
    low = token.lower()
    if len(low) < 4 or not low.isalpha():
        return None
    last_vowel = (
        max(i for i, ch in enumerate(low) if ch in _VOWELS)
        if any(ch in _VOWELS for ch in low)
        else -1
    )
    if last_vowel <= 1 or low[last_vowel - 1] in _VOWELS:
        return None
    return token[:last_vowel] + "on't"


@lru_cache(maxsize=4096)
def derived_puns(name: str) -> tuple[str, ...]:
    """All automatic puns of ``name``, in a stable order (best first)."""
    tokens = name.split()
    swaps: list[str] = []
    heads: list[str] = []
    tails: list[str] = []
    negs: list[str] = []
    for idx, token in enumerate(tokens):
        for cand in _swap_candidates(token):
            swaps.append(" ".join([*tokens[:idx], cand, *tokens[idx + 1 :]]))
        for cand in _head_candidates(token):
            heads.append(" ".join([*tokens[:idx], cand, *tokens[idx + 1 :]]))
        for cand in _tail_candidates(token):
            tails.append(" ".join([*tokens[:idx], cand, *tokens[idx + 1 :]]))
    neg = _negation(tokens[-1]) if tokens else None
    if neg:
        negs.append(" ".join([*tokens[:-1], neg]))
    seen: dict[str, None] = {}
    for cand in swaps + heads[:12] + negs + tails:
        if cand.casefold() != name.casefold():
            seen.setdefault(cand, None)
    return tuple(seen)


def pun_name(name: str, parody_names: tuple[str, ...], rng: random.Random) -> str:
    """One parody name for a brand: a catalog pun (when any) or a derived one."""
    derived = derived_puns(name)
    if parody_names and (rng.random() < 0.5 or not derived):
        return rng.choice(parody_names)
    if derived:
        # prefer the closer-sounding swaps: draw from the head of the list more often
        k = len(derived)
        return derived[min(k - 1, int(rng.random() ** 2 * k))]
    return name + "-ish"
