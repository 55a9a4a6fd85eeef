"""Plain Python values <-> DynamoDB attribute values, for the low-level client.

Smaller and faster than boto3's TypeSerializer for the shapes Kargo stores:
str, bool, int, None, lists and string-keyed maps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]


def encode_value(value: Any) -> AttributeValue:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, Mapping):
        return {"M": {str(key): encode_value(inner) for key, inner in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [encode_value(inner) for inner in value]}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


def encode_item(values: Mapping[str, Any]) -> Item:
    """None-valued attributes are left out, so absent and null read back the same."""
    return {key: encode_value(value) for key, value in values.items() if value is not None}


def decode_value(attribute: Mapping[str, Any]) -> Any:
    ((kind, raw),) = attribute.items()
    if kind == "S":
        return raw
    if kind == "N":
        return int(raw) if raw.lstrip("-").isdigit() else float(raw)
    if kind == "BOOL":
        return bool(raw)
    if kind == "NULL":
        return None
    if kind == "M":
        return {key: decode_value(inner) for key, inner in raw.items()}
    if kind == "L":
        return [decode_value(inner) for inner in raw]
    if kind == "SS":
        return set(raw)
    raise TypeError(f"unexpected DynamoDB type {kind}")


def decode_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: decode_value(value) for key, value in item.items()}
