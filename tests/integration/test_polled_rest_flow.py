"""MNG and HepsiJET end to end on moto: the client asks the carrier's fake over
HTTP, the raw answer is queued as a `poll:<slug>` delivery the way the poller
queues it, and the consumer and notifier take it from there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest

from chalicelib import store
from chalicelib.carriers import hepsijet, mng
from chalicelib.carriers.polled import CarrierAccount
from chalicelib.ingress import enqueue_delivery
from local.fakes import hepsijet as fake_hepsijet
from local.fakes import mng as fake_mng
from tests.integration.conftest import DAYTIME, Kargo


def pinned() -> datetime:
    return DAYTIME


@pytest.fixture
def mng_server() -> Iterator[fake_mng.MngFake]:
    server = fake_mng.MngFake(pinned)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hepsijet_server() -> Iterator[fake_hepsijet.HepsijetFake]:
    server = fake_hepsijet.HepsijetFake(pinned)
    server.start()
    yield server
    server.stop()


def register(kargo: Kargo, carrier: str, tracking: str) -> str:
    order = {
        "order_id": f"poll-{carrier}",
        "customer": {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "locale": "tr"},
        "shipments": [{"carrier": carrier, "tracking_number": tracking}],
    }
    token: str = kargo.register(order)["shipments"][0]["tracking_token"]
    return token


def test_an_mng_answer_moves_the_shipment_and_a_repeat_changes_nothing(
    kargo: Kargo, mng_server: fake_mng.MngFake
) -> None:
    token = register(kargo, "mng", "SIP1001")
    steps = mng_server.default_journey("SIP1001")[:4]  # to the courier, not yet delivered
    mng_server.set_journey("SIP1001", steps, auto=False)
    mng_server.reveal("SIP1001")
    account = CarrierAccount(
        url=mng_server.api_url,
        username=fake_mng.CUSTOMER_NUMBER,
        password=fake_mng.PASSWORD,
        extra={"client_id": fake_mng.CLIENT_ID, "client_secret": fake_mng.CLIENT_SECRET},
    )
    client = mng.MngClient(pinned)
    answer = client.fetch(["SIP1001"], account)
    enqueue_delivery("poll:mng", answer, DAYTIME)
    kargo.settle()

    view = json.loads(kargo.track(token).body)
    assert view["status"] == "out_for_delivery"
    assert len(view["events"]) == 4
    assert len(kargo.sent_emails()) == 1

    before = store.load_shipment("mng", "SIP1001")
    enqueue_delivery("poll:mng", client.fetch(["SIP1001"], account), DAYTIME)
    kargo.settle()
    after = store.load_shipment("mng", "SIP1001")
    assert before is not None and after is not None and before.version == after.version
    assert len(kargo.sent_emails()) == 1


def test_a_hepsijet_batch_answer_moves_each_shipment(
    kargo: Kargo, hepsijet_server: fake_hepsijet.HepsijetFake
) -> None:
    first = register(kargo, "hepsijet", "KRG1000000001")
    for barcode in ("KRG1000000001", "KRG1000000002"):
        hepsijet_server.set_journey(barcode, hepsijet_server.default_journey(barcode), auto=False)
        hepsijet_server.reveal(barcode)
    account = CarrierAccount(
        url=hepsijet_server.url, username=fake_hepsijet.USERNAME, password=fake_hepsijet.PASSWORD
    )
    answer = hepsijet.HepsijetClient(pinned).fetch(["KRG1000000001", "KRG1000000002"], account)
    enqueue_delivery("poll:hepsijet", answer, DAYTIME)
    kargo.settle()

    assert json.loads(kargo.track(first).body)["status"] == "delivered"
    unregistered = store.load_shipment("hepsijet", "KRG1000000002")
    assert unregistered is not None and unregistered.state.status.value == "delivered"
    assert [m["To"] for m in kargo.sent_emails()] == ["ayse@example.com"]


def test_an_unreadable_poll_answer_is_dead_lettered(kargo: Kargo) -> None:
    enqueue_delivery("poll:mng", b"<html>gateway error</html>", DAYTIME)
    kargo.run_consumer()
    (letter,) = kargo.dead_letters()
    assert letter["MessageAttributes"]["source"]["StringValue"] == "poll:mng"
