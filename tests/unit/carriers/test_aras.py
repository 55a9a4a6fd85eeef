"""Aras: the GetQueryJSON envelope, every fixture parsed to its events (times worked
out by hand), each mapping row, and polling the fake over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import defusedxml.ElementTree as DET  # noqa: N814
import pytest

from chalicelib.carriers import aras
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused
from chalicelib.carriers.status_maps import CanonicalStatus
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery
from local.fakes.aras import ArasFake
from tests.unit.carriers.payloads import FIXTURES, event_row

CLIENT = aras.CLIENT
ACCOUNT = CarrierAccount("http://x", "neodyum", "nd2580", {"customer_code": "1932448851342"})
T = "{http://tempuri.org/}"


def fixture(name: str) -> bytes:
    return (FIXTURES / "aras" / f"{name}.xml").read_bytes()


def test_envelope_carries_login_and_query_info_as_xml_strings() -> None:
    call = DET.fromstring(CLIENT.envelope(["3513773163316", "3513773163317"], ACCOUNT))[1][0]
    assert call.tag == f"{T}GetQueryJSON"
    assert [child.tag for child in call] == [f"{T}loginInfo", f"{T}queryInfo"]
    login = DET.fromstring(call[0].text or "")
    query = DET.fromstring(call[1].text or "")
    assert [(c.tag, c.text) for c in login] == [
        ("UserName", "neodyum"),
        ("Password", "nd2580"),
        ("CustomerCode", "1932448851342"),
    ]
    assert [(c.tag, c.text) for c in query] == [
        ("QueryType", "14"),
        ("TrackingNumber", "3513773163316,3513773163317"),
    ]


def test_three_cargos() -> None:
    updates = CLIENT.parse(fixture("three_cargos"))
    assert [u.tracking_number for u in updates] == [
        "3513773163316",
        "3513773163317",
        "3513773163318",
    ]
    assert [event_row(u.events[0]) for u in updates] == [
        # TESLIM_TARIHI 25.11.2026 + TESLIM_SAATI 14:30:00 at UTC+3
        (
            "2026-11-25T11:30:00Z",
            "delivered",
            False,
            "6",
            "TESLİM EDİLDİ",
            {"city": "ANKARA ÇANKAYA", "country": "TR"},
        ),
        # out for delivery carried over with NT (note left): a failed attempt, dated by
        # the waybill (CIKIS_TARIH 24.11.2026 09:00:00)
        (
            "2026-11-24T06:00:00Z",
            "failed_attempt",
            True,
            "4/NT",
            "TESLİMATTA",
            {"city": "İZMİR BORNOVA", "country": "TR"},
        ),
        # at the delivery branch, carried over for a holiday (numeric id 14 = TL)
        (
            "2026-11-24T06:30:00Z",
            "in_transit",
            True,
            "3/14",
            "TESLİMAT ŞUBESİNDE",
            {"city": "BURSA NİLÜFER", "country": "TR"},
        ),
    ]


def test_a_single_row_returned_to_the_sender() -> None:
    [update] = CLIENT.parse(fixture("returned_single_row"))
    assert [event_row(e) for e in update.events] == [
        (
            "2026-11-27T13:05:00Z",
            "returned",
            False,
            "6/T3",
            "TESLİM EDİLDİ (ALICI KABUL ETMEDİ)",
            {"city": "İSTANBUL KADIKÖY", "country": "TR"},
        ),
    ]


def test_nothing_found_is_no_update() -> None:
    assert CLIENT.parse(fixture("nothing_found")) == []


def test_a_stored_fault_and_broken_json_are_dead_letters() -> None:
    with pytest.raises(UnprocessableDelivery):
        CLIENT.parse(fixture("fault_credentials"))
    broken = fixture("nothing_found").replace(
        b"<GetQueryJSONResult></GetQueryJSONResult>",
        b"<GetQueryJSONResult>{&quot;QueryResult&quot;: </GetQueryJSONResult>",
    )
    with pytest.raises(UnprocessableDelivery):
        CLIENT.parse(broken)


# --- the mapping, a row each ------------------------------------------------------------

STATUS_ROWS = [
    ("1", CanonicalStatus(Status.IN_TRANSIT)),
    ("2", CanonicalStatus(Status.IN_TRANSIT)),
    ("3", CanonicalStatus(Status.IN_TRANSIT)),
    ("4", CanonicalStatus(Status.OUT_FOR_DELIVERY)),
    ("5", CanonicalStatus(Status.IN_TRANSIT, delayed=True)),
    ("6", CanonicalStatus(Status.DELIVERED)),
    ("7", CanonicalStatus(Status.IN_TRANSIT, delayed=True)),
]
CARRY_OVER_ROWS = [
    ("AY", CanonicalStatus(Status.EXCEPTION, delayed=True)),
    ("NT", CanonicalStatus(Status.FAILED_ATTEMPT, delayed=True)),
    ("MD", CanonicalStatus(Status.IN_TRANSIT, delayed=True)),
    ("TL", CanonicalStatus(Status.IN_TRANSIT, delayed=True)),
    ("ŞA", CanonicalStatus(Status.AVAILABLE_FOR_PICKUP)),
    ("AD", CanonicalStatus(Status.EXCEPTION, delayed=True)),
    ("TG", CanonicalStatus(Status.FAILED_ATTEMPT, delayed=True)),
    ("AA", CanonicalStatus(Status.EXCEPTION, delayed=True)),
    ("HT", CanonicalStatus(Status.EXCEPTION, delayed=True)),
    ("KG", CanonicalStatus(Status.EXCEPTION, delayed=True)),
    ("PR", CanonicalStatus(Status.AVAILABLE_FOR_PICKUP)),
    ("ÜR", CanonicalStatus(Status.EXCEPTION, delayed=True)),
    ("KE", CanonicalStatus(Status.EXCEPTION, delayed=True)),
    ("TT", CanonicalStatus(Status.IN_TRANSIT, delayed=True)),
    ("PS", CanonicalStatus(Status.EXCEPTION, delayed=True)),
    ("TO", CanonicalStatus(Status.IN_TRANSIT, delayed=True)),
]


@pytest.mark.parametrize(("code", "expected"), STATUS_ROWS)
def test_status_code(code: str, expected: CanonicalStatus) -> None:
    assert aras.STATUS_CODES[code] == expected
    assert aras.canonical(code, "1", "") == expected


@pytest.mark.parametrize(("code", "expected"), CARRY_OVER_ROWS)
def test_carry_over_code(code: str, expected: CanonicalStatus) -> None:
    assert aras.CARRY_OVER_CODES[code] == expected
    assert aras.canonical("3", "1", code) == expected  # replaces a parcel still on its way
    assert aras.canonical("6", "1", code) == CanonicalStatus(Status.DELIVERED)  # never a delivery


def test_every_row_has_a_test_and_every_id_a_code() -> None:
    assert sorted(aras.STATUS_CODES) == sorted(code for code, _ in STATUS_ROWS)
    assert sorted(aras.CARRY_OVER_CODES) == sorted(code for code, _ in CARRY_OVER_ROWS)
    assert aras.CARRY_OVER_IDS == {
        "10": "AY",
        "11": "NT",
        "12": "MD",
        "14": "TL",
        "15": "ŞA",
        "17": "AD",
        "18": "TG",
        "20": "AA",
        "22": "HT",
        "26": "KG",
        "32": "PR",
        "33": "ÜR",
        "34": "KE",
        "45": "TT",
        "47": "PS",
        "51": "TO",
    }


def test_return_type_code() -> None:
    assert aras.canonical("2", "3", "") == CanonicalStatus(Status.RETURNING)
    assert aras.canonical("6", "3", "") == CanonicalStatus(Status.RETURNED)
    assert aras.canonical("6", "2", "") == CanonicalStatus(Status.DELIVERED)  # redirected only
    assert aras.canonical("99", "1", "") == CanonicalStatus(Status.UNKNOWN)


# --- over HTTP against the fake -------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[ArasFake]:
    server = ArasFake()
    server.start()
    yield server
    server.stop()


def test_polling_the_fake_walks_the_journey(fake: ArasFake) -> None:
    account = CarrierAccount(
        fake.url + "/ArasCargoIntegrationService.svc", "u", "p", {"customer_code": "1"}
    )
    seen = []
    for _ in range(6):
        [update] = CLIENT.parse(CLIENT.fetch(["3513773163316", "UNKNOWN1"], account))
        seen.append(update.events[0].status)
    assert seen == [Status.IN_TRANSIT] * 3 + [Status.OUT_FOR_DELIVERY] + [Status.DELIVERED] * 2
    assert fake.requests[0].headers["soapaction"] == f'"{aras.SOAP_ACTION}"'


def test_the_fake_refuses_a_missing_customer_code(fake: ArasFake) -> None:
    with pytest.raises(CarrierRefused):
        CLIENT.fetch(["1"], CarrierAccount(fake.url, "u", "p"))
