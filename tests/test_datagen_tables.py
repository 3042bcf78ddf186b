"""The generator's data files load, and a malformed one fails with the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from nlp_ip.errors import ConfigError
from nlp_ip_train.datagen.details import DETAILS
from nlp_ip_train.datagen.families import LABEL_MODULES, infringing
from nlp_ip_train.datagen.phrases import GOODS_NAMES, PHRASES
from nlp_ip_train.datagen.tables import DataFile
from nlp_ip_train.datagen.vocab import VOCABULARY

DATA_FILES: list[DataFile] = [
    PHRASES,
    GOODS_NAMES,
    VOCABULARY,
    DETAILS,
    *(module.WORDS for module in LABEL_MODULES.values()),
]


@pytest.mark.parametrize("data_file", DATA_FILES, ids=lambda f: f.name)
def test_every_data_file_loads_and_is_read_once(data_file: DataFile) -> None:
    assert data_file.content
    assert data_file.content is data_file.content


def test_data_files_ship_inside_the_package() -> None:
    for data_file in DATA_FILES:
        assert data_file.path.is_file()
        assert "nlp_ip_train/datagen/data" in data_file.path.as_posix()


def _broken_copy(data_file: DataFile, tmp_path: Path, edit: Any) -> DataFile:
    """``data_file`` with one edit, written to ``tmp_path`` and read with the same schema."""
    raw = yaml.safe_load(data_file.path.read_text(encoding="utf-8"))
    edit(raw)
    target = tmp_path / data_file.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return DataFile(data_file.name, data_file.schema, directory=tmp_path)


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def edit(raw: Any) -> None:
        for key in path[:-1]:
            raw = raw[key]
        raw[path[-1]] = value

    return edit


def _delete(*path: Any) -> Any:
    def edit(raw: Any) -> None:
        for key in path[:-1]:
            raw = raw[key]
        del raw[path[-1]]

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            _set(("logo_sent", "es", 0), "Con el logo de {brnd}."),
            r"phrases\.yaml: at logo_sent\.es\[0\]: placeholder \{brnd\} is not filled by the "
            r"code \(it fills: brand, design, initials\)\. Fix: use one of those names",
        ),
        (
            _set(("stock", "en", 0), "Only {n:02d} left."),
            r"at stock\.en\[0\]: placeholder \{n\} carries a conversion or format spec\. "
            r"Fix: write it plainly as \{n\}",
        ),
        (
            _set(("cf_sent", "en", 0), "Copy {of the original"),
            r"at cf_sent\.en\[0\]: the template .* has an unbalanced brace .* Fix: write a literal",
        ),
        (
            _set(("cf_sent", "xx"), ["Kopie."]),
            r"at cf_sent\.xx: 'xx' is not a known language\. Fix: use one of: en, es, fr",
        ),
        (_delete("cf_sent", "en"), r"at cf_sent\.en: the language is missing\. Fix: add an entry"),
        (_delete("cf_sent"), r"at cf_sent: missing; the code reads this key\. Fix: add 'cf_sent:'"),
        (
            _set(("cf_snt",), {"en": ["Replica."]}),
            r"at cf_snt: unknown key; no code reads it\. Fix: remove it or correct its name",
        ),
        (_set(("cf_sent", "es"), []), r"at cf_sent\.es: the list is empty\. Fix: add at least one"),
        (
            _set(("cf_sent", "es"), "Réplica."),
            r"at cf_sent\.es: expected a list of strings, found str",
        ),
        (_set(("cf_sent", "es", 1), "  "), r"at cf_sent\.es\[1\]: the string is empty"),
    ],
)
def test_a_malformed_phrase_bank_names_file_key_and_fix(
    tmp_path: Path, edit: Any, message: str
) -> None:
    broken = _broken_copy(PHRASES, tmp_path, edit)
    with pytest.raises(ConfigError, match=message):
        _ = broken.content


def test_an_unquoted_number_is_reported_with_the_fix(tmp_path: Path) -> None:
    broken = _broken_copy(VOCABULARY, tmp_path, _set(("years", 0), 2012))
    with pytest.raises(
        ConfigError,
        match=r"vocabulary\.yaml: at years\[0\]: expected a string, found int 2012\. "
        r"Fix: quote the value",
    ):
        _ = broken.content


def test_a_missing_kind_of_goods_is_reported(tmp_path: Path) -> None:
    broken = _broken_copy(DETAILS, tmp_path, _delete("details", "watch"))
    with pytest.raises(ConfigError, match=r"details\.yaml: at details\.watch: the kind of goods"):
        _ = broken.content


def test_a_family_template_may_use_only_what_its_builder_fills(tmp_path: Path) -> None:
    edit = _set(("stuffing_brand_notes", 0), "By {brand}.")
    broken = _broken_copy(infringing.WORDS, tmp_path, edit)
    with pytest.raises(
        ConfigError, match=r"at stuffing_brand_notes\[0\]: placeholder \{brand\} .* fills: own"
    ):
        _ = broken.content


def test_invalid_yaml_and_a_missing_file_are_reported(tmp_path: Path) -> None:
    (tmp_path / "phrases.yaml").write_text("cf_sent: [unclosed\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"phrases\.yaml: not valid YAML at line 2, column 1: .*Fix: correct"
    ):
        _ = DataFile("phrases.yaml", PHRASES.schema, directory=tmp_path).content
    with pytest.raises(ConfigError, match=r"absent\.yaml: data file not found; restore it"):
        _ = DataFile("absent.yaml", PHRASES.schema, directory=tmp_path).content
