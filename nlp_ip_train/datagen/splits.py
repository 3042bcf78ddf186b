"""Splits that measure generalisation, and the leakage check that proves them.

:func:`plan_splits` holds out whole brands (stratified by category) and whole
template families (per label, never the last training family of a scenario)
for validation and test. Rows of a split are generated only from that split's
brands and families, so the test split asks for brands *and* realisations the
training split never showed.

:func:`leakage_report` checks any two sets of listings for overlap: exact
duplicates of a normalised text (NFKC, casefold, only letters and digits) and
near duplicates (Jaccard >= 0.9 on character 5-gram shingles, found with
MinHash + LSH and confirmed exactly).
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nlp_ip.brands import Brand, BrandCatalog
from nlp_ip.labels import Label
from nlp_ip_train.datagen.families import FAMILIES, Family

SPLITS: tuple[str, ...] = ("train", "validation", "test")


@dataclass(frozen=True)
class HoldoutSpec:
    """Share of brands and of families (per label) kept out of training."""

    brands_validation: float = 0.10
    brands_test: float = 0.15
    families_validation: float = 0.10
    families_test: float = 0.20


@dataclass
class SplitPlan:
    """Which brands and families each split may use."""

    brands: dict[str, list[Brand]]
    families: dict[str, list[Family]]
    spec: HoldoutSpec = field(default_factory=HoldoutSpec)

    def summary(self) -> dict[str, Any]:
        n_brands = sum(len(v) for v in self.brands.values())
        n_fams = sum(len(v) for v in self.families.values())
        return {
            "holdout_spec": vars(self.spec),
            "brands": {s: sorted(b.name for b in v) for s, v in self.brands.items()},
            "families": {s: sorted(f.id for f in v) for s, v in self.families.items()},
            "brand_share": {s: round(len(v) / max(1, n_brands), 3) for s, v in self.brands.items()},
            "family_share": {
                s: round(len(v) / max(1, n_fams), 3) for s, v in self.families.items()
            },
        }


def _quota(n: int, share: float, carry: float) -> tuple[int, float]:
    exact = n * share + carry
    k = int(exact)
    return k, exact - k


def plan_splits(
    catalog: BrandCatalog,
    seed: int,
    spec: HoldoutSpec | None = None,
    families: Sequence[Family] = FAMILIES,
) -> SplitPlan:
    """Assign brands and families to splits, deterministically for ``seed``."""
    spec = spec or HoldoutSpec()
    rng = random.Random(f"split-plan:{seed}")
    # ---- brands: per category, with fractional carry so totals match the shares
    by_cat: dict[str, list[Brand]] = defaultdict(list)
    for brand in catalog.brands:
        by_cat[brand.category].append(brand)
    brands: dict[str, list[Brand]] = {s: [] for s in SPLITS}
    carry_t = carry_v = 0.0
    for cat in sorted(by_cat):
        group = sorted(by_cat[cat], key=lambda b: b.name)
        rng.shuffle(group)
        n_test, carry_t = _quota(len(group), spec.brands_test, carry_t)
        n_val, carry_v = _quota(len(group), spec.brands_validation, carry_v)
        # a category keeps at least one training brand
        while n_test + n_val >= len(group) and (n_test or n_val):
            if n_val >= n_test and n_val:
                n_val -= 1
            else:
                n_test -= 1
        brands["test"].extend(group[:n_test])
        brands["validation"].extend(group[n_test : n_test + n_val])
        brands["train"].extend(group[n_test + n_val :])
    # tiny catalogs: still hold out one brand for test and one for validation when possible
    for split in ("test", "validation"):
        if not brands[split] and len(brands["train"]) >= 2:
            brands[split].append(brands["train"].pop(rng.randrange(len(brands["train"]))))
    # ---- families: per label, whole families out, never a scenario's last train family
    fams: dict[str, list[Family]] = {s: [] for s in SPLITS}
    for label in Label:
        of_label = [f for f in families if f.label == label]
        by_scenario: dict[str, list[Family]] = defaultdict(list)
        for fam in of_label:
            by_scenario[fam.scenario].append(fam)
        n = len(of_label)
        want = {
            "test": max(1, round(n * spec.families_test)) if spec.families_test > 0 else 0,
            "validation": max(1, round(n * spec.families_validation))
            if spec.families_validation > 0
            else 0,
        }
        scenarios = sorted(by_scenario)
        rng.shuffle(scenarios)
        held: dict[str, str] = {}
        for split in ("test", "validation"):
            for scen in scenarios:
                if want[split] <= 0:
                    break
                free = [f for f in by_scenario[scen] if f.id not in held]
                if len(free) >= 2:
                    fam = rng.choice(sorted(free, key=lambda f: f.id))
                    held[fam.id] = split
                    want[split] -= 1
        for fam in of_label:
            fams[held.get(fam.id, "train")].append(fam)
        # a share of 0 switches the family hold-out off for that split: it reuses train's families
        for split, share in (
            ("validation", spec.families_validation),
            ("test", spec.families_test),
        ):
            if share <= 0:
                fams[split].extend(f for f in of_label if held.get(f.id, "train") == "train")
    return SplitPlan(brands=brands, families=fams, spec=spec)


# ------------------------------------------------------------------ leakage

_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def normalize_text(title: str, description: str = "") -> str:
    """NFKC, casefold, zero-width removed, every run of non-alphanumerics -> one space."""
    text = unicodedata.normalize("NFKC", f"{title} {description}").translate(_ZERO_WIDTH).casefold()
    return _NON_ALNUM.sub(" ", text).strip()


def text_hash(title: str, description: str = "") -> str:
    """Exact-duplicate key of a listing's normalised text."""
    return hashlib.blake2b(
        normalize_text(title, description).encode("utf-8"), digest_size=16
    ).hexdigest()


_MERSENNE = np.uint64((1 << 61) - 1)


def shingles(text: str, k: int = 5) -> np.ndarray:
    """Sorted unique 64-bit hashes of the character ``k``-grams of ``text``."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < k:
        codes = np.concatenate([codes, np.zeros(k - len(codes), dtype=np.uint64)])
    h = np.zeros(len(codes) - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * np.uint64(1_000_003) + codes[j : len(codes) - k + 1 + j]
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    return np.unique(h)


class MinHasher:
    """MinHash signatures with ``num_perm`` universal hash functions (fixed seed)."""

    def __init__(self, num_perm: int = 64, seed: int = 1) -> None:
        gen = np.random.default_rng(seed)
        self.a = gen.integers(1, 1 << 61, size=num_perm, dtype=np.uint64)[:, None]
        self.b = gen.integers(0, 1 << 61, size=num_perm, dtype=np.uint64)[:, None]
        self.num_perm = num_perm

    def signature(self, sh: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            vals = (self.a * (sh[None, :] >> np.uint64(3)) + self.b) >> np.uint64(20)
        return vals.min(axis=1)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) and not len(b):
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def _key_text(row: Mapping[str, Any]) -> tuple[str, str]:
    return str(row.get("title") or ""), str(row.get("description") or "")


@dataclass
class LeakageResult:
    """Overlap between a reference set (e.g. train) and another set (validation, test, seed)."""

    exact: list[tuple[int, int]]
    near: list[tuple[int, int, float]]
    n_reference: int
    n_other: int

    @property
    def clean(self) -> bool:
        return not self.exact and not self.near

    def to_dict(self, max_items: int = 20) -> dict[str, Any]:
        return {
            "n_reference": self.n_reference,
            "n_other": self.n_other,
            "exact_overlap": len(self.exact),
            "near_duplicate_overlap": len(self.near),
            "examples": [list(p) for p in self.exact[:max_items]]
            + [[i, j, round(s, 3)] for i, j, s in self.near[:max_items]],
        }


class NearDuplicateIndex:
    """Exact and near-duplicate lookups against a fixed reference set.

    Near duplicates: Jaccard similarity >= ``threshold`` of character 5-gram
    shingles of the normalised text. Candidates come from MinHash LSH
    (``bands`` bands of ``num_perm / bands`` rows: a pair at Jaccard 0.9 is a
    candidate with probability > 0.999) and are confirmed exactly.
    """

    def __init__(
        self,
        reference: Sequence[Mapping[str, Any]],
        *,
        threshold: float = 0.9,
        num_perm: int = 64,
        bands: int = 16,
    ) -> None:
        self.threshold = threshold
        self.bands = bands
        self.rows = num_perm // bands
        self.hasher = MinHasher(num_perm=num_perm)
        self.n = len(reference)
        self.exact: dict[str, int] = {}
        self.shingles: list[np.ndarray] = []
        self.buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
        for i, row in enumerate(reference):
            self.add(normalize_text(*_key_text(row)), i)

    def add(self, norm: str, i: int) -> None:
        self.exact.setdefault(norm, i)
        sh = shingles(norm)
        self.shingles.append(sh)
        sig = self.hasher.signature(sh)
        r = self.rows
        for band in range(self.bands):
            self.buckets[(band, sig[band * r : (band + 1) * r].tobytes())].append(i)

    def query(self, row: Mapping[str, Any]) -> tuple[int, float] | None:
        """(reference index, similarity) of the closest duplicate, or None (1.0 = exact)."""
        norm = normalize_text(*_key_text(row))
        if norm in self.exact:
            return self.exact[norm], 1.0
        sh = shingles(norm)
        sig = self.hasher.signature(sh)
        r = self.rows
        cands: set[int] = set()
        for band in range(self.bands):
            cands.update(self.buckets.get((band, sig[band * r : (band + 1) * r].tobytes()), ()))
        best: tuple[int, float] | None = None
        for i in sorted(cands):
            la, lb = len(self.shingles[i]), len(sh)
            # cheap size filter: Jaccard <= min/max of the set sizes
            if min(la, lb) < self.threshold * max(la, lb):
                continue
            s = jaccard(self.shingles[i], sh)
            if s >= self.threshold and (best is None or s > best[1]):
                best = (i, s)
        return best


def find_leakage(
    reference: Sequence[Mapping[str, Any]],
    other: Sequence[Mapping[str, Any]],
    *,
    threshold: float = 0.9,
    num_perm: int = 64,
    bands: int = 16,
) -> LeakageResult:
    """Pairs (reference index, other index) that are exact or near duplicates."""
    index = NearDuplicateIndex(reference, threshold=threshold, num_perm=num_perm, bands=bands)
    exact: list[tuple[int, int]] = []
    near: list[tuple[int, int, float]] = []
    for j, row in enumerate(other):
        hit = index.query(row)
        if hit is None:
            continue
        i, s = hit
        if s == 1.0 and normalize_text(*_key_text(row)) in index.exact:
            exact.append((i, j))
        else:
            near.append((i, j, s))
    return LeakageResult(exact=exact, near=near, n_reference=len(reference), n_other=len(other))


def leakage_report(
    splits: Mapping[str, Sequence[Mapping[str, Any]]],
    seed_test: Sequence[Mapping[str, Any]] | None = None,
    *,
    threshold: float = 0.9,
) -> dict[str, Any]:
    """Overlap of train with every other split (and with the seed test set when given)."""
    train = splits.get("train", [])
    report: dict[str, Any] = {"threshold": threshold, "shingle": "char 5-gram", "pairs": {}}
    for name, rows in splits.items():
        if name == "train":
            continue
        report["pairs"][f"train~{name}"] = find_leakage(train, rows, threshold=threshold).to_dict()
    if "validation" in splits and "test" in splits:
        report["pairs"]["validation~test"] = find_leakage(
            splits["validation"], splits["test"], threshold=threshold
        ).to_dict()
    if seed_test is not None:
        for name, rows in splits.items():
            report["pairs"][f"{name}~seed_test"] = find_leakage(
                rows, seed_test, threshold=threshold
            ).to_dict()
    report["clean"] = all(
        p["exact_overlap"] == 0 and p["near_duplicate_overlap"] == 0
        for p in report["pairs"].values()
    )
    return report


def group_overlap(splits: Mapping[str, Iterable[Mapping[str, Any]]]) -> dict[str, Any]:
    """Brands and families shared between train and the other splits (should be none)."""
    seen: dict[str, dict[str, set[str]]] = {}
    for name, rows in splits.items():
        b: set[str] = set()
        f: set[str] = set()
        for r in rows:
            if r.get("source_brand"):
                b.add(str(r["source_brand"]))
            f.add(str(r.get("family")))
        seen[name] = {"brands": b, "families": f}
    out: dict[str, Any] = {}
    train = seen.get("train", {"brands": set(), "families": set()})
    for name, groups in seen.items():
        if name == "train":
            continue
        out[name] = {
            "brands_shared_with_train": sorted(groups["brands"] & train["brands"]),
            "families_shared_with_train": sorted(groups["families"] & train["families"]),
            "n_brands": len(groups["brands"]),
            "n_families": len(groups["families"]),
        }
    return out
