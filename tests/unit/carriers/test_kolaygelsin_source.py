"""Kolay Gelsin (Sendeo) push: Basic authentication, every fixture to exact
events, and one test per `CargoEventType` row."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from chalicelib.carriers import SOURCES, get_source, kolaygelsin
from chalicelib.carriers.base import WebhookRequest
from chalicelib.domain.status import Status
from chalicelib.errors import InvalidSignature, UnprocessableDelivery
from tests.unit.carriers.payloads import event_row, fixture_bytes, only_update

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECRET = "dev-kolaygelsin-secret"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def request(authorization: str | None) -> WebhookRequest:
    headers = {"authorization": authorization} if authorization is not None else {}
    return WebhookRequest(raw_body=b"{}", headers=headers)


# --- authentication -------------------------------------------------------------------
def test_the_right_credentials_pass() -> None:
    kolaygelsin.SOURCE.verify(request(basic("kolaygelsin", SECRET)), [SECRET], NOW)


def test_the_scheme_name_is_case_insensitive() -> None:
    header = basic("kolaygelsin", SECRET).replace("Basic", "basic")
    kolaygelsin.SOURCE.verify(request(header), [SECRET], NOW)


def test_any_configured_secret_passes_during_rotation() -> None:
    kolaygelsin.SOURCE.verify(request(basic("kolaygelsin", "new-one")), ["old-one", "new-one"], NOW)
    kolaygelsin.SOURCE.verify(request(basic("kolaygelsin", "old-one")), ["old-one", "new-one"], NOW)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        basic("kolaygelsin", "wrong"),
        basic("someone", SECRET),
        basic("kolaygelsin", SECRET + "x"),
        "Bearer " + base64.b64encode(f"kolaygelsin:{SECRET}".encode()).decode(),
        "Basic",
        "Basic not*base64!",
        f"Basic kolaygelsin:{SECRET}",  # not encoded
    ],
)
def test_wrong_or_missing_credentials_are_refused(authorization: str | None) -> None:
    with pytest.raises(InvalidSignature):
        kolaygelsin.SOURCE.verify(request(authorization), [SECRET], NOW)


@pytest.mark.parametrize("configured", [[], [""]])
def test_no_configured_secret_refuses_everything(configured: list[str]) -> None:
    with pytest.raises(InvalidSignature):
        kolaygelsin.SOURCE.verify(request(basic("kolaygelsin", "")), configured, NOW)


def test_it_is_registered_for_http() -> None:
    assert SOURCES["kolaygelsin"] is kolaygelsin.SOURCE
    assert get_source("kolaygelsin") is kolaygelsin.SOURCE


# --- the status table: one row each, the expected status written out ------------------
ROWS = [
    ("1", Status.INFO_RECEIVED, False),
    ("2", Status.INFO_RECEIVED, False),
    ("12", Status.IN_TRANSIT, False),
    ("13", Status.IN_TRANSIT, False),
    ("14", Status.IN_TRANSIT, False),
    ("17", Status.OUT_FOR_DELIVERY, False),
    ("18", Status.OUT_FOR_DELIVERY, False),
    ("25", Status.EXCEPTION, False),
    ("26", Status.FAILED_ATTEMPT, False),
    ("28", Status.EXCEPTION, False),
    ("29", Status.DELIVERED, False),
    ("31", Status.RETURNING, False),
    ("32", Status.RETURNING, False),
    ("33", Status.FAILED, False),
    ("35", Status.EXCEPTION, False),
    ("39", Status.IN_TRANSIT, True),
    ("46", Status.RETURNING, False),
    ("58", Status.EXCEPTION, False),
]


@pytest.mark.parametrize(("code", "expected", "delayed"), ROWS)
def test_each_cargo_event_type_maps_to_its_status(
    code: str, expected: Status, delayed: bool
) -> None:
    canonical = kolaygelsin.kolaygelsin_status(code)
    assert (canonical.status, canonical.delayed) == (expected, delayed)


def test_the_table_has_exactly_the_tested_rows() -> None:
    assert set(kolaygelsin.KOLAYGELSIN_EVENTS) == {code for code, _, _ in ROWS}


@pytest.mark.parametrize("code", ["0", "3", "77", "abc"])
def test_an_unknown_code_is_unknown(code: str) -> None:
    assert kolaygelsin.kolaygelsin_status(code).status is Status.UNKNOWN


# --- fixtures to exact events ----------------------------------------------------------
def parse(name: str) -> list[tuple[object, ...]]:
    update = only_update(kolaygelsin.SOURCE.parse(fixture_bytes("kolaygelsin", name)))
    assert update.shipment_key == ("kolaygelsin", "KG100000123TR")
    return [event_row(event) for event in update.events]


IST = {"city": "İSTANBUL"}
ANK = {"city": "ANKARA"}


def test_created() -> None:
    assert parse("created") == [
        (
            "2026-11-20T13:05:12.417000Z",
            "info_received",
            False,
            "1",
            "Gönderi Kolay Gelsin sistemine kayıt edildi",
            IST,
        )
    ]


def test_full_journey() -> None:
    assert parse("full_journey") == [
        (
            "2026-11-20T13:05:12.417000Z",
            "info_received",
            False,
            "1",
            "Gönderi Kolay Gelsin sistemine kayıt edildi",
            IST,
        ),
        (
            "2026-11-20T16:30:00Z",
            "in_transit",
            False,
            "12",
            "Paket Kolay Gelsin tarafından teslim alındı",
            IST,
        ),
        (
            "2026-11-21T03:10:00Z",
            "in_transit",
            False,
            "14",
            "Dağıtım transfer merkezinde gönderi indirildi",
            ANK,
        ),
        (
            "2026-11-21T05:45:00Z",
            "out_for_delivery",
            False,
            "17",
            "Dağıtım yapacak kuryenin aracına yüklendi",
            ANK,
        ),
        (
            "2026-11-21T06:05:00Z",
            "out_for_delivery",
            False,
            "18",
            "Dağıtım kuryesi transfer merkezinden ayrıldı, teslimat adresine doğru yola çıktı",
            ANK,
        ),
        ("2026-11-21T09:40:31Z", "delivered", False, "29", "Gönderi teslim edildi", ANK),
    ]


def test_an_address_exception() -> None:
    assert parse("exception_address") == [
        ("2026-11-22T07:00:00Z", "exception", False, "25", "Alıcı adresi hatalı", {"city": "İZMİR"})
    ]


def test_a_return_to_sender() -> None:
    assert parse("return_to_sender") == [
        (
            "2026-11-22T12:20:00Z",
            "returning",
            False,
            "31",
            "Gönderen tarafından gönderi durduruldu, gönderene iade edilecek",
            IST,
        )
    ]


def test_a_delay_to_the_next_business_day_carries_the_new_date() -> None:
    (update,) = kolaygelsin.SOURCE.parse(fixture_bytes("kolaygelsin", "delay"))
    assert [event_row(e) for e in update.events] == [
        (
            "2026-11-22T17:00:00Z",
            "in_transit",
            True,
            "39",
            "Dağıtım görevi ertesi iş gününe devredildi",
            ANK,
        )
    ]
    assert update.estimated_delivery == "2026-11-23"


def test_an_unknown_code_is_kept_as_unknown() -> None:
    assert parse("unknown_status") == [("2026-11-22T08:11:11Z", "unknown", False, "77", None, IST)]


def test_a_body_with_only_the_required_fields() -> None:
    update = only_update(kolaygelsin.SOURCE.parse(fixture_bytes("kolaygelsin", "minimal")))
    assert update.tracking_number == "KG100000456"  # "kg 1000-00456" normalised
    assert [event_row(e) for e in update.events] == [
        ("2026-11-21T09:40:31Z", "delivered", False, "29", "Gönderi teslim edildi", None)
    ]  # no offset: Istanbul time


def test_the_published_schema_shape_with_a_long_history() -> None:
    (update,) = kolaygelsin.SOURCE.parse(fixture_bytes("kolaygelsin", "long_history"))
    rows = [
        (time, status, delayed, code)
        for time, status, delayed, code, *_ in map(event_row, update.events)
    ]
    assert rows == [
        ("2026-11-20T13:05:12Z", "info_received", False, "1"),
        ("2026-11-20T14:00:00Z", "info_received", False, "2"),
        ("2026-11-20T16:30:00Z", "in_transit", False, "12"),
        ("2026-11-20T19:00:00Z", "in_transit", False, "13"),
        ("2026-11-21T03:10:00Z", "in_transit", False, "14"),
        ("2026-11-21T05:45:00Z", "out_for_delivery", False, "17"),
        ("2026-11-21T08:15:00Z", "failed_attempt", False, "26"),
        ("2026-11-21T16:00:00Z", "in_transit", True, "39"),
        ("2026-11-22T06:00:00Z", "out_for_delivery", False, "18"),
        ("2026-11-22T07:20:00Z", "delivered", False, "29"),
    ]
    assert update.raw_status == "29"


def test_actions_of_two_parcels_in_one_body_give_two_updates() -> None:
    first = json.loads(fixture_bytes("kolaygelsin", "created"))
    second = {**first, "CustomerBarcode": "KG100000999TR", "CargoEventType": "12"}
    updates = kolaygelsin.SOURCE.parse(json.dumps([first, second]).encode())
    assert [(u.tracking_number, u.events[0].status) for u in updates] == [
        ("KG100000123TR", Status.INFO_RECEIVED),
        ("KG100000999TR", Status.IN_TRANSIT),
    ]


def test_the_barcode_falls_back_to_the_tracking_id_then_the_shipment_id() -> None:
    base = {"CargoEventType": "12", "TimeStamp": "2026-11-21T10:00:00+03:00"}
    by_tracking_id = {**base, "CustomerBarcode": "", "CustomerTrackingId": "SIP-1001"}
    by_shipment_id = {**base, "ShipmentId": "4829173"}
    assert kolaygelsin.SOURCE.parse(json.dumps(by_tracking_id).encode())[0].tracking_number == (
        "SIP1001"
    )
    assert kolaygelsin.SOURCE.parse(json.dumps(by_shipment_id).encode())[0].tracking_number == (
        "4829173"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b"{}",
        b'{"CargoEventType": "29", "TimeStamp": "2026-11-21T10:00:00+03:00"}',  # no parcel
        b'{"CargoEventType": "29", "CustomerBarcode": "KG100000123TR", "TimeStamp": "soon"}',
        b'{"CargoEventType": "1", "CustomerTrackingId": "1", "TimeStamp": "2021-05-13T18:28:01"}',
    ],
)
def test_a_body_naming_no_readable_action_is_a_dead_letter(body: bytes) -> None:
    with pytest.raises(UnprocessableDelivery):
        kolaygelsin.SOURCE.parse(body)
