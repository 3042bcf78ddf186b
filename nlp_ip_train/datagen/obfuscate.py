"""Ways sellers disguise a mark so that keyword filters miss it.

Each kind is a function ``(name, rng) -> str`` that rewrites a brand or product
line name. :data:`OBFUSCATIONS` lists them; :func:`obfuscate` applies one by
name. The text keeps the disguise exactly as a seller would type it (the
labeling guide: "obfuscations are kept exactly as the seller typed them").
"""

from __future__ import annotations

import random
from collections.abc import Callable

_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "l": "1", "b": "8", "g": "9"}
_CYRILLIC = {
    "a": "а",
    "e": "е",
    "o": "о",
    "c": "с",
    "p": "р",
    "x": "х",
    "y": "у",
    "i": "і",
    "s": "ѕ",
    "j": "ј",
    "A": "А",
    "B": "В",
    "C": "С",
    "E": "Е",
    "H": "Н",
    "K": "К",
    "M": "М",
    "O": "О",
    "P": "Р",
    "T": "Т",
    "X": "Х",
    "Y": "У",
    "I": "І",
    "S": "Ѕ",
}
_GREEK = {
    "o": "ο",
    "v": "ν",
    "u": "υ",
    "i": "ι",
    "A": "Α",
    "B": "Β",
    "E": "Ε",
    "H": "Η",
    "I": "Ι",
    "K": "Κ",
    "M": "Μ",
    "N": "Ν",
    "O": "Ο",
    "P": "Ρ",
    "T": "Τ",
    "X": "Χ",
    "Y": "Υ",
    "Z": "Ζ",
    "a": "α",
    "n": "η",
}
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060")
_NAME_EMOJI = ("🔥", "💎", "✨", "⭐", "❤️", "👜", "💯", "🖤", "🌟", "⚡")
_SYMBOLS = {"a": "@", "s": "$", "o": "°", "i": "!", "l": "|", "e": "€"}


def _letter_positions(name: str) -> list[int]:
    return [i for i, ch in enumerate(name) if ch.isalpha()]


def spacing(name: str, rng: random.Random) -> str:
    """'G U C C I' or one stray space ('C hanel')."""
    if rng.random() < 0.5 or len(name) < 4:
        return " ".join(ch for ch in name.replace(" ", "")).upper()
    pos = rng.randrange(1, len(name) - 1)
    return name[:pos] + " " + name[pos:]


def separators(name: str, rng: random.Random) -> str:
    """'G-U-C-C-I', 'G_u_c_c_i', 'G/U/C/C/I'."""
    sep = rng.choice(("-", "_", "/", "~", "*"))
    letters = name.replace(" ", "")
    text = sep.join(letters)
    return text.upper() if rng.random() < 0.6 else text


def dots(name: str, rng: random.Random) -> str:
    """'G.u.c.c.i' or 'L.V' or 'Ro.lex'."""
    letters = name.replace(" ", "")
    if rng.random() < 0.6:
        return ".".join(letters)
    pos = rng.randrange(1, max(2, len(letters) - 1))
    return letters[:pos] + "." + letters[pos:]


def leet(name: str, rng: random.Random) -> str:
    """'N1ke', 'L0uis V', 'Bal3nciaga': one or two letters swapped for digits."""
    positions = [i for i in _letter_positions(name) if name[i].lower() in _LEET]
    if not positions:
        return misspelling(name, rng)
    chosen = rng.sample(positions, k=min(len(positions), rng.choice((1, 1, 2))))
    chars = list(name)
    for i in chosen:
        chars[i] = _LEET[chars[i].lower()]
    return "".join(chars)


def _homoglyph(name: str, rng: random.Random, table: dict[str, str]) -> str:
    positions = [i for i, ch in enumerate(name) if ch in table]
    if not positions:
        return zero_width(name, rng)
    k = max(1, int(len(positions) * rng.uniform(0.3, 1.0)))
    chars = list(name)
    for i in rng.sample(positions, k=k):
        chars[i] = table[chars[i]]
    return "".join(chars)


def cyrillic(name: str, rng: random.Random) -> str:
    """Latin letters swapped for identical-looking Cyrillic ones (invisible to a reader)."""
    return _homoglyph(name, rng, _CYRILLIC)


def greek(name: str, rng: random.Random) -> str:
    """Latin letters swapped for look-alike Greek ones."""
    return _homoglyph(name, rng, _GREEK)


def fullwidth(name: str, rng: random.Random) -> str:
    """'ＧＵＣＣＩ': full-width forms."""
    text = name.upper() if rng.random() < 0.5 else name
    return "".join(
        chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in text
    )


def zero_width(name: str, rng: random.Random) -> str:
    """Zero-width characters between letters (the name looks intact)."""
    positions = list(range(1, len(name)))
    if not positions:
        return name
    chosen = set(rng.sample(positions, k=min(len(positions), rng.choice((1, 2, 3)))))
    out = []
    for i, ch in enumerate(name):
        if i in chosen:
            out.append(rng.choice(_ZERO_WIDTH))
        out.append(ch)
    return "".join(out)


def emoji_inside(name: str, rng: random.Random) -> str:
    """'Gu🔥cci', 'L💎V'."""
    if len(name) < 2:
        return name + rng.choice(_NAME_EMOJI)
    pos = rng.randrange(1, len(name))
    return name[:pos] + rng.choice(_NAME_EMOJI) + name[pos:]


def initials(name: str, rng: random.Random) -> str:
    """Initials of a multi-word name ('LV', 'YSL'); other names fall back to a stub ('Bal')."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    if len(words) >= 2:
        text = "".join(w[0].upper() for w in words)
        return ".".join(text) if rng.random() < 0.3 else text
    return name[: max(2, min(4, len(name) // 2))]


def misspelling(name: str, rng: random.Random) -> str:
    """'Rolx', 'Guci', 'Channel', 'Prad': drop, double or swap a letter."""
    letters = _letter_positions(name)
    if len(letters) < 3:
        return name + name[-1]
    chars = list(name)
    op = rng.choice(("drop", "double", "swap", "vowel"))
    i = rng.choice(letters[1:])
    if op == "drop":
        del chars[i]
    elif op == "double":
        chars.insert(i, chars[i])
    elif op == "swap" and i + 1 < len(chars) and chars[i + 1].isalpha():
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    else:
        vowels = [j for j in letters if chars[j].lower() in "aeiou"]
        if vowels:
            j = rng.choice(vowels)
            chars[j] = rng.choice([v for v in "aeiou" if v != chars[j].lower()])
        else:
            del chars[i]
    text = "".join(chars)
    return text if text.casefold() != name.casefold() else name[:-1]


def masked(name: str, rng: random.Random) -> str:
    """'G*cci', 'R°lex', 'B@lenciaga', 'Ch$nel': a letter masked by a symbol."""
    letters = _letter_positions(name)
    if not letters:
        return name
    chars = list(name)
    i = rng.choice(letters[1:] or letters)
    chars[i] = _SYMBOLS.get(chars[i].lower(), "*") if rng.random() < 0.6 else "*"
    return "".join(chars)


OBFUSCATIONS: dict[str, Callable[[str, random.Random], str]] = {
    "spacing": spacing,
    "separators": separators,
    "dots": dots,
    "leet": leet,
    "cyrillic": cyrillic,
    "greek": greek,
    "fullwidth": fullwidth,
    "zero_width": zero_width,
    "emoji": emoji_inside,
    "initials": initials,
    "misspelling": misspelling,
    "masked": masked,
}
#: Kinds that are not a rewrite of the name: counterfeit jargon ("rep", "UA", "PK batch").
JARGON_KIND = "jargon"
OBFUSCATION_KINDS: tuple[str, ...] = (*OBFUSCATIONS, JARGON_KIND)


def obfuscate(name: str, kind: str, rng: random.Random) -> str:
    """Rewrite ``name`` with obfuscation ``kind`` (one of :data:`OBFUSCATIONS`)."""
    try:
        func = OBFUSCATIONS[kind]
    except KeyError:
        raise ValueError(
            f"unknown obfuscation kind {kind!r}; use one of {', '.join(OBFUSCATIONS)}"
        ) from None
    out = func(name, rng)
    return out if out.strip() else name
