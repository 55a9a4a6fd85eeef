"""JSON that nothing after the parser can choke on: a bounded `json.loads`.

No client input may produce a 5xx, and a signed webhook that cannot be read must
be dead-lettered rather than retried for ever; both need a parser that refuses,
with a `ValueError`, what Python's `json` accepts but later code cannot handle:

- text that is not UTF-8 (RFC 8259 allows nothing else);
- nesting deeper than `MAX_JSON_DEPTH` (the C parser recurses: 10,000 levels
  raise RecursionError there, or later in pydantic or json.dumps);
- `NaN`, `Infinity`, `-Infinity` (not JSON) and numbers beyond a float's range
  (`1e999999` would become `inf`, which neither Decimal arithmetic nor DynamoDB
  nor JSON output survives); integers over 4,300 digits Python refuses itself;
- lone UTF-16 surrogate escapes (`"\\ud800"`): such a string has no UTF-8
  spelling, so every response writer, boto3 and SQS would fail on it.

Pure: no AWS, no Chalice; the HTTP edge (`chalicelib.api.http.parse_json`) turns
the errors into `400 invalid_json`, and a webhook parser can use it as it is.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# No document Kargo reads nests deeper than about 8 levels (a Shopify order).
MAX_JSON_DEPTH = 64


class UnsafeJson(ValueError):
    """Valid enough for `json`, not for Kargo; the message says why, for a person."""


def loads(raw: bytes | str) -> Any:
    """`json.loads` within the bounds above; `ValueError` (often `UnsafeJson`) otherwise."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UnsafeJson("it is not UTF-8 text") from error
    else:
        text = raw
    # Counting is C-fast; the exact depth is worked out only when it could be too deep.
    if (
        text.count("[") + text.count("{") > MAX_JSON_DEPTH
        and nesting_depth(text, stop_above=MAX_JSON_DEPTH) > MAX_JSON_DEPTH
    ):
        raise UnsafeJson(f"it nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as error:  # pragma: no cover - the depth bound comes first
        raise UnsafeJson(f"it nests deeper than {MAX_JSON_DEPTH} levels") from error
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(data):
        raise UnsafeJson("it has a lone surrogate escape (such as \\ud800)")
    return data


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # "unrolled": no backtracking
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def nesting_depth(text: str, stop_above: int | None = None) -> int:
    """How deep the brackets outside strings nest; counting stops past `stop_above`."""
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))  # regex work runs in C
    depth = deepest = 0
    for char in brackets:
        depth += 1 if char in "[{" else -1
        if depth > deepest:
            deepest = depth
            if stop_above is not None and deepest > stop_above:
                break
    return deepest


def _refuse_constant(name: str) -> Any:
    raise UnsafeJson(f"{name} is not a JSON number")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise UnsafeJson(f"the number {literal[:20]} is out of range")
    return value


def _has_lone_surrogate(data: Any) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
