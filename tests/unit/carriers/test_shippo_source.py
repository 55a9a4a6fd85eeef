"""Shippo fixtures -> the canonical updates they must give."""

from __future__ import annotations

import pytest

from chalicelib.carriers.shippo import SOURCE
from chalicelib.errors import UnprocessableDelivery
from tests.unit.carriers.payloads import event_row, fixture_bytes, only_update

LAS_VEGAS = {"city": "Las Vegas", "region": "NV", "country": "US", "postal_code": "89101"}
SPOTSYLVANIA = {"city": "Spotsylvania", "region": "VA", "country": "US", "postal_code": "22551"}


def test_full_journey_keeps_the_repeated_latest_status_once() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("shippo", "full_journey")))
    assert (update.carrier, update.tracking_number) == ("usps", "9205590164917312751089")
    assert update.estimated_delivery == "2026-11-23"  # eta at midnight UTC is a date
    assert update.raw_status == "DELIVERED/delivered"
    assert [event_row(event) for event in update.events] == [
        (
            "2026-11-20T21:10:00Z",
            "info_received",
            False,
            "PRE_TRANSIT/information_received",
            "Shipping Label Created, USPS Awaiting Item",
            LAS_VEGAS,
        ),
        (
            "2026-11-21T15:33:00Z",
            "in_transit",
            False,
            "TRANSIT/package_accepted",
            "Your shipment has been accepted.",
            LAS_VEGAS,
        ),
        (
            "2026-11-22T02:05:00Z",
            "in_transit",
            False,
            "TRANSIT/package_departed",
            "Departed USPS Regional Facility",
            {**LAS_VEGAS, "postal_code": "89199"},
        ),
        (
            "2026-11-23T12:10:00Z",
            "out_for_delivery",
            False,
            "TRANSIT/out_for_delivery",
            "Out for Delivery",
            SPOTSYLVANIA,
        ),
        (
            "2026-11-23T17:03:00Z",
            "delivered",
            False,
            "DELIVERED/delivered",
            "Your shipment has been delivered at the destination mailbox.",
            SPOTSYLVANIA,
        ),
    ]


def test_long_history() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("shippo", "long_history")))
    assert (update.carrier, update.tracking_number) == ("dhl", "1234567890")
    assert update.estimated_delivery == "2026-11-06T18:00:00Z"  # an eta with a time stays one
    statuses = [event.status.value for event in update.events]
    assert len(statuses) == 32
    assert statuses[0] == "info_received"
    assert statuses[1:30] == ["in_transit"] * 29
    assert statuses[30:] == ["out_for_delivery", "delivered"]


def test_exception() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("shippo", "exception")))
    assert [event_row(event)[1:4] for event in update.events] == [
        ("in_transit", False, "TRANSIT/package_accepted"),
        ("exception", False, "TRANSIT/package_held"),
    ]


def test_return_to_sender() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("shippo", "return_to_sender")))
    assert [event_row(event)[1:4] for event in update.events] == [
        ("failed_attempt", False, "TRANSIT/delivery_attempted"),
        ("available_for_pickup", False, "TRANSIT/pickup_available"),
        ("returning", False, "RETURNED/package_unclaimed"),
        ("returning", False, "RETURNED/return_to_sender"),
    ]


def test_delay_is_carrier_reported() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("shippo", "delay")))
    assert update.carrier == "fedex"
    assert update.estimated_delivery == "2026-11-23T20:00:00Z"
    assert [event_row(event)[:4] for event in update.events] == [
        ("2026-11-19T04:00:00Z", "in_transit", False, "TRANSIT/package_departed"),
        ("2026-11-19T18:30:00Z", "in_transit", True, "TRANSIT/delayed"),
    ]


def test_unknown_statuses() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("shippo", "unknown_status")))
    assert [event_row(event)[1:4] for event in update.events] == [
        ("unknown", False, "UNKNOWN/other"),
        ("unknown", False, "IN_ORBIT"),
        ("exception", False, "TRANSIT/brand_new_code"),  # unknown, but needs someone to act
        ("in_transit", False, "TRANSIT/another_new_code"),
    ]


def test_missing_optional_fields() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("shippo", "missing_optional")))
    assert (update.carrier, update.tracking_number) == ("canada-post", "7023210987654321")
    assert update.estimated_delivery is None
    assert [event_row(event) for event in update.events] == [
        ("2026-11-19T09:30:00Z", "info_received", False, "PRE_TRANSIT", None, None),
        (
            "2026-11-20T14:00:00.123000Z",
            "in_transit",
            False,
            "TRANSIT",
            "Item processed",
            {"city": "Mississauga", "country": "CA"},
        ),
    ]


def test_shippo_test_mode_numbers_are_not_kargo_tracking_numbers() -> None:
    with pytest.raises(UnprocessableDelivery):
        SOURCE.parse(fixture_bytes("shippo", "test_mode"))


@pytest.mark.parametrize(
    "body",
    [b'{"event": "transaction_created", "data": {}}', b'{"data": {"carrier": "usps"}}'],
    ids=["another-event", "no-event"],
)
def test_other_webhook_events_carry_nothing(body: bytes) -> None:
    assert SOURCE.parse(body) == []


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"null",
        b'{"event": "track_updated"}',
        b'{"event": "track_updated", "data": "usps"}',
        b'{"event": "track_updated", "data": {"carrier": "usps"}}',
        b'{"event": "track_updated", "data": {"tracking_number": "9205590164917312751089"}}',
    ],
    ids=["truncated", "null", "no-data", "data-not-an-object", "no-number", "no-carrier"],
)
def test_bodies_that_can_never_be_read_are_dead_letters(body: bytes) -> None:
    with pytest.raises(UnprocessableDelivery):
        SOURCE.parse(body)
