"""Messages a shopper would trust (CONTRACT.md sections 3, 5, 7, 8): one message per
change, the newest only after quiet hours, nothing from the future, nothing
commercial without consent, and the order confirmed once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import store
from chalicelib.notify import dispatch
from chalicelib.scan import scan_due_shipments
from tests.integration.conftest import DAYTIME, Kargo, carrier_update, order_payload

NIGHT = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)  # 22:00 in Istanbul
MORNING = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 09:00 in Istanbul


def log(kargo: Kargo, order_id: str = "1001") -> list[dict[str, Any]]:
    body = json.loads(kargo.merchant_get(f"/orders/{order_id}/notifications").body)
    entries: list[dict[str, Any]] = body["notifications"]
    return entries


def deliver(kargo: Kargo, when: datetime, *events: tuple[str, str]) -> None:
    with kargo.at(when):
        kargo.webhook(carrier_update("YT123456789TR", *events))
        kargo.settle()


def state() -> Any:
    record = store.load_shipment("yurtici", "YT123456789TR")
    assert record is not None
    return record.state


# --- quiet hours: the newest held message only -----------------------------------------


def test_after_quiet_hours_only_the_newest_message_per_shipment_is_sent(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatch, "utc_now", lambda: NIGHT)
    kargo.register(order_payload())
    deliver(kargo, NIGHT, ("out_for_delivery", "2026-11-23T21:30:00+03:00"))
    deliver(kargo, NIGHT + timedelta(minutes=55), ("delivered", "2026-11-23T22:50:00+03:00"))
    assert kargo.sent_sms() == []
    held = [(n["kind"], n["status"], n["reason"]) for n in log(kargo) if n["channel"] == "sms"]
    assert held == [
        ("out_for_delivery", "held", "quiet_hours"),
        ("delivered", "held", "quiet_hours"),
    ]
    with kargo.at(MORNING):
        scan_due_shipments(MORNING)
        scan_due_shipments(MORNING + timedelta(minutes=1))
    texts = [sms.text for sms in kargo.sent_sms()]
    assert len(texts) == 1 and "teslim" in texts[0].lower()
    sms = [(n["kind"], n["status"], n.get("reason")) for n in log(kargo) if n["channel"] == "sms"]
    assert sms == [("out_for_delivery", "skipped", "superseded"), ("delivered", "sent", None)]
    # E-mail never waits for the morning.
    assert len(kargo.sent_emails()) == 2


def test_held_messages_of_different_shipments_each_go_out(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatch, "utc_now", lambda: NIGHT)
    order = order_payload()
    order["shipments"].append({"carrier": "aras", "tracking_number": "AR123456"})
    kargo.register(order)
    deliver(kargo, NIGHT, ("out_for_delivery", "2026-11-23T21:30:00+03:00"))
    with kargo.at(NIGHT):
        payload = carrier_update("AR123456", ("out_for_delivery", "2026-11-23T21:40:00+03:00"))
        kargo.webhook({**payload, "carrier": "aras"})
        kargo.settle()
    with kargo.at(MORNING):
        scan_due_shipments(MORNING)
    assert len(kargo.sent_sms()) == 2


# --- one change, one message -----------------------------------------------------------


def test_a_status_change_that_also_starts_a_delay_sends_one_message(kargo: Kargo) -> None:
    kargo.register(order_payload())
    payload = carrier_update("YT123456789TR", ("out_for_delivery", "2026-11-23T11:00:00+03:00"))
    payload["events"][0]["delayed"] = True
    with kargo.at(DAYTIME):
        kargo.webhook(payload)
        kargo.settle()
    assert (state().status.value, state().delay_reason.value) == (
        "out_for_delivery",
        "carrier_reported",
    )
    emails = kargo.sent_emails()
    assert len(emails) == 1 and len(kargo.sent_sms()) == 1
    entries = log(kargo)
    assert [(n["channel"], n["kind"], n["delayed"]) for n in entries] == [
        ("email", "out_for_delivery", True),
        ("sms", "out_for_delivery", True),
    ]


# --- events from the future ------------------------------------------------------------


def test_an_event_dated_half_a_year_ahead_waits_for_its_time(kargo: Kargo) -> None:
    kargo.register(order_payload())
    ahead = DAYTIME + timedelta(days=182)
    deliver(kargo, DAYTIME, ("in_transit", "2026-11-23T10:00:00+03:00"))
    deliver(kargo, DAYTIME, ("delivered", ahead.isoformat()))
    assert state().status.value == "in_transit"
    assert len(state().events) == 2  # kept in the history
    assert [n["kind"] for n in log(kargo) if n["channel"] == "email"] == ["in_transit"]
    lookup = kargo.track(kargo.register(order_payload())["shipments"][0]["tracking_token"])
    assert json.loads(lookup.body)["status"] == "in_transit"
    # Its time comes: the scan applies it, and the shopper is told then.
    with kargo.at(ahead + timedelta(minutes=1)):
        report = scan_due_shipments(ahead + timedelta(minutes=1))
        kargo.run_notifier()
    assert report["applied_pending"] == 1
    assert state().status.value == "delivered"
    assert [n["kind"] for n in log(kargo) if n["channel"] == "email"] == [
        "in_transit",
        "delivered",
    ]


def test_an_event_a_few_minutes_ahead_counts_at_once(kargo: Kargo) -> None:
    kargo.register(order_payload())
    soon = DAYTIME + timedelta(minutes=20)  # a carrier clock running a little fast
    deliver(kargo, DAYTIME, ("out_for_delivery", soon.isoformat()))
    assert state().status.value == "out_for_delivery"


# --- commercial consent (İYS) ----------------------------------------------------------


@pytest.mark.parametrize("consent", [False, True])
def test_the_rating_request_needs_commercial_consent(kargo: Kargo, consent: bool) -> None:
    customer = {**order_payload()["customer"], "commercial_consent": consent}
    kargo.register(order_payload(customer=customer))
    deliver(kargo, DAYTIME, ("delivered", "2026-11-23T11:00:00+03:00"))
    later = DAYTIME + timedelta(days=3)
    with kargo.at(later):
        scan_due_shipments(later)
        kargo.run_notifier()
    request = [n for n in log(kargo) if n["kind"] == "feedback_request"]
    if consent:
        assert [(n["channel"], n["status"]) for n in request] == [("email", "sent")]
    else:
        assert [(n["channel"], n["status"], n["reason"]) for n in request] == [
            ("email", "skipped", "no_commercial_consent")
        ]
        assert len(kargo.sent_emails()) == 1  # the delivery only


def test_the_thank_you_comes_a_week_after_delivery_with_the_coupon(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.config import reset_settings

    monkeypatch.setenv("KARGO_THANK_YOU_COUPON", "TESEKKURLER10")
    reset_settings()
    customer = {**order_payload()["customer"], "commercial_consent": True}
    kargo.register(order_payload(customer=customer))
    deliver(kargo, DAYTIME, ("delivered", "2026-11-23T11:00:00+03:00"))
    for days in (3, 6, 8, 9):
        moment = DAYTIME + timedelta(days=days)
        with kargo.at(moment):
            scan_due_shipments(moment)
            kargo.run_notifier()
    thanks = [n for n in log(kargo) if n["kind"] == "thank_you"]
    assert [(n["channel"], n["status"]) for n in thanks] == [("email", "sent")]
    assert "TESEKKURLER10" in kargo.sent_emails()[-1].get_body(("plain",)).get_content()


# --- the order confirmed -----------------------------------------------------------------


def test_a_registered_order_is_confirmed_once_with_every_link(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.config import reset_settings

    monkeypatch.setenv("KARGO_ORDER_CONFIRMATION", "true")
    reset_settings()
    order = order_payload()
    order["shipments"].append({"carrier": "aras", "tracking_number": "AR123456"})
    created = kargo.register(order)
    kargo.register(order)  # the same request again: no second confirmation
    kargo.settle()
    confirmations = [n for n in log(kargo) if n["kind"] == "order_confirmed"]
    assert [(n["channel"], n["status"]) for n in confirmations] == [
        ("email", "sent"),
        ("sms", "sent"),
    ]
    text = kargo.sent_emails()[0].get_body(("plain",)).get_content()
    for shipment in created["shipments"]:
        assert shipment["tracking_url"] in text


def test_no_confirmation_when_turned_off(kargo: Kargo) -> None:
    kargo.register(order_payload())  # the fixture runs with KARGO_ORDER_CONFIRMATION=false
    kargo.settle()
    assert log(kargo) == [] and kargo.sent_emails() == []
