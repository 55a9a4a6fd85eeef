"""Sürat: the KargoTakipHareketDetayliV2 envelope, the fixtures parsed to their
events (times worked out by hand), each description rule, and the fake."""

from __future__ import annotations

from collections.abc import Iterator

import defusedxml.ElementTree as DET  # noqa: N814
import pytest

from chalicelib.carriers import soap, surat
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused
from chalicelib.carriers.status_maps import CanonicalStatus
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery
from local.fakes.surat import SuratFake
from tests.unit.carriers.payloads import FIXTURES, event_row

CLIENT = surat.CLIENT
T = "{http://tempuri.org/}"


def framed(name: str, asked: str = "sip-123") -> bytes:
    return soap.frame([(asked, (FIXTURES / "surat" / f"{name}.xml").read_bytes())])


def test_envelope() -> None:
    account = CarrierAccount("x", "1038106246", "p.Ff")
    call = DET.fromstring(CLIENT.envelope("SIP123", account))[1][0]
    assert call.tag == f"{T}KargoTakipHareketDetayliV2"
    assert [(c.tag, c.text) for c in call] == [
        (f"{T}CariKodu", "1038106246"),
        (f"{T}Sifre", "p.Ff"),
        (f"{T}WebSiparisKodu", "SIP123"),
    ]


def test_delivered() -> None:
    [update] = CLIENT.parse(framed("delivered"))
    assert update.tracking_number == "SIP123"  # the code asked about, normalised
    assert [event_row(e) for e in update.events] == [
        (
            "2026-02-20T07:00:00Z",
            "in_transit",
            False,
            "Kargo Kabul",
            "Kargo Kabul",
            {"city": "Istanbul Umraniye Sube", "country": "TR"},
        ),
        (
            "2026-02-21T05:00:00Z",
            "in_transit",
            False,
            "Aktarma Merkezinde",
            "Aktarma Merkezinde",
            {"city": "Istanbul Aktarma", "country": "TR"},
        ),
        (
            "2026-02-22T06:15:00Z",
            "out_for_delivery",
            False,
            "Dagitima Verildi",
            "Dagitima Verildi",
            {"city": "Ankara Cankaya Sube", "country": "TR"},
        ),
        (
            "2026-02-22T11:30:00Z",
            "delivered",
            False,
            "Teslim Edildi",
            "Teslim Edildi",
            {"city": "Ankara Cankaya Sube", "country": "TR"},
        ),
    ]


def test_failed_then_returning() -> None:
    [update] = CLIENT.parse(framed("failed_then_returning"))
    assert [event_row(e)[:4] for e in update.events] == [
        ("2026-02-21T07:00:00Z", "in_transit", False, "Kargo Kabul"),
        ("2026-02-23T13:40:00Z", "failed_attempt", True, "Teslim Edilemedi - Alıcı Adreste Yok"),
        ("2026-02-24T06:00:00Z", "returning", False, "İade Sürecinde"),
        ("2026-02-24T06:05:00Z", "unknown", False, "Özel Not Düşüldü"),
    ]
    assert update.events[-1].location is None


def test_not_found_is_no_update_and_garbage_a_dead_letter() -> None:
    assert CLIENT.parse(framed("not_found")) == []
    with pytest.raises(UnprocessableDelivery):
        CLIENT.parse(soap.frame([("S1", b"<soap:Envelope/>")]))


RULE_ROWS = [
    ("Teslim Edilemedi", CanonicalStatus(Status.FAILED_ATTEMPT, delayed=True)),
    ("Adres Yetersiz", CanonicalStatus(Status.EXCEPTION, delayed=True)),
    ("Hasarlı Kargo", CanonicalStatus(Status.EXCEPTION, delayed=True)),
    ("İade Teslim Edildi", CanonicalStatus(Status.RETURNED)),
    ("İade Edildi", CanonicalStatus(Status.RETURNING)),
    ("İptal Edildi", CanonicalStatus(Status.CANCELLED)),
    ("TESLİM EDİLDİ", CanonicalStatus(Status.DELIVERED)),
    ("Şubeden Teslim Alınacak", CanonicalStatus(Status.AVAILABLE_FOR_PICKUP)),
    ("Dağıtıma Çıkarıldı", CanonicalStatus(Status.OUT_FOR_DELIVERY)),
    ("Dağıtımda", CanonicalStatus(Status.OUT_FOR_DELIVERY)),
    ("Aktarma Merkezinde", CanonicalStatus(Status.IN_TRANSIT)),
    ("Transfer Merkezine Gönderildi", CanonicalStatus(Status.IN_TRANSIT)),
    ("Araca Yüklendi", CanonicalStatus(Status.IN_TRANSIT)),
    ("Kargo Kabul", CanonicalStatus(Status.IN_TRANSIT)),
    ("Gönderi Oluşturuldu", CanonicalStatus(Status.INFO_RECEIVED)),
    ("Müşteri Aradı", CanonicalStatus(Status.UNKNOWN)),
]


@pytest.mark.parametrize(("text", "expected"), RULE_ROWS)
def test_description_rule(text: str, expected: CanonicalStatus) -> None:
    assert surat.canonical(text) == expected


def test_every_rule_has_a_test() -> None:
    assert len(surat.DESCRIPTION_RULES) == len(RULE_ROWS) - 1  # the last row: no rule


@pytest.fixture
def fake() -> Iterator[SuratFake]:
    server = SuratFake()
    server.start()
    yield server
    server.stop()


def test_polling_the_fake_walks_the_journey(fake: SuratFake) -> None:
    account = CarrierAccount(fake.url + "/services.asmx", "1038106246", "123456.Ff")
    latest = []
    for _ in range(6):
        [update] = CLIENT.parse(CLIENT.fetch(["SIP-9"], account))
        latest.append(update.events[-1].status)
    assert latest == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
        Status.DELIVERED,
    ]
    assert update.tracking_number == "SIP9"
    assert CLIENT.parse(CLIENT.fetch(["UNKNOWN1"], account)) == []
    with pytest.raises(CarrierRefused):
        CLIENT.fetch(["SIP-9"], CarrierAccount(fake.url, "1038106246", "wrong"))
