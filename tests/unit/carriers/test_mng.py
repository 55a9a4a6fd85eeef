"""MNG Kargo / DHL eCommerce: status table, reading answers, and the client
against the fake over real HTTP (token caching, refresh on 401, errors)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.carriers import get_polled, mng
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused, CarrierUnavailable
from chalicelib.carriers.rest_polling import fold_turkish
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery
from local.fakes import mng as fake_mng
from tests.unit.carriers.payloads import event_row, only_update
from tests.unit.carriers.polled_helpers import (
    SettableClock,
    closed_port_url,
    mng_answer,
    mng_frame,
    silent_server,
    wire_text,
)

# --- the status table: one row each, the expected status written out ------------
CODE_ROWS = [
    ("0", Status.INFO_RECEIVED),
    ("1", Status.INFO_RECEIVED),
    ("2", Status.IN_TRANSIT),
    ("3", Status.IN_TRANSIT),
    ("4", Status.OUT_FOR_DELIVERY),
    ("5", Status.DELIVERED),
    ("6", Status.FAILED_ATTEMPT),
    ("7", Status.RETURNING),
    ("8", Status.EXCEPTION),
]


@pytest.mark.parametrize(("code", "expected"), CODE_ROWS)
def test_each_code_maps_to_its_status(code: str, expected: Status) -> None:
    assert mng.mng_status(code).status is expected
    assert mng.mng_status(code).delayed is False


def test_the_table_has_exactly_the_tested_rows() -> None:
    assert set(mng.MNG_STATUS_CODES) == {code for code, _ in CODE_ROWS}


NAME_ROWS = [
    ("Henüz İşlem Yapılmadı", Status.INFO_RECEIVED),
    ("Gönderi_Hazırlandı", Status.INFO_RECEIVED),
    ("Sipariş Kargoya Verildi", Status.INFO_RECEIVED),
    ("TRANSFER AŞAMASINDA", Status.IN_TRANSIT),
    ("Teslimat Birimine Ulaştı", Status.IN_TRANSIT),
    ("Gönderi Teslim Birimine Ulaştı", Status.IN_TRANSIT),
    ("Alıcı_Adresine_Yönlendirildi", Status.OUT_FOR_DELIVERY),
    ("Gönderi Teslimat Adresine Yönlendirildi", Status.OUT_FOR_DELIVERY),
    ("TESLİM EDİLDİ", Status.DELIVERED),
    ("teslim edilemedi", Status.FAILED_ATTEMPT),
    ("Geri Geliyor", Status.RETURNING),
    ("Destek_Gerekiyor", Status.EXCEPTION),
    ("Göndericiye Teslim Edildi", Status.RETURNED),
]


@pytest.mark.parametrize(("name", "expected"), NAME_ROWS)
def test_each_status_name_maps_however_it_is_spelled(name: str, expected: Status) -> None:
    assert mng.mng_status(name).status is expected


def test_the_name_table_has_exactly_the_tested_rows() -> None:
    tested = {fold_turkish(name) for name, _ in NAME_ROWS}
    assert set(mng.MNG_STATUS_NAMES) | mng.RETURNED_NAMES == tested


@pytest.mark.parametrize("raw", ["9", "Şube Devri", "", "55"])
def test_an_unknown_status_is_unknown(raw: str) -> None:
    assert mng.mng_status(raw).status is Status.UNKNOWN


# --- reading answers -------------------------------------------------------------
def test_a_delivered_parcel_reads_to_exact_events() -> None:
    body = mng_frame(
        mng_answer(
            "sip-1001",
            status=(200, wire_text("mng", "getshipmentstatus_delivered")),
            track=(200, wire_text("mng", "trackshipment_delivered")),
        )
    )
    update = only_update(mng.CLIENT.parse(body))
    assert update.shipment_key == ("mng", "SIP1001")
    assert [event_row(event) for event in update.events] == [
        (
            "2026-11-20T14:42:10Z",
            "info_received",
            False,
            "Gönderi Hazırlandı",
            "Gönderi kargoya hazırlandı",
            {"city": "İSTANBUL/ESENYURT"},
        ),
        (
            "2026-11-20T23:15:00Z",
            "in_transit",
            False,
            "Transfer_Aşamasında",
            "Aktarma merkezinden çıkış yapıldı",
            {"city": "İSTANBUL/HADIMKÖY"},
        ),
        (
            "2026-11-21T05:05:33Z",
            "in_transit",
            False,
            "Teslimat Birimine Ulaştı",
            "Gönderi Çankaya şubesine ulaştı",
            {"city": "ANKARA/ÇANKAYA"},
        ),
        (
            "2026-11-21T06:30:00Z",
            "out_for_delivery",
            False,
            "Alıcı Adresine Yönlendirildi",
            "Gönderi dağıtıma çıkarıldı",
            {"city": "ANKARA/ÇANKAYA"},
        ),
        (
            "2026-11-21T11:12:45Z",
            "delivered",
            False,
            "Teslim Edildi",
            "Gönderi alıcısına teslim edildi",
            {"city": "ANKARA/ÇANKAYA"},
        ),
    ]
    assert update.estimated_delivery is None  # delivered: no estimate
    assert update.raw_status == "5"


def test_exceptions_unknown_names_and_unreadable_times() -> None:
    body = mng_frame(
        mng_answer(
            "SIP1002",
            status=(200, wire_text("mng", "getshipmentstatus_support")),
            track=(200, wire_text("mng", "trackshipment_exception")),
        )
    )
    update = only_update(mng.CLIENT.parse(body))
    assert [event_row(event) for event in update.events] == [
        (
            "2026-11-22T08:00:00Z",
            "failed_attempt",
            False,
            "Teslim Edilemedi",
            "Alıcı adreste bulunamadı",
            {"city": "İZMİR/KONAK"},
        ),
        (
            "2026-11-22T15:20:00Z",
            "exception",
            False,
            "Destek Gerekiyor",
            "Adres bilgisi eksik, müşteri hizmetleri arayacak",
            {"city": "İZMİR/KONAK"},
        ),
        (
            "2026-11-23T06:00:00Z",
            "unknown",
            False,
            "Şube Devri",
            "Şube Devri",
            {"city": "İZMİR/BORNOVA"},
        ),
        ("2026-11-23T13:45:00Z", "returning", False, "Geri Geliyor", "Geri Geliyor", None),
    ]  # the movement dated "dün öğleden sonra" is skipped
    assert update.estimated_delivery == "2026-11-24"
    assert update.raw_status == "8"


def test_the_headline_alone_gives_one_event_when_there_are_no_movements() -> None:
    body = mng_frame(
        mng_answer(
            "SIP1003",
            status=(200, wire_text("mng", "getshipmentstatus_headline_only")),
            track=(200, "[]"),
        )
    )
    update = only_update(mng.CLIENT.parse(body))
    assert [event_row(event) for event in update.events] == [
        ("2026-11-20T17:00:00Z", "in_transit", False, "2", "Transfer Aşamasında", None)
    ]


def test_a_reference_mng_does_not_know_gives_no_update() -> None:
    assert mng.CLIENT.parse(mng_frame(mng_answer("SIP404"))) == []


def test_one_unreadable_answer_never_drops_its_neighbour() -> None:
    good = mng_answer("SIP1001", track=(200, wire_text("mng", "trackshipment_delivered")))
    bad = mng_answer("SIP1009", track=(200, "<html>proxy error</html>"))
    (update,) = mng.CLIENT.parse(mng_frame(bad, good))
    assert update.tracking_number == "SIP1001"
    with pytest.raises(UnprocessableDelivery):
        mng.CLIENT.parse(mng_frame(bad))


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"answers": []}', b'{"format": "kargo.poll.mng/1"}', b"\xff\xfe"],
)
def test_a_body_that_is_no_poll_answer_is_a_dead_letter(body: bytes) -> None:
    with pytest.raises(UnprocessableDelivery):
        mng.CLIENT.parse(body)


def test_the_registry_gives_this_client() -> None:
    assert get_polled("mng") is mng.CLIENT
    assert (mng.CLIENT.slug, mng.CLIENT.batch_size) == ("mng", 1)


# --- the client against the fake, over HTTP -----------------------------------------
@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def fake(clock: SettableClock) -> Iterator[fake_mng.MngFake]:
    server = fake_mng.MngFake(clock)
    server.start()
    yield server
    server.stop()


def account_for(url: str, **overrides: Any) -> CarrierAccount:
    values: dict[str, Any] = {
        "username": fake_mng.CUSTOMER_NUMBER,
        "password": fake_mng.PASSWORD,
        "extra": {"client_id": fake_mng.CLIENT_ID, "client_secret": fake_mng.CLIENT_SECRET},
    }
    values.update(overrides)
    return CarrierAccount(url=url, **values)


def token_requests(server: fake_mng.MngFake) -> list[Any]:
    return [r for r in server.requests if r.path.endswith("/token")]


def test_fetch_signs_in_then_asks_headline_and_movements(
    fake: fake_mng.MngFake, clock: SettableClock
) -> None:
    client = mng.MngClient(clock)
    body = client.fetch(["SIP 1001/A"], account_for(fake.api_url))
    token, status, track = fake.requests
    assert (token.method, token.path) == ("POST", "/mngapi/api/token")
    assert json.loads(token.body) == {
        "customerNumber": "dev-mng-customer",
        "password": "dev-mng-password",
        "identityType": 1,
    }
    assert token.headers["x-ibm-client-id"] == "dev-mng-client-id"
    assert "authorization" not in token.headers
    jwt = next(iter(fake.tokens))
    for request, path in (
        (status, "/mngapi/api/standardqueryapi/getshipmentstatus/SIP%201001%2FA"),
        (track, "/mngapi/api/standardqueryapi/trackshipment/SIP%201001%2FA"),
    ):
        assert (request.method, request.path) == ("GET", path)
        assert request.headers["authorization"] == f"Bearer {jwt}"
        assert request.headers["x-ibm-client-secret"] == "dev-mng-client-secret"
    frame = json.loads(body)
    assert frame["format"] == "kargo.poll.mng/1"
    assert [answer["reference"] for answer in frame["answers"]] == ["SIP 1001/A"]


def test_each_poll_reveals_the_next_step_of_the_fakes_journey(
    fake: fake_mng.MngFake, clock: SettableClock
) -> None:
    client, account = mng.MngClient(clock), account_for(fake.api_url)
    first = only_update(client.parse(client.fetch(["SIP1001"], account)))
    assert [e.status for e in first.events] == [Status.INFO_RECEIVED]
    assert first.events[0].description == "Gönderi kargoya hazırlandı"
    for _ in range(4):
        last = only_update(client.parse(client.fetch(["SIP1001"], account)))
    assert [e.status for e in last.events] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
    ]
    assert last.raw_status == "5"


def test_a_reference_unknown_to_the_fake_gives_no_update(
    fake: fake_mng.MngFake, clock: SettableClock
) -> None:
    fake.unknown.add("SIP404")
    client = mng.MngClient(clock)
    assert client.parse(client.fetch(["SIP404"], account_for(fake.api_url))) == []


def test_the_token_is_reused_until_shortly_before_it_expires(
    fake: fake_mng.MngFake, clock: SettableClock
) -> None:
    client, account = mng.MngClient(clock), account_for(fake.api_url)
    client.fetch(["SIP1001"], account)
    clock.advance(minutes=50)
    client.fetch(["SIP1001"], account)
    assert len(token_requests(fake)) == 1
    clock.advance(minutes=6)  # 56 minutes: within 5 minutes of the hour's expiry
    client.fetch(["SIP1001"], account)
    assert len(token_requests(fake)) == 2


def test_a_token_refused_early_is_renewed_once(
    fake: fake_mng.MngFake, clock: SettableClock
) -> None:
    client, account = mng.MngClient(clock), account_for(fake.api_url)
    client.fetch(["SIP1001"], account)
    fake.expire_tokens()
    answers = json.loads(client.fetch(["SIP1001"], account))["answers"]
    assert answers[0]["shipment_status"]["http"] == 200
    assert len(token_requests(fake)) == 2


def test_a_token_refused_again_after_renewal_is_a_refusal(
    fake: fake_mng.MngFake, clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake, "_authorised", lambda request: False)
    with pytest.raises(CarrierRefused):
        mng.MngClient(clock).fetch(["SIP1001"], account_for(fake.api_url))
    assert len(token_requests(fake)) == 2


@pytest.mark.parametrize(
    "overrides",
    [
        {"password": "wrong"},
        {"username": "someone-else"},
        {"extra": {"client_id": "wrong", "client_secret": fake_mng.CLIENT_SECRET}},
        {"extra": {}},
    ],
)
def test_wrong_credentials_are_a_refusal(
    fake: fake_mng.MngFake, clock: SettableClock, overrides: dict[str, Any]
) -> None:
    with pytest.raises(CarrierRefused):
        mng.MngClient(clock).fetch(["SIP1001"], account_for(fake.api_url, **overrides))


def test_429_is_unavailable_with_the_carriers_retry_after(
    fake: fake_mng.MngFake, clock: SettableClock
) -> None:
    fake.throttle_next(retry_after=7)
    with pytest.raises(CarrierUnavailable) as raised:
        mng.MngClient(clock).fetch(["SIP1001"], account_for(fake.api_url))
    assert raised.value.retry_after == 7.0


def test_503_is_unavailable(fake: fake_mng.MngFake, clock: SettableClock) -> None:
    client, account = mng.MngClient(clock), account_for(fake.api_url)
    client.fetch(["SIP1001"], account)  # signed in
    fake.fail_next(status=503)
    with pytest.raises(CarrierUnavailable) as raised:
        client.fetch(["SIP1001"], account)
    assert raised.value.retry_after is None


def test_a_carrier_that_never_answers_is_unavailable(clock: SettableClock) -> None:
    with silent_server() as url, pytest.raises(CarrierUnavailable, match="no answer"):
        mng.MngClient(clock, timeout=0.3).fetch(["SIP1001"], account_for(url + "/mngapi/api"))


def test_a_carrier_that_refuses_connections_is_unavailable(clock: SettableClock) -> None:
    with pytest.raises(CarrierUnavailable):
        mng.MngClient(clock).fetch(["SIP1001"], account_for(closed_port_url()))


def test_neither_token_nor_password_is_ever_logged(
    fake: fake_mng.MngFake, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, account = mng.MngClient(clock), account_for(fake.api_url)
    client.fetch(["SIP1001"], account)
    fake.expire_tokens()
    client.fetch(["SIP1001"], account)
    secrets = [*fake.tokens, fake_mng.PASSWORD, fake_mng.CLIENT_SECRET]
    assert all(secret not in caplog.text for secret in secrets)


# --- garbage in, dead letter or valid updates out -------------------------------------
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
MOVEMENT = st.fixed_dictionaries(
    {
        "eventStatus": st.sampled_from([*mng.MNG_CODE_NAMES.values(), "5", "x"]) | JSONISH,
        "eventDateTime": st.sampled_from(["21-11-2026 14:12:45", "2026-11-21T14:12:45", "?"])
        | JSONISH,
    },
    optional={"location": JSONISH, "description": JSONISH},
)
PART = st.fixed_dictionaries(
    {
        "http": st.sampled_from([200, 404]) | JSONISH,
        "body": st.lists(MOVEMENT, max_size=3).map(json.dumps) | JSONISH.map(json.dumps) | JSONISH,
    }
)
ANSWER = st.fixed_dictionaries(
    {"reference": st.from_regex(r"[A-Za-z0-9 -]{0,20}", fullmatch=True) | JSONISH},
    optional={"shipment_status": PART | JSONISH, "track": PART | JSONISH},
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANSWER | JSONISH, max_size=3))
def test_any_answer_gives_valid_updates_or_a_dead_letter(answers: list[Any]) -> None:
    body = mng_frame(*answers)
    try:
        updates = mng.CLIENT.parse(body)
    except UnprocessableDelivery:
        return
    for update in updates:
        assert update.carrier == "mng" and update.events
        for event in update.events:
            assert event.occurred_at.utcoffset() is not None
            assert event.tracking_number == update.tracking_number
    assert mng.CLIENT.parse(body) == updates


def test_the_fakes_own_account_works_with_or_without_the_base_path(
    fake: fake_mng.MngFake, clock: SettableClock
) -> None:
    client = mng.MngClient(clock)
    assert client.parse(client.fetch(["SIP1001"], fake.account()))
    at_root = account_for(fake.url)
    assert client.parse(client.fetch(["SIP1002"], at_root))


def test_movements_are_not_asked_for_a_reference_mng_does_not_know(
    fake: fake_mng.MngFake, clock: SettableClock
) -> None:
    fake.unknown.add("SIP404")
    mng.MngClient(clock).fetch(["SIP404"], account_for(fake.api_url))
    assert [r.path.rsplit("/", 2)[-2] for r in fake.requests[1:]] == ["getshipmentstatus"]
