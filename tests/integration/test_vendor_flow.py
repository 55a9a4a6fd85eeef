"""Each vendor source end to end on moto, the same checks as `generic`: signed
delivery accepted, bad or missing signature refused with nothing stored,
redelivery changes nothing, and the full flow to a notification."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chalicelib import store
from chalicelib.carriers import get_source
from tests.integration.conftest import Kargo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"


def easypost(raw: bytes, secret: str = "dev-easypost-secret") -> tuple[str, dict[str, str]]:
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return "", {"X-Hmac-Signature": f"hmac-sha256-hex={digest}"}


def aftership(raw: bytes, secret: str = "dev-aftership-secret") -> tuple[str, dict[str, str]]:
    digest = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
    return "", {"aftership-hmac-sha256": digest}


def shippo(raw: bytes, secret: str = "dev-shippo-token") -> tuple[str, dict[str, str]]:
    return f"?token={secret}", {}


SIGNERS: dict[str, Callable[..., tuple[str, dict[str, str]]]] = {
    "easypost": easypost, "aftership": aftership, "shippo": shippo,
}  # fmt: skip


def post(kargo: Kargo, vendor: str, raw: bytes, **sign: Any) -> Any:
    query, headers = SIGNERS[vendor](raw, **sign)
    return kargo.client.http.post(
        f"/webhooks/{vendor}{query}",
        body=raw,
        headers={"Content-Type": "application/json", **headers},
    )


def journey(vendor: str) -> tuple[bytes, str, str]:
    raw = (FIXTURES / vendor / "full_journey.json").read_bytes()
    update = get_source(vendor).parse(raw)[0]  # type: ignore[union-attr]
    return raw, update.carrier, update.tracking_number


@pytest.mark.parametrize("vendor", sorted(SIGNERS))
def test_full_flow_to_a_notification(kargo: Kargo, vendor: str) -> None:
    raw, carrier, tracking = journey(vendor)
    order = {
        "order_id": f"v-{vendor}",
        "customer": {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "locale": "en"},
        "shipments": [{"carrier": carrier, "tracking_number": tracking}],
    }
    token = kargo.register(order)["shipments"][0]["tracking_token"]
    response = post(kargo, vendor, raw)
    assert response.status_code == 202, response.body
    kargo.settle()
    view = json.loads(kargo.track(token).body)
    assert view["status"] == "delivered"
    assert len(view["events"]) >= 3
    mails = kargo.sent_emails()
    assert [m["Subject"] for m in mails] == ["Kargo: Your order has been delivered"]

    # Redelivery: same state, nothing new sent.
    before = store.load_shipment(carrier, tracking)
    assert post(kargo, vendor, raw).status_code == 202
    kargo.settle()
    after = store.load_shipment(carrier, tracking)
    assert before is not None and after is not None and before.version == after.version
    assert len(kargo.sent_emails()) == 1


@pytest.mark.parametrize("vendor", sorted(SIGNERS))
def test_wrong_or_missing_signature_stores_nothing(kargo: Kargo, vendor: str) -> None:
    raw, carrier, tracking = journey(vendor)
    wrong = post(kargo, vendor, raw, secret="not-the-secret")
    missing = kargo.client.http.post(f"/webhooks/{vendor}", body=raw,
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    for response in (wrong, missing):
        assert response.status_code == 401
        assert json.loads(response.body)["error"]["code"] == "invalid_signature"
    assert kargo.run_consumer() == 0
    assert store.load_shipment(carrier, tracking) is None


@pytest.mark.parametrize("vendor", sorted(SIGNERS))
def test_events_before_registration_are_kept(kargo: Kargo, vendor: str) -> None:
    raw, carrier, tracking = journey(vendor)
    assert post(kargo, vendor, raw).status_code == 202
    kargo.settle()
    record = store.load_shipment(carrier, tracking)
    assert record is not None and record.state.status.value == "delivered"
