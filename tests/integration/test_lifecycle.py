"""Proactive delays, expiry, the rating request and quiet hours, with the clock in
the test's hand (CONTRACT.md sections 3 and 8)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from time_machine import TimeMachineFixture

from chalicelib import aws, store
from chalicelib.domain.timing import end_of_quiet_hours, in_quiet_hours
from chalicelib.scan import scan_due_shipments
from tests.integration.conftest import Kargo, carrier_update, order_payload

ISTANBUL_NOON = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def state_of(tracking: str = "YT123456789TR") -> Any:
    record = store.load_shipment("yurtici", tracking)
    assert record is not None
    return record.state


def kinds(kargo: Kargo, channel: str = "email") -> list[str]:
    body = json.loads(kargo.merchant_get("/orders/1001/notifications").body)
    return [n["kind"] for n in body["notifications"] if n["channel"] == channel]


def scan(kargo: Kargo, now: datetime) -> dict[str, Any]:
    report = scan_due_shipments(now)
    kargo.run_notifier()
    return report


def in_transit_at(kargo: Kargo, when: datetime, **extra: Any) -> None:
    event_at(kargo, "in_transit", when, **extra)


def event_at(kargo: Kargo, status: str, when: datetime, **extra: Any) -> None:
    """The carrier reports `status` as it happens (the receiving clock at `when`)."""
    with kargo.at(when):
        kargo.webhook(carrier_update("YT123456789TR", (status, when.isoformat()), **extra))
        kargo.settle()


@pytest.fixture
def registered(kargo: Kargo) -> datetime:
    customer = {**order_payload()["customer"], "commercial_consent": True}
    kargo.register(order_payload(customer=customer))
    return state_of_registration()


def state_of_registration() -> datetime:
    record = store.load_shipment("yurtici", "YT123456789TR")
    assert record is not None and record.registration is not None
    return record.registration.registered_at


def test_stalled_after_stall_hours_once_per_episode(kargo: Kargo, registered: datetime) -> None:
    last = registered + timedelta(hours=1)
    in_transit_at(kargo, last)
    assert scan(kargo, last + timedelta(hours=71))["delayed"] == 0
    report = scan(kargo, last + timedelta(hours=73))
    assert report["delayed"] == 1
    assert (state_of().delayed, state_of().delay_reason.value) == (True, "stalled")
    # Later scans and a redelivered stream change nothing: one message per episode.
    scan(kargo, last + timedelta(hours=80))
    scan(kargo, last + timedelta(hours=90))
    assert kinds(kargo) == ["in_transit", "delayed"]
    mail = kargo.sent_emails()[-1]
    assert mail["Subject"] == "Kargo: Siparişin gecikiyor"


def test_estimate_passed_then_cleared_by_a_later_estimate_then_late_again(
    kargo: Kargo, registered: datetime
) -> None:
    day = (registered + timedelta(days=2)).date()
    in_transit_at(kargo, registered + timedelta(hours=1), estimated_delivery=day.isoformat())
    # The estimate ends at midnight in Istanbul (21:00 UTC the same day).
    end_of_day = datetime(day.year, day.month, day.day, 21, 0, tzinfo=UTC)
    assert scan(kargo, end_of_day - timedelta(minutes=1))["delayed"] == 0
    assert scan(kargo, end_of_day + timedelta(minutes=1))["delayed"] == 1
    assert state_of().delay_reason.value == "eta_passed"
    later = day + timedelta(days=2)
    in_transit_at(kargo, end_of_day + timedelta(hours=2), estimated_delivery=later.isoformat())
    assert not state_of().delayed
    again = datetime(later.year, later.month, later.day, 21, 1, tzinfo=UTC)
    assert scan(kargo, again)["delayed"] == 1
    assert kinds(kargo).count("delayed") == 2  # two episodes, two messages


def test_carrier_reported_delay_notifies_at_once(kargo: Kargo, registered: datetime) -> None:
    payload = carrier_update("YT123456789TR", ("in_transit", "2026-11-23T08:00:00+03:00"))
    payload["events"][0]["delayed"] = True
    kargo.webhook(payload)
    kargo.settle()
    kargo.webhook(payload)  # redelivered
    kargo.settle()
    assert state_of().delay_reason.value == "carrier_reported"
    # One change, one message: the in-transit message says the delay too.
    assert kinds(kargo) == ["in_transit"]
    body = json.loads(kargo.merchant_get("/orders/1001/notifications").body)
    assert all(n["delayed"] for n in body["notifications"] if n["channel"] in ("email", "sms"))
    assert len(kargo.sent_emails()) == 1


def test_final_status_clears_the_delay_and_leaves_the_list(
    kargo: Kargo, registered: datetime
) -> None:
    last = registered + timedelta(hours=1)
    in_transit_at(kargo, last)
    scan(kargo, last + timedelta(hours=73))
    listed = json.loads(kargo.merchant_get("/shipments?delayed=true").body)
    assert [s["tracking_number"] for s in listed["shipments"]] == ["YT123456789TR"]
    event_at(kargo, "delivered", last + timedelta(hours=74))
    assert not state_of().delayed
    assert json.loads(kargo.merchant_get("/shipments?delayed=true").body)["shipments"] == []


def test_no_event_for_expire_days_expires(kargo: Kargo, registered: datetime) -> None:
    last = registered + timedelta(hours=1)
    in_transit_at(kargo, last)
    report = scan(kargo, last + timedelta(days=31))
    assert report["expired"] == 1
    assert state_of().status.value == "expired"
    # Expired is final: the shipment leaves the due index.
    assert scan(kargo, last + timedelta(days=60))["items_read"] == 0


def test_the_scan_reads_only_due_shipments(kargo: Kargo) -> None:
    for index in range(30):
        kargo.register(order_payload(order_id=f"o{index}", tracking=f"YT{index:09d}TR"))
    now = state_of_registration_of("YT000000029TR")
    assert scan(kargo, now + timedelta(seconds=5))["items_read"] == 30  # new: due at once
    assert scan(kargo, now + timedelta(hours=1))["items_read"] == 0  # nothing due
    news = now + timedelta(hours=2)
    with kargo.at(news):
        kargo.webhook(carrier_update("YT000000007TR", ("in_transit", news.isoformat())))
        kargo.settle()
    # The 29 silent ones stall 72 h after registration; the one with news 72 h after it.
    first = scan(kargo, now + timedelta(hours=72, minutes=30))
    assert (first["items_read"], first["delayed"]) == (29, 29)
    second = scan(kargo, news + timedelta(hours=72, minutes=1))
    assert (second["items_read"], second["delayed"]) == (1, 1)


def state_of_registration_of(tracking: str) -> datetime:
    record = store.load_shipment("yurtici", tracking)
    assert record is not None and record.registration is not None
    return record.registration.registered_at


def test_feedback_request_once_not_after_rating(kargo: Kargo, registered: datetime) -> None:
    delivered = registered + timedelta(hours=5)
    event_at(kargo, "delivered", delivered)
    assert scan(kargo, delivered + timedelta(days=1))["feedback_requests"] == 0
    assert scan(kargo, delivered + timedelta(days=2, minutes=1))["feedback_requests"] == 1
    assert scan(kargo, delivered + timedelta(days=9))["feedback_requests"] == 0
    # A week after delivery, the thank-you (the customer agreed to commercial messages).
    assert kinds(kargo) == ["delivered", "feedback_request", "thank_you"]
    assert kinds(kargo, "sms") == ["delivered"]  # a rating request is e-mail only


def test_no_feedback_request_after_a_rating(kargo: Kargo, registered: datetime) -> None:
    delivered = registered + timedelta(hours=5)
    event_at(kargo, "delivered", delivered)
    aws.dynamodb().update_item(
        TableName="kargo",
        Key={"pk": {"S": "SHIP#yurtici#YT123456789TR"}, "sk": {"S": "STATE"}},
        UpdateExpression="SET feedback = :f",
        ExpressionAttributeValues={":f": {"M": {"score": {"N": "5"}}}},
    )
    assert scan(kargo, delivered + timedelta(days=3))["feedback_requests"] == 0
    assert kinds(kargo) == ["delivered"]


def test_no_feedback_request_after_opting_out(kargo: Kargo, registered: datetime) -> None:
    delivered = registered + timedelta(hours=5)
    event_at(kargo, "delivered", delivered)
    stored = store.load_order("1001")
    assert stored is not None
    store.update_order_document(
        "1001", {**stored.document, "notifications": {"email": False, "sms": True}}, stored.version
    )
    scan(kargo, delivered + timedelta(days=3))
    body = json.loads(kargo.merchant_get("/orders/1001/notifications").body)
    request = [n for n in body["notifications"] if n["kind"] == "feedback_request"]
    assert [(n["channel"], n["status"]) for n in request] == [("email", "skipped")]
    assert len(kargo.sent_emails()) == 1


@pytest.mark.parametrize(
    ("utc", "quiet"),
    [
        ("2026-11-23T17:59:59Z", False),  # 20:59:59 in Istanbul
        ("2026-11-23T18:00:00Z", True),  # 21:00
        ("2026-11-24T05:59:59Z", True),  # 08:59:59
        ("2026-11-24T06:00:00Z", False),  # 09:00
    ],
)
def test_quiet_hours_edges(utc: str, quiet: bool) -> None:
    from zoneinfo import ZoneInfo

    assert in_quiet_hours(datetime.fromisoformat(utc), ZoneInfo("Europe/Istanbul")) is quiet


def test_sms_at_night_waits_for_nine_email_does_not(
    kargo: Kargo, registered: datetime, time_machine: TimeMachineFixture
) -> None:
    night = registered.replace(hour=20, minute=30, second=0, microsecond=0)  # 23:30 in Istanbul
    time_machine.move_to(night)  # the carrier's 10:00 event arrives at 23:30
    event = ("in_transit", (registered + timedelta(hours=1)).isoformat())
    kargo.webhook(carrier_update("YT123456789TR", event))
    kargo.settle()
    assert len(kargo.sent_emails()) == 1
    assert kargo.sent_sms() == []
    body = json.loads(kargo.merchant_get("/orders/1001/notifications").body)
    assert [(n["channel"], n["status"]) for n in body["notifications"]] == [
        ("email", "sent"),
        ("sms", "held"),
    ]
    morning = end_of_quiet_hours(night, ZoneInfoIstanbul())
    assert morning == night.replace(hour=6, minute=0) + timedelta(days=1)
    assert scan(kargo, morning - timedelta(seconds=1))["held_sms_sent"] == 0
    assert scan(kargo, morning)["held_sms_sent"] == 1
    assert scan(kargo, morning + timedelta(minutes=5))["held_sms_sent"] == 0
    assert len(kargo.sent_sms()) == 1
    assert kinds(kargo, "sms") == ["in_transit"]


def ZoneInfoIstanbul() -> Any:  # noqa: N802 - reads like the type it returns
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Istanbul")
