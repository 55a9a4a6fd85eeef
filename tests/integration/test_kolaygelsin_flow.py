"""Kolay Gelsin's push end to end on moto: a Basic-authenticated POST to
`/webhooks/kolaygelsin` moves a registered shipment and e-mails the shopper;
wrong credentials store nothing; a redelivery changes nothing."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from chalicelib import store
from tests.integration.conftest import Kargo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "kolaygelsin"
TRACKING = "KG100000123TR"


def post(kargo: Kargo, raw: bytes, password: str = "dev-kolaygelsin-secret") -> Any:
    credentials = base64.b64encode(f"kolaygelsin:{password}".encode()).decode()
    return kargo.client.http.post(
        "/webhooks/kolaygelsin",
        body=raw,
        headers={"Content-Type": "application/json", "Authorization": f"Basic {credentials}"},
    )


def register(kargo: Kargo) -> str:
    order = {
        "order_id": "kg-1001",
        "customer": {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "locale": "tr"},
        "shipments": [{"carrier": "kolaygelsin", "tracking_number": "kg 1000-00123tr"}],
    }
    token: str = kargo.register(order)["shipments"][0]["tracking_token"]
    return token


def test_a_push_moves_the_shipment_and_mails_the_shopper(kargo: Kargo) -> None:
    token = register(kargo)
    raw = (FIXTURES / "full_journey.json").read_bytes()
    response = post(kargo, raw)
    assert response.status_code == 202, response.body
    assert json.loads(response.body) == {"accepted": True}
    kargo.settle()

    view = json.loads(kargo.track(token).body)
    assert view["status"] == "delivered"
    assert len(view["events"]) == 6
    assert "Gönderi teslim edildi" in [event.get("description") for event in view["events"]]
    mails = kargo.sent_emails()
    assert len(mails) == 1
    assert mails[0]["To"] == "ayse@example.com"
    assert "teslim" in mails[0]["Subject"].lower()

    before = store.load_shipment("kolaygelsin", TRACKING)
    assert post(kargo, raw).status_code == 202  # redelivery
    kargo.settle()
    after = store.load_shipment("kolaygelsin", TRACKING)
    assert before is not None and after is not None and before.version == after.version
    assert len(kargo.sent_emails()) == 1


def test_a_delay_push_marks_the_shipment_delayed(kargo: Kargo) -> None:
    token = register(kargo)
    assert post(kargo, (FIXTURES / "delay.json").read_bytes()).status_code == 202
    kargo.settle()
    view = json.loads(kargo.track(token).body)
    assert view["status"] == "in_transit"
    record = store.load_shipment("kolaygelsin", TRACKING)
    assert record is not None and record.state.delayed is True


def test_wrong_or_missing_credentials_store_nothing(kargo: Kargo) -> None:
    raw = (FIXTURES / "full_journey.json").read_bytes()
    wrong = post(kargo, raw, password="not-the-secret")
    missing = kargo.client.http.post(
        "/webhooks/kolaygelsin", body=raw, headers={"Content-Type": "application/json"}
    )
    for response in (wrong, missing):
        assert response.status_code == 401
        assert json.loads(response.body)["error"]["code"] == "invalid_signature"
    assert kargo.run_consumer() == 0
    assert store.load_shipment("kolaygelsin", TRACKING) is None
