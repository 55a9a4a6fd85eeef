"""Predicted delivery through the pipeline: deliveries feed the aggregates, a new
shipment's first carrier event gets a range from them, the lookup (one read)
shows it, the console lists a shipment trending late, the shopper is told nothing."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.conftest import Kargo, carrier_update, order_payload
from tests.integration.console_helpers import get_page, sign_in

# The fixture's wall clock is Monday 30 November 2026, 09:00 UTC (12:00 in Istanbul).
PICKED_UP = "2026-11-30T07:00:00Z"  # 10:00 local: before the 17:00 cut-off
HISTORY_PICKUP = "2026-11-17T08:00:00Z"  # a Tuesday
TWO_DAYS = "2026-11-19T10:00:00Z"  # Thursday
THREE_DAYS = "2026-11-20T10:00:00Z"  # Friday
QUIET = {"email": False, "sms": False}


def deliver_history(kargo: Kargo, city: str, count: int, first: int = 0) -> None:
    """`count` past deliveries to `city`: half in 2 business days, half in 3."""
    for index in range(first, first + count):
        tracking = f"YT9{index:08d}TR"
        order = order_payload(f"H{index}", tracking, notifications=QUIET)
        order["customer"]["city"] = city
        kargo.register(order)
        delivered = TWO_DAYS if index % 2 == 0 else THREE_DAYS
        update = carrier_update(tracking, ("in_transit", HISTORY_PICKUP), ("delivered", delivered))
        assert kargo.webhook(update).status_code == 202
    kargo.settle()


def new_shipment(
    kargo: Kargo, order_id: str, tracking: str, city: str, estimate: str | None = None,
    notifications: dict[str, bool] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Register, report the first carrier event, and return the public lookup."""
    order = order_payload(order_id, tracking, notifications=notifications or QUIET)
    order["customer"]["city"] = city
    if estimate:
        order["shipments"][0]["estimated_delivery"] = estimate
    token = kargo.register(order)["shipments"][0]["tracking_token"]
    assert kargo.webhook(carrier_update(tracking, ("in_transit", PICKED_UP))).status_code == 202
    kargo.settle()
    response = kargo.track(token)
    assert response.status_code == 200, response.body
    body: dict[str, Any] = json.loads(response.body)
    body["token"] = token
    return body


def test_no_history_means_no_prediction_and_twenty_deliveries_make_one(kargo: Kargo) -> None:
    first = new_shipment(kargo, "N1", "YT800000001TR", "Ankara")
    assert first["predicted_delivery"] is None
    assert first["carrier_name"] == "Yurtiçi Kargo"

    deliver_history(kargo, "Ankara", 19)
    nineteen = new_shipment(kargo, "N2", "YT800000002TR", "Ankara")
    assert nineteen["predicted_delivery"] is None  # 19 to the city, 19 for the carrier

    deliver_history(kargo, "ANKARA", 1, first=19)  # the same city, however typed
    city = new_shipment(kargo, "N3", "YT800000003TR", "Ankara")
    # Monday pickup, 2 to 3 business days: Wednesday to Thursday.
    assert city["predicted_delivery"] == {
        "earliest": "2026-12-02", "latest": "2026-12-03", "basis": "carrier_city",
    }  # fmt: skip
    # A city the carrier has never delivered to: the carrier's range.
    other = new_shipment(kargo, "N4", "YT800000004TR", "İzmir")
    assert other["predicted_delivery"] == {
        "earliest": "2026-12-02", "latest": "2026-12-03", "basis": "carrier",
    }  # fmt: skip
    # A shipment predicted before stays as it was: made once, at its first event.
    again = json.loads(kargo.track(nineteen["token"]).body)
    assert again["predicted_delivery"] is None


def test_page_and_order_view_show_the_range(kargo: Kargo) -> None:
    deliver_history(kargo, "Ankara", 20)
    lookup = new_shipment(kargo, "P1", "YT800000011TR", "Ankara")
    page = kargo.client.http.get(f"/t/{lookup['token']}").body.decode()
    assert "Tahmini teslim" in page and "2–3 Aralık" in page
    assert "önceki teslimatlara göre tahmin" in page
    english = kargo.client.http.get(f"/t/{lookup['token']}?lang=en").body.decode()
    assert "Estimated delivery" in english and "2–3 December" in english
    order = json.loads(kargo.merchant_get("/orders/P1").body)
    [shipment] = order["shipments"]
    assert shipment["predicted_delivery"]["basis"] == "carrier_city"
    assert shipment["trending_late"] is False


def test_a_repeated_webhook_writes_nothing(kargo: Kargo) -> None:
    deliver_history(kargo, "Ankara", 20)
    new_shipment(kargo, "R1", "YT800000021TR", "Ankara")
    from chalicelib import store

    before = store.load_shipment("yurtici", "YT800000021TR")
    assert before is not None and before.extra["prediction"]["basis"] == "carrier_city"
    assert kargo.webhook(carrier_update("YT800000021TR", ("in_transit", PICKED_UP))).status_code
    kargo.settle()
    after = store.load_shipment("yurtici", "YT800000021TR")
    assert after is not None and after.version == before.version


def test_trending_late_is_listed_for_staff_and_not_told_to_the_shopper(kargo: Kargo) -> None:
    deliver_history(kargo, "Ankara", 20)
    sent_before = len(kargo.sent_emails()) + len(kargo.sent_sms())
    # The shop promised Tuesday; history says Wednesday to Thursday.
    lookup = new_shipment(
        kargo, "L1", "YT800000031TR", "Ankara", estimate="2026-12-01",
        notifications={"email": True, "sms": True},
    )  # fmt: skip
    assert lookup["predicted_delivery"]["latest"] == "2026-12-03"
    assert lookup["delayed"] is False and lookup["delay_reason"] is None
    on_time = new_shipment(kargo, "L2", "YT800000032TR", "Ankara", estimate="2026-12-03")
    assert on_time["predicted_delivery"]["latest"] == "2026-12-03"

    order = json.loads(kargo.merchant_get("/orders/L1").body)
    assert order["shipments"][0]["trending_late"] is True
    assert (
        json.loads(kargo.merchant_get("/orders/L2").body)["shipments"][0]["trending_late"] is False
    )

    jar = sign_in(kargo)
    delayed = get_page(kargo, "/console/delayed", jar)
    assert delayed.status_code == 200
    text = delayed.body.decode()
    assert "Gecikme eğiliminde" in text
    assert "YT800000031TR" in text and "YT800000032TR" not in text

    # The shopper hears about the parcel being on its way, never about the prediction.
    messages = [
        *(str(m.get_body(("plain",)).get_content()) for m in kargo.sent_emails()),  # type: ignore[union-attr]
        *(sms.text for sms in kargo.sent_sms()),
    ][sent_before:]
    assert messages, "the in-transit message should have gone out"
    for message in messages:
        # The shop's own estimate (1 Aralık) may be quoted; the prediction never is.
        assert "2–3 Aralık" not in message and "3 Aralık" not in message
        assert "gecikiyor" not in message and "running late" not in message


def test_delivery_takes_it_off_the_trending_list(kargo: Kargo) -> None:
    deliver_history(kargo, "Ankara", 20)
    new_shipment(kargo, "D1", "YT800000041TR", "Ankara", estimate="2026-12-01")
    from chalicelib import store

    assert [r.state.tracking_number for r in store.query_trending_late(10)] == ["YT800000041TR"]
    delivered = carrier_update("YT800000041TR", ("delivered", "2026-11-30T08:30:00Z"))
    assert kargo.webhook(delivered).status_code == 202
    kargo.settle()
    assert store.query_trending_late(10) == []
