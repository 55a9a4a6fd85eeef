"""AfterShip fixtures -> the canonical updates they must give (times worked out by hand)."""

from __future__ import annotations

import json

import pytest

from chalicelib.carriers.aftership import SOURCE
from chalicelib.errors import UnprocessableDelivery
from tests.unit.carriers.payloads import event_row, fixture_bytes, only_update

ANKARA = {"city": "ANKARA", "region": "Çankaya", "country": "TR", "postal_code": "06690"}


def test_full_journey() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("aftership", "full_journey")))
    assert (update.carrier, update.tracking_number) == ("yurtici", "YT123456789TR")
    assert update.estimated_delivery == "2026-11-25"  # the courier's estimate comes first
    assert update.raw_status == "Delivered/Delivered_001"
    # Times without an offset are Istanbul time (UTC+3); the third one has its own offset.
    assert [event_row(event) for event in update.events] == [
        (
            "2026-11-21T07:05:00Z",
            "info_received",
            False,
            "InfoReceived/InfoReceived_001",
            "Gönderi kaydı oluşturuldu",
            {"city": "İSTANBUL", "country": "TR"},
        ),
        (
            "2026-11-21T15:30:00Z",
            "in_transit",
            False,
            "InTransit/InTransit_002",
            "Gönderi kabul edildi",
            {"city": "İSTANBUL", "region": "Kadıköy", "country": "TR"},
        ),
        (
            "2026-11-23T05:15:00Z",
            "in_transit",
            False,
            "InTransit/InTransit_007",
            "Transfer merkezinden çıktı",
            {"city": "İstanbul", "country": "TR"},
        ),
        (
            "2026-11-23T23:40:00Z",
            "in_transit",
            False,
            "InTransit/InTransit_003",
            "Varış transfer merkezine ulaştı",
            {"city": "ANKARA", "country": "TR"},
        ),
        (
            "2026-11-24T06:10:00Z",
            "out_for_delivery",
            False,
            "OutForDelivery/OutForDelivery_001",
            "Dağıtıma çıkarıldı",
            ANKARA,
        ),
        (
            "2026-11-24T11:22:00Z",
            "delivered",
            False,
            "Delivered/Delivered_001",
            "Teslim edildi",
            ANKARA,
        ),
    ]


def test_long_history_mixes_local_times_and_offsets() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("aftership", "long_history")))
    assert (update.carrier, update.tracking_number) == ("ptt", "RR123456785CN")
    assert update.estimated_delivery == "2026-11-03"  # the legacy expected_delivery
    rows = [event_row(event) for event in update.events]
    assert len(rows) == 34
    assert rows[0][:2] == ("2026-10-20T01:00:00Z", "info_received")  # 09:00 in Shanghai
    assert rows[2][0] == "2026-10-20T19:00:00Z"  # 2026-10-21T03:00:00+08:00
    assert rows[7][0] == "2026-10-22T21:00:00Z"  # 2026-10-23T00:00 in Istanbul
    assert rows[8][0] == "2026-10-23T06:00:00Z"  # 2026-10-23T09:00:00+03:00
    assert [row[1] for row in rows[1:32]] == ["in_transit"] * 31
    assert rows[-1][:4] == ("2026-11-02T10:05:00Z", "delivered", False, "Delivered/Delivered_003")
    assert rows[0][5] == {"city": "SHENZHEN", "country": "CN"}
    assert len({event.event_id for event in update.events}) == 34


def test_exception_in_a_country_with_several_time_zones_reads_naive_times_as_utc() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("aftership", "exception")))
    assert (update.carrier, update.tracking_number) == ("ups", "1Z999AA10123456784")
    assert [event_row(event)[:4] for event in update.events] == [
        ("2026-11-12T21:40:00Z", "in_transit", False, "InTransit/InTransit_007"),
        ("2026-11-14T10:05:00Z", "exception", False, "Exception/Exception_007"),
    ]


def test_return_to_sender() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("aftership", "return_to_sender")))
    assert update.carrier == "mng"
    assert [event_row(event)[1:4] for event in update.events] == [
        ("out_for_delivery", False, "OutForDelivery/OutForDelivery_001"),
        ("exception", False, "Exception/Exception_003"),
        ("returning", False, "Exception/Exception_010"),
        ("returned", False, "Exception/Exception_011"),
    ]


def test_delay_is_carrier_reported() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("aftership", "delay")))
    assert update.carrier == "aras"
    assert update.estimated_delivery == "2026-12-02"  # local midnight names the day
    assert [event_row(event)[:4] for event in update.events] == [
        ("2026-11-25T19:10:00Z", "in_transit", False, "InTransit/InTransit_007"),
        ("2026-11-26T04:00:00Z", "in_transit", True, "Exception/Exception_017"),
    ]


def test_unknown_values_fall_back_to_the_tag_or_to_unknown() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("aftership", "unknown_status")))
    assert [event_row(event)[1:4] for event in update.events] == [
        ("in_transit", False, "InTransit/InTransit_099"),
        ("exception", False, "Exception/Exception_014"),
        ("unknown", False, "Teleported/Teleported_001"),
    ]


def test_missing_optional_fields() -> None:
    update = only_update(SOURCE.parse(fixture_bytes("aftership", "missing_optional")))
    assert (update.carrier, update.tracking_number) == ("yurtici", "YT987654321TR")
    assert update.estimated_delivery is None
    assert update.raw_status == "InTransit"
    assert [event_row(event) for event in update.events] == [
        # a bare date, no country: midnight UTC
        (
            "2026-11-22T00:00:00Z",
            "in_transit",
            False,
            "InTransit/InTransit_002",
            "Kargo kabul edildi",
            None,
        ),
        # only a free-text place: it stands in for the city
        (
            "2026-11-22T16:45:00Z",
            "in_transit",
            False,
            "InTransit/InTransit_003",
            None,
            {"city": "BURSA TRANSFER MERKEZI", "country": "TR"},
        ),
        # wrong types: a number for a message, a list for a city; an unknown country code
        (
            "2026-11-23T03:00:00Z",
            "unknown",
            False,
            None,
            "42",
            {"country": "XYZ", "postal_code": "16000"},
        ),
    ]


@pytest.mark.parametrize("event", ["tracking_pending_time", None, 7])
def test_other_webhook_events_carry_nothing(event: object) -> None:
    body = json.dumps({"event": event, "msg": {}}).encode()
    assert SOURCE.parse(body) == []


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe",
        b'"tracking_update"',
        b'{"event": "tracking_update"}',
        b'{"event": "tracking_update", "msg": []}',
        b'{"event": "tracking_update", "msg": {"slug": "ups"}}',
        b'{"event": "tracking_update", "msg": {"slug": "ups", "tracking_number": "1Z/99"}}',
        b'{"event": "tracking_update", "msg": {"tracking_number": "1Z999AA10123456784"}}',
    ],
    ids=[
        "not-utf8",
        "not-an-object",
        "no-msg",
        "msg-not-an-object",
        "no-tracking-number",
        "bad-tracking-number",
        "no-slug",
    ],
)
def test_bodies_that_can_never_be_read_are_dead_letters(body: bytes) -> None:
    with pytest.raises(UnprocessableDelivery):
        SOURCE.parse(body)
