"""Marketplace voices: how a listing is written, independently of what it says.

A voice renders a :class:`~nlp_ip_train.datagen.context.Draft` into a title, a
description and a price, choosing casing, separators, emoji, bullets, spec
lines, hashtags, SKUs, typos, neutral filler sentences, currency and price
format. Voices are drawn with the same probabilities for every label and
never look at the label, so none of these surface features predicts it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from nlp_ip_train.datagen.context import RATES, Ctx, Draft
from nlp_ip_train.datagen.details import DETAILS
from nlp_ip_train.datagen.vocab import goods_kind, words

_LATIN_LANGS = ("en", "es", "fr", "it", "de", "pt")


@dataclass(frozen=True)
class Voice:
    """Style parameters of one kind of marketplace seller."""

    name: str
    seps: tuple[str, ...]
    #: weights of title casing: as typed, Title Case, UPPER, lower
    casing: tuple[float, float, float, float]
    n_title_tags: tuple[int, int]
    title_emoji: float
    #: weights of description formats: paragraph, bullets, spec lines, one-liner, empty
    formats: tuple[float, float, float, float, float]
    n_neutral: tuple[int, int]
    desc_emoji: float
    hashtags: float
    intro: float
    contact: float
    sku: float
    typo_rate: float
    price_missing: float
    price_in_desc: float
    upper_desc: float = 0.0
    keyword_tags: float = 0.0
    location: float = 0.0


VOICES: dict[str, Voice] = {
    v.name: v
    for v in (
        Voice(
            "ebay",
            (" ", " ", " - ", " | "),
            (0.4, 0.4, 0.2, 0.0),
            (0, 3),
            0.03,
            (0.35, 0.15, 0.3, 0.1, 0.1),
            (1, 4),
            0.02,
            0.0,
            0.1,
            0.3,
            0.25,
            0.02,
            0.08,
            0.05,
        ),
        Voice(
            "amazon",
            (", ", " - ", " | "),
            (0.2, 0.8, 0.0, 0.0),
            (2, 5),
            0.0,
            (0.2, 0.6, 0.1, 0.05, 0.05),
            (2, 5),
            0.0,
            0.0,
            0.0,
            0.05,
            0.3,
            0.0,
            0.05,
            0.0,
            keyword_tags=0.7,
        ),
        Voice(
            "etsy",
            (" | ", " - ", ", "),
            (0.5, 0.5, 0.0, 0.0),
            (1, 4),
            0.1,
            (0.5, 0.3, 0.1, 0.05, 0.05),
            (2, 5),
            0.2,
            0.1,
            0.1,
            0.3,
            0.05,
            0.01,
            0.05,
            0.02,
        ),
        Voice(
            "aliexpress",
            (" ", " ", ", "),
            (0.4, 0.5, 0.1, 0.0),
            (3, 7),
            0.02,
            (0.1, 0.3, 0.4, 0.1, 0.1),
            (1, 4),
            0.02,
            0.0,
            0.0,
            0.2,
            0.4,
            0.04,
            0.05,
            0.0,
            keyword_tags=0.9,
        ),
        Voice(
            "instagram",
            (" ", " ", " • ", " | "),
            (0.4, 0.1, 0.4, 0.1),
            (0, 2),
            0.6,
            (0.35, 0.35, 0.0, 0.2, 0.1),
            (0, 3),
            0.7,
            0.6,
            0.1,
            0.7,
            0.05,
            0.04,
            0.15,
            0.25,
            upper_desc=0.15,
        ),
        Voice(
            "resale_app",
            (" ", " ", " - ", ", "),
            (0.5, 0.1, 0.05, 0.35),
            (0, 2),
            0.3,
            (0.5, 0.1, 0.1, 0.2, 0.1),
            (1, 3),
            0.35,
            0.5,
            0.2,
            0.3,
            0.0,
            0.05,
            0.08,
            0.1,
        ),
        Voice(
            "facebook",
            (" ", " ", " - "),
            (0.6, 0.3, 0.05, 0.05),
            (0, 1),
            0.1,
            (0.65, 0.05, 0.05, 0.2, 0.05),
            (1, 4),
            0.15,
            0.0,
            0.6,
            0.3,
            0.0,
            0.05,
            0.1,
            0.3,
            location=0.5,
        ),
        Voice(
            "craigslist",
            (" - ", " ", " "),
            (0.5, 0.2, 0.25, 0.05),
            (0, 1),
            0.0,
            (0.5, 0.05, 0.05, 0.25, 0.15),
            (0, 5),
            0.0,
            0.0,
            0.35,
            0.4,
            0.0,
            0.05,
            0.12,
            0.4,
            upper_desc=0.1,
            location=0.6,
        ),
        Voice(
            "boutique",
            (" – ", " - ", " | "),
            (0.3, 0.7, 0.0, 0.0),
            (0, 2),
            0.0,
            (0.55, 0.25, 0.15, 0.05, 0.0),
            (2, 5),
            0.02,
            0.0,
            0.0,
            0.2,
            0.2,
            0.0,
            0.05,
            0.02,
        ),
    )
}
VOICE_NAMES: tuple[str, ...] = tuple(VOICES)

#: Target title and description lengths (characters) per voice: filler is added until reached,
#: so lengths follow the voice, not the label.
_TARGETS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "ebay": ((30, 80), (40, 380)),
    "amazon": ((60, 160), (150, 600)),
    "etsy": ((35, 120), (100, 500)),
    "aliexpress": ((60, 140), (40, 300)),
    "instagram": ((12, 60), (30, 250)),
    "resale_app": ((12, 55), (30, 220)),
    "facebook": ((12, 50), (40, 320)),
    "craigslist": ((10, 45), (20, 450)),
    "boutique": ((20, 70), (120, 450)),
}
_BULLETS = ("• ", "- ", "✔ ", "* ", "✅ ", "► ", "▪ ", "~ ")
_NEUTRAL_KEYS = (
    "ship",
    "pay",
    "contact",
    "home",
    "returns",
    "bundle",
    "gift",
    "photos",
    "measure",
    "material",
    "color",
    "size",
    "stock",
    "detail",
    "detail",
    "detail",
    "detail",
    "reason",
)
_SPEC_NAMES = {
    "en": ("Condition", "Color", "Size", "Material", "Item type"),
    "es": ("Estado", "Color", "Talla", "Material", "Artículo"),
    "fr": ("État", "Couleur", "Taille", "Matière", "Article"),
    "it": ("Condizioni", "Colore", "Taglia", "Materiale", "Articolo"),
    "de": ("Zustand", "Farbe", "Größe", "Material", "Artikel"),
    "pt": ("Estado", "Cor", "Tamanho", "Material", "Item"),
    "zh": ("成色", "颜色", "尺码", "材质", "品名"),
    "ru": ("Состояние", "Цвет", "Размер", "Материал", "Товар"),
    "ja": ("状態", "カラー", "サイズ", "素材", "商品"),
    "ko": ("상태", "색상", "사이즈", "소재", "상품"),
    "nl": ("Staat", "Kleur", "Maat", "Materiaal", "Artikel"),
    "pl": ("Stan", "Kolor", "Rozmiar", "Materiał", "Przedmiot"),
    "tr": ("Durum", "Renk", "Beden", "Malzeme", "Ürün"),
}
_COND_WORD = {
    "en": ("New", "Used"),
    "es": ("Nuevo", "Usado"),
    "fr": ("Neuf", "Occasion"),
    "it": ("Nuovo", "Usato"),
    "de": ("Neu", "Gebraucht"),
    "pt": ("Novo", "Usado"),
    "zh": ("全新", "二手"),
    "ru": ("Новое", "Б/у"),
    "ja": ("新品", "中古"),
    "ko": ("새상품", "중고"),
    "nl": ("Nieuw", "Gebruikt"),
    "pl": ("Nowy", "Używany"),
    "tr": ("Sıfır", "İkinci el"),
}
#: Currency choices by row language (weights implicit by repetition).
_CURRENCIES: dict[str, tuple[str, ...]] = {
    "en": ("USD", "USD", "USD", "USD", "USD", "GBP", "EUR", "CAD", "AUD"),
    "es": ("EUR", "EUR", "MXN", "USD"),
    "fr": ("EUR",),
    "it": ("EUR",),
    "de": ("EUR", "EUR", "CHF"),
    "pt": ("BRL", "EUR"),
    "zh": ("CNY", "CNY", "HKD", "USD"),
    "ru": ("RUB",),
    "ja": ("JPY",),
    "ko": ("KRW",),
    "nl": ("EUR",),
    "pl": ("PLN",),
    "tr": ("TRY",),
}
_SYMBOL = {
    "USD": "$",
    "GBP": "£",
    "EUR": "€",
    "CAD": "C$",
    "AUD": "A$",
    "CNY": "¥",
    "RUB": "₽",
    "BRL": "R$",
    "MXN": "MX$",
    "CHF": "CHF ",
    "HKD": "HK$",
    "JPY": "¥",
    "KRW": "₩",
    "PLN": "zł ",
    "TRY": "₺",
}


def _case(text: str, mode: int) -> str:
    if mode == 1:
        return " ".join(w[:1].upper() + w[1:] if w[:1].islower() else w for w in text.split(" "))
    if mode == 2:
        return text.upper()
    if mode == 3:
        return text.lower()
    return text


def _typos(text: str, rng: random.Random, rate: float) -> str:
    """Everyday typos in lower-case words (never in names: those are an obfuscation cue)."""
    if rate <= 0:
        return text
    words = text.split(" ")
    for i, w in enumerate(words):
        if len(w) > 3 and w.isalpha() and w.islower() and w.isascii() and rng.random() < rate:
            j = rng.randrange(1, len(w) - 1)
            op = rng.random()
            if op < 0.4:
                w = w[:j] + w[j + 1 :]
            elif op < 0.7:
                w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            else:
                w = w[:j] + w[j] + w[j:]
            words[i] = w
    return " ".join(words)


def _round_price(price: float, rng: random.Random, currency: str) -> float:
    if currency in ("RUB", "JPY", "KRW", "TRY"):
        step = rng.choice((10, 50, 100))
        return float(max(step, round(price / step) * step))
    if currency in ("CNY", "HKD", "MXN", "BRL") and price > 50:
        return float(round(price / 5) * 5 or 5)
    style = rng.random()
    if price >= 100:
        if style < 0.5:
            return float(round(price / 10) * 10 or 10)
        if style < 0.75:
            return (
                float(math.floor(price)) + 0.99 if price < 1000 else float(round(price / 50) * 50)
            )
        return float(round(price))
    if style < 0.4:
        return float(math.floor(price)) + 0.99
    if style < 0.8:
        return float(max(1, round(price)))
    return round(price, 2)


def _format_price(amount: float, currency: str, rng: random.Random) -> str:
    text = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"
    r = rng.random()
    if r < 0.6:
        return f"{_SYMBOL.get(currency, '')}{text}"
    if r < 0.85:
        return f"{text} {currency}"
    return f"{text}{_SYMBOL.get(currency, '')}"


@dataclass
class Rendered:
    title: str
    description: str
    price: float | None
    currency: str | None


def _neutral(ctx: Ctx, draft: Draft, voice: Voice, k: int) -> list[str]:
    rng = ctx.rng
    out: list[str] = []
    keys = list(_NEUTRAL_KEYS)
    rng.shuffle(keys)
    facts = draft.facts
    if draft.condition and rng.random() < 0.7:
        out.append(ctx.p("cond_new" if draft.condition == "new" else "cond_used"))
        if draft.condition == "used" and rng.random() < 0.3:
            out.append(ctx.p("bought", year=rng.choice(words("years"))))
    for key in keys:
        if len(out) >= k:
            break
        if key == "contact" and rng.random() > voice.contact:
            continue
        if key in ("detail", "reason"):
            text = _detail(ctx, key, facts)
            if text not in out:
                out.append(text)
            continue
        out.append(
            ctx.p(
                key,
                color=facts.get("color", "black"),
                material=facts.get("material", "cotton"),
                size=facts.get("size", "M"),
                w=rng.randint(10, 45),
                h=rng.randint(8, 40),
                d=rng.randint(2, 20),
                wi=rng.randint(4, 18),
                n=rng.randint(2, 12),
            )
        )
    return out[: max(k, 1)] if k > 0 else out[:1] if draft.condition else []


def _detail(ctx: Ctx, key: str, facts: dict[str, str]) -> str:
    rng = ctx.rng
    lang = ctx.lang_desc
    translated = DETAILS.groups("details_i18n")
    if lang != "en" and lang in translated and rng.random() < 0.8:
        bank = translated[lang]
    elif key == "reason":
        bank = DETAILS.words("reasons")
    else:
        bank = DETAILS.groups("details")[goods_kind(facts.get("goods", ""))]
    text = rng.choice(bank)
    return text.format(
        color=facts.get("color", "black"),
        material=facts.get("material", "cotton"),
        size=facts.get("size", "M"),
    )


def _title_tags(ctx: Ctx, draft: Draft, voice: Voice) -> list[str]:
    rng = ctx.rng
    n = 8
    tags: list[str] = []
    latin = ctx.lang_title == "en"
    for _ in range(n):
        r = rng.random()
        if r < voice.keyword_tags * 0.6 and latin:
            tags.append(rng.choice(words("keyword_filler")))
        elif r < 0.45:
            tags.append(ctx.p("tag_misc", "title"))
        elif r < 0.6 and draft.condition:
            tags.append(ctx.p("tag_new" if draft.condition == "new" else "tag_used", "title"))
        elif r < 0.75:
            tags.append(draft.facts.get("size", "M"))
        elif r < 0.88:
            tags.append(draft.facts.get("color", "black"))
        elif latin:
            tags.append(rng.choice(words("title_filler")))
    return tags


def render(draft: Draft, ctx: Ctx, voice: Voice, *, currency: str | None = None) -> Rendered:
    """Write ``draft`` in ``voice``; returns title, description, price and currency."""
    rng = ctx.rng
    # ---------------------------------------------------------------- title
    core, cues = draft.title[0], list(draft.title[1:])
    if rng.random() < 0.12:  # shouted product names, for every label alike
        core = core.upper()
    seen_tags: set[str] = {seg.casefold() for seg in draft.title}
    pool = []
    for tag in _title_tags(ctx, draft, voice):  # each tag once, case-insensitively
        if tag.casefold() not in seen_tags:
            seen_tags.add(tag.casefold())
            pool.append(tag)
    (t_lo, t_hi), (d_lo, d_hi) = _TARGETS[voice.name]
    target = rng.randint(t_lo, t_hi)
    segments = [core]
    for cue in cues:
        # cue tags go after the core mostly, sometimes first ("1:1 Rolex Submariner")
        if rng.random() < 0.2:
            segments.insert(0, cue)
        else:
            segments.append(cue)
    for tag in pool:
        if sum(len(x) + 2 for x in segments) >= target:
            break
        segments.insert(
            rng.randint(1, len(segments)), tag
        ) if rng.random() < 0.3 else segments.append(tag)
    if voice.sku and rng.random() < voice.sku * 0.5:
        segments.append(f"{rng.choice(words('sku_prefixes'))} {rng.randint(1000, 99999)}")
    sep = rng.choice(voice.seps)
    title = sep.join(s for s in segments if s)
    casing = rng.choices(range(4), weights=voice.casing)[0]
    title = _case(title, casing)
    if rng.random() < voice.title_emoji:
        emo = "".join(rng.choice(words("emoji")) for _ in range(rng.randint(1, 3)))
        title = f"{emo} {title}" if rng.random() < 0.5 else f"{title} {emo}"
    title = _typos(title, rng, voice.typo_rate * 0.5)
    # --------------------------------------------------------------- price
    lang = ctx.lang_desc
    cur = currency or rng.choice(_CURRENCIES.get(lang, ("USD",)))
    price: float | None = None
    if draft.price is not None and rng.random() >= voice.price_missing:
        price = _round_price(draft.price * RATES.get(cur, 1.0), rng, cur)
    # --------------------------------------------------------- description
    fmt = rng.choices(range(5), weights=voice.formats)[0]
    if fmt == 4 and draft.desc_required:
        fmt = 3
    description = ""
    if fmt != 4:
        target_d = rng.randint(d_lo, d_hi) if fmt != 3 else rng.randint(10, 90)
        neutral = _neutral(ctx, draft, voice, 7)
        sentences = list(draft.desc)
        length = sum(len(x) + 1 for x in sentences)
        for sent in neutral:
            if length >= target_d:
                break
            sentences.insert(rng.randint(0, len(sentences)), sent)
            length += len(sent) + 1
        if rng.random() < voice.intro and draft.item:
            sentences.insert(0, ctx.p("intro", item=draft.item))
        if price is not None and rng.random() < voice.price_in_desc:
            sentences.append(ctx.p("price_line", price=_format_price(price, cur, rng)))
        if rng.random() < voice.location:
            sentences.append(ctx.p("pickup", city=rng.choice(words("cities"))))
        description = _format_desc(sentences, fmt, ctx, draft, voice)
        if rng.random() < voice.hashtags:
            hashtag_words = list(words("hashtag_words"))
            tags_ = ["#" + w for w in rng.sample(hashtag_words, k=rng.randint(2, 6))]
            description += ("\n" if rng.random() < 0.6 else " ") + " ".join(tags_)
        if rng.random() < voice.desc_emoji:
            description = _sprinkle_emoji(description, rng)
        if rng.random() < voice.upper_desc:
            description = description.upper()
        description = _typos(description, rng, voice.typo_rate)
    return Rendered(
        title.strip(),
        description.strip(),
        price,
        cur if price is not None else (cur if rng.random() < 0.3 else None),
    )


def _format_desc(sentences: list[str], fmt: int, ctx: Ctx, draft: Draft, voice: Voice) -> str:
    rng = ctx.rng
    if fmt == 0:  # paragraph(s)
        if len(sentences) > 3 and rng.random() < 0.4:
            cut = rng.randint(1, len(sentences) - 1)
            return " ".join(sentences[:cut]) + "\n\n" + " ".join(sentences[cut:])
        return " ".join(sentences)
    if fmt == 1:  # bullets
        bullet = rng.choice(_BULLETS)
        if voice.name == "amazon" and ctx.lang_desc == "en" and rng.random() < 0.6:
            return "\n".join(
                f"【{rng.choice(words('keyword_filler')).upper()}】 {s}" for s in sentences
            )
        return "\n".join(bullet + s for s in sentences)
    if fmt == 2:  # spec lines, then the rest
        names = _SPEC_NAMES.get(ctx.lang_desc, _SPEC_NAMES["en"])
        cond = _COND_WORD.get(ctx.lang_desc, _COND_WORD["en"])
        specs = []
        if draft.condition:
            specs.append(f"{names[0]}: {cond[0] if draft.condition == 'new' else cond[1]}")
        facts = draft.facts
        picks = [
            (names[1], facts.get("color")),
            (names[2], facts.get("size")),
            (names[3], facts.get("material")),
            (names[4], facts.get("goods")),
        ]
        for name, value in picks:
            if value and rng.random() < 0.6:
                specs.append(f"{name}: {value}")
        sep = rng.choice(("\n", "\n", " / "))
        return sep.join(specs) + "\n" + " ".join(sentences)
    # one-liner: short and low effort
    text = " ".join(sentences)
    return text.rstrip(".") if rng.random() < 0.5 else text


def _sprinkle_emoji(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line and rng.random() < 0.5:
            lines[i] = line + " " + rng.choice(words("emoji"))
    return "\n".join(lines)


def voice_weights() -> dict[str, float]:
    """Sampling weight of each voice (uniform: the same for every label)."""
    return {name: 1.0 for name in VOICE_NAMES}


def describe() -> dict[str, Any]:
    """Voice names and their main knobs, for the stats report."""
    return {
        name: {"formats": v.formats, "price_missing": v.price_missing} for name, v in VOICES.items()
    }
