"""CONTRACT.md section 2 on every endpoint: codes, shapes, and no 5xx for client input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import MERCHANT, Kargo, carrier_update, order_payload, sign_generic


def error_of(response: Any) -> dict[str, Any]:
    body = json.loads(response.body)
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert isinstance(error["message"], str) and error["message"]
    return error


MERCHANT_ROUTES = [
    ("POST", "/orders"),
    ("POST", "/orders/1001/shipments"),
    ("GET", "/orders/1001"),
    ("GET", "/orders/1001/notifications"),
]


@pytest.mark.parametrize(("method", "path"), MERCHANT_ROUTES)
@pytest.mark.parametrize("auth", [None, "Bearer wrong-key", "Basic dev-merchant-key", "Bearer "])
def test_merchant_routes_need_the_key(
    kargo: Kargo, method: str, path: str, auth: str | None
) -> None:
    headers = {"Content-Type": "application/json"} | ({"Authorization": auth} if auth else {})
    response = kargo.client.http.request(method, path, body=b"{}", headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize("path", ["/orders", "/orders/1001/shipments"])
def test_body_errors(kargo: Kargo, path: str) -> None:
    kargo.register(order_payload())
    cases = [
        (b"{not json", MERCHANT, 400, "invalid_json"),
        (b"\xff\xfe", MERCHANT, 400, "invalid_json"),
        (b"[1, 2]", MERCHANT, 400, "validation_error"),
        (b'{"order_id": 5}', MERCHANT, 400, "validation_error"),
        (
            b"order_id=1",
            MERCHANT | {"Content-Type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
        ),
        (b"{" + b" " * (256 * 1024) + b"}", MERCHANT, 413, "payload_too_large"),
    ]
    for raw, headers, status, code in cases:
        response = kargo.client.http.post(path, body=raw, headers=headers)
        assert (response.status_code, error_of(response)["code"]) == (status, code), raw[:20]


def test_validation_errors_say_where(kargo: Kargo) -> None:
    bad = order_payload(order_id="no spaces allowed")
    bad["customer"]["phone"] = "0532 12"
    response = kargo.post_json("/orders", bad)
    error = error_of(response)
    assert error["code"] == "validation_error"
    places = {tuple(detail["loc"]) for detail in error["details"]}
    assert ("order_id",) in places
    assert ("customer", "phone") in places
    assert all(isinstance(detail["msg"], str) for detail in error["details"])


@pytest.mark.parametrize(
    "mutate",
    [
        lambda o: o.update(order_id="x" * 65),
        lambda o: o["customer"].update(locale="de"),
        lambda o: o["customer"].update(email="not-an-email"),
        lambda o: o["shipments"][0].update(carrier="Yurt İçi"),
        lambda o: o["shipments"][0].update(tracking_number="abc"),
        lambda o: o["shipments"][0].update(estimated_delivery="2026-11-25T10:00:00"),
        lambda o: o.update(unexpected=True),
        lambda o: o.update(shipments=[o["shipments"][0], o["shipments"][0]]),
    ],
)
def test_invalid_orders_are_400(kargo: Kargo, mutate: Any) -> None:
    order = order_payload()
    mutate(order)
    response = kargo.post_json("/orders", order)
    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"


def test_unknown_things_are_404(kargo: Kargo) -> None:
    for path in ("/orders/nope", "/orders/nope/notifications"):
        response = kargo.merchant_get(path)
        assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    response = kargo.post_json(
        "/orders/nope/shipments", {"carrier": "ups", "tracking_number": "1Z999"}
    )
    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    raw = json.dumps(carrier_update("YT1234", ("in_transit", "2026-11-21T10:00:00+03:00"))).encode()
    response = kargo.client.http.post("/webhooks/fedex-direct", body=raw, headers=sign_generic(raw))
    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")


def test_every_bad_token_gets_the_same_404(kargo: Kargo) -> None:
    bodies = set()
    for token in ("x", "does-not-exist-123456789012345", "a" * 500, "%00", "ééééééééééééééééééé"):
        response = kargo.track(token)
        assert response.status_code == 404
        bodies.add(response.body)
    assert len(bodies) == 1


def test_webhook_errors(kargo: Kargo) -> None:
    raw = json.dumps(carrier_update("YT1234", ("in_transit", "2026-11-21T10:00:00+03:00"))).encode()
    unsigned = kargo.client.http.post(
        "/webhooks/generic", body=raw, headers={"Content-Type": "application/json"}
    )
    assert (unsigned.status_code, error_of(unsigned)["code"]) == (401, "invalid_signature")
    big = b" " * (256 * 1024 + 1)
    too_big = kargo.client.http.post("/webhooks/generic", body=big, headers=sign_generic(big))
    assert (too_big.status_code, error_of(too_big)["code"]) == (413, "payload_too_large")
    exactly = b" " * (256 * 1024)
    assert (
        kargo.client.http.post(
            "/webhooks/generic", body=exactly, headers=sign_generic(exactly)
        ).status_code
        == 202
    )
    # Nothing from the rejected ones was queued: only the one accepted delivery.
    assert kargo.run_consumer() == 1


def test_conflicts(kargo: Kargo) -> None:
    kargo.register(order_payload())
    other = order_payload(order_id="1002")  # same shipment, other order
    response = kargo.post_json("/orders", other)
    assert (response.status_code, error_of(response)["code"]) == (409, "conflict")
    kargo.register(order_payload(order_id="1003", tracking="YT000000003TR"))
    response = kargo.post_json(
        "/orders/1003/shipments", {"carrier": "yurtici", "tracking_number": "YT123456789TR"}
    )
    assert (response.status_code, error_of(response)["code"]) == (409, "conflict")
    # The failed registration left nothing behind.
    assert kargo.merchant_get("/orders/1002").status_code == 404


# --- hostile JSON, at the edge of every JSON endpoint --------------------------------

JSON_ENDPOINTS = [
    ("/orders", MERCHANT),
    ("/orders/1001/shipments", MERCHANT),
    ("/orders/1001/returns", MERCHANT),
    ("/orders/1001/returns/ret_0123456789abcdef/refund", MERCHANT),
    ("/track/{token}/feedback", {"Content-Type": "application/json"}),
    ("/track/{token}/preferences", {"Content-Type": "application/json"}),
]
HOSTILE_JSON = [
    (b"[" * 5000 + b"]" * 5000, "invalid_json", "nests deeper than 64"),
    (b"[" * 10_000 + b"]" * 10_000, "invalid_json", "nests deeper than 64"),
    (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "invalid_json", "nests deeper than 64"),
    (b'{"score": 1e999999, "amount": 1e999999}', "invalid_json", "out of range"),
    (b'{"score": -1e999999}', "invalid_json", "out of range"),
    (b'{"score": NaN}', "invalid_json", "NaN is not a JSON number"),
    (b'{"score": Infinity}', "invalid_json", "Infinity is not a JSON number"),
    (b'{"order_id": "\\ud800"}', "invalid_json", "lone surrogate"),
    (b'{"\\udfff": 1}', "invalid_json", "lone surrogate"),
    (b'{"comment": "a\x00b"}', "invalid_json", "not valid JSON"),
    (b"\xff\xfe", "invalid_json", "not UTF-8"),
]


@pytest.fixture
def token(kargo: Kargo) -> str:
    registered = kargo.register(order_payload())
    shipment_token: str = registered["shipments"][0]["tracking_token"]
    return shipment_token


@pytest.mark.parametrize(("raw", "code", "words"), HOSTILE_JSON, ids=lambda v: repr(v)[:30])
def test_hostile_json_is_400_on_every_json_endpoint(
    kargo: Kargo, token: str, raw: bytes, code: str, words: str
) -> None:
    for path, headers in JSON_ENDPOINTS:
        response = kargo.client.http.post(path.format(token=token), body=raw, headers=headers)
        assert response.status_code == 400, (path, response.body[:200])
        error = error_of(response)
        assert error["code"] == code, path
        assert words in error["message"], (path, error["message"])


def test_a_paired_surrogate_escape_is_fine(kargo: Kargo) -> None:
    order = json.dumps(order_payload()).replace("Ay", "\\ud83d\\ude00Ay").encode()
    assert kargo.client.http.post("/orders", body=order, headers=MERCHANT).status_code == 201
    stored = json.loads(kargo.merchant_get("/orders/1001").body)
    assert stored["customer"]["name"].startswith("\U0001f600")


def test_nul_in_text_is_a_validation_error(kargo: Kargo) -> None:
    order = order_payload()
    order["customer"]["email"] = "a\u0000b@example.com"
    order["customer"]["name"] = "Ay\u0000e"
    error = error_of(kargo.post_json("/orders", order))
    assert error["code"] == "validation_error"
    places = {tuple(detail["loc"]) for detail in error["details"]}
    assert places == {("customer", "email"), ("customer", "name")}


# --- validation messages: for people, and saying where ------------------------------


def test_validation_messages_are_for_people(kargo: Kargo) -> None:
    bad = order_payload(order_id="no spaces allowed")
    bad["customer"]["phone"] = "0532 12"
    error = error_of(kargo.post_json("/orders", bad))
    by_place = {tuple(detail["loc"]): detail["msg"] for detail in error["details"]}
    assert by_place[("customer", "phone")] == (
        "phone should be a phone number such as +905321234567 or 0532 123 45 67"
    )
    assert by_place[("order_id",)].startswith("order_id should be 1 to 64 letters")
    assert error["message"].startswith("The request body is not right: order_id should be")
    for text in [error["message"], *by_place.values()]:
        assert "pattern" not in text and "^" not in text and "Value error" not in text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?delayed=false", "delayed"),
        ("", "delayed"),
        ("?delayed=true&limit=abc", "limit"),
        ("?delayed=true&limit=%C2%B2", "limit"),
        ("?delayed=true&limit=0", "limit"),
        ("?delayed=true&cursor=zzz", "cursor"),
        ("?delayed=true&cursor=eyJwayI6IHsiUyI6ICJ4In19", "cursor"),  # {"pk": {"S": "x"}}
    ],
)
def test_query_errors_say_the_query_is_wrong(kargo: Kargo, query: str, field: str) -> None:
    response = kargo.merchant_get("/shipments" + query)
    error = error_of(response)
    assert (response.status_code, error["code"]) == (400, "validation_error")
    assert error["message"].startswith(f"The query string is not right: {field} ")
    assert "body" not in error["message"]
    assert [detail["loc"] for detail in error["details"]] == [["query", field]]


def test_a_real_cursor_still_pages(kargo: Kargo) -> None:
    response = kargo.merchant_get("/shipments?delayed=true&limit=1")
    assert response.status_code == 200
    assert json.loads(response.body)["next"] is None


# --- 401, 413, 415 on every route that takes them ------------------------------------

BODY_ROUTES = [
    ("POST", "/orders", True),
    ("POST", "/orders/1001/shipments", True),
    ("POST", "/orders/1001/returns", True),
    ("POST", "/orders/1001/returns/ret_0123456789abcdef/refund", True),
    ("POST", "/track/{token}/feedback", False),
    ("POST", "/track/{token}/preferences", False),
    ("POST", "/webhooks/generic", False),
]
KEY_ROUTES = [
    ("GET", "/orders/1001"),
    ("GET", "/orders/1001/notifications"),
    ("POST", "/orders/1001/cancel"),
    ("GET", "/shipments?delayed=true"),
    *[(method, path) for method, path, merchant in BODY_ROUTES if merchant],
]


def test_413_and_415_on_every_body_route(kargo: Kargo, token: str) -> None:
    big = b'{"a": "' + b"x" * (256 * 1024) + b'"}'
    for method, path, merchant in BODY_ROUTES:
        url = path.format(token=token)
        auth = {"Authorization": MERCHANT["Authorization"]} if merchant else {}
        too_big = kargo.client.http.request(
            method, url, body=big, headers=auth | {"Content-Type": "application/json"}
        )
        assert (too_big.status_code, error_of(too_big)["code"]) == (413, "payload_too_large"), url
        for content_type in ("text/plain", "application/xml", "multipart/form-data; boundary=x"):
            wrong = kargo.client.http.request(
                method, url, body=b"{}", headers=auth | {"Content-Type": content_type}
            )
            assert (wrong.status_code, error_of(wrong)["code"]) == (
                415,
                "unsupported_media_type",
            ), (url, content_type)


def test_401_on_every_merchant_route_before_anything_else(kargo: Kargo) -> None:
    for method, path in KEY_ROUTES:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer ÿ"}):
            # Even a malformed body or path is not looked at without the key.
            response = kargo.client.http.request(
                method, path, body=b"[" * 100, headers=headers | {"Content-Type": "text/plain"}
            )
            assert (response.status_code, error_of(response)["code"]) == (401, "unauthorized")
        odd = path.replace("1001", "%00" * 10)
        response = kargo.client.http.request(method, odd, headers={})
        assert (response.status_code, error_of(response)["code"]) == (401, "unauthorized")


def test_malformed_ids_in_merchant_paths_are_404(kargo: Kargo) -> None:
    for order_id in ("%00", "a" * 3000, "no spaces", "é"):
        for path in ("/orders/{}", "/orders/{}/notifications"):
            response = kargo.merchant_get(path.format(order_id))
            assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
