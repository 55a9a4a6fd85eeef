"""PTT: the barkodSorgu envelope, the fixtures parsed to their events (times worked
out by hand), each mapping row, and polling the fake over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import defusedxml.ElementTree as DET  # noqa: N814
import pytest

from chalicelib.carriers import ptt, soap
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery
from local.fakes.ptt import PttFake
from tests.unit.carriers.payloads import FIXTURES, event_row

CLIENT = ptt.CLIENT
H = "{http://hareket.ptt.gov.tr}"


def framed(name: str, asked: str = "KP02123456789") -> bytes:
    return soap.frame([(asked, (FIXTURES / "ptt" / f"{name}.xml").read_bytes())])


def test_envelope() -> None:
    call = DET.fromstring(CLIENT.envelope("KP02123456789", CarrierAccount("x", "904", "s3")))[1][0]
    assert call.tag == f"{H}barkodSorgu"
    [given] = list(call)
    assert given.tag == f"{H}input"
    assert [(c.tag, c.text) for c in given] == [
        ("musteri_no", "904"),
        ("sifre", "s3"),
        ("barkod", "KP02123456789"),
    ]


def test_delivered() -> None:
    [update] = CLIENT.parse(framed("delivered"))
    assert update.tracking_number == "KP02123456789"
    assert [event_row(e) for e in update.events] == [
        (
            "2026-03-20T07:00:00Z",
            "in_transit",
            False,
            "1",
            "Kabul Edildi",
            {"city": "İSTANBUL", "country": "TR"},
        ),
        (
            "2026-03-21T05:00:00Z",
            "in_transit",
            False,
            "77",
            "Sevk Edildi",
            {"city": "ANKARA AKTARMA", "country": "TR"},
        ),
        (
            "2026-03-22T06:00:00Z",
            "out_for_delivery",
            False,
            "7",
            "Dağıtıcıya Verildi",
            {"city": "ANKARA", "country": "TR"},
        ),
        (
            "2026-03-22T08:45:00Z",
            "failed_attempt",
            True,
            "124",
            "Adreste Yok/Kapalı",
            {"city": "ANKARA", "country": "TR"},
        ),  # 22.03.2026 11:45
        (
            "2026-03-23T11:30:00Z",
            "delivered",
            False,
            "100",
            "Teslim Edildi",
            {"city": "ANKARA", "country": "TR"},
        ),  # 20260323 143000
        ("2026-03-23T12:00:00Z", "unknown", False, "999", "Bilinmeyen İşlem", None),
    ]


def test_not_found_and_refused_are_no_update() -> None:
    assert CLIENT.parse(framed("not_found")) == []
    assert CLIENT.parse(framed("refused_in_return")) == []


def test_unframed_or_broken_answers_are_dead_letters() -> None:
    raw = (FIXTURES / "ptt" / "delivered.xml").read_bytes()
    for body in (raw, soap.frame([("KP1", b"<oops")]), b'{"format": "kargo-poll-frame/1"}'):
        with pytest.raises(UnprocessableDelivery):
            CLIENT.parse(body)


EVENT_ROWS = [
    ("701", Status.INFO_RECEIVED),
    ("1", Status.IN_TRANSIT),
    ("77", Status.IN_TRANSIT),
    ("8", Status.IN_TRANSIT),
    ("9", Status.IN_TRANSIT),
    ("3", Status.IN_TRANSIT),
    ("6", Status.IN_TRANSIT),
    ("11", Status.IN_TRANSIT),
    ("91", Status.IN_TRANSIT),
    ("92", Status.IN_TRANSIT),
    ("149", Status.IN_TRANSIT),
    ("7", Status.OUT_FOR_DELIVERY),
    ("99", Status.RETURNING),
    ("151", Status.RETURNING),
    ("154", Status.RETURNING),
    ("155", Status.RETURNING),
    ("156", Status.RETURNING),
    ("161", Status.RETURNING),
    ("100", Status.DELIVERED),
    ("157", Status.DELIVERED),
    ("202", Status.DELIVERED),
    ("252", Status.DELIVERED),
    ("807", Status.DELIVERED),
    ("812", Status.DELIVERED),
    ("120", Status.RETURNED),
    ("141", Status.RETURNED),
    ("101", Status.FAILED_ATTEMPT),
    ("124", Status.FAILED_ATTEMPT),
    ("126", Status.EXCEPTION),
    ("140", Status.EXCEPTION),
    ("109", Status.FAILED),
    ("2", Status.CANCELLED),
]


@pytest.mark.parametrize(("code", "expected"), EVENT_ROWS)
def test_event_code(code: str, expected: Status) -> None:
    assert ptt.EVENT_CODES[code] is expected


def test_every_row_has_a_test() -> None:
    assert sorted(ptt.EVENT_CODES) == sorted(code for code, _ in EVENT_ROWS)
    assert {"101", "124", "126"} == ptt.DELAY_CODES


@pytest.fixture
def fake() -> Iterator[PttFake]:
    server = PttFake()
    server.start()
    yield server
    server.stop()


def test_polling_the_fake_walks_the_journey(fake: PttFake) -> None:
    account = CarrierAccount(fake.url + "/GonderiHareketV2/services/Sorgu", "904", "s3")
    latest = []
    for _ in range(7):
        [update] = CLIENT.parse(CLIENT.fetch(["KP02123456789"], account))
        latest.append(update.events[-1].status)
    assert latest == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
        Status.DELIVERED,
    ]
    assert CLIENT.parse(CLIENT.fetch(["UNKNOWN1"], account)) == []
    with pytest.raises(CarrierRefused):
        CLIENT.fetch(["KP1"], CarrierAccount(fake.url, "904", ""))
