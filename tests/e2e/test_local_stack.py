"""`make run` for real: the local stack on free ports, driven over HTTP."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chalicelib import clock
from chalicelib.carriers.signatures import sign_standard_webhook
from chalicelib.config import DEFAULT_GENERIC_SECRET
from local.load import RunningStack, local_stack
from local.stack import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    # The banner ends once the API answers and the demo order is seeded.
    with local_stack({"KARGO_DEMO": "1", "KARGO_SCAN_INTERVAL": "2"}, fast_moto=False) as running:
        yield running


def test_demo_order_is_seeded_and_its_link_printed(stack: RunningStack) -> None:
    base = stack.base
    order = requests.get(
        f"{base}/orders/demo-1001", headers={"Authorization": "Bearer dev-merchant-key"}, timeout=5
    )
    assert order.status_code == 200
    token = order.json()["shipments"][0]["tracking_token"]
    assert f"/track/{token}" in stack.banner()
    # Polled at once from the fake carrier, which moves a demo parcel one step per
    # query; the regular poll may have come by too, depending on the hour.
    assert requests.get(f"{base}/track/{token}", timeout=5).json()["status"] in (
        "pending",
        "info_received",
        "in_transit",
    )


def test_a_signed_webhook_shows_within_two_seconds_and_notifies(stack: RunningStack) -> None:
    base = stack.base
    merchant = {"Authorization": "Bearer dev-merchant-key"}
    created = requests.post(
        f"{base}/orders",
        headers=merchant,
        timeout=5,
        json={
            "order_id": "e2e-1",
            "customer": {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "locale": "tr"},
            "shipments": [{"carrier": "ups", "tracking_number": "1Z999AA10123456784"}],
        },
    )
    assert created.status_code == 201
    token = created.json()["shipments"][0]["tracking_token"]
    raw = json.dumps(
        {
            "carrier": "ups",
            "tracking_number": "1Z999AA10123456784",
            "events": [{"status": "out_for_delivery", "occurred_at": "2026-11-22T08:00:00+03:00"}],
        }
    ).encode()
    ts = int(time.time())
    headers = {
        "webhook-id": "msg_e2e",
        "webhook-timestamp": str(ts),
        "Content-Type": "application/json",
        "webhook-signature": sign_standard_webhook(DEFAULT_GENERIC_SECRET, "msg_e2e", ts, raw),
    }
    sent_at = time.monotonic()
    assert (
        requests.post(f"{base}/webhooks/generic", data=raw, headers=headers, timeout=5).status_code
        == 202
    )
    view: dict[str, Any] = {}
    while time.monotonic() - sent_at < 2.0:
        view = requests.get(f"{base}/track/{token}", timeout=5).json()
        if view["status"] == "out_for_delivery":
            break
        clock.sleep(0.1)
    assert view["status"] == "out_for_delivery", "not visible within 2 seconds"
    deadline = time.monotonic() + 5
    notes: list[dict[str, Any]] = []
    while time.monotonic() < deadline and len(notes) < 2:
        notes = requests.get(
            f"{base}/orders/e2e-1/notifications", headers=merchant, timeout=5
        ).json()["notifications"]
        clock.sleep(0.2)
    # The order is confirmed when registered (the default), then the change is told once.
    assert [(n["channel"], n["kind"], n["status"]) for n in notes] == [
        ("email", "order_confirmed", "sent"),
        ("email", "out_for_delivery", "sent"),
    ]


def test_sigterm_stops_every_child(stack: RunningStack) -> None:
    stack.stop()
    output = stack.text()
    assert stack.process.returncode == 0, output[-2000:]
    assert "Traceback" not in output, output[-2000:]
    assert "Demo order:" in stack.banner()
    assert "email → ayse@example.com · out_for_delivery" in output  # the notification was printed
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{stack.base}/track/ping", timeout=1)


def test_a_clean_stop_is_quick_and_quiet() -> None:
    """SIGTERM right after start, workers mid-poll: the workers and the API stop
    before moto, so nothing logs a failed poll or a traceback on the way out."""
    with local_stack({"KARGO_DEMO": "1", "KARGO_SCAN_INTERVAL": "1"}, fast_moto=False) as stack:
        clock.sleep(1.5)  # long polls in flight, a scheduled scan or two done
        took = stack.stop()
    output = stack.text()
    assert stack.process.returncode == 0, output[-3000:]
    assert took < 5, f"stopping took {took:.1f} s"
    assert "Traceback" not in output, output[-3000:]
    assert "failed" not in output and "retrying" not in output, output[-3000:]
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{stack.aws_endpoint}/moto-api/", timeout=1)


def test_an_existing_endpoint_is_used_instead_of_starting_moto() -> None:
    """KARGO_AWS_ENDPOINT set: the stack creates what is missing there and starts no moto."""
    import boto3
    from moto.server import ThreadedMotoServer

    aws_port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=aws_port, verbose=False)
    server.start()
    try:
        with local_stack(
            {"KARGO_AWS_ENDPOINT": f"http://127.0.0.1:{aws_port}"}, fast_moto=False
        ) as stack:
            assert f"AWS:          http://127.0.0.1:{aws_port}" in stack.banner()
            tables = boto3.client(
                "dynamodb", endpoint_url=f"http://127.0.0.1:{aws_port}",
                region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x",
            ).list_tables()["TableNames"]  # fmt: skip
            assert tables == ["kargo"]
    finally:
        server.stop()
