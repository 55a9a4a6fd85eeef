"""`make run` for real: the local stack on free ports, driven over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib.carriers.signatures import sign_standard_webhook
from chalicelib.config import DEFAULT_GENERIC_SECRET

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
BANNER: list[str] = []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port, moto_port = free_port(), free_port()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "KARGO_"))
    } | {"KARGO_PORT": str(port), "KARGO_MOTO_PORT": str(moto_port), "KARGO_SCAN_INTERVAL": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    # The banner ends once the API answers and the demo order is seeded.
    assert process.stdout is not None
    for line in process.stdout:
        BANNER.append(line)
        if "Stop: Ctrl-C" in line:
            break
    assert process.poll() is None, "".join(BANNER)[-2000:]
    yield base, process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_demo_order_is_seeded_and_its_link_printed(
    stack: tuple[str, subprocess.Popen[str]],
) -> None:
    base, _ = stack
    order = requests.get(
        f"{base}/orders/demo-1001", headers={"Authorization": "Bearer dev-merchant-key"}, timeout=5
    )
    assert order.status_code == 200
    token = order.json()["shipments"][0]["tracking_token"]
    assert requests.get(f"{base}/track/{token}", timeout=5).json()["status"] in (
        "pending",
        "info_received",
    )  # polled at once from the fake carrier


def test_a_signed_webhook_shows_within_two_seconds_and_notifies(
    stack: tuple[str, subprocess.Popen[str]],
) -> None:
    base, _ = stack
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
        time.sleep(0.1)
    assert view["status"] == "out_for_delivery", "not visible within 2 seconds"
    deadline = time.monotonic() + 5
    notes: list[dict[str, Any]] = []
    while time.monotonic() < deadline and len(notes) < 2:
        notes = requests.get(
            f"{base}/orders/e2e-1/notifications", headers=merchant, timeout=5
        ).json()["notifications"]
        time.sleep(0.2)
    # The order is confirmed when registered (the default), then the change is told once.
    assert [(n["channel"], n["kind"], n["status"]) for n in notes] == [
        ("email", "order_confirmed", "sent"),
        ("email", "out_for_delivery", "sent"),
    ]


def test_sigterm_stops_every_child(stack: tuple[str, subprocess.Popen[str]]) -> None:
    base, process = stack
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output[-2000:]
    assert "Traceback" not in output, output[-2000:]
    assert "Demo order:" in "".join(BANNER)
    assert "email → ayse@example.com · out_for_delivery" in output  # the notification was printed
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{base}/track/ping", timeout=1)


def test_a_clean_stop_is_quick_and_quiet() -> None:
    """SIGTERM right after start, workers mid-poll: the workers and the API stop
    before moto, so nothing logs a failed poll or a traceback on the way out."""
    port, moto_port = free_port(), free_port()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "KARGO_"))
    } | {"KARGO_PORT": str(port), "KARGO_MOTO_PORT": str(moto_port), "KARGO_SCAN_INTERVAL": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        banner = []
        for line in process.stdout:
            banner.append(line)
            if "Stop: Ctrl-C" in line:
                break
        assert process.poll() is None, "".join(banner)[-2000:]
        time.sleep(1.5)  # long polls in flight, a scheduled scan or two done
        stop_sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
        took = time.monotonic() - stop_sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = "".join(banner) + rest
    assert process.returncode == 0, output[-3000:]
    assert took < 5, f"stopping took {took:.1f} s"
    assert "Traceback" not in output, output[-3000:]
    assert "failed" not in output and "retrying" not in output, output[-3000:]
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{moto_port}/moto-api/", timeout=1)


def test_an_existing_endpoint_is_used_instead_of_starting_moto() -> None:
    """KARGO_AWS_ENDPOINT set: the stack creates what is missing there and starts no moto."""
    from moto.server import ThreadedMotoServer

    aws_port, port = free_port(), free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=aws_port, verbose=False)
    server.start()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "KARGO_"))
    } | {
        "KARGO_PORT": str(port),
        "KARGO_AWS_ENDPOINT": f"http://127.0.0.1:{aws_port}",
        "KARGO_DEMO": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        banner = []
        for line in process.stdout:
            banner.append(line)
            if "Stop: Ctrl-C" in line:
                break
        assert f"AWS:          http://127.0.0.1:{aws_port}" in "".join(banner)
        import boto3

        tables = boto3.client(
            "dynamodb", endpoint_url=f"http://127.0.0.1:{aws_port}", region_name="eu-central-1",
            aws_access_key_id="x", aws_secret_access_key="x",
        ).list_tables()["TableNames"]  # fmt: skip
        assert tables == ["kargo"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        server.stop()
