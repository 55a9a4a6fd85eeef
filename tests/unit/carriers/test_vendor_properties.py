"""Properties of the vendor sources: deterministic, registered, and never crashing.

Whatever a signed vendor body holds, `parse` returns valid canonical updates
or raises `UnprocessableDelivery` (the dead-letter path): any other exception
would make the consumer retry a body that can never succeed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.carriers import (
    SOURCES,
    aftership,
    easypost,
    get_source,
    kolaygelsin,
    shippo,
    status_maps,
)
from chalicelib.carriers.base import WebhookSource
from chalicelib.domain.events import CARRIER_SLUG, TRACKING_NUMBER, CarrierUpdate, parse_utc
from chalicelib.errors import UnprocessableDelivery
from tests.unit.carriers.payloads import fixture_bytes, fixture_names

VENDORS: dict[str, WebhookSource] = {
    "easypost": easypost.SOURCE,
    "aftership": aftership.SOURCE,
    "shippo": shippo.SOURCE,
    "kolaygelsin": kolaygelsin.SOURCE,
}
ALL_FIXTURES = [
    (vendor, name)
    for vendor in VENDORS
    for name in fixture_names(vendor)
    if (vendor, name) != ("shippo", "test_mode")
]


def test_the_vendors_are_registered() -> None:
    assert set(SOURCES) == {"generic", "easypost", "aftership", "shippo", "kolaygelsin"}
    for name, source in VENDORS.items():
        assert get_source(name) is source
        assert source.name == name


@pytest.mark.parametrize(("vendor", "name"), ALL_FIXTURES)
def test_parsing_twice_gives_identical_events(vendor: str, name: str) -> None:
    body = fixture_bytes(vendor, name)
    first, second = VENDORS[vendor].parse(body), VENDORS[vendor].parse(body)
    assert first == second
    assert [e.event_id for u in first for e in u.events] == [
        e.event_id for u in second for e in u.events
    ]


@pytest.mark.parametrize(("vendor", "name"), ALL_FIXTURES)
def test_a_redelivery_serialised_differently_gives_the_same_events(vendor: str, name: str) -> None:
    body = fixture_bytes(vendor, name)
    reserialised = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=True).encode()
    ids = [e.event_id for u in VENDORS[vendor].parse(body) for e in u.events]
    assert ids == [e.event_id for u in VENDORS[vendor].parse(reserialised) for e in u.events]


def test_a_lone_surrogate_in_a_description_still_gives_an_event_identity() -> None:
    body = (
        b'{"object": "Event", "description": "tracker.updated", "result": {"tracking_code":'
        b' "EZ1000000001", "carrier": "USPS", "tracking_details": [{"datetime":'
        b' "2026-11-20T10:00:00Z", "status": "in_transit", "message": "bad \\ud800 text"}]}}'
    )
    (update,) = easypost.SOURCE.parse(body)
    assert len(update.events[0].event_id) == 32


# --- arbitrary vendor-shaped JSON ---------------------------------------------------
ANY_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


def _mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`usual` nine times in ten (`one_of` would weigh the two alike)."""
    return st.integers(0, 9).flatmap(lambda roll: usual if roll else rare)


OFFSETS = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=3)), timezone(timedelta(hours=-5, minutes=-30))]
)
TIMES: st.SearchStrategy[str] = _mostly(
    st.datetimes(timezones=OFFSETS).map(lambda moment: moment.isoformat()),
    st.one_of(
        st.dates().map(lambda day: day.isoformat()),
        st.sampled_from(["", "yesterday", "2026-02-30", "9999-12-31T23:59:59-05:00"]),
        st.text(max_size=25),
    ),
)
TRACKING_NUMBERS = _mostly(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 -]{3,20}", fullmatch=True),
    st.one_of(st.from_regex(r"[A-Za-z0-9 -]{0,70}", fullmatch=True), st.text(max_size=20)),
)


def _either(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The right shape most of the time, anything at all some of the time."""
    return _mostly(strategy, ANY_JSON)


def _record(
    always: dict[str, st.SearchStrategy[Any]], sometimes: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """An object with its key fields (which may still hold a wrong type), optional
    fields that may be missing, and unknown extra fields."""
    known = st.fixed_dictionaries(
        {key: _either(value) for key, value in always.items()},
        optional={key: _either(value) for key, value in sometimes.items()},
    )
    extras = st.dictionaries(st.text(max_size=6), ANY_JSON, max_size=2)
    return st.tuples(extras, known).map(lambda parts: {**parts[0], **parts[1]})


def _texts(*values: str) -> st.SearchStrategy[str]:
    return _mostly(st.sampled_from(values), st.text(max_size=12))


PLACE = _record(
    {},
    {
        "city": st.text(max_size=10),
        "state": st.text(max_size=4),
        "country": st.text(max_size=3),
        "zip": st.text(max_size=6),
    },
)

EASYPOST_BODIES = _record(
    {
        "object": st.just("Event"),
        "description": _mostly(
            st.sampled_from(["tracker.updated", "tracker.created"]), st.just("batch.created")
        ),
        "result": _record(
            {
                "tracking_code": TRACKING_NUMBERS,
                "carrier": _texts("USPS", "FedEx", "DHLExpress"),
                "tracking_details": st.lists(
                    _record(
                        {
                            "datetime": TIMES,
                            "status": _texts(*status_maps.EASYPOST_STATUSES),
                        },
                        {
                            "status_detail": _texts(*status_maps.EASYPOST_STATUS_DETAILS),
                            "message": st.text(max_size=20),
                            "description": st.text(max_size=20),
                            "tracking_location": PLACE,
                        },
                    ),
                    max_size=4,
                ),
            },
            {
                "object": st.just("Tracker"),
                "status": _texts(*status_maps.EASYPOST_STATUSES),
                "status_detail": _texts(*status_maps.EASYPOST_STATUS_DETAILS),
                "est_delivery_date": TIMES,
                "carrier_detail": _record({}, {"est_delivery_date_local": TIMES}),
            },
        ),
    },
    {},
)

AFTERSHIP_BODIES = _record(
    {
        "event": _mostly(st.just("tracking_update"), st.just("edd_revise")),
        "msg": _record(
            {
                "tracking_number": TRACKING_NUMBERS,
                "slug": _texts("yurtici-kargo", "ups", "ptt-posta"),
                "checkpoints": st.lists(
                    _record(
                        {
                            "checkpoint_time": TIMES,
                            "tag": _texts(*status_maps.AFTERSHIP_TAGS),
                        },
                        {
                            "subtag": _texts(*status_maps.AFTERSHIP_SUBTAGS),
                            "message": st.text(max_size=20),
                            "city": st.text(max_size=10),
                            "state": st.text(max_size=4),
                            "zip": st.text(max_size=6),
                            "country_iso3": _texts("TUR", "USA", "DEU", "XYZ"),
                            "location": st.text(max_size=12),
                        },
                    ),
                    max_size=4,
                ),
            },
            {
                "tag": _texts(*status_maps.AFTERSHIP_TAGS),
                "subtag": _texts(*status_maps.AFTERSHIP_SUBTAGS),
                "expected_delivery": TIMES,
                "courier_estimated_delivery_date": _record({}, {"estimated_delivery_date": TIMES}),
                "latest_estimated_delivery": _record({}, {"datetime": TIMES}),
            },
        ),
    },
    {"event_id": st.text(max_size=8), "ts": st.integers()},
)

SHIPPO_ENTRY = _record(
    {"status": _texts(*status_maps.SHIPPO_STATUSES), "status_date": TIMES},
    {
        "substatus": _record(
            {"code": _texts(*status_maps.SHIPPO_SUBSTATUSES)},
            {"action_required": st.booleans()},
        ),
        "status_details": st.text(max_size=20),
        "location": PLACE,
    },
)
SHIPPO_BODIES = _record(
    {
        "event": _mostly(st.just("track_updated"), st.just("transaction_created")),
        "data": _record(
            {
                "carrier": _texts("usps", "dhl_express", "canada_post"),
                "tracking_number": TRACKING_NUMBERS,
                "tracking_history": st.lists(SHIPPO_ENTRY, max_size=4),
            },
            {"eta": TIMES, "original_eta": TIMES, "tracking_status": SHIPPO_ENTRY},
        ),
    },
    {"test": st.booleans()},
)


KOLAYGELSIN_ACTION = _record(
    {
        "CargoEventType": _texts(*kolaygelsin.KOLAYGELSIN_EVENTS),
        "TimeStamp": TIMES,
        "CustomerBarcode": TRACKING_NUMBERS,
    },
    {
        "CustomerTrackingId": TRACKING_NUMBERS,
        "ShipmentId": TRACKING_NUMBERS,
        "LocationName": st.text(max_size=10),
        "EventDetailModel": _record({}, {"NewDeliveryDate": TIMES}),
    },
)
KOLAYGELSIN_BODIES = st.one_of(
    KOLAYGELSIN_ACTION,
    st.lists(KOLAYGELSIN_ACTION, max_size=3),
    st.lists(
        _record(
            {"CustomerBarcode": TRACKING_NUMBERS},
            {"CargoEventLogModelList": st.lists(KOLAYGELSIN_ACTION, max_size=3)},
        ),
        max_size=2,
    ),
)


def _assert_valid_updates(source: WebhookSource, body: bytes) -> None:
    try:
        updates = source.parse(body)
    except UnprocessableDelivery:
        return
    assert isinstance(updates, list)
    for update in updates:
        assert isinstance(update, CarrierUpdate)
        assert CARRIER_SLUG.fullmatch(update.carrier)
        assert TRACKING_NUMBER.fullmatch(update.tracking_number)
        assert update.events, "an update without events is never returned"
        if update.estimated_delivery is not None and len(update.estimated_delivery) > 10:
            assert parse_utc(update.estimated_delivery).tzinfo is not None
        for event in update.events:
            assert isinstance(event.occurred_at, datetime)
            assert event.occurred_at.utcoffset() == timedelta(0)
            assert (event.carrier, event.tracking_number) == update.shipment_key
            assert len(event.event_id) == 32
    assert source.parse(body) == updates  # and the same again


PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(EASYPOST_BODIES)
def test_easypost_shaped_json_never_raises_anything_else(body: dict[str, Any]) -> None:
    _assert_valid_updates(easypost.SOURCE, json.dumps(body).encode())


@PROPERTY_SETTINGS
@given(AFTERSHIP_BODIES)
def test_aftership_shaped_json_never_raises_anything_else(body: dict[str, Any]) -> None:
    _assert_valid_updates(aftership.SOURCE, json.dumps(body).encode())


@PROPERTY_SETTINGS
@given(SHIPPO_BODIES)
def test_shippo_shaped_json_never_raises_anything_else(body: dict[str, Any]) -> None:
    _assert_valid_updates(shippo.SOURCE, json.dumps(body).encode())


@PROPERTY_SETTINGS
@given(KOLAYGELSIN_BODIES)
def test_kolaygelsin_shaped_json_never_raises_anything_else(body: Any) -> None:
    _assert_valid_updates(kolaygelsin.SOURCE, json.dumps(body).encode())


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(VENDORS)),
    st.one_of(st.binary(max_size=200), ANY_JSON.map(lambda value: json.dumps(value).encode())),
)
def test_arbitrary_bytes_never_raise_anything_else(vendor: str, body: bytes) -> None:
    _assert_valid_updates(VENDORS[vendor], body)
