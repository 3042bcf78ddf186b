"""TEI parameters follow JSON Schema's "integer": 3.0 is one, 1.5, "3" and true are not
(schemathesis found `top_k: 10686.0` refused with 422 although the schema allows it)."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
from pydantic import ValidationError

from nlp_ip.serve.routes.tei import HubParameters


@pytest.mark.parametrize("raw, expected", [("3", 3), ("3.0", 3), ("1e1", 10), ("null", None)])
def test_top_k_accepts_json_integers(raw: str, expected: int | None) -> None:
    assert HubParameters.model_validate_json(f'{{"top_k": {raw}}}').top_k == expected


@pytest.mark.parametrize("raw", ["1.5", '"3"', "true", "0", "-2"])
def test_top_k_refuses_what_the_schema_refuses(raw: str) -> None:
    with pytest.raises(ValidationError, match="top_k"):
        HubParameters.model_validate_json(f'{{"top_k": {raw}}}')
