"""Carrier statistics kept by the stream: `GET /stats/carriers` after deliveries,
each delivery counted once whatever is redelivered."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integration.conftest import Kargo, carrier_update, order_payload

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TS = int(NOW.timestamp())  # webhooks signed at the pinned time


@pytest.fixture(autouse=True)
def pinned_now(monkeypatch: pytest.MonkeyPatch) -> None:
    import app

    monkeypatch.setattr(app, "utc_now", lambda: NOW)


def ship(
    kargo: Kargo, order_id: str, tracking: str, city: str | None, estimate: str | None,
    *events: tuple[str, str],
) -> None:  # fmt: skip
    order = order_payload(order_id, tracking)
    order["customer"]["city"] = city
    if estimate:
        order["shipments"][0]["estimated_delivery"] = estimate
    kargo.register(order)
    response = kargo.webhook(carrier_update(tracking, *events), ts=TS)
    assert response.status_code == 202, response.body
    kargo.settle()


def stats(kargo: Kargo, days: int = 30) -> dict[str, Any]:
    response = kargo.merchant_get(f"/stats/carriers?days={days}")
    assert response.status_code == 200, response.body
    body: dict[str, Any] = json.loads(response.body)
    return body


def deliver_three(kargo: Kargo) -> None:
    # Tuesday pickup, Thursday delivery: 2 business days, on time for Friday.
    ship(kargo, "A1", "YT100000001TR", "Ankara", "2026-11-20",
         ("in_transit", "2026-11-17T08:00:00Z"), ("delivered", "2026-11-19T10:00:00Z"))  # fmt: skip
    # Delivered the Monday after a Friday estimate: late, 4 business days, had an exception.
    ship(kargo, "A2", "YT100000002TR", "ANKARA", "2026-11-20",
         ("in_transit", "2026-11-17T08:00:00Z"), ("exception", "2026-11-18T08:00:00Z"),
         ("delivered", "2026-11-23T10:00:00Z"))  # fmt: skip
    # Istanbul, no estimate: counted, but not judged on time.
    ship(kargo, "A3", "YT100000003TR", "İstanbul", None,
         ("in_transit", "2026-11-18T08:00:00Z"), ("delivered", "2026-11-19T08:00:00Z"))  # fmt: skip


def test_figures_per_carrier_and_city(kargo: Kargo) -> None:
    deliver_three(kargo)
    body = stats(kargo)
    assert body["days"] == 30
    [yurtici] = body["carriers"]
    assert yurtici == {
        "carrier": "yurtici",
        "carrier_name": "Yurtiçi Kargo",
        "delivered": 3,
        "on_time_share": 0.5,  # of the two with an estimate
        "exception_share": 0.3333,
        "transit_days_p50": 2,
        "transit_days_p90": 4,
        "cities": [
            {
                "city": "Ankara",  # 'ANKARA' is the same city
                "delivered": 2,
                "on_time_share": 0.5,
                "exception_share": 0.5,
                "transit_days_p50": 2,
                "transit_days_p90": 4,
            },
            {
                "city": "İstanbul",
                "delivered": 1,
                "on_time_share": None,
                "exception_share": 0.0,
                "transit_days_p50": 1,
                "transit_days_p90": 1,
            },
        ],
    }


def test_redelivered_stream_records_count_once(kargo: Kargo) -> None:
    deliver_three(kargo)
    before = stats(kargo)
    kargo.notifier.positions.clear()  # the whole stream again, as after a lost checkpoint
    kargo.run_notifier()
    assert stats(kargo) == before


def test_a_shipment_delivered_twice_is_one_delivery(kargo: Kargo) -> None:
    ship(kargo, "B1", "YT200000001TR", "İzmir", "2026-11-20",
         ("in_transit", "2026-11-17T08:00:00Z"), ("delivered", "2026-11-18T10:00:00Z"))  # fmt: skip
    for status, at in (
        ("exception", "2026-11-18T12:00:00Z"),
        ("delivered", "2026-11-19T10:00:00Z"),
    ):
        kargo.webhook(carrier_update("YT200000001TR", (status, at)), ts=TS)
        kargo.settle()
    [carrier] = stats(kargo)["carriers"]
    assert carrier["delivered"] == 1
    assert carrier["transit_days_p50"] == 1  # the first delivery is the one counted


def test_the_period_leaves_older_deliveries_out(kargo: Kargo) -> None:
    ship(kargo, "C1", "YT300000001TR", "Bursa", None,
         ("in_transit", "2026-09-01T08:00:00Z"), ("delivered", "2026-09-03T10:00:00Z"))  # fmt: skip
    assert stats(kargo, 30)["carriers"] == []
    [carrier] = stats(kargo, 90)["carriers"]
    assert carrier["cities"][0]["city"] == "Bursa"


def test_returns_are_not_counted(kargo: Kargo) -> None:
    ship(kargo, "D1", "YT400000001TR", "Ankara", None,
         ("in_transit", "2026-11-17T08:00:00Z"), ("delivered", "2026-11-18T10:00:00Z"))  # fmt: skip
    created = kargo.post_json(
        "/orders/D1/returns",
        {"carrier": "yurtici", "tracking_number": "YT400000009TR", "reason": "wrong_size"},
    )
    assert created.status_code == 201, created.body
    kargo.webhook(carrier_update("YT400000009TR", ("delivered", "2026-11-20T10:00:00Z")), ts=TS)
    kargo.settle()
    [carrier] = stats(kargo)["carriers"]
    assert carrier["delivered"] == 1


@pytest.mark.parametrize("query", ["?days=7", "?days=abc", "?days=30.0"])
def test_only_30_or_90_days(kargo: Kargo, query: str) -> None:
    response = kargo.merchant_get(f"/stats/carriers{query}")
    assert response.status_code == 400
    assert json.loads(response.body)["error"]["code"] == "validation_error"


def test_the_merchant_key_is_required(kargo: Kargo) -> None:
    response = kargo.client.http.get("/stats/carriers")
    assert response.status_code == 401
    assert json.loads(response.body)["error"]["code"] == "unauthorized"


def test_a_row_that_cannot_be_counted_never_holds_up_the_stream(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    from chalicelib.stats import updater

    row = {
        "record_type": "outbox", "kind": "in_transit", "status": "in_transit",
        "previous_status": "pending", "order_id": "1", "carrier": "yurtici",
        "tracking_number": "YT1", "change_id": "c1",
    }  # fmt: skip

    def broken(_: Any) -> bool:
        raise KeyError("carrier")

    monkeypatch.setattr(updater, "count_change", broken)
    assert updater.count_outbox_row(row, NOW) is False

    def throttled(_: Any) -> bool:
        error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "busy"}}
        raise ClientError(error, "TransactWriteItems")  # type: ignore[arg-type]

    monkeypatch.setattr(updater, "count_change", throttled)
    with pytest.raises(ClientError):
        updater.count_outbox_row(row, NOW)  # the stream delivers it again
