"""The local stack with a polled carrier: a shipment of the test-only carrier "testpost"
shows its fake's movements within 60 s of registration, without any webhook, and is no
longer polled once delivered. Short intervals (a 1 s tick, 4 s cycles) stand in for 2 h."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chalicelib import clock
from local.load import ROOT, RunningStack, local_stack

pytestmark = pytest.mark.e2e
MERCHANT = {"Authorization": "Bearer dev-merchant-key"}


@pytest.fixture(scope="module")
def polled_stack() -> Iterator[RunningStack]:
    settings = {
        "KARGO_SCAN_INTERVAL": "2",
        "KARGO_POLL_TICK": "1",
        "KARGO_POLL_INTERVAL": "4",
        "KARGO_POLL_INTERVAL_NEAR": "2",
        "KARGO_TEST_POLLED": "testpost=tests.support.testpost",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "e2e" / "site"), str(ROOT)]),
    }
    with local_stack(settings, fast_moto=False) as stack:
        yield stack


def test_the_banner_says_which_carriers_are_polled_and_where(polled_stack: RunningStack) -> None:
    text = polled_stack.banner()
    assert "Polled:" in text
    assert "testpost: fake at http://127.0.0.1:" in text


def test_a_polled_shipment_moves_without_webhooks_and_stops_when_delivered(
    polled_stack: RunningStack,
) -> None:
    base, moto = polled_stack.base, polled_stack.aws_endpoint
    registered_at = time.monotonic()
    created = requests.post(
        f"{base}/orders",
        headers=MERCHANT,
        timeout=10,
        json={
            "order_id": "e2e-poll-1",
            "customer": {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "locale": "tr"},
            "shipments": [{"carrier": "testpost", "tracking_number": "TP-E2E-0001"}],
        },
    )
    assert created.status_code == 201, created.text
    token = created.json()["shipments"][0]["tracking_token"]
    seen: list[str] = []
    view: dict[str, Any] = {}
    while time.monotonic() - registered_at < 60:
        view = requests.get(f"{base}/track/{token}", timeout=5).json()
        if not seen or seen[-1] != view["status"]:
            seen.append(view["status"])
        if view["status"] == "delivered":
            break
        clock.sleep(0.25)
    # The first poll came within seconds (no 2 h wait), then every movement, in order.
    assert view["status"] == "delivered", seen
    assert next(s for s in seen if s != "pending") == "info_received", seen
    assert len(view["events"]) == 4
    # Delivered: out of the poll index, and the merchant's refresh says it is not polled.
    import boto3

    item = boto3.client(
        "dynamodb",
        endpoint_url=moto,
        region_name="eu-central-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).get_item(
        TableName="kargo", Key={"pk": {"S": "SHIP#testpost#TPE2E0001"}, "sk": {"S": "STATE"}}
    )
    assert "poll_part" not in item["Item"]
    refresh = requests.post(
        f"{base}/shipments/testpost/TPE2E0001/refresh", headers=MERCHANT, timeout=5
    )
    assert refresh.status_code == 409
    # The e-mail follows from the stream, a moment after the lookup shows the delivery.
    kinds: set[str] = set()
    deadline = time.monotonic() + 15
    while "delivered" not in kinds and time.monotonic() < deadline:
        notes = requests.get(
            f"{base}/orders/e2e-poll-1/notifications", headers=MERCHANT, timeout=5
        ).json()["notifications"]
        kinds = {n["kind"] for n in notes if n["channel"] == "email"}
        clock.sleep(0.25)
    assert "delivered" in kinds, kinds


def test_make_demo_walks_a_polled_shipment_by_refreshing_it(
    polled_stack: RunningStack, capsys: pytest.CaptureFixture[str]
) -> None:
    from local.simulator import walk_polled

    base = polled_stack.base
    created = requests.post(
        f"{base}/orders",
        headers=MERCHANT,
        timeout=10,
        json={
            "order_id": "e2e-poll-2",
            "customer": {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "locale": "tr"},
            "shipments": [{"carrier": "testpost", "tracking_number": "TP-E2E-0002"}],
        },
    )
    token = created.json()["shipments"][0]["tracking_token"]
    assert walk_polled(base, "testpost", "TPE2E0002", token, 0.5) == 0
    assert requests.get(f"{base}/track/{token}", timeout=5).json()["status"] == "delivered"
    assert "lookup says" in capsys.readouterr().out
