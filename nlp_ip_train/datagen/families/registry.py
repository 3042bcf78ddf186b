"""The family registry: each builder registers itself, with its metadata, where it is defined.

A label module makes one :class:`LabelFamilies` decorator and puts it on every builder::

    family = LabelFamilies(Label.PARODY)

    @family("par.pun.pet", scenario="pun_name", difficulty="hard", brand=ANY_BRAND)
    def par_pun_pet(c: Ctx, b: Brand) -> Draft: ...

A builder whose family needs a brand takes ``(ctx, brand)`` and always receives a brand
that its :class:`BrandNeed` accepts; one that needs none takes ``(ctx)`` only.
Registration order is significant: it is the order in which splits and samplers list
the families of a label, so it decides which random draws pick which family.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, overload

from nlp_ip.brands import Brand
from nlp_ip.labels import LABELS, Label
from nlp_ip_train.datagen.context import Ctx, Draft

Difficulty = Literal["easy", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "hard")
BrandedBuilder = Callable[[Ctx, Brand], Draft]
PlainBuilder = Callable[[Ctx], Draft]


@dataclass(frozen=True)
class BrandNeed:
    """Which brands a family can write about, and that rule in words (for reports and tests)."""

    description: str
    accepts: Callable[[Brand], bool]

    def __call__(self, brand: Brand) -> bool:
        return self.accepts(brand)


@dataclass(frozen=True)
class Family:
    """One realisation of a scenario of one label."""

    id: str
    label: Label
    scenario: str
    difficulty: Difficulty
    builder: Callable[..., Draft]
    #: Which brands the family can use; None: the family needs no brand.
    needs: BrandNeed | None = None

    @property
    def branded(self) -> bool:
        return self.needs is not None

    def build(self, ctx: Ctx, brand: Brand | None) -> Draft:
        """Write one draft; ``brand`` must be given exactly when the family needs one."""
        if self.needs is None:
            return self.builder(ctx)
        if brand is None:
            raise ValueError(
                f"family {self.id!r} needs {self.needs.description}, got no brand; "
                "draw one of the split's brands that family.needs accepts"
            )
        return self.builder(ctx, brand)


class FamilyRegistry:
    """Families in registration order; an id can be registered once."""

    def __init__(self) -> None:
        self._families: dict[str, Family] = {}

    def add(self, family: Family) -> None:
        """Register ``family``; a repeated id or a builder of the wrong shape is an error."""
        if family.id in self._families:
            other = self._families[family.id].builder
            raise ValueError(
                f"family id {family.id!r} is registered twice ({other.__module__}."
                f"{other.__qualname__} and {family.builder.__module__}."
                f"{family.builder.__qualname__}); give each family its own id"
            )
        if family.difficulty not in DIFFICULTIES:
            raise ValueError(
                f"family {family.id!r}: difficulty {family.difficulty!r} is not one of "
                f"{', '.join(DIFFICULTIES)}"
            )
        expected = 2 if family.branded else 1
        if len(inspect.signature(family.builder).parameters) != expected:
            shape = "(ctx, brand)" if family.branded else "(ctx)"
            raise TypeError(
                f"family {family.id!r}: its builder {family.builder.__qualname__} must take "
                f"{shape}, since the family {'needs' if family.branded else 'needs no'} brand"
            )
        self._families[family.id] = family

    def families(self) -> tuple[Family, ...]:
        """Every family, by label (in label order), then in registration order."""
        return tuple(
            fam for label in LABELS for fam in self._families.values() if fam.label == label
        )


#: The registry the label modules of :mod:`nlp_ip_train.datagen.families` fill on import.
REGISTRY = FamilyRegistry()


class LabelFamilies:
    """Decorator that registers the builders of one label's module with their metadata."""

    def __init__(self, label: Label, registry: FamilyRegistry = REGISTRY) -> None:
        self.label = label
        self.registry = registry

    @overload
    def __call__(
        self, family_id: str, *, scenario: str, difficulty: Difficulty, brand: BrandNeed
    ) -> Callable[[BrandedBuilder], BrandedBuilder]: ...

    @overload
    def __call__(
        self, family_id: str, *, scenario: str, difficulty: Difficulty, brand: None = None
    ) -> Callable[[PlainBuilder], PlainBuilder]: ...

    def __call__(
        self,
        family_id: str,
        *,
        scenario: str,
        difficulty: Difficulty,
        brand: BrandNeed | None = None,
    ) -> Callable[[Callable[..., Draft]], Callable[..., Draft]]:
        """Register the decorated builder as family ``family_id`` of this label."""

        def register(builder: Callable[..., Draft]) -> Callable[..., Draft]:
            self.registry.add(
                Family(family_id, self.label, scenario, difficulty, builder, needs=brand)
            )
            return builder

        return register
