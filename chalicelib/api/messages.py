"""Validation problems in words for people: each names the field and what it should look like.

Pydantic's own messages are for programmers (`String should match pattern
'^\\+[1-9][0-9]{6,14}$'`); a shop's developer, or a shopper behind a form, needs
`phone should be a phone number such as +905321234567 or 0532 123 45 67`. Every
request model is validated through `chalicelib.api.http.validate`, which turns
pydantic's errors into details with this module, so no regular expression and no
pydantic wording reaches a response.

Known fields get a hint written for them (`FIELD_HINTS`); any other field gets
words chosen by the kind of error, with the limits pydantic reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.domain.phones import PHONE_HINT

MAX_DETAILS = 50
BOOLEAN = "true or false"

# What each field of the request models should look like, in the request's words.
FIELD_HINTS: Mapping[str, str] = {
    "order_id": "1 to 64 letters, digits, dots, dashes or underscores, such as 1001",
    "carrier": (
        "a carrier such as yurtici, aras, mng, ptt or ups: 1 to 32 lower-case letters, "
        "digits, dashes or underscores"
    ),
    "tracking_number": (
        "a tracking number such as YT123456789TR: 4 to 64 letters and digits "
        "(spaces and dashes are ignored)"
    ),
    "email": "an e-mail address such as ayse@example.com",
    "phone": PHONE_HINT,
    "locale": "tr or en",
    "lang": "tr or en",
    "country": "a two-letter country code such as TR",
    "city": "a city name such as Ankara, up to 100 characters",
    "name": "a name such as Ayşe Yılmaz, 1 to 200 characters",
    "estimated_delivery": (
        "a date such as 2026-11-25, or a date and time with its UTC offset "
        "such as 2026-11-25T18:00:00+03:00"
    ),
    "occurred_at": "a date and time with its UTC offset, such as 2026-11-23T08:15:00+03:00",
    "score": "a whole number from 1 to 5",
    "comment": "a text of up to 2000 characters",
    "reason": "a short text",
    "amount": 'an amount above zero with at most two decimals, written as text, such as "149.90"',
    "currency": "a three-letter currency code in capitals, such as TRY",
    "commercial_consent": BOOLEAN,
    "sms": BOOLEAN,
    "whatsapp": BOOLEAN,
    "customer": (
        "an object with the customer's name and, if known, email, phone, locale, city, "
        "country and commercial_consent"
    ),
    "shipments": "a list of up to 50 shipments, each with carrier and tracking_number",
    "notifications": 'an object such as {"email": true, "sms": false, "whatsapp": false}',
    "events": "a list of 1 to 500 events",
}

# Words by pydantic error type, for fields without a hint.
TYPE_WORDS: Mapping[str, str] = {
    "string_type": "text",
    "string_unicode": "text",
    "string_sub_type": "text",
    "string_pattern_mismatch": "in the documented format",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "decimal_type": "a decimal number",
    "decimal_parsing": "a decimal number",
    "bool_type": BOOLEAN,
    "bool_parsing": BOOLEAN,
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dataclass_type": "an object",
    "none_required": "null",
    "date_type": "a date such as 2026-11-25",
    "date_parsing": "a date such as 2026-11-25",
    "date_from_datetime_parsing": "a date such as 2026-11-25",
    "date_from_datetime_inexact": "a date such as 2026-11-25",
    "datetime_type": "a date and time with its UTC offset, such as 2026-11-23T08:15:00+03:00",
    "datetime_parsing": "a date and time with its UTC offset, such as 2026-11-23T08:15:00+03:00",
    "datetime_from_date_parsing": (
        "a date and time with its UTC offset, such as 2026-11-23T08:15:00+03:00"
    ),
    "timezone_aware": "a date and time with its UTC offset, such as 2026-11-23T08:15:00+03:00",
    "url_type": "a URL",
    "url_parsing": "a URL",
    "uuid_type": "a UUID",
    "uuid_parsing": "a UUID",
}
# Errors that say a value has the wrong kind: the type's words beat a field's hint
# only where the hint would mislead (`email` is an address in `customer` and a
# boolean in `notifications`).
TYPE_FIRST = frozenset({"bool_type", "bool_parsing"})
LENGTH_ERRORS = frozenset({"string_too_short", "string_too_long", "too_short", "too_long"})
BOUND_WORDS: Mapping[str, str] = {
    "greater_than": "above {gt}",
    "greater_than_equal": "at least {ge}",
    "less_than": "below {lt}",
    "less_than_equal": "at most {le}",
    "multiple_of": "a multiple of {multiple_of}",
}
# Names pydantic adds to `loc` for the member of a union that failed (`date`,
# `datetime`, `function-after[...]`): not fields, so not shown.
UNION_MEMBERS = frozenset(
    {"str", "int", "float", "bool", "date", "datetime", "list", "dict", "none"}
)


def human_details(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`[{"loc", "msg"}]` for pydantic's errors: one per place, in words for people."""
    details: list[dict[str, Any]] = []
    seen: set[tuple[str | int, ...]] = set()
    for error in errors:
        loc = field_loc(error.get("loc", ()))
        if loc in seen:
            continue  # the other members of a union said the same thing
        seen.add(loc)
        details.append({"loc": list(loc), "msg": describe(error, loc)})
        if len(details) == MAX_DETAILS:
            break
    return details


def field_loc(loc: Iterable[str | int]) -> tuple[str | int, ...]:
    return tuple(
        part
        for part in loc
        if not (isinstance(part, str) and (part in UNION_MEMBERS or "[" in part))
    )


def field_label(loc: tuple[str | int, ...]) -> str:
    """The field as the request spells it: its name, or `shipments[1]` for an item."""
    if not loc:
        return "The request body"
    *parents, last = loc
    if isinstance(last, int):
        names = [part for part in parents if isinstance(part, str)]
        return f"{names[-1] if names else 'item'}[{last}]"
    return last


def describe(error: Mapping[str, Any], loc: tuple[str | int, ...]) -> str:
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    label = field_label(loc)
    name = loc[-1] if loc and isinstance(loc[-1], str) else None
    hint = FIELD_HINTS.get(name) if name else None
    if kind == "missing":
        return f"{label} is required: {hint}" if hint else f"{label} is required"
    if kind == "extra_forbidden":
        return f"{label} is not a field of this request (check its spelling)"
    if kind in ("value_error", "assertion_error"):
        return _own_words(label, _validator_message(error))
    if kind in LENGTH_ERRORS:
        return f"{label} {_length_words(kind, ctx)}"
    if kind in ("literal_error", "enum"):
        return f"{label} should be {hint or _choices(ctx)}"
    if kind in BOUND_WORDS:
        bound = BOUND_WORDS[kind].format(**{key: str(value) for key, value in ctx.items()})
        return f"{label} should be {hint or 'a number ' + bound}"
    if kind in TYPE_FIRST:
        return f"{label} should be {BOOLEAN}"
    if hint:
        return f"{label} should be {hint}"
    if not loc and kind in ("model_type", "dict_type", "model_attributes_type"):
        return "The request body should be a JSON object"
    words = TYPE_WORDS.get(kind)
    if words:
        return f"{label} should be {words}"
    return f"{label} is not valid"


def _validator_message(error: Mapping[str, Any]) -> str:
    """Our validators' own words, without pydantic's "Value error, " in front."""
    ctx_error = (error.get("ctx") or {}).get("error")
    text = str(ctx_error) if ctx_error is not None else str(error.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        text = text.removeprefix(prefix)
    return text


def _own_words(label: str, text: str) -> str:
    if not text:
        return f"{label} is not valid"
    if label == "The request body":
        return text[0].upper() + text[1:]
    if text.startswith(("a ", "an ", "text ", "one of ")):
        return f"{label} should be {text}"
    if text.startswith(("must ", "should ")):
        return f"{label} {text}"
    if text.startswith(f"{label} "):
        return text
    return f"{label}: {text}"


def _length_words(kind: str, ctx: Mapping[str, Any]) -> str:
    items = str(ctx.get("field_type", "")).lower() in ("list", "tuple", "set", "dictionary")
    unit = "item" if items else "character"
    if kind.endswith("too_short"):
        least = int(ctx.get("min_length", 1))
        if least == 1 and not items:
            return "should not be empty"
        return f"is too short: at least {least} {unit}{'s' if least != 1 else ''}"
    most = int(ctx.get("max_length", 0))
    return f"is too long: at most {most} {unit}{'s' if most != 1 else ''}"


def _choices(ctx: Mapping[str, Any]) -> str:
    """pydantic says `'a', 'b' or 'c'`; people read `one of: a, b or c`."""
    expected = str(ctx.get("expected", "")).replace("'", "")
    if not expected:
        return "one of the documented values"
    return f"one of: {expected}" if "," in expected else expected
