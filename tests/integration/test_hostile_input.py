"""No client input, however malformed, gets a 5xx: every route × hostile bodies,
query strings, paths and headers.

Routes are read from the app itself, so a route added later is covered without
editing this file. Each route is driven with every input in one test (a fresh moto
per input would take minutes); a failure lists every input that broke it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import MERCHANT, Kargo, order_payload

ERROR_CODES = {
    "invalid_json",
    "validation_error",
    "unauthorized",
    "invalid_signature",
    "not_found",
    "method_not_allowed",
    "conflict",
    "payload_too_large",
    "unsupported_media_type",
    "rate_limited",
}
DEEP = 10_000


def _app_routes() -> list[tuple[str, str]]:
    from app import app

    return sorted(
        (method, path)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        # The 405 answers registered for the methods a path does not take are
        # exercised by test_routing.py.
        if getattr(entry.view_function, "answers_method_not_allowed", False) is False
    )


ROUTES = _app_routes()


def hostile_bodies(path: str) -> Iterator[tuple[str, bytes]]:
    yield "nested arrays", b"[" * DEEP + b"]" * DEEP
    yield "nested objects", b'{"a":' * DEEP + b"1" + b"}" * DEEP
    yield "unclosed nesting", b"[" * DEEP
    yield "nested in a field", b'{"order_id": "1", "customer": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    yield "huge number", b"1e999999"
    yield "huge number in a field", b'{"score": 1e999999, "amount": 1e999999, "order_id": 1e999999}'
    yield "negative huge number", b'{"score": -1e999999}'
    yield "NaN", b'{"score": NaN, "amount": NaN}'
    yield "Infinity", b'{"score": Infinity, "email": -Infinity}'
    yield "5000-digit integer", b'{"score": 1' + b"0" * 5000 + b"}"
    yield "lone surrogate", b'"\\ud800"'
    yield "lone surrogate key", b'{"\\ud800": 1}'
    yield "lone surrogate value", b'{"order_id": "\\udfff", "score": 5, "comment": "\\ud800"}'
    yield "raw NUL", b'{"order_id": "a\x00b"}'
    yield "escaped NUL", b'{"order_id": "a\\u0000b", "comment": "\\u0000", "score": 5}'
    yield "bare NUL", b"\x00"
    yield "invalid UTF-8", b'{"order_id": "\xff\xfe"}'
    yield "UTF-16", '{"order_id": "1"}'.encode("utf-16")
    yield "BOM", b'\xef\xbb\xbf{"order_id": "1"}'
    yield "empty", b""
    yield "null", b"null"
    yield "a string", b'"hello"'
    yield "an array", b"[]"
    yield "an empty object", b"{}"
    yield "duplicate keys", b'{"score": 5, "score": "x"}'
    yield "many keys", json.dumps({f"k{i}": i for i in range(5000)}).encode()
    yield "long key", json.dumps({"k" * 100_000: 1}).encode()
    yield "form-ish", b"score=5&comment=%00"
    if path != "/orders":
        return  # the fields below are an order's
    for field, value in hostile_values():
        yield f"order with {field}={value!r:.20}", json.dumps(order_with(field, value)).encode()
    yield "order with a huge number", _order_raw().replace(b'"1001"', b"1e999999")
    yield "order with a lone surrogate", _order_raw().replace(b"Ay", b"\\ud800")


def hostile_values() -> Iterator[tuple[str, Any]]:
    fields = (
        "order_id",
        "customer.name",
        "customer.email",
        "customer.phone",
        "customer.city",
        "customer.country",
        "customer.locale",
        "shipments.0.carrier",
        "shipments.0.tracking_number",
        "shipments.0.estimated_delivery",
        "notifications.sms",
    )
    values: tuple[Any, ...] = (
        "\x00",
        "a\x00b",
        "9" * 5000,
        "",
        " ",
        -1,
        10**30,
        1.5,
        True,
        [],
        {},
        None,
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "+905321234567" * 100,
        "é" * 300,
    )
    for field in fields:
        for value in values:
            yield field, value


def order_with(field: str, value: Any) -> dict[str, Any]:
    order = order_payload()
    *parents, last = field.split(".")
    target: Any = order
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    return order


def _order_raw() -> bytes:
    return json.dumps(order_payload(), ensure_ascii=False).encode()


CURSOR_OF_A_STRANGER = base64.urlsafe_b64encode(b'{"pk": {"S": "x"}}').decode()
HOSTILE_QUERIES = (
    "?lang=%00",
    "?lang=%ff%fe",
    "?lang=" + "x" * 10_000,
    "?lang=tr&lang=en&lang=%00",
    "?lang[]=x",
    "?=",
    "?&&&",
    "?%ff=%ff",
    "?delayed=true&limit=%C2%B2",  # "²": a digit to str.isdigit, not to int()
    "?delayed=true&limit=99999999999999999999999",
    "?delayed=true&limit=-1",
    "?delayed=true&cursor=%00",
    "?delayed=true&cursor=" + CURSOR_OF_A_STRANGER,
    "?delayed=true&cursor=" + "A" * 5000,
    "?delayed=false",
    "?delayed=true&delayed=false",
    "?" + "a=1&" * 2000,
    "?saved=%00&token=%00",
)
HOSTILE_SEGMENTS = (
    "%00",
    "%ff%fe",
    "a" * 3000,
    "..",
    "%2F",
    "%ED%A0%80",  # a UTF-8-encoded surrogate
    "\udc80",
    "é",
    "%20",
    "-",
)
HOSTILE_HEADERS: tuple[dict[str, str], ...] = (
    {"Accept-Language": "tr;q=nan, en;q=1e999, *;q=-1"},
    {"Accept-Language": "x" * 10_000},
    {"Accept-Language": "\x00"},
    {"Authorization": "Bearer \u00e9\u00e9"},
    {"Authorization": "Bearer " + "k" * 10_000},
    {"Content-Type": "application/json; charset=utf-16"},
    {"Content-Type": "application/json;;;=="},
    {"Content-Type": "\x00"},
    {"Content-Length": "not a number"},
)


def filled(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match.group(1), "x"), path)


@pytest.fixture
def known(kargo: Kargo) -> dict[str, str]:
    """Path parameters that name real things, so requests get past the lookups."""
    registered = kargo.register(order_payload())
    shipment = registered["shipments"][0]
    return {
        "order_id": "1001",
        "token": shipment["tracking_token"],
        "source": "generic",
        "carrier": shipment["carrier"],
        "tracking_number": shipment["tracking_number"],
        "return_id": "ret_unknown",
    }


def check(response: Any, failures: list[str], label: str) -> None:
    """Below 500, and an error in the contract's shape (pages may answer a person in HTML)."""
    if response.status_code >= 500:
        failures.append(f"{label}: {response.status_code} {response.body[:200]!r}")
        return
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", response.headers.get("Content-Type", ""))
    if content_type.startswith("text/html"):
        return
    try:
        body = json.loads(response.body)
        error = body["error"]
        assert set(body) == {"error"}
        assert error["code"] in ERROR_CODES
        assert isinstance(error["message"], str) and error["message"]
    except (ValueError, KeyError, TypeError, AssertionError):
        failures.append(
            f"{label}: {response.status_code} not the error shape {response.body[:200]!r}"
        )


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_hostile_bodies(kargo: Kargo, known: dict[str, str], method: str, path: str) -> None:
    failures: list[str] = []
    url = filled(path, known)
    for label, raw in hostile_bodies(path):
        for content_type in ("application/json", "application/x-www-form-urlencoded"):
            headers = MERCHANT | {"Content-Type": content_type}
            response = kargo.client.http.request(method, url, body=raw, headers=headers)
            check(response, failures, f"{label} as {content_type}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_hostile_queries_and_headers(
    kargo: Kargo, known: dict[str, str], method: str, path: str
) -> None:
    failures: list[str] = []
    url = filled(path, known)
    for query in HOSTILE_QUERIES:
        response = kargo.client.http.request(method, url + query, body=b"{}", headers=MERCHANT)
        check(response, failures, f"query {query[:60]}")
    for extra in HOSTILE_HEADERS:
        response = kargo.client.http.request(method, url, body=b"{}", headers=MERCHANT | extra)
        check(response, failures, f"headers {extra!r:.60}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if "{" in r[1]])
def test_hostile_paths(kargo: Kargo, known: dict[str, str], method: str, path: str) -> None:
    failures: list[str] = []
    for name in re.findall(r"\{(\w+)\}", path):
        for segment in HOSTILE_SEGMENTS:
            url = filled(path, known | {name: segment})
            response = kargo.client.http.request(method, url, body=b"{}", headers=MERCHANT)
            check(response, failures, f"{name}={segment[:40]!r}")
    assert not failures, "\n".join(failures)
