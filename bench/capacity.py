"""DynamoDB sizes and capacity units, computed from the requests Kargo really makes.

Sizes follow the DynamoDB developer guide ("Item sizes and formats"): an
attribute costs its name's UTF-8 length plus its value; strings their UTF-8
length, numbers about one byte per two digits plus one, booleans and nulls one
byte, maps and lists three bytes plus one per element plus their contents.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

MAX_ITEM_BYTES = 400 * 1024
WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4 * 1024


def value_size(value: Mapping[str, Any]) -> int:
    ((kind, raw),) = value.items()
    if kind == "S":
        return len(str(raw).encode("utf-8", "surrogatepass"))
    if kind == "N":
        digits = str(raw).lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(raw)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(1 + _name_size(name) + value_size(inner) for name, inner in raw.items())
    if kind == "L":
        return 3 + sum(1 + value_size(inner) for inner in raw)
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: inner}) for inner in raw)
    raise ValueError(f"unknown DynamoDB type {kind}")


def _name_size(name: str) -> int:
    return len(name.encode("utf-8", "surrogatepass"))


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """Bytes DynamoDB counts for an item in the low-level (typed) format."""
    return sum(_name_size(name) + value_size(value) for name, value in item.items())


def write_units(item: Mapping[str, Mapping[str, Any]], transactional: bool = False) -> int:
    units = max(1, math.ceil(item_size(item) / WRITE_UNIT_BYTES))
    return units * 2 if transactional else units


def read_units(size: int, consistent: bool = True, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    if transactional:
        return units * 2.0
    return float(units) if consistent else units / 2
