"""HepsiJET: status table, reading answers, and the client against the fake over
real HTTP (token caching, refresh on 401, errors)."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.carriers import get_polled, hepsijet
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused, CarrierUnavailable
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery
from local.fakes import hepsijet as fake_hepsijet
from tests.unit.carriers.payloads import event_row
from tests.unit.carriers.polled_helpers import (
    SettableClock,
    closed_port_url,
    silent_server,
    wire_text,
)

STATUS_ROWS = [
    ("NEO", Status.INFO_RECEIVED),
    ("NEO_COLLECT", Status.INFO_RECEIVED),
    ("COLLECTING", Status.INFO_RECEIVED),
    ("COLLECTED", Status.IN_TRANSIT),
    ("TRANSFERRING_COLLECT", Status.IN_TRANSIT),
    ("TRANSFERRING", Status.IN_TRANSIT),
    ("TRANSFERRING_TRANSFER", Status.IN_TRANSIT),
    ("READY", Status.IN_TRANSIT),
    ("READY_FOR_DELIVERY", Status.IN_TRANSIT),
    ("WAITING_FOR_DISPATCH", Status.IN_TRANSIT),
    ("DISPATCHING", Status.IN_TRANSIT),
    ("BACK_TO_WAREHOUSE", Status.IN_TRANSIT),
    ("DELIVERING", Status.OUT_FOR_DELIVERY),
    ("DELIVERED", Status.DELIVERED),
    ("RETRY", Status.FAILED_ATTEMPT),
    ("UNDELIVERED", Status.FAILED_ATTEMPT),
    ("UNDELIVERABLE", Status.EXCEPTION),
    ("REFUSED", Status.EXCEPTION),
    ("MISSING", Status.EXCEPTION),
    ("MISSING_CONTENT", Status.EXCEPTION),
    ("MISSING_DOCUMENT", Status.EXCEPTION),
    ("DAMAGED", Status.EXCEPTION),
    ("PARTIALLY_DELIVERED", Status.EXCEPTION),
    ("UNABLE_TO_COLLECT", Status.EXCEPTION),
    ("MARK_FOR_RETURN", Status.RETURNING),
    ("TRANSFERRING_RETURN", Status.RETURNING),
    ("RETURNED", Status.RETURNED),
    ("CANCELLED", Status.CANCELLED),
    ("DELETED", Status.CANCELLED),
    ("DISPOSED", Status.FAILED),
]


@pytest.mark.parametrize(("value", "expected"), STATUS_ROWS)
def test_each_delivery_status_maps_to_its_status(value: str, expected: Status) -> None:
    assert hepsijet.hepsijet_status(value).status is expected
    assert hepsijet.hepsijet_status(value.lower()).status is expected


def test_the_table_has_exactly_the_tested_rows() -> None:
    assert set(hepsijet.HEPSIJET_STATUSES) == {value for value, _ in STATUS_ROWS}


@pytest.mark.parametrize("value", ["SIGNED", "PRINTED_OUT", "EXPIRED", "WHATEVER", ""])
def test_values_about_documents_or_unknown_are_unknown(value: str) -> None:
    assert hepsijet.hepsijet_status(value).status is Status.UNKNOWN


# --- reading answers ---------------------------------------------------------------
def test_a_batch_answer_reads_to_one_update_per_delivery() -> None:
    delivered, returning = hepsijet.CLIENT.parse(
        wire_text("hepsijet", "tracking_two_deliveries").encode()
    )
    assert delivered.shipment_key == ("hepsijet", "KRG1000000001")
    assert [event_row(e) for e in delivered.events] == [
        (
            "2026-11-20T15:03:11Z",
            "in_transit",
            False,
            "COLLECTED/TAKE_CUSTODY",
            "Gönderi teslim alındı",
            {"city": "İstanbul"},
        ),
        (
            "2026-11-20T20:40:00Z",
            "in_transit",
            False,
            "TRANSFERRING/APPROVE_RING_DEPART",
            "Gönderi transfer merkezinden çıktı",
            {"city": "İstanbul"},
        ),
        (
            "2026-11-21T03:12:09Z",
            "in_transit",
            False,
            "READY/UNLOAD_RING_VEHICLE",
            "Gönderi dağıtım merkezine ulaştı",
            {"city": "Bursa"},
        ),
        (
            "2026-11-21T06:01:00Z",
            "out_for_delivery",
            False,
            "DELIVERING/APPROVE_COURIER_DEPART",
            "Gönderi dağıtıma çıktı",
            {"city": "Bursa"},
        ),
        (
            "2026-11-21T10:27:55Z",
            "delivered",
            False,
            "DELIVERED/DELIVERY_ATTEMPT",
            "Gönderi teslim edildi",
            {"city": "Bursa"},
        ),
    ]
    assert (delivered.estimated_delivery, delivered.raw_status) == (None, "DELIVERED")
    assert returning.shipment_key == ("hepsijet", "KRG1000000002")
    assert [event_row(e) for e in returning.events] == [
        (
            "2026-11-22T05:30:00Z",
            "out_for_delivery",
            False,
            "DELIVERING/APPROVE_COURIER_DEPART",
            "Gönderi dağıtıma çıktı",
            {"city": "Antalya"},
        ),
        (
            "2026-11-22T09:10:00Z",
            "exception",
            False,
            "REFUSED/DELIVERY_ATTEMPT",
            "Alıcı teslim almak istemedi",
            {"city": "Antalya"},
        ),
        (
            "2026-11-22T22:05:00Z",
            "returning",
            False,
            "TRANSFERRING_RETURN/RETURN",
            "Gönderi iade sürecinde",
            {"city": "Antalya"},
        ),
    ]
    assert returning.estimated_delivery == "2026-11-24"


def test_exceptions_unknown_values_and_unreadable_times() -> None:
    (update,) = hepsijet.CLIENT.parse(wire_text("hepsijet", "tracking_exception").encode())
    assert update.tracking_number == "KRG1000000003"  # "krg-1000-000003" normalised
    assert [event_row(e) for e in update.events] == [
        (
            "2026-11-22T16:45:00Z",
            "failed_attempt",
            False,
            "RETRY/DELIVERY_ATTEMPT",
            "Alıcı adreste bulunamadı",
            {"city": "Ankara"},
        ),
        ("2026-11-23T05:00:00Z", "unknown", False, "PRINTED_OUT", None, None),
        ("2026-11-23T07:00:00Z", "exception", False, "DAMAGED", None, None),
    ]  # the transaction dated "bilinmiyor" is skipped


def test_data_as_a_single_object_is_read_too() -> None:
    (update,) = hepsijet.CLIENT.parse(wire_text("hepsijet", "tracking_single_object").encode())
    assert [event_row(e) for e in update.events] == [
        (
            "2026-11-23T08:30:00Z",
            "info_received",
            False,
            "NEO/RECEIVE_ORDER",
            "Sipariş alındı",
            None,
        )
    ]


@pytest.mark.parametrize(
    "body", [b'{"status": "OK", "message": "", "data": []}', b'{"status": "FAIL", "data": null}']
)
def test_an_answer_naming_no_delivery_gives_no_update(body: bytes) -> None:
    assert hepsijet.CLIENT.parse(body) == []


@pytest.mark.parametrize("body", [b"", b"<html>502</html>", b"[]", b'{"data": 5}', b"\xff"])
def test_a_body_that_is_no_answer_is_a_dead_letter(body: bytes) -> None:
    with pytest.raises(UnprocessableDelivery):
        hepsijet.CLIENT.parse(body)


def test_a_delivery_without_a_usable_barcode_never_drops_its_neighbours() -> None:
    body = json.dumps(
        {
            "status": "OK",
            "data": [
                {"barcode": "x", "transactions": []},
                json.loads(wire_text("hepsijet", "tracking_single_object"))["data"],
            ],
        }
    ).encode()
    (update,) = hepsijet.CLIENT.parse(body)
    assert update.tracking_number == "KRG1000000004"


def test_the_registry_gives_this_client() -> None:
    assert get_polled("hepsijet") is hepsijet.CLIENT
    assert hepsijet.CLIENT.tracking_request(["A1", "B2"]) == {
        "deliveries": [{"customerDeliveryNo": "A1"}, {"customerDeliveryNo": "B2"}]
    }


# --- the client against the fake, over HTTP ---------------------------------------------
@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def fake(clock: SettableClock) -> Iterator[fake_hepsijet.HepsijetFake]:
    server = fake_hepsijet.HepsijetFake(clock)
    server.start()
    yield server
    server.stop()


def account_for(url: str, **overrides: Any) -> CarrierAccount:
    values = {"username": fake_hepsijet.USERNAME, "password": fake_hepsijet.PASSWORD}
    values.update(overrides)
    return CarrierAccount(url=url, username=values["username"], password=values["password"])


def token_requests(server: fake_hepsijet.HepsijetFake) -> list[Any]:
    return [r for r in server.requests if r.path == "/auth/getToken"]


def test_fetch_signs_in_with_basic_then_asks_for_the_whole_batch(
    fake: fake_hepsijet.HepsijetFake, clock: SettableClock
) -> None:
    client = hepsijet.HepsijetClient(clock)
    body = client.fetch(["KRG1000000001", "KRG1000000002"], account_for(fake.url))
    token, tracking = fake.requests
    assert (token.method, token.path) == ("GET", "/auth/getToken")
    expected = base64.b64encode(b"dev-hepsijet-user:dev-hepsijet-password").decode()
    assert token.headers["authorization"] == f"Basic {expected}"
    assert (tracking.method, tracking.path) == (
        "POST",
        "/rest/deliveryTransaction/getDeliveryTracking",
    )
    assert tracking.headers["x-auth-token"] == next(iter(fake.tokens))
    assert json.loads(tracking.body) == {
        "deliveries": [
            {"customerDeliveryNo": "KRG1000000001"},
            {"customerDeliveryNo": "KRG1000000002"},
        ]
    }
    updates = client.parse(body)
    assert [u.tracking_number for u in updates] == ["KRG1000000001", "KRG1000000002"]
    assert all([e.status for e in u.events] == [Status.IN_TRANSIT] for u in updates)


def test_the_fakes_journey_moves_one_step_per_poll_and_unknown_barcodes_are_absent(
    fake: fake_hepsijet.HepsijetFake, clock: SettableClock
) -> None:
    fake.unknown.add("KRG9999999999")
    client, account = hepsijet.HepsijetClient(clock), account_for(fake.url)
    for _ in range(5):
        updates = client.parse(client.fetch(["KRG1000000001", "KRG9999999999"], account))
    (update,) = updates
    assert [e.status for e in update.events] == [
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
    ]


def test_the_token_is_reused_for_55_minutes(
    fake: fake_hepsijet.HepsijetFake, clock: SettableClock
) -> None:
    client, account = hepsijet.HepsijetClient(clock), account_for(fake.url)
    client.fetch(["KRG1000000001"], account)
    clock.advance(minutes=54)
    client.fetch(["KRG1000000001"], account)
    assert len(token_requests(fake)) == 1
    clock.advance(minutes=2)
    client.fetch(["KRG1000000001"], account)
    assert len(token_requests(fake)) == 2


def test_a_token_refused_early_is_renewed_once(
    fake: fake_hepsijet.HepsijetFake, clock: SettableClock
) -> None:
    client, account = hepsijet.HepsijetClient(clock), account_for(fake.url)
    client.fetch(["KRG1000000001"], account)
    fake.expire_tokens()
    assert json.loads(client.fetch(["KRG1000000001"], account))["status"] == "OK"
    assert len(token_requests(fake)) == 2


def test_a_token_refused_again_after_renewal_is_a_refusal(
    fake: fake_hepsijet.HepsijetFake, clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = fake.handle

    def refuse_tracking(request: Any) -> Any:
        if request.path == "/auth/getToken":
            return original(request)
        return fake_hepsijet._envelope(401, "Token geçersiz")

    monkeypatch.setattr(fake, "handle", refuse_tracking)
    with pytest.raises(CarrierRefused):
        hepsijet.HepsijetClient(clock).fetch(["KRG1000000001"], account_for(fake.url))
    assert len(token_requests(fake)) == 2


@pytest.mark.parametrize("overrides", [{"password": "wrong"}, {"username": "someone"}])
def test_wrong_credentials_are_a_refusal(
    fake: fake_hepsijet.HepsijetFake, clock: SettableClock, overrides: dict[str, str]
) -> None:
    with pytest.raises(CarrierRefused):
        hepsijet.HepsijetClient(clock).fetch(["KRG1000000001"], account_for(fake.url, **overrides))


def test_429_is_unavailable_with_the_carriers_retry_after(
    fake: fake_hepsijet.HepsijetFake, clock: SettableClock
) -> None:
    fake.throttle_next(retry_after=30)
    with pytest.raises(CarrierUnavailable) as raised:
        hepsijet.HepsijetClient(clock).fetch(["KRG1000000001"], account_for(fake.url))
    assert raised.value.retry_after == 30.0


def test_503_is_unavailable(fake: fake_hepsijet.HepsijetFake, clock: SettableClock) -> None:
    client, account = hepsijet.HepsijetClient(clock), account_for(fake.url)
    client.fetch(["KRG1000000001"], account)
    fake.fail_next(status=503)
    with pytest.raises(CarrierUnavailable):
        client.fetch(["KRG1000000001"], account)


def test_a_carrier_that_never_answers_is_unavailable(clock: SettableClock) -> None:
    with silent_server() as url, pytest.raises(CarrierUnavailable, match="no answer"):
        hepsijet.HepsijetClient(clock, timeout=0.3).fetch(["KRG1000000001"], account_for(url))


def test_a_carrier_that_refuses_connections_is_unavailable(clock: SettableClock) -> None:
    with pytest.raises(CarrierUnavailable):
        hepsijet.HepsijetClient(clock).fetch(["KRG1000000001"], account_for(closed_port_url()))


def test_neither_token_nor_password_is_ever_logged(
    fake: fake_hepsijet.HepsijetFake, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, account = hepsijet.HepsijetClient(clock), account_for(fake.url)
    client.fetch(["KRG1000000001"], account)
    issued = list(fake.tokens)
    fake.expire_tokens()
    client.fetch(["KRG1000000001"], account)
    issued += list(fake.tokens)
    basic = base64.b64encode(b"dev-hepsijet-user:dev-hepsijet-password").decode()
    assert all(s not in caplog.text for s in [*issued, fake_hepsijet.PASSWORD, basic])


# --- garbage in, dead letter or valid updates out ----------------------------------------
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
TRANSACTION = st.fixed_dictionaries(
    {
        "deliveryStatus": st.sampled_from(sorted(hepsijet.HEPSIJET_STATUSES)) | JSONISH,
        "transactionDateTime": st.sampled_from(["2026-11-21T13:27:55", "21.11.2026 13:27:55", "-"])
        | JSONISH,
    },
    optional={"transaction": JSONISH, "location": JSONISH, "transactionType": JSONISH},
)
DELIVERY = st.fixed_dictionaries(
    {
        "barcode": st.from_regex(r"[A-Za-z0-9 -]{0,20}", fullmatch=True) | JSONISH,
        "transactions": st.lists(TRANSACTION, max_size=3) | JSONISH,
    },
    optional={"deliveryStatus": JSONISH, "deliveryDatePromised": JSONISH},
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {
            "status": st.sampled_from(["OK", "FAIL"]),
            "data": st.lists(DELIVERY, max_size=3) | JSONISH,
        }
    )
    | JSONISH
)
def test_any_answer_gives_valid_updates_or_a_dead_letter(answer: Any) -> None:
    body = json.dumps(answer).encode()
    try:
        updates = hepsijet.CLIENT.parse(body)
    except UnprocessableDelivery:
        return
    for update in updates:
        assert update.carrier == "hepsijet" and update.events
        for event in update.events:
            assert event.occurred_at.utcoffset() is not None
    assert hepsijet.CLIENT.parse(body) == updates


def test_the_fakes_own_account_works(
    fake: fake_hepsijet.HepsijetFake, clock: SettableClock
) -> None:
    client = hepsijet.HepsijetClient(clock)
    assert client.parse(client.fetch(["KRG1000000001"], fake.account()))
