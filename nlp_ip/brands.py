"""The brand catalog (``data/brands.yaml``), typed and validated once.

The catalog is used by the generator, the spaCy text layer, the text builder
and the reviewer page. A model folder carries its own copy, so a served model
always sees the catalog it was trained with.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nlp_ip.errors import ConfigError

CATEGORIES: tuple[str, ...] = (
    "luxury_fashion",  # luxury fashion and leather goods
    "sportswear",  # sportswear and sneakers
    "watches",
    "jewelry",
    "eyewear",
    "beauty",  # perfume and cosmetics
    "electronics",  # consumer electronics and accessories
    "toys",  # toys and collectibles
    "home_kitchen",
    "outdoor_drinkware",
    "sports_teams",  # sports teams and leagues
    "software_games",
    "supplements",
)


class PriceRange(BaseModel):
    """Plausible price of genuine goods (new or pre-owned), in ``currency``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float = Field(ge=0)
    max: float = Field(gt=0)
    currency: str = "USD"

    @model_validator(mode="after")
    def _ordered(self) -> PriceRange:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


class Brand(BaseModel):
    """One brand and everything the text layer and generator know about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    category: str
    #: Other names a seller writes for the brand ("Vuitton", "Louis V").
    aliases: tuple[str, ...] = ()
    #: Short initials ("LV", "GG", "CC", "AP"): only a brand mention with context.
    initials: tuple[str, ...] = ()
    #: True when the name is also an ordinary word (coach, apple, gap, guess, on).
    ambiguous: bool = False
    #: Words near an ambiguous name or initials that confirm the brand reading.
    context_words: tuple[str, ...] = ()
    #: Product lines and model names ("Neverfull", "Speedy 30", "Submariner").
    product_lines: tuple[str, ...] = ()
    #: Signature design elements a lookalike copies without the mark.
    design_elements: tuple[str, ...] = ()
    #: Kinds of goods the brand sells ("handbag", "wallet", "sneakers").
    goods: tuple[str, ...] = Field(min_length=1)
    price_range: PriceRange
    #: Punned names used by parodies ("Louis Vuitmutt"), for the text layer and the generator.
    parody_names: tuple[str, ...] = ()
    #: Parody products that courts decided ("Chewy Vuiton"): the text layer knows them
    #: as parody names like the others, the generator never uses them, so no litigated
    #: product reaches training as a template (the legal-case probes stay unseen).
    litigated_parodies: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _known_category(self) -> Brand:
        if self.category not in CATEGORIES:
            raise ValueError(
                f"category {self.category!r} is unknown; use one of {', '.join(CATEGORIES)}"
            )
        return self


class BrandCatalog(BaseModel):
    """All brands, with lookups by canonical name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    brands: tuple[Brand, ...]

    @model_validator(mode="after")
    def _unique(self) -> BrandCatalog:
        seen: set[str] = set()
        for brand in self.brands:
            key = brand.name.casefold()
            if key in seen:
                raise ValueError(f"brand {brand.name!r} is listed twice")
            seen.add(key)
        return self

    def get(self, name: str) -> Brand | None:
        """The brand whose canonical name is ``name`` (case-insensitive), if any."""
        return self._by_name().get(name.casefold())

    def _by_name(self) -> dict[str, Brand]:
        return {brand.name.casefold(): brand for brand in self.brands}

    def by_category(self) -> dict[str, list[Brand]]:
        grouped: dict[str, list[Brand]] = {c: [] for c in CATEGORIES}
        for brand in self.brands:
            grouped[brand.category].append(brand)
        return grouped


def default_catalog_path() -> Path:
    """Where the catalog is read from when no path is given.

    Order: ``$NLP_IP_BRANDS``; the copy packaged in the wheel; ``data/brands.yaml``
    of a source checkout.
    """
    from nlp_ip.settings import RuntimeSettings

    configured = RuntimeSettings.from_env().brands
    if configured is not None:
        return configured
    here = Path(__file__).resolve().parent
    packaged = here / "_data" / "brands.yaml"
    if packaged.is_file():
        return packaged
    return here.parent / "data" / "brands.yaml"


def load_catalog(path: str | os.PathLike[str] | None = None) -> BrandCatalog:
    """Read and validate a brand catalog (cached per path)."""
    resolved = Path(path) if path is not None else default_catalog_path()
    try:  # a file edited in place is read again
        stat = resolved.stat()
        version: tuple[int, int] = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = (0, 0)  # reported as missing below
    return _load_catalog_cached(str(resolved.resolve()), version)


@lru_cache(maxsize=8)
def _load_catalog_cached(path: str, version: tuple[int, int]) -> BrandCatalog:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(
            f"brand catalog not found at {file}; pass a path or set NLP_IP_BRANDS "
            "to a brands.yaml file"
        )
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file} is not valid YAML: {exc}") from exc
    try:
        return BrandCatalog.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:10]
        )
        raise ConfigError(f"{file} does not validate: {problems}") from exc
