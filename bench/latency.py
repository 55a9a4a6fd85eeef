"""Lookup latency through the real local HTTP stack, against a bare DynamoDB read.

Starts `python -m local.stack` (moto server + `chalice local` + workers) on
free ports with no demo order, registers one order, lets one webhook through,
then times sequential `GET /track/{token}` calls and, on the same moto server,
the bare read a lookup cannot do without: one consistent BatchGetItem of the
shipment and its order (the one read call the lookup makes), and opening the
sealed token, which it adds to that read.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import requests

from bench.stage import order, signed, webhook
from chalicelib import clock
from local.load import local_stack

MERCHANT = {"Authorization": "Bearer dev-merchant-key"}
TRACKING = "YT555000111TR"
ORDER_ID = "LAT-1"


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def timed(call: Callable[[], object], runs: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(1000 * (time.perf_counter() - started))
    return samples


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        clock.sleep(0.05)
    raise RuntimeError(f"{what} did not happen within {seconds} s")


def _aws_client(endpoint: str, service: str) -> Any:
    import boto3

    session: Any = boto3.session.Session()
    return session.client(
        service,
        endpoint_url=endpoint,
        region_name="eu-central-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto's
    )


def measure_lookup_latency(runs: int = 400) -> dict[str, Any]:
    with local_stack() as stack, requests.Session() as http:
        created = http.post(
            f"{stack.base}/orders",
            json=order(ORDER_ID, "yurtici", TRACKING, sms=False),
            headers=MERCHANT,
            timeout=10,
        )
        created.raise_for_status()
        token = created.json()["shipments"][0]["tracking_token"]
        raw = json.dumps(webhook(TRACKING, ("in_transit", "2026-11-21T10:00:00+03:00"))).encode()
        posted = http.post(
            f"{stack.base}/webhooks/generic", data=raw, headers=signed(raw), timeout=10
        )
        assert posted.status_code == 202, posted.text
        url = f"{stack.base}/track/{token}"
        wait_for(lambda: http.get(url, timeout=10).json()["status"] == "in_transit", 10, "lookup")

        def lookup() -> None:
            response = http.get(url, timeout=10)
            assert response.status_code == 200

        dynamodb = _aws_client(stack.aws_endpoint, "dynamodb")
        keys = [
            {"pk": {"S": f"SHIP#yurtici#{TRACKING}"}, "sk": {"S": "STATE"}},
            {"pk": {"S": f"ORDER#{ORDER_ID}"}, "sk": {"S": "ORDER"}},
        ]

        def get_item() -> None:
            request = {"kargo": {"Keys": keys, "ConsistentRead": True}}
            found = dynamodb.batch_get_item(RequestItems=request)["Responses"]["kargo"]
            assert len(found) == 2

        from chalicelib import tokens

        def open_token() -> None:
            # What the lookup adds to its one read call: opening the sealed token.
            assert tokens.open_token(token) == ("yurtici", TRACKING, ORDER_ID)

        def lookup_fresh() -> None:
            response = requests.get(url, timeout=10, headers={"Connection": "close"})
            assert response.status_code == 200

        lookups, gets, opens = timed(lookup, runs), timed(get_item, runs), timed(open_token, runs)
        fresh = timed(lookup_fresh, runs)
    result: dict[str, Any] = {
        "runs": runs,
        "lookup_ms": _summary(lookups),
        "lookup_new_connection_ms": _summary(fresh),
        "bare_read_ms": _summary(gets),
        "open_token_ms": _summary(opens),
    }
    # A new connection per lookup is what counts: on a kept-alive connection
    # `chalice local` (http.server) sends headers and body in two writes, and
    # Nagle's algorithm meets the client's delayed ACK (~40 ms on Linux). API
    # Gateway has no such step; the kept-alive number is reported for the record.
    result["lookup_over_bare_read"] = {
        "p50": result["lookup_new_connection_ms"]["p50"] / result["bare_read_ms"]["p50"],
        "p99": result["lookup_new_connection_ms"]["p99"] / result["bare_read_ms"]["p99"],
    }
    return result


def _summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(samples, 50),
        "p99": percentile(samples, 99),
        "mean": statistics.fmean(samples),
    }
