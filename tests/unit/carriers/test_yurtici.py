"""Yurtiçi: the queryShipment envelope, every fixture parsed to its events (times
worked out by hand), each mapping row, and polling the fake over real HTTP."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import defusedxml.ElementTree as DET  # noqa: N814
import pytest

from chalicelib.carriers import yurtici
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery
from local.fakes.yurtici import YurticiFake
from tests.unit.carriers.payloads import FIXTURES, event_row

CLIENT = yurtici.CLIENT
ACCOUNT = CarrierAccount("http://127.0.0.1:9/unused", "YKTEST", "YK")
NS = "{http://yurticikargo.com.tr/ShippingOrderDispatcherServices}"
WSDL = Path(yurtici.__file__).parent / "wsdl" / "yurtici.wsdl"


def fixture(name: str) -> bytes:
    return (FIXTURES / "yurtici" / f"{name}.xml").read_bytes()


# --- the request --------------------------------------------------------------------


def test_envelope_calls_query_shipment_with_credentials_and_every_key() -> None:
    root = DET.fromstring(CLIENT.envelope(["YK1", "YK2"], ACCOUNT))
    body = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    assert body is not None
    call = body.find(f"{NS}queryShipment")
    assert call is not None
    assert [(child.tag, child.text) for child in call] == [  # unqualified, in WSDL order
        ("wsUserName", "YKTEST"),
        ("wsPassword", "YK"),
        ("wsLanguage", "TR"),
        ("keys", "YK1"),
        ("keys", "YK2"),
        ("keyType", "0"),
        ("addHistoricalData", "true"),
        ("onlyTracking", "false"),
    ]


def test_envelope_is_what_the_published_wsdl_describes() -> None:
    """zeep (tests only) builds the same call from the WSDL kept in the package."""
    zeep = pytest.importorskip("zeep")
    lxml_etree = pytest.importorskip("lxml.etree")
    client = zeep.Client(str(WSDL))
    expected = client.create_message(
        client.service,
        "queryShipment",
        wsUserName="YKTEST",
        wsPassword="YK",
        wsLanguage="TR",
        keys=["YK1", "YK2"],
        keyType=0,
        addHistoricalData=True,
        onlyTracking=False,
    )
    ours = DET.fromstring(CLIENT.envelope(["YK1", "YK2"], ACCOUNT))

    def call_of(root: ET.Element) -> list[tuple[str, str | None]]:
        body = next(c for c in root if c.tag.endswith("Body"))
        call = next(iter(body))
        return [(call.tag, None)] + [(child.tag, child.text) for child in call]

    assert call_of(ours) == call_of(DET.fromstring(lxml_etree.tostring(expected)))


def test_credentials_are_escaped_not_injected() -> None:
    account = CarrierAccount("http://x", "a<b>&", "p</wsPassword><keys>X")
    call = DET.fromstring(CLIENT.envelope(["YK1"], account))[1][0]
    assert [child.text for child in call][:2] == ["a<b>&", "p</wsPassword><keys>X"]
    assert [child.text for child in call if child.tag == "keys"] == ["YK1"]


# --- the answers --------------------------------------------------------------------

ISTANBUL = {"city": "İSTANBUL", "country": "TR"}
MARAS = {"city": "Kahramanmaras", "country": "TR"}
ANKARA = {"city": "ANKARA", "country": "TR"}


def test_delivered_with_history() -> None:
    [update] = CLIENT.parse(fixture("delivered_with_history"))
    assert (update.carrier, update.tracking_number) == ("yurtici", "YK123456789")
    assert update.estimated_delivery == "2026-11-25"
    assert update.raw_status == "DLV"
    assert [event_row(event) for event in update.events] == [
        ("2026-11-23T07:15:00Z", "unknown", False, "ALM", "Kargo Kabul Edildi", ISTANBUL),
        ("2026-11-24T05:23:04Z", "unknown", False, "YK", "Kargo Indirildi", MARAS),
        ("2026-11-25T06:10:00Z", "unknown", False, "DAG", "Kargo Dağıtıma Çıkarıldı", MARAS),
        # the summary at deliveryDate/deliveryTime 20261125 143000 (UTC+3)
        ("2026-11-25T11:30:00Z", "delivered", False, "DLV", "Kargo teslim edilmiştir.", None),
    ]


def test_problem_return_and_unprocessed() -> None:
    updates = CLIENT.parse(fixture("problem_and_return"))
    assert [u.tracking_number for u in updates] == ["YK200000001", "YK200000002", "YK200000003"]
    problem, returning, unprocessed = updates
    assert [event_row(event) for event in problem.events] == [
        # 1 December 2015: Türkiye was still on UTC+2 in winter
        (
            "2015-12-01T08:15:00Z",
            "unknown",
            True,
            "DAG/AY",
            "Teslim Edilemedi (Adres Yanlış / Yetersiz)",
            ANKARA,
        ),
        ("2015-12-01T08:15:00Z", "in_transit", False, "IND", "Kargo Teslimattadır.", None),
    ]
    assert [event_row(event) for event in returning.events] == [
        ("2026-11-26T09:00:00Z", "unknown", False, "IAD", "İade Sürecinde", ANKARA),
        (
            "2026-11-26T09:00:00Z",
            "returning",
            False,
            "rejectStatus 1",
            "Çıkış Şubesi Onayladı",
            None,
        ),
    ]
    assert unprocessed.events == ()  # NOP and nothing dated yet: pending stays pending


def test_nothing_found_is_no_update() -> None:
    assert CLIENT.parse(fixture("nothing_found")) == []


def test_a_stored_fault_is_a_dead_letter() -> None:
    with pytest.raises(UnprocessableDelivery):
        CLIENT.parse(fixture("fault_credentials"))


@pytest.mark.parametrize("body", [b"", b"not xml", b"<a/>", b"<Envelope><Body/></Envelope>"])
def test_unreadable_answers_are_dead_letters(body: bytes) -> None:
    with pytest.raises(UnprocessableDelivery):
        CLIENT.parse(body)


def test_entity_expansion_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>'
    )
    with pytest.raises(UnprocessableDelivery):
        CLIENT.parse(bomb)


# --- the mapping, a row each ------------------------------------------------------------

OPERATION_ROWS = [
    ("0", Status.INFO_RECEIVED),
    ("1", Status.IN_TRANSIT),
    ("2", Status.IN_TRANSIT),
    ("3", Status.CANCELLED),
    ("4", Status.CANCELLED),
    ("5", Status.DELIVERED),
    ("6", Status.UNKNOWN),
]


@pytest.mark.parametrize(("code", "expected"), OPERATION_ROWS)
def test_operation_code(code: str, expected: Status) -> None:
    assert yurtici.OPERATION_CODES[code] is expected


def test_every_operation_code_has_a_test() -> None:
    assert sorted(yurtici.OPERATION_CODES) == sorted(code for code, _ in OPERATION_ROWS)


def test_return_and_reject_statuses() -> None:
    assert yurtici.RETURN_STATUSES == {"3": Status.RETURNED}
    assert yurtici.REJECT_STATUSES == {
        "0": Status.RETURNING,
        "1": Status.RETURNING,
        "2": Status.RETURNING,
        "3": Status.RETURNING,
        "9": Status.RETURNING,
        "10": Status.RETURNING,
    }
    assert yurtici.EVENT_CODES == {}  # none published: movements stay unknown


# --- over HTTP against the fake -------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[YurticiFake]:
    server = YurticiFake()
    server.start()
    yield server
    server.stop()


def account(fake: YurticiFake, password: str = "YK") -> CarrierAccount:
    return CarrierAccount(
        fake.url + "/KOPSWebServices/ShippingOrderDispatcherServices", "YKTEST", password
    )


def test_polling_the_fake_walks_the_journey(fake: YurticiFake) -> None:
    statuses = []
    for _ in range(6):
        [update] = CLIENT.parse(CLIENT.fetch(["YK777", "UNKNOWN1"], account(fake)))
        statuses.append(update.events[-1].status)
    assert statuses == [Status.IN_TRANSIT] * 4 + [Status.DELIVERED] * 2
    assert len(update.events) == 6  # five movements and the summary
    sent = DET.fromstring(fake.requests[0].body)[1][0]
    assert [child.text for child in sent if child.tag == "keys"] == ["YK777", "UNKNOWN1"]


def test_the_fake_refuses_a_wrong_password(fake: YurticiFake) -> None:
    with pytest.raises(CarrierRefused):
        CLIENT.fetch(["YK777"], account(fake, "wrong"))


def test_a_key_kargo_cannot_store_leaves_its_neighbours_alone() -> None:
    body = fixture("problem_and_return").replace(
        b"<cargoKey>YK200000003</cargoKey>", b"<cargoKey>\xc4\xb0?</cargoKey>"
    )
    assert [u.tracking_number for u in CLIENT.parse(body)] == ["YK200000001", "YK200000002"]
