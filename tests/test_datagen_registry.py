"""Every family is registered once, with complete metadata, from the module of its label."""

from __future__ import annotations

import inspect
import random
import re
from collections import Counter

import pytest

from nlp_ip.brands import load_catalog
from nlp_ip.labels import LABELS, Label
from nlp_ip_train.datagen.context import Ctx, Draft
from nlp_ip_train.datagen.families import FAMILIES, LABEL_MODULES, BrandNeed, families_by_label
from nlp_ip_train.datagen.families.brand_needs import ANY_BRAND
from nlp_ip_train.datagen.families.registry import DIFFICULTIES, FamilyRegistry, LabelFamilies

ID_PREFIX = {
    Label.INFRINGING: "inf",
    Label.PARODY: "par",
    Label.LOOKALIKE: "look",
    Label.LEGITIMATE: "leg",
}


def test_every_family_is_registered_once() -> None:
    ids = Counter(f.id for f in FAMILIES)
    assert [i for i, n in ids.items() if n > 1] == []
    builders = Counter(f.builder for f in FAMILIES)
    assert [b.__name__ for b, n in builders.items() if n > 1] == []
    # every public function of a label module is a registered builder, and only those
    for module in LABEL_MODULES.values():
        defined = {
            fn
            for name, fn in vars(module).items()
            if inspect.isfunction(fn)
            and fn.__module__ == module.__name__
            and not name.startswith("_")
        }
        assert defined == {f.builder for f in FAMILIES if f.builder.__module__ == module.__name__}


def test_metadata_is_complete() -> None:
    for fam in FAMILIES:
        assert re.fullmatch(rf"{ID_PREFIX[fam.label]}\.[a-z]+\.[a-z]+", fam.id), fam.id
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", fam.scenario), fam.id
        assert fam.difficulty in DIFFICULTIES, fam.id
        assert fam.needs is None or (isinstance(fam.needs, BrandNeed) and fam.needs.description)
        takes = list(inspect.signature(fam.builder).parameters)
        assert len(takes) == (2 if fam.branded else 1), fam.id


def test_one_module_per_label() -> None:
    assert set(LABEL_MODULES) == set(LABELS)
    for label, module in LABEL_MODULES.items():
        assert module.__name__ == f"nlp_ip_train.datagen.families.{label.value}"
    for fam in FAMILIES:
        assert fam.builder.__module__ == LABEL_MODULES[fam.label].__name__, fam.id
    by_label = families_by_label()
    assert all(by_label[label] for label in LABELS)
    assert [f for label in LABELS for f in by_label[label]] == list(FAMILIES)


def test_every_family_builds_a_draft_for_a_brand_it_accepts() -> None:
    brands = load_catalog().brands
    for i, fam in enumerate(FAMILIES):
        brand = next(b for b in brands if fam.needs(b)) if fam.needs is not None else None
        ctx = Ctx(rng=random.Random(i), lang_title="en", lang_desc="en", split_brands=brands)
        draft = fam.build(ctx, brand)
        assert isinstance(draft, Draft) and draft.title and draft.title[0].strip(), fam.id


def test_a_branded_family_refuses_to_build_without_a_brand() -> None:
    fam = next(f for f in FAMILIES if f.branded)
    ctx = Ctx(rng=random.Random(0), lang_title="en", lang_desc="en")
    with pytest.raises(ValueError, match=rf"family '{re.escape(fam.id)}' needs .*got no brand"):
        fam.build(ctx, None)


def test_the_registry_rejects_a_repeated_id_and_a_builder_of_the_wrong_shape() -> None:
    family = LabelFamilies(Label.PARODY, FamilyRegistry())

    @family("par.test.one", scenario="test", difficulty="easy", brand=ANY_BRAND)
    def first(c: Ctx, b: object) -> Draft:
        raise AssertionError

    with pytest.raises(ValueError, match=r"family id 'par\.test\.one' is registered twice"):

        @family("par.test.one", scenario="test", difficulty="easy")
        def second(c: Ctx) -> Draft:
            raise AssertionError

    with pytest.raises(TypeError, match=r"must take \(ctx, brand\), since the family needs"):

        @family("par.test.two", scenario="test", difficulty="hard", brand=ANY_BRAND)  # type: ignore[arg-type]
        def third(c: Ctx) -> Draft:
            raise AssertionError

    with pytest.raises(ValueError, match=r"difficulty 'medium' is not one of easy, hard"):

        @family("par.test.three", scenario="test", difficulty="medium")  # type: ignore[call-overload]
        def fourth(c: Ctx) -> Draft:
            raise AssertionError
