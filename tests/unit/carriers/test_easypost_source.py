"""EasyPost fixtures -> the canonical updates they must give (times worked out by hand)."""

from __future__ import annotations

import json

import pytest

from chalicelib.carriers.easypost import SOURCE
from chalicelib.errors import UnprocessableDelivery
from tests.unit.carriers.payloads import event_row, fixture_bytes, only_update

HOUSTON = {"city": "HOUSTON", "region": "TX", "country": "US", "postal_code": "77063"}
CHARLESTON = {"city": "CHARLESTON", "region": "SC", "country": "US", "postal_code": "29401"}


def test_full_journey() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("easypost", "full_journey")))
    assert (update.carrier, update.tracking_number) == ("usps", "9400110898825022579493")
    assert update.estimated_delivery == "2026-11-21"  # carrier_detail.est_delivery_date_local
    assert update.raw_status == "delivered/arrived_at_destination"
    assert [event_row(event) for event in update.events] == [
        (
            "2026-11-18T15:12:00Z",  # 09:12 at -06:00
            "info_received",
            False,
            "pre_transit/label_created",
            "Shipping Label Created, USPS Awaiting Item",
            HOUSTON,
        ),
        (
            "2026-11-19T00:40:00Z",
            "in_transit",
            False,
            "in_transit/arrived_at_facility",
            "Accepted at USPS Origin Facility",
            HOUSTON,
        ),
        (
            "2026-11-19T09:10:00Z",
            "in_transit",
            False,
            "in_transit/departed_facility",
            "Departed USPS Regional Facility",
            {**HOUSTON, "postal_code": "77201"},
        ),
        (
            "2026-11-21T02:05:00Z",  # 21:05 at -05:00 the day before
            "in_transit",
            False,
            "in_transit/arrived_at_destination",
            "Arrived at USPS Regional Destination Facility",
            {**CHARLESTON, "postal_code": "29423"},
        ),
        (
            "2026-11-21T13:02:00Z",
            "out_for_delivery",
            False,
            "out_for_delivery/out_for_delivery",
            "Out for Delivery",
            CHARLESTON,
        ),
        (
            "2026-11-21T18:47:00Z",
            "delivered",
            False,
            "delivered/arrived_at_destination",
            "Delivered, In/At Mailbox",
            CHARLESTON,
        ),
    ]


def test_long_history_gives_every_entry_in_order() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("easypost", "long_history")))
    assert (update.carrier, update.tracking_number) == ("fedex", "794644790132")
    assert update.estimated_delivery == "2026-11-09"  # est_delivery_date at midnight UTC
    statuses = [event.status.value for event in update.events]
    assert len(statuses) == 32
    assert statuses[0] == "info_received"
    assert statuses[1:30] == ["in_transit"] * 29
    assert statuses[30:] == ["out_for_delivery", "delivered"]
    assert [event_row(event)[0] for event in update.events][:3] == [
        "2026-11-02T14:00:00Z",
        "2026-11-02T19:00:00Z",
        "2026-11-03T00:00:00Z",
    ]
    assert len({event.event_id for event in update.events}) == 32


def test_exception() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("easypost", "exception")))
    assert (update.carrier, update.tracking_number) == ("ups", "1Z999AA10123456784")
    assert [event_row(event)[1:4] for event in update.events] == [
        ("info_received", False, "pre_transit/label_created"),
        ("in_transit", False, "in_transit/arrived_at_facility"),
        ("exception", False, "in_transit/held"),
    ]
    assert update.events[-1].location is not None
    assert update.events[-1].location.as_dict() == {"city": "ISTANBUL", "country": "TR"}


def test_return_to_sender() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("easypost", "return_to_sender")))
    assert update.estimated_delivery is None
    assert [event_row(event)[1:4] for event in update.events] == [
        ("in_transit", False, "in_transit/arrived_at_facility"),
        ("exception", False, "in_transit/refused"),
        ("returning", False, "return_to_sender/return"),
        ("returning", False, "return_to_sender/in_transit"),
    ]


def test_delay_is_carrier_reported() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("easypost", "delay")))
    assert update.estimated_delivery == "2026-11-24"  # no local date: est_delivery_date
    assert [event_row(event)[:4] for event in update.events] == [
        ("2026-11-19T22:00:00Z", "in_transit", False, "in_transit/arrived_at_facility"),
        ("2026-11-20T06:30:00Z", "in_transit", True, "in_transit/weather_delay"),
    ]


def test_unknown_statuses_are_kept_as_unknown_with_the_raw_value() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("easypost", "unknown_status")))
    assert [event_row(event)[1:4] for event in update.events] == [
        ("in_transit", False, "in_transit/new_fancy_detail"),
        ("unknown", False, "teleported/quantum_tunnel"),
        ("unknown", False, "error"),
    ]


def test_missing_optional_fields() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("easypost", "missing_optional")))
    assert (update.carrier, update.tracking_number) == ("ups", "1Z999AA10123456784")
    assert update.estimated_delivery is None
    assert update.raw_status == "in_transit"
    assert [event_row(event) for event in update.events] == [
        # no offset: UTC; an empty message: the description stands in
        (
            "2026-11-20T10:00:00Z",
            "info_received",
            False,
            "pre_transit",
            "Order processed: ready for UPS",
            None,
        ),
        # (the scan without a datetime is skipped) no status at all: unknown
        ("2026-11-21T03:15:00Z", "unknown", False, None, None, {"city": "KOLN", "country": "DE"}),
    ]


def test_events_other_than_tracker_events_carry_nothing() -> None:
    assert SOURCE.parse(fixture_bytes("easypost", "other_event")) == []


def test_a_tracker_without_scans_carries_nothing() -> None:
    body = {
        "object": "Event",
        "description": "tracker.created",
        "result": {"object": "Tracker", "tracking_code": "EZ1000000001", "carrier": "USPS"},
    }
    assert SOURCE.parse(json.dumps(body).encode()) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"object": "Tracker", "tracking_code": "EZ1000000001"}',
        b'{"object": "Event", "description": "tracker.updated"}',
        b'{"object": "Event", "description": "tracker.updated", "result": {"object": "Batch"}}',
        b'{"object": "Event", "description": "tracker.updated", "result": {"carrier": "USPS"}}',
        b'{"object": "Event", "description": "tracker.updated",'
        b' "result": {"tracking_code": "EZ1000000001"}}',
    ],
    ids=[
        "empty",
        "not-json",
        "not-an-object",
        "not-an-event",
        "no-result",
        "result-not-a-tracker",
        "no-tracking-code",
        "no-carrier",
    ],
)
def test_bodies_that_can_never_be_read_are_dead_letters(body: bytes) -> None:
    with pytest.raises(UnprocessableDelivery):
        SOURCE.parse(body)
