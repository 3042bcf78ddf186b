"""Data files of the generator: read once, checked against a schema when first used.

Phrase banks, word lists and templates live as YAML under ``nlp_ip_train/datagen/data/``;
the module that reads a file declares its schema next to its code with the small
combinators here (:func:`strings`, :func:`text`, :func:`mapping`, :func:`record`). A file
that does not match raises :class:`~nlp_ip.errors.ConfigError` naming the file, the key
and the fix, e.g. ``phrases.yaml: at logo_sent.es[1]: placeholder {brnd} is not filled
by the code (it fills: brand, design, initials). Fix: ...``.

What is checked: every key the code reads is there and no other, lists are non-empty
lists of non-empty strings, language codes come from :data:`LANGUAGES`, and every
``{placeholder}`` of a template is one the code fills.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Collection, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from nlp_ip.errors import ConfigError

#: Folder of the data files (shipped inside the package).
DATA_DIR = Path(__file__).resolve().parent / "data"

#: Languages a row can be written in: English, then the others the generator draws.
LANGUAGES: tuple[str, ...] = (
    "en",
    "es",
    "fr",
    "it",
    "de",
    "pt",
    "zh",
    "ru",
    "ja",
    "ko",
    "nl",
    "pl",
    "tr",
)

#: Checks one value found at a key path and returns it in the shape the code uses.
Spec = Callable[[Any, str], Any]

_FORMATTER = string.Formatter()
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Invalid(Exception):
    """A problem at one key of a data file (turned into a ConfigError with the file name)."""

    def __init__(self, where: str, problem: str, fix: str) -> None:
        super().__init__(where, problem, fix)
        self.where, self.problem, self.fix = where, problem, fix


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _found(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _check_template(value: str, where: str, fields: Collection[str]) -> None:
    """Every ``{name}`` in ``value`` must be one of ``fields`` (what the code fills)."""
    filled = ", ".join(sorted(fields)) or "nothing"
    try:
        parsed = list(_FORMATTER.parse(value))
    except ValueError as exc:
        raise _Invalid(
            where,
            f"the template {value!r} has an unbalanced brace ({exc})",
            "write a literal brace as {{ or }}",
        ) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in fields:
            raise _Invalid(
                where,
                f"placeholder {{{name}}} is not filled by the code (it fills: {filled})",
                "use one of those names, or write a literal brace as {{ or }}",
            )
        if spec or conversion:
            raise _Invalid(
                where,
                f"placeholder {{{name}}} carries a conversion or format spec",
                f"write it plainly as {{{name}}}",
            )


def text(fields: Collection[str] = (), *, allow_empty: bool = False) -> Spec:
    """A non-empty string (or an empty one where ``allow_empty``).

    As a template it may use only ``fields`` as placeholders.
    """
    allowed = frozenset(fields)

    def check(value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise _Invalid(
                where,
                f"expected a string, found {_found(value)}",
                "quote the value (YAML reads 36, 1:1, yes or no unquoted as numbers or booleans)",
            )
        if not value.strip() and not (allow_empty and not value):
            raise _Invalid(where, "the string is empty", "write the text or remove the entry")
        _check_template(value, where, allowed)
        return value

    return check


def strings(fields: Collection[str] = (), *, allow_empty: bool = False) -> Spec:
    """A non-empty list of strings (kept in file order, as a tuple); see :func:`text`."""
    item = text(fields, allow_empty=allow_empty)

    def check(value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise _Invalid(
                where, f"expected a list of strings, found {_found(value)}", "write a YAML list"
            )
        if not value:
            raise _Invalid(where, "the list is empty", "add at least one entry or remove the key")
        return tuple(item(v, f"{where}[{i}]") for i, v in enumerate(value))

    return check


def mapping(
    values: Spec,
    *,
    keys: Collection[str] | None = None,
    required: Collection[str] = (),
    what: str = "key",
) -> Spec:
    """A mapping of names (``what``) to values; names from ``keys`` when given.

    ``required`` names must be present. File order is kept (it is the order of draws).
    """

    def check(value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict) or not value:
            raise _Invalid(
                where,
                f"expected a non-empty mapping of {what} to values, found {_found(value)}",
                f"write one '{what}: ...' entry per line",
            )
        for name in required:
            if name not in value:
                raise _Invalid(
                    _join(where, str(name)), f"the {what} is missing", f"add an entry for {name!r}"
                )
        out: dict[str, Any] = {}
        for name, sub in value.items():
            if not isinstance(name, str):
                raise _Invalid(
                    where, f"{what} {name!r} is not a string", "quote it or correct its name"
                )
            if keys is not None and name not in keys:
                raise _Invalid(
                    _join(where, name),
                    f"{name!r} is not a known {what}",
                    f"use one of: {', '.join(keys)}",
                )
            out[name] = values(sub, _join(where, name))
        return out

    return check


def record(fields: Mapping[str, Spec]) -> Spec:
    """A mapping with exactly the keys of ``fields``: each one read by the code, no others."""

    def check(value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _Invalid(
                where or "top level",
                f"expected a mapping, found {_found(value)}",
                f"write the keys {', '.join(fields)}",
            )
        for name in fields:
            if name not in value:
                raise _Invalid(
                    _join(where, name),
                    "missing; the code reads this key",
                    f"add '{name}:' with its entries",
                )
        for name in value:
            if name not in fields:
                raise _Invalid(
                    _join(where, str(name)),
                    "unknown key; no code reads it",
                    "remove it or correct its name (known: " + ", ".join(fields) + ")",
                )
        return {name: spec(value[name], _join(where, name)) for name, spec in fields.items()}

    return check


class DataFile:
    """One YAML data file and its schema; read and checked on first use, then cached."""

    def __init__(self, name: str, schema: Spec, *, directory: Path | None = None) -> None:
        self.name = name
        self.schema = schema
        self.path = (directory or DATA_DIR) / name

    def __repr__(self) -> str:
        return f"DataFile({str(self.path)!r})"

    @cached_property
    def content(self) -> Any:
        """The checked content (mappings as dicts, lists as tuples)."""
        try:
            raw = yaml.load(self.path.read_text(encoding="utf-8"), Loader=_LOADER)
        except FileNotFoundError:
            raise ConfigError(
                f"{self.path}: data file not found; restore it from the repository "
                "(it ships inside the package)"
            ) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise ConfigError(
                f"{self.path}: not valid YAML{where}: {problem}. Fix: correct the syntax there"
            ) from None
        try:
            return self.schema(raw, "")
        except _Invalid as bad:
            raise ConfigError(
                f"{self.path}: at {bad.where}: {bad.problem}. Fix: {bad.fix}"
            ) from None

    def words(self, key: str) -> tuple[str, ...]:
        """The list at top-level ``key``."""
        value = self._get(key)
        if not isinstance(value, tuple):
            raise TypeError(f"{self.name}: {key!r} is a mapping; use groups({key!r})")
        return value

    def groups(self, key: str) -> dict[str, Any]:
        """The mapping at top-level ``key``."""
        value = self._get(key)
        if not isinstance(value, dict):
            raise TypeError(f"{self.name}: {key!r} is a list; use words({key!r})")
        return value

    def _get(self, key: str) -> Any:
        content = self.content
        if key not in content:
            raise KeyError(
                f"{self.name} has no key {key!r}; declare it in the schema "
                f"(known: {', '.join(content)})"
            )
        return content[key]
