"""Obfuscations, puns and voices behave as documented."""

from __future__ import annotations

import random

import pytest

from nlp_ip_train.datagen.obfuscate import OBFUSCATIONS, obfuscate
from nlp_ip_train.datagen.puns import derived_puns, pun_name


@pytest.mark.parametrize("kind", sorted(OBFUSCATIONS))
def test_every_obfuscation_changes_the_name(kind):
    rng = random.Random(0)
    for name in ("Louis Vuitton", "Rolex", "Nike", "Balenciaga"):
        out = obfuscate(name, kind, rng)
        assert out.strip() and out != name, (kind, name, out)


def test_invisible_obfuscations_look_the_same_but_differ():
    rng = random.Random(1)
    assert any(ord(ch) > 0x400 for ch in obfuscate("Chanel Coco", "cyrillic", rng))
    assert "\u200b" in obfuscate("Gucci", "zero_width", random.Random(2)) or any(
        ch in obfuscate("Gucci", "zero_width", random.Random(3))
        for ch in "\u200b\u200c\u200d\u2060"
    )
    assert obfuscate("Gucci", "fullwidth", rng).startswith(("Ｇ", "ｇ"))
    assert obfuscate("Louis Vuitton", "initials", rng).replace(".", "") == "LV"


def test_unknown_obfuscation_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match=r"unknown obfuscation kind 'blur'.*spacing"):
        obfuscate("Nike", "blur", random.Random(0))


def test_puns_are_derived_for_any_name():
    assert "Relax" in derived_puns("Rolex")
    assert "Barkberry" in derived_puns("Burberry")
    rng = random.Random(0)
    for name in ("Patagonia", "Stanley", "Le Creuset", "Optimum Nutrition"):
        pun = pun_name(name, (), rng)
        assert pun and pun.casefold() != name.casefold()
