"""Vendor-shaped JSON: real payloads from the fixtures, bent out of shape.

A source's seeds are its fixture files (tests/fixtures/carriers/<source>/),
or a built-in body for a source without any. A mutation keeps most of the
structure and changes a few places: a value of the wrong type, a missing or
extra key, an empty or enormous string, a strange time, a list cut short or
repeated, so the adapter meets what a vendor could really send.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"

GENERIC_SEED: dict[str, Any] = {
    "carrier": "yurtici",
    "tracking_number": "YT123456789TR",
    "estimated_delivery": "2026-11-25",
    "events": [
        {
            "status": "in_transit",
            "occurred_at": "2026-11-23T08:15:00+03:00",
            "description": "Transfer merkezinden çıktı",
            "location": {"city": "İstanbul", "country": "TR"},
            "carrier_status": "ISR",
        },
        {"status": "info_received", "occurred_at": "2026-11-22T10:00:00Z"},
    ],
}

STRANGE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\u0000",
        "\ud800",
        "null",
        "0",
        "-1",
        "1e309",
        "NaN",
        "2026-02-30T10:00:00Z",
        "2026-11-23T08:15:00",
        "2026-11-23",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "2026-11-23T08:15:00.123456789Z",
        "delivered",
        "DELIVERED",
        "Delivered ",
        "x" * 5000,
        "İstanbul\u0307",
        "\u202eevil",
    ]
)
SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    STRANGE_TEXT,
)
ANY_JSON: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def seeds(source: str) -> list[Any]:
    found = [json.loads(path.read_bytes()) for path in sorted((FIXTURES / source).glob("*.json"))]
    if source == "generic" or not found:
        found.append(GENERIC_SEED)
    return found


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """`value` with a few of its places changed; most of it intact."""
    roll = draw(st.integers(0, 99))
    if roll < 4:
        return draw(ANY_JSON)  # the wrong thing entirely
    if roll < 8 and not isinstance(value, dict | list):
        return draw(SCALARS)
    if isinstance(value, dict):
        result = {}
        for key, inner in value.items():
            fate = draw(st.integers(0, 99))
            if fate < 5:
                continue  # missing
            result[key] = draw(mutated(inner, depth + 1)) if fate < 60 else inner
        if draw(st.integers(0, 99)) < 5:
            result[draw(st.text(max_size=8))] = draw(ANY_JSON)
        return result
    if isinstance(value, list):
        items = [draw(mutated(inner, depth + 1)) for inner in value[:50]]
        fate = draw(st.integers(0, 99))
        if fate < 5:
            return []
        if fate < 10 and items:
            return items + items  # a repeated history
        if fate < 15:
            return items[: draw(st.integers(0, len(items)))]
        return items
    if isinstance(value, str) and roll < 20:
        return draw(STRANGE_TEXT)
    return value


@st.composite
def vendor_bodies(draw: st.DrawFn, source: str) -> bytes:
    """Bytes as a vendor might post them: mostly JSON of the vendor's shape."""
    seed = draw(st.sampled_from(seeds(source)))
    body = json.dumps(draw(mutated(seed)), ensure_ascii=draw(st.booleans())).encode(
        "utf-8", "surrogatepass"
    )
    fate = draw(st.integers(0, 99))
    if fate < 3:
        return body[: draw(st.integers(0, len(body)))]  # cut off in transit
    if fate < 5:
        return body + b"\xff\xfe"  # not UTF-8
    return body
