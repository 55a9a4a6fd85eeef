"""A provider that cannot be reached, or says "throttled" in its own words, is
retried by the stream: the message goes out once it answers, never `failed`."""

from __future__ import annotations

import json
from datetime import datetime

import botocore.endpoint
import pytest
from botocore.exceptions import EndpointConnectionError
from time_machine import TimeMachineFixture

import local.pollers
from chalicelib import aws
from tests.fault.injector import Fault, FaultInjector, Sleeper
from tests.integration.conftest import Kargo, carrier_update, order_payload


@pytest.fixture
def daytime(kargo: Kargo, monkeypatch: pytest.MonkeyPatch) -> Kargo:
    """`kargo` pins the clock at noon in Istanbul (SMS are held at night); the
    SDK's and the pollers' back-off sleeps are skipped."""
    sleeper = Sleeper()
    monkeypatch.setattr(botocore.endpoint, "time", sleeper)
    monkeypatch.setattr(local.pollers.clock, "sleep", sleeper.sleep)
    return kargo


def _statuses(kargo: Kargo) -> list[tuple[str, str]]:
    body = json.loads(kargo.merchant_get("/orders/1001/notifications").body)
    return sorted((note["channel"], note["status"]) for note in body["notifications"])


def _one_change(kargo: Kargo) -> None:
    kargo.register(order_payload())
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()


def test_sns_throttled_in_its_own_words_is_retried(daytime: Kargo) -> None:
    """SNS's modelled throttling error is `ThrottledException` (code `Throttled`, 429)."""
    injector = FaultInjector([Fault("sns", "exhaust", 1.0, code="Throttled", status=429)], seed=1)
    injector.attach(aws.sns())
    daytime.register(order_payload())
    daytime.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    daytime.run_consumer()
    daytime.notifier.poll_once()  # SNS refuses every attempt of this delivery
    injector.faults.clear()  # the provider recovers; the stream retries
    daytime.settle()
    assert _statuses(daytime) == [("email", "sent"), ("sms", "sent")]
    assert len(daytime.sent_sms()) == 1


def test_an_unreachable_email_provider_is_retried(
    daytime: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection that never opened sent nothing: retrying cannot send twice."""
    from chalicelib.notify import email

    real, calls = email.send_email, []

    def unreachable_once(sender: str, recipient: str, raw: bytes) -> str:
        calls.append(recipient)
        if len(calls) == 1:
            raise EndpointConnectionError(endpoint_url="https://email.eu-central-1.amazonaws.com")
        return real(sender, recipient, raw)

    monkeypatch.setattr(email, "send_email", unreachable_once)
    _one_change(daytime)
    assert _statuses(daytime) == [("email", "sent"), ("sms", "sent")]
    assert len(daytime.sent_emails()) == 1


@pytest.mark.parametrize(
    ("utc", "sms"),
    [
        ("2026-11-23T18:30:00+00:00", "held"),  # 21:30 in Istanbul: quiet hours
        ("2026-11-24T07:00:00+00:00", "sent"),  # 10:00 in Istanbul
    ],
)
def test_an_outage_at_night_still_holds_the_sms(
    daytime: Kargo, time_machine: TimeMachineFixture, utc: str, sms: str
) -> None:
    """The retried delivery decides quiet hours by the clock, not by the test's
    luck with the hour it runs at: held at 21:30 in Istanbul, sent at 10:00."""
    time_machine.move_to(datetime.fromisoformat(utc))
    injector = FaultInjector([Fault("sns", "exhaust", 1.0, code="Throttled", status=429)], seed=1)
    injector.attach(aws.sns())
    daytime.register(order_payload())
    daytime.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-23T10:00:00+03:00")))
    daytime.run_consumer()
    daytime.notifier.poll_once()  # SNS refuses what is not held
    injector.faults.clear()
    daytime.settle()
    assert _statuses(daytime) == [("email", "sent"), ("sms", sms)]
    assert len(daytime.sent_emails()) == 1
    assert len(daytime.sent_sms()) == (1 if sms == "sent" else 0)
