"""The ``Listing`` schema: the one input type of every stage.

Fields follow ``shared/labeling-guide.md``. Unknown fields are kept as metadata
(``listing.metadata``), never rejected, so marketplace columns such as
``marketplace`` or ``language`` travel through training and evaluation.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from nlp_ip.errors import FieldError, InputTooLargeError, InvalidInputError
from nlp_ip.labels import Label

#: Size limits, in characters. Inputs over them are rejected, never truncated silently.
MAX_TITLE_CHARS = 1_000
MAX_DESCRIPTION_CHARS = 20_000
MAX_SHORT_FIELD_CHARS = 200  # id, brand
#: Prices at or above this are not real listings (and would overflow float arithmetic).
MAX_PRICE = 1e12
#: Integers with more digits are refused when JSON is read: Python turns text into an integer
#: in quadratic time, and by default refuses more than 4,300 digits with a bare ValueError.
MAX_INT_DIGITS = 4_300

# ISO 4217 active codes (plus a few widely used on marketplaces).
ISO_CURRENCIES: frozenset[str] = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK
    JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA
    MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK
    PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN
    SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST
    XAF XCD XOF XPF YER ZAR ZMW ZWL
    """.split()
)


#: Where a value sits in a JSON document: the keys and list positions leading to it.
JsonPath = tuple[str | int, ...]


class _LongInteger:
    """Stands in for an integer too long to convert while a document is parsed."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits


def dotted_path(path: JsonPath) -> tuple[str, int | None]:
    """A JSON path as a field name (``seller.ratings.1``) and no row index."""
    return ".".join(str(part) for part in path) or "row", None


def load_json(text: str | bytes, *,
              locate: Callable[[JsonPath], tuple[str, int | None]] = dotted_path) -> Any:
    """``json.loads``, except that integers of more than :data:`MAX_INT_DIGITS` digits raise
    :class:`InvalidInputError` naming each one's field (``locate`` turns its path into the
    field name and row index to report).

    ``json.JSONDecodeError``, ``UnicodeDecodeError`` and ``RecursionError`` pass through.
    """
    # Python's own limit on int(text) (0: none; absent before 3.10.7)
    interpreter_limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    limit = min(MAX_INT_DIGITS, interpreter_limit or MAX_INT_DIGITS)
    if interpreter_limit and interpreter_limit <= MAX_INT_DIGITS:
        # fast path: the C parser alone, unless an integer is over the interpreter's limit
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise
        except ValueError:
            pass
    long_ones: list[_LongInteger] = []

    def parse_int(digits: str) -> int | _LongInteger:
        count = len(digits) - digits.startswith("-")
        if count > limit:
            long_ones.append(_LongInteger(count))
            return long_ones[-1]
        return int(digits)

    data = json.loads(text, parse_int=parse_int)
    if not long_ones:
        return data
    errors = []
    for path, value in _leaves(data, _LongInteger):
        field, index = locate(path)
        errors.append(FieldError(field, f"is an integer of {value.digits:,} digits; the limit "
                                        f"is {limit:,}. Write numbers with at most a few dozen "
                                        "digits", index))
    raise InvalidInputError("; ".join(str(e) for e in errors), errors)


def _leaves(data: Any, kind: type[_LongInteger]) -> list[tuple[JsonPath, _LongInteger]]:
    """The values of type ``kind`` in a parsed document, with their paths, in document order
    (iterative: a document may be nested as deeply as the parser allows)."""
    found = []
    stack: list[tuple[JsonPath, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, kind):
            found.append((path, value))
        elif isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(value))))
    return found


def _check_length(value: str, limit: int, field: str) -> str:
    if len(value) > limit:
        raise ValueError(
            f"is {len(value):,} characters; the limit is {limit:,}. "
            f"Shorten the {field} (nothing is truncated silently)."
        )
    return value


class Listing(BaseModel):
    """One marketplace listing.

    ``title`` is required and must contain a non-space character. ``price`` is
    a finite number >= 0 in ``currency`` (an ISO 4217 code). ``label`` is only
    present in training and evaluation data. Any other field is kept in
    :attr:`metadata`.
    """

    model_config = ConfigDict(extra="allow", frozen=True, validate_default=True)

    title: str
    description: str = ""
    price: float | None = None
    currency: str | None = None
    brand: str | None = None
    label: Label | None = None
    id: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a string or an integer, not a boolean")
        if isinstance(value, int):
            # str() of a huge integer is slow (and refused past 4,300 digits): measure first
            if value.bit_length() > 4 * MAX_SHORT_FIELD_CHARS:
                raise ValueError(f"is an integer of about {int(value.bit_length() * 0.30103)}"
                                 f" digits; the limit is {MAX_SHORT_FIELD_CHARS} characters. "
                                 "Use a shorter id")
            value = str(value)
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("is blank; give a non-empty id or leave the field out")
            return _check_length(value, MAX_SHORT_FIELD_CHARS, "id")
        return value

    @field_validator("title", mode="before")
    @classmethod
    def _title_not_blank(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("is blank; every listing needs a title with visible text")
            return _check_length(value, MAX_TITLE_CHARS, "title")
        return value

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, str):
            return _check_length(value, MAX_DESCRIPTION_CHARS, "description")
        return value

    @field_validator("brand", mode="before")
    @classmethod
    def _brand(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return None  # an empty cell means "no brand stated"
            return _check_length(value, MAX_SHORT_FIELD_CHARS, "brand")
        return value

    @field_validator("price", mode="before")
    @classmethod
    def _price(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            raise ValueError("must be a number, not a boolean")
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ValueError(
                    f"{value!r} is not a number; write the amount alone (e.g. 59.99) "
                    "and put the currency in 'currency'"
                ) from None
        if isinstance(value, int) and abs(value) >= MAX_PRICE:
            # checked as an integer: float() of a huge integer raises OverflowError
            digits = int(value.bit_length() * 0.30103) + 1
            if value < 0:
                raise ValueError(f"must be >= 0, got an integer of about {digits:,} digits")
            raise ValueError(f"is too large (an integer of about {digits:,} digits); prices "
                             f"must be below {MAX_PRICE:.0e}")
        if isinstance(value, (int, float)):
            if not math.isfinite(value):
                raise ValueError(f"must be finite, got {value!r}")
            if value < 0:
                raise ValueError(f"must be >= 0, got {value!r}")
            if value >= MAX_PRICE:
                raise ValueError(f"is too large ({value:.3g}); prices must be below "
                                 f"{MAX_PRICE:.0e}")
        return value

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str):
            code = value.strip().upper()
            if code not in ISO_CURRENCIES:
                raise ValueError(
                    f"{value!r} is not an ISO 4217 currency code; use a three-letter "
                    "code such as USD, EUR, GBP or CNY"
                )
            return code
        return value

    @field_validator("label", mode="before")
    @classmethod
    def _label(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return Label.parse(value)

    @property
    def metadata(self) -> dict[str, Any]:
        """Fields the schema does not define, as given (e.g. marketplace, language)."""
        return dict(self.model_extra or {})

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict with the schema fields first and metadata after."""
        record: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "price": self.price,
            "currency": self.currency,
            "brand": self.brand,
            "label": self.label.value if self.label is not None else None,
        }
        record.update(self.metadata)
        return record


def _field_errors(exc: ValidationError, index: int | None, source: str | None) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        field = ".".join(str(part) for part in err.get("loc", ())) or "listing"
        message = str(err.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        if err.get("type") == "missing":
            message = "is required; every listing needs a non-blank title"
        elif err.get("type") == "string_type":
            message = f"must be a string, got {type(err.get('input')).__name__}"
        errors.append(FieldError(field=field, message=message, index=index, source=source))
    return errors


def parse_listing(
    value: Any, *, index: int | None = None, source: str | None = None
) -> Listing:
    """Turn a ``Listing``, a mapping or a plain string (the title) into a Listing.

    Raises :class:`InvalidInputError` (or :class:`InputTooLargeError` for size
    limits) whose ``errors`` name each bad field.
    """
    if isinstance(value, Listing):
        return value
    if isinstance(value, str):
        value = {"title": value}
    if not isinstance(value, dict):
        err = FieldError(
            "listing",
            f"expected a Listing, a dict or a title string, got {type(value).__name__}",
            index,
            source,
        )
        raise InvalidInputError(str(err), [err])
    try:
        return Listing.model_validate(value)
    except ValidationError as exc:
        errors = _field_errors(exc, index, source)
        message = "; ".join(str(e) for e in errors)
        if any("the limit is" in e.message for e in errors):
            raise InputTooLargeError(message, errors) from None
        raise InvalidInputError(message, errors) from None


def parse_listings(values: Any) -> list[Listing]:
    """Validate a single item or a list; all errors of the batch are reported together."""
    if isinstance(values, (str, dict, Listing)):
        values = [values]
    listings: list[Listing] = []
    errors: list[FieldError] = []
    too_large = False
    for i, value in enumerate(values):
        try:
            listings.append(parse_listing(value, index=i))
        except InvalidInputError as exc:
            errors.extend(exc.errors)
            too_large = too_large or isinstance(exc, InputTooLargeError)
    if errors:
        message = f"{len(errors)} invalid field(s): " + "; ".join(str(e) for e in errors[:20])
        raise (InputTooLargeError if too_large else InvalidInputError)(message, errors)
    return listings
