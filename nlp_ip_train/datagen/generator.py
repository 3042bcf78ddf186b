"""Generate the labeled listing corpus: ``generate_corpus`` and ``write_corpus``.

Each row is composed from independent layers drawn separately:

1. a *family* of its label (the phenomenon and how it is realised),
2. a brand of the split (for branded families),
3. a language (about 78 % English, the rest es/fr/it/de/pt/zh/ru/ja/ko/nl/pl/tr or mixed),
4. a marketplace *voice* (style, length, emoji, price format),

and the label only ever chooses layer 1. Splits are generated from disjoint
brands and families (see :mod:`nlp_ip_train.datagen.splits`), deduplicated, and
checked for leakage against train (and the hand-written seed test set when it
exists). The output is byte-identical for the same seed and inputs.
"""

from __future__ import annotations

import json
import logging
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from nlp_ip.brands import Brand, BrandCatalog
from nlp_ip.labels import LABELS, Label
from nlp_ip_train.datagen.context import RATES, Ctx, Draft
from nlp_ip_train.datagen.families import Family
from nlp_ip_train.datagen.obfuscate import OBFUSCATION_KINDS
from nlp_ip_train.datagen.pairs import MIN_WORD_OVERLAP, make_pair, pair_edit, word_overlap
from nlp_ip_train.datagen.splits import (
    SPLITS,
    HoldoutSpec,
    NearDuplicateIndex,
    SplitPlan,
    group_overlap,
    leakage_report,
    normalize_text,
    plan_splits,
)
from nlp_ip_train.datagen.twins import MAX_SHARE as MAX_TWIN_SHARE
from nlp_ip_train.datagen.twins import TWINS, Twin, label_shares, twin_quotas
from nlp_ip_train.datagen.voices import VOICE_NAMES, VOICES, Voice, render

logger = logging.getLogger(__name__)

GENERATOR_VERSION = "1.2"  # 1.2: no litigated parody product is a template
#: Row share of each split.
DEFAULT_PROPORTIONS: dict[str, float] = {"train": 0.8, "validation": 0.1, "test": 0.1}
#: Language of a row: the first code is the title's, the second the description's.
LANGUAGE_WEIGHTS: dict[tuple[str, str], float] = {
    ("en", "en"): 0.78,
    ("ja", "ja"): 0.008,
    ("ko", "ko"): 0.006,
    ("nl", "nl"): 0.005,
    ("pl", "pl"): 0.005,
    ("tr", "tr"): 0.005,
    ("es", "es"): 0.03,
    ("fr", "fr"): 0.025,
    ("it", "it"): 0.02,
    ("de", "de"): 0.025,
    ("pt", "pt"): 0.02,
    ("zh", "zh"): 0.02,
    ("ru", "ru"): 0.02,
    # mixed: an English title over a description in another language, and the reverse
    ("en", "es"): 0.008,
    ("en", "fr"): 0.006,
    ("en", "de"): 0.006,
    ("en", "zh"): 0.006,
    ("en", "ru"): 0.005,
    ("it", "en"): 0.004,
    ("pt", "en"): 0.005,
}
ROW_FIELDS: tuple[str, ...] = ("id", "title", "description", "price", "currency", "brand", "label")


def language_tag(title_lang: str, desc_lang: str) -> str:
    return title_lang if title_lang == desc_lang else f"{title_lang}+{desc_lang}"


class _SplitSampler:
    """Draws (family, brand) for a label within one split."""

    def __init__(self, plan: SplitPlan, split: str) -> None:
        self.brands: tuple[Brand, ...] = tuple(plan.brands[split])
        self.by_label: dict[Label, dict[str, list[tuple[Family, tuple[Brand, ...]]]]] = {}
        for label in LABELS:
            scen: dict[str, list[tuple[Family, tuple[Brand, ...]]]] = defaultdict(list)
            for fam in plan.families[split]:
                if fam.label != label:
                    continue
                if fam.needs is None:
                    scen[fam.scenario].append((fam, ()))
                    continue
                compatible = tuple(b for b in self.brands if fam.needs(b))
                if compatible:
                    scen[fam.scenario].append((fam, compatible))
            self.by_label[label] = dict(sorted(scen.items()))

    def available(self, label: Label) -> bool:
        return bool(self.by_label[label])

    def draw(self, label: Label, rng: random.Random) -> tuple[Family, Brand | None]:
        scenarios = self.by_label[label]
        options = scenarios[rng.choice(list(scenarios))]
        fam, brands = options[rng.randrange(len(options))]
        return fam, (rng.choice(brands) if brands else None)


def _draw_language(rng: random.Random) -> tuple[str, str]:
    keys = list(LANGUAGE_WEIGHTS)
    return rng.choices(keys, weights=[LANGUAGE_WEIGHTS[k] for k in keys])[0]


def make_row(sampler: _SplitSampler, label: Label, rng: random.Random) -> dict[str, Any]:
    """One listing of ``label`` (without its id)."""
    fam, brand = sampler.draw(label, rng)
    return _written_row(sampler, rng, fam.build, brand, label, fam.id, fam.scenario,
                        fam.difficulty)


def make_twin_row(sampler: _SplitSampler, twin: Twin, rng: random.Random) -> dict[str, Any]:
    """One row of a topic twin family (see :mod:`.twins`)."""
    brands = [b for b in sampler.brands if twin.needs(b)] if twin.needs is not None else []
    if twin.needs is not None and not brands:
        raise ValueError(f"no brand of the train split fits twin family {twin.id!r} "
                         f"({twin.needs.description}); add brands or lower data.generate.twins")
    brand = rng.choice(brands) if brands else None
    return _written_row(sampler, rng, twin.builder, brand, twin.label, twin.id, twin.scenario,
                        twin.difficulty)


def _written_row(sampler: _SplitSampler, rng: random.Random,
                 build: Callable[[Ctx, Brand | None], Draft], brand: Brand | None, label: Label,
                 family: str, scenario: str, difficulty: str) -> dict[str, Any]:
    """The row ``build`` writes for ``brand``, in a language and voice drawn from ``rng``."""
    lang_title, lang_desc = _draw_language(rng)
    voice = VOICES[rng.choice(VOICE_NAMES)]
    ctx = Ctx(rng=rng, lang_title=lang_title, lang_desc=lang_desc, split_brands=sampler.brands)
    row = _rendered_row(build(ctx, brand), ctx, voice, label, family, scenario, difficulty)
    row["source_brand"] = brand.name if brand is not None else None
    return row


def _rendered_row(draft: Draft, ctx: Ctx, voice: Voice, label: Label, family: str,
                  scenario: str, difficulty: str) -> dict[str, Any]:
    """A corpus row: ``draft`` rendered in ``voice`` (``source_brand`` is set by the caller)."""
    out = render(draft, ctx, voice)
    hard = difficulty == "hard" or draft.obfuscation
    return {
        "id": None,
        "title": out.title,
        "description": out.description,
        "price": out.price,
        "currency": out.currency,
        "brand": draft.brand_field,
        "label": label.value,
        "language": language_tag(ctx.lang_title, ctx.lang_desc),
        "marketplace": voice.name,
        "family": family,
        "scenario": scenario,
        "obfuscation": draft.obfuscation,
        "difficulty": "hard" if hard else "easy",
        "source_brand": None,
        "generator_version": GENERATOR_VERSION,
    }


def make_pair_rows(sampler: _SplitSampler, index: int, rng: random.Random
                   ) -> list[dict[str, Any]]:
    """The two rows of the ``index``-th minimal pair (see :mod:`.pairs`); [] when no brand
    of the split fits any edit."""
    edit = pair_edit(index, sampler.brands)
    if edit is None:
        return []
    languages = _draw_language(rng)
    voice = VOICES[rng.choice(VOICE_NAMES)]

    def render_row(draft: Draft, ctx: Ctx, voice: Voice, label: Label) -> dict[str, Any]:
        row = _rendered_row(draft, ctx, voice, label, f"pair.{edit.name}", "minimal_pair",
                            "hard")
        row["pair_edit"] = edit.name
        return row

    return list(make_pair(edit, sampler.brands, rng, render_row, languages, voice))


def _quotas(n: int, proportions: Mapping[str, float]) -> dict[str, int]:
    total = sum(proportions.values())
    sizes = {s: int(n * proportions.get(s, 0) / total) for s in SPLITS}
    sizes["train"] += n - sum(sizes.values())
    return sizes


def _label_quotas(n: int) -> dict[Label, int]:
    base, extra = divmod(n, len(LABELS))
    return {label: base + (1 if i < extra else 0) for i, label in enumerate(LABELS)}


def _generate_split(
    sampler: _SplitSampler, split: str, n: int, seed: int, blocked: set[str], n_twins: int = 0
) -> list[dict[str, Any]]:
    """``n`` label-balanced rows whose normalised text is not in ``blocked`` (updated);
    ``n_twins`` of them written by the topic twins, each in place of a row of its label."""
    rows: list[dict[str, Any]] = []
    twins_of = label_shares(n_twins) if n_twins else {}
    for label, quota in _label_quotas(n).items():
        quota -= twins_of.get(label, 0)
        if quota and not sampler.available(label):
            raise ValueError(
                f"split {split!r} has no family/brand combination for label {label.value!r}; "
                "the brand catalog is too small for the hold-out shares: add brands or lower "
                "the hold-out shares"
            )
        rows += _distinct_rows(quota, partial(make_row, sampler, label),
                               f"{seed}:{split}:{label.value}", blocked,
                               f"{label.value} rows for split {split!r}",
                               f"the catalog is too small for n={n}")
    if n_twins:
        rows += _generate_twins(sampler, n_twins, seed, blocked)
    return rows


def _generate_twins(sampler: _SplitSampler, n_twins: int, seed: int, blocked: set[str]
                    ) -> list[dict[str, Any]]:
    """``n_twins`` rows of the topic twin families, shared evenly between them."""
    rows: list[dict[str, Any]] = []
    quotas = twin_quotas(n_twins)
    for twin in TWINS:
        rows += _distinct_rows(quotas[twin.id], partial(make_twin_row, sampler, twin),
                               f"{seed}:twins:{twin.id}", blocked, f"{twin.id} rows",
                               "lower data.generate.twins")
    return rows


def _distinct_rows(quota: int, make: Callable[[random.Random], dict[str, Any]], rng_key: str,
                   blocked: set[str], what: str, fix: str) -> list[dict[str, Any]]:
    """``quota`` rows of ``make(random.Random(f"{rng_key}:{attempt}"))`` (attempt 0, 1, ...)
    whose normalised text is not in ``blocked`` (updated); an error naming ``what`` and
    ``fix`` after ``quota * 20 + 200`` draws."""
    rows: list[dict[str, Any]] = []
    made, attempt = 0, 0
    while made < quota:
        if attempt > quota * 20 + 200:
            raise RuntimeError(f"could not make {quota} distinct {what} (only {made}); {fix}")
        row = make(random.Random(f"{rng_key}:{attempt}"))
        attempt += 1
        key = normalize_text(row["title"], row["description"])
        if key in blocked:
            continue
        blocked.add(key)
        rows.append(row)
        made += 1
    return rows


def _generate_pairs(sampler: _SplitSampler, n_pairs: int, seed: int, blocked: set[str]
                    ) -> list[dict[str, Any]]:
    """``n_pairs`` minimal pairs (two rows each, sharing a ``pair_group``), cycling through
    the edits so every label is written equally often; a pair whose either row repeats an
    earlier text is drawn again."""
    rows: list[dict[str, Any]] = []
    made, attempt = 0, 0
    while made < n_pairs:
        if attempt > n_pairs * 20 + 200:
            raise RuntimeError(f"could not make {n_pairs} distinct minimal pairs (only {made}); "
                               "the catalog is too small for this share of pairs")
        rng = random.Random(f"{seed}:pairs:{attempt}")
        attempt += 1
        pair = make_pair_rows(sampler, made, rng)
        if not pair:
            raise ValueError("no brand of the train split fits any minimal-pair edit")
        keys = [normalize_text(r["title"], r["description"]) for r in pair]
        # twins may share their text when the price is the fact that differs
        same = keys[0] == keys[1] and pair[0]["price"] == pair[1]["price"]
        if same or any(k in blocked for k in keys) or word_overlap(*pair) < MIN_WORD_OVERLAP:
            continue
        blocked.update(keys)
        for row in pair:
            row["pair_group"] = f"pair-{seed}-{made:06d}"
        rows += pair
        made += 1
    return rows


def load_seed_test(path: str | Path | None) -> tuple[list[dict[str, Any]], str]:
    """Hand-written rows to score and check leakage against, and where they came from.

    ``data/seed/listings.jsonl`` rows with ``split == "test"`` when that file
    exists; otherwise every row of ``data/seed/parts/*.jsonl`` as a stand-in.
    """
    if path is None:
        return [], "none"
    p = Path(path)
    rows: list[dict[str, Any]] = []
    if p.is_file():
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                if rec.get("split") == "test":
                    rows.append(rec)
        return rows, f"{p} (split == test)"
    parts = p.parent / "parts" if p.suffix else p / "parts"
    files = sorted(parts.glob("*.jsonl")) if parts.is_dir() else []
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    logger.warning("skipping unreadable line in %s", f)
    source = f"{parts}/*.jsonl (all rows, stand-in until {p} exists)" if files else "none"
    return rows, source


def generate_corpus(
    catalog: BrandCatalog,
    n: int,
    seed: int,
    *,
    proportions: Mapping[str, float] | None = None,
    holdout: HoldoutSpec | None = None,
    seed_rows: Sequence[Mapping[str, Any]] | None = None,
    return_plan: bool = False,
    pairs: float = 0.0,
    twins: float = 0.0,
) -> dict[str, list[dict[str, Any]]]:
    """Generate ``n`` labeled listings split into train / validation / test.

    ``pairs`` is the share of train rows written as minimal pairs (:mod:`.pairs`: one
    listing twice, with the fact that decides its label toggled); 0 (the default) writes
    none and leaves the corpus exactly as before pairs existed. ``twins`` is the share of
    train rows written by the topic twins (:mod:`.twins`), 0 likewise.

    Deterministic for ``seed`` (and the catalog). Every split is label
    balanced. Validation and test use brands and families held out of train.
    Rows whose normalised text repeats an earlier row, or that are near
    duplicates (char 5-gram Jaccard >= 0.9) of a train row or of ``seed_rows``
    (the hand-written test set), are replaced by fresh ones.
    """
    if n < 8:
        raise ValueError(f"n must be at least 8 (two rows per label), got {n}")
    plan = plan_splits(catalog, seed, holdout)
    sizes = _quotas(n, proportions or DEFAULT_PROPORTIONS)
    blocked: set[str] = {
        normalize_text(str(r.get("title") or ""), str(r.get("description") or ""))
        for r in (seed_rows or [])
    }
    out: dict[str, list[dict[str, Any]]] = {}
    if not 0.0 <= pairs <= 0.5:
        raise ValueError(f"pairs must be between 0 and 0.5 (a share of train rows), got {pairs}")
    if not 0.0 <= twins <= MAX_TWIN_SHARE or pairs + twins > 0.5:
        raise ValueError(f"twins must be between 0 and {MAX_TWIN_SHARE} (a share of train rows) "
                         f"and pairs + twins at most 0.5, got twins={twins}, pairs={pairs}")
    for split in SPLITS:
        sampler = _SplitSampler(plan, split)
        n_pairs = int(sizes[split] * pairs) // 2 if split == "train" else 0
        n_twins = int(sizes[split] * twins) if split == "train" else 0
        rows = _generate_split(sampler, split, sizes[split] - 2 * n_pairs, seed, blocked,
                               n_twins)
        if n_pairs:
            rows += _generate_pairs(sampler, n_pairs, seed, blocked)
        out[split] = rows
    # near-duplicate clean-up: drop validation/test rows close to train (and to seed-test)
    removed = _drop_near_duplicates(out, seed_rows or [], plan, seed, blocked)
    for split in SPLITS:
        rng = random.Random(f"{seed}:order:{split}")
        rng.shuffle(out[split])
        for i, row in enumerate(out[split]):
            row["id"] = f"gen-{seed}-{split}-{i:06d}"
    logger.info("generated %s rows (%s); near-duplicates replaced: %s", n, sizes, removed)
    if return_plan:
        out["_plan"] = [plan.summary()]  # type: ignore[list-item]
    return out


def _drop_near_duplicates(
    out: dict[str, list[dict[str, Any]]],
    seed_rows: Sequence[Mapping[str, Any]],
    plan: SplitPlan,
    seed: int,
    blocked: set[str],
) -> dict[str, int]:
    """Replace rows that duplicate (exactly or nearly) the seed test set or an earlier split."""
    removed: dict[str, int] = {}
    seed_index = NearDuplicateIndex(seed_rows) if seed_rows else None
    indexes: dict[str, NearDuplicateIndex] = {}
    for split in SPLITS:
        refs = [idx for idx in (seed_index,) if idx is not None]
        if split != "train":
            refs.append(indexes.setdefault("train", NearDuplicateIndex(out["train"])))
        if split == "test":
            refs.append(NearDuplicateIndex(out["validation"]))

        def clean(row: Mapping[str, Any], refs: list[NearDuplicateIndex] = refs) -> bool:
            return all(ref.query(row) is None for ref in refs)

        bad = [j for j, row in enumerate(out[split]) if refs and not clean(row)]
        if not bad:
            continue
        removed[split] = len(bad)
        need = Counter(out[split][j]["label"] for j in bad)
        bad_set = set(bad)
        kept = [r for j, r in enumerate(out[split]) if j not in bad_set]
        sampler = _SplitSampler(plan, split)
        fresh: list[dict[str, Any]] = []
        for label in LABELS:
            k = need.get(label.value, 0)
            attempt = 0
            while k > 0:
                if attempt > 200 + 50 * k:
                    raise RuntimeError(
                        f"could not replace {k} near-duplicate {label.value} rows "
                        f"in split {split!r}"
                    )
                rng = random.Random(f"{seed}:{split}:refill:{label.value}:{attempt}")
                attempt += 1
                row = make_row(sampler, label, rng)
                key = normalize_text(row["title"], row["description"])
                if key in blocked or not clean(row):
                    continue
                blocked.add(key)
                fresh.append(row)
                k -= 1
        out[split] = kept + fresh
    return removed


# ---------------------------------------------------------------- statistics


def _summary(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    vals = sorted(values)
    q = lambda p: vals[min(len(vals) - 1, int(p * len(vals)))]  # noqa: E731
    return {
        "n": len(vals),
        "mean": round(statistics.fmean(vals), 2),
        "p10": round(q(0.1), 2),
        "median": round(q(0.5), 2),
        "p90": round(q(0.9), 2),
    }


def corpus_stats(splits: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """Counts and summaries of a generated corpus (JSON-ready, deterministic)."""
    stats: dict[str, Any] = {"generator_version": GENERATOR_VERSION, "splits": {}}
    all_rows = [r for rows in splits.values() for r in rows]
    for name, rows in splits.items():
        n = len(rows)
        labels = Counter(r["label"] for r in rows)
        stats["splits"][name] = {
            "rows": n,
            "labels": {lab.value: labels.get(lab.value, 0) for lab in LABELS},
            "label_share": {
                lab.value: round(labels.get(lab.value, 0) / max(1, n), 4) for lab in LABELS
            },
            "languages": dict(sorted(Counter(r["language"] for r in rows).items())),
            "non_english_share": round(sum(r["language"] != "en" for r in rows) / max(1, n), 4),
            "voices": dict(sorted(Counter(r["marketplace"] for r in rows).items())),
            "families": len({r["family"] for r in rows}),
            "brands": len({r["source_brand"] for r in rows if r.get("source_brand")}),
            "difficulty": dict(sorted(Counter(r["difficulty"] for r in rows).items())),
        }
    stats["families"] = dict(sorted(Counter(r["family"] for r in all_rows).items()))
    stats["obfuscation_kinds"] = dict(
        sorted(Counter(r["obfuscation"] for r in all_rows if r["obfuscation"]).items())
    )
    stats["obfuscation_kinds_available"] = list(OBFUSCATION_KINDS)
    by_label: dict[str, dict[str, Any]] = {}
    for lab in LABELS:
        rows = [r for r in all_rows if r["label"] == lab.value]
        usd = [
            r["price"] / RATES.get(r["currency"] or "USD", 1.0)
            for r in rows
            if r["price"] is not None
        ]
        by_label[lab.value] = {
            "title_chars": _summary([len(r["title"]) for r in rows]),
            "description_chars": _summary([len(r["description"]) for r in rows]),
            "price_usd": _summary(usd),
            "price_missing_share": round(
                sum(r["price"] is None for r in rows) / max(1, len(rows)), 4
            ),
            "voices": dict(sorted(Counter(r["marketplace"] for r in rows).items())),
        }
    stats["by_label"] = by_label
    stats["group_overlap"] = group_overlap(splits)
    return stats


def stats_markdown(stats: Mapping[str, Any]) -> str:
    """The stats as a Markdown report."""
    lines = [f"# Generated corpus (generator {stats['generator_version']})", ""]
    if "config" in stats:
        cfg = stats["config"]
        lines += [
            f"n={cfg['n']}, seed={cfg['seed']}, catalog brands={cfg['catalog_brands']}, "
            f"seed-test source: {cfg.get('seed_test_source')}",
            "",
        ]
    lines += [
        "## Splits",
        "",
        "| split | rows | "
        + " | ".join(lab.value for lab in LABELS)
        + " | non-English | brands | families |",
        "|---" * (6 + len(LABELS)) + "|",
    ]
    for name, s in stats["splits"].items():
        lines.append(
            f"| {name} | {s['rows']} | "
            + " | ".join(
                f"{s['labels'][lab.value]} ({s['label_share'][lab.value]:.1%})" for lab in LABELS
            )
            + f" | {s['non_english_share']:.1%} | {s['brands']} | {s['families']} |"
        )
    lines += ["", "## Hold-out", ""]
    for name, g in stats.get("group_overlap", {}).items():
        lines.append(
            f"- {name}: {g['n_brands']} brands, {g['n_families']} families; shared with train: "
            f"{len(g['brands_shared_with_train'])} brands, "
            f"{len(g['families_shared_with_train'])} families"
        )
    if "plan" in stats:
        p = stats["plan"]
        lines.append(
            f"- brand share per split: {p['brand_share']}; family share: {p['family_share']}"
        )
    if "leakage" in stats:
        lines += [
            "",
            "## Leakage (normalised-text hash; char 5-gram Jaccard >= "
            f"{stats['leakage']['threshold']})",
            "",
            "| pair | exact | near-duplicate |",
            "|---|---|---|",
        ]
        for pair, v in stats["leakage"]["pairs"].items():
            lines.append(f"| {pair} | {v['exact_overlap']} | {v['near_duplicate_overlap']} |")
    lines += ["", "## Languages (all splits)", ""]
    langs: Counter[str] = Counter()
    voices: Counter[str] = Counter()
    for s in stats["splits"].values():
        langs.update(s["languages"])
        voices.update(s["voices"])
    lines.append(", ".join(f"{k}: {v}" for k, v in sorted(langs.items())))
    lines += [
        "",
        "## Voices (all splits)",
        "",
        ", ".join(f"{k}: {v}" for k, v in sorted(voices.items())),
    ]
    lines += [
        "",
        "## Obfuscation kinds",
        "",
        ", ".join(f"{k}: {v}" for k, v in stats["obfuscation_kinds"].items()),
    ]
    lines += [
        "",
        "## Per label",
        "",
        "| label | title chars (median) | description chars (median) | "
        "price USD (p10 / median / p90) | price missing |",
        "|---|---|---|---|---|",
    ]
    for lab, s in stats["by_label"].items():
        pr = s["price_usd"]
        lines.append(
            f"| {lab} | {s['title_chars'].get('median')} | "
            f"{s['description_chars'].get('median')} | "
            f"{pr.get('p10')} / {pr.get('median')} / {pr.get('p90')} | "
            f"{s['price_missing_share']:.1%} |"
        )
    lines += ["", "## Families (rows)", ""]
    lines.append(", ".join(f"{k}: {v}" for k, v in stats["families"].items()))
    if "audit" in stats:
        from nlp_ip_train.datagen.audit import audit_markdown

        lines += ["", audit_markdown(stats["audit"])]
    return "\n".join(lines) + "\n"


def write_corpus(
    splits: Mapping[str, Sequence[Mapping[str, Any]]], out_dir: str | Path, stats: Mapping[str, Any]
) -> dict[str, Path]:
    """Write ``<split>.jsonl``, ``stats.json`` and ``stats.md`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name in SPLITS:
        path = out / f"{name}.jsonl"
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            for row in splits.get(name, []):
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        paths[name] = path
    (out / "stats.json").write_text(
        json.dumps(stats, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (out / "stats.md").write_text(stats_markdown(stats), encoding="utf-8")
    paths["stats.json"] = out / "stats.json"
    paths["stats.md"] = out / "stats.md"
    return paths


def build_corpus(
    catalog: BrandCatalog,
    n: int,
    seed: int,
    out_dir: str | Path,
    *,
    seed_path: str | Path | None = "data/seed/listings.jsonl",
    audit: bool = True,
    holdout: HoldoutSpec | None = None,
    pairs: float = 0.0,
    twins: float = 0.0,
) -> dict[str, Any]:
    """Generate, check, audit and write a corpus; returns its stats."""
    seed_rows, seed_source = load_seed_test(seed_path)
    t0 = time.perf_counter()
    corpus = generate_corpus(
        catalog, n, seed, seed_rows=seed_rows, return_plan=True, holdout=holdout, pairs=pairs,
        twins=twins,
    )
    logger.info("generation took %.1fs", time.perf_counter() - t0)
    plan = corpus.pop("_plan")[0]
    stats = corpus_stats(corpus)
    stats["config"] = {
        "n": n,
        "seed": seed,
        "catalog_brands": len(catalog.brands),
        "seed_test_source": seed_source,
        "seed_test_rows": len(seed_rows),
        "proportions": DEFAULT_PROPORTIONS,
    }
    if pairs:
        stats["config"]["pairs"] = pairs
    if twins:
        stats["config"]["twins"] = twins
    stats["plan"] = {k: plan[k] for k in ("holdout_spec", "brand_share", "family_share")}
    stats["plan"]["held_out_families"] = {s: plan["families"][s] for s in ("validation", "test")}
    stats["plan"]["held_out_brands"] = {s: plan["brands"][s] for s in ("validation", "test")}
    stats["leakage"] = leakage_report(corpus, seed_rows or None)
    if audit:
        from nlp_ip_train.datagen.audit import run_audit

        stats["audit"] = run_audit(corpus, seed_rows, seed_source=seed_source, seed=seed)
    write_corpus(corpus, out_dir, stats)
    return stats
