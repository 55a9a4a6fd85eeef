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
