"""The scheduled scan under load: N due shipments on moto, every DynamoDB call
slowed by a modelled network latency (8 ms, injected with a botocore
`before-call` hook), worked by the real `scan_due_shipments`.

Reports items per second for the old sequential scan (one worker) and for the
parallel one, and what one run takes at the README's 10-million-shipment load
(about 27,000 due items per 5-minute run).

Two backends: `table` answers from a small in-memory table inside the same
botocore hook (so the figure is Kargo's own CPU plus the modelled latency, as in
AWS), `moto` runs moto in-process (its CPU time, serialised by the GIL, comes on
top: a pessimistic floor).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import clock

CALL_LATENCY_S = 0.008
LOAD_ITEMS_PER_RUN = 27_000  # ~90 due items/s x 300 s (README: the scan at 10 M shipments)
SCHEDULE_SECONDS = 300
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _http_ok() -> Any:
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    return AWSResponse("https://dynamodb.local", 200, HTTPHeaders(), None)


def _seed(count: int, into: dict[tuple[str, str], dict[str, Any]] | None) -> None:
    from chalicelib import aws, store, tokens
    from chalicelib.domain.shipment import ShipmentState
    from chalicelib.domain.status import Status
    from chalicelib.dynamo_codec import encode_value

    registered = NOW - timedelta(hours=1)
    for n in range(count):
        carrier, tracking = "yurtici", f"YT8{n:09d}TR"
        record = store.ShipmentRecord(
            ShipmentState(carrier, tracking, Status.PENDING),
            1,
            store.Registration(
                f"B-{n}", tokens.mint(carrier, tracking, f"B-{n}"), "Ayşe", "tr", registered
            ),
        )
        item = dict(store.shipment_to_item(record, 1, registered))
        item["due_shard"] = encode_value(store.due_shard(store.shipment_pk(carrier, tracking)))
        item["due_at"] = encode_value(registered.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if into is None:
            aws.dynamodb().put_item(TableName="kargo", Item=item)
        else:
            into[(item["pk"]["S"], item["sk"]["S"])] = item


class InMemoryTable:
    """Just enough DynamoDB for the scan: the due-index Query, BatchGetItem,
    PutItem and TransactWriteItems (conditions are not checked: one writer)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.lock = threading.Lock()

    def answer(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if operation == "Query":
                return self._query(params)
            if operation == "BatchGetItem":
                ((table, request),) = params["RequestItems"].items()
                found = [
                    self.items[(key["pk"]["S"], key["sk"]["S"])]
                    for key in request["Keys"]
                    if (key["pk"]["S"], key["sk"]["S"]) in self.items
                ]
                return {"Responses": {table: found}, "UnprocessedKeys": {}}
            if operation == "PutItem":
                self._put(params["Item"])
                return {}
            if operation == "TransactWriteItems":
                for write in params["TransactItems"]:
                    self._put(write["Put"]["Item"])
                return {}
        raise NotImplementedError(operation)

    def _put(self, item: dict[str, Any]) -> None:
        self.items[(item["pk"]["S"], item["sk"]["S"])] = item

    def _query(self, params: dict[str, Any]) -> dict[str, Any]:
        values = params["ExpressionAttributeValues"]
        shard, now = values[":shard"]["S"], values[":now"]["S"]
        due = sorted(
            (item["due_at"]["S"], key)
            for key, item in self.items.items()
            if item.get("due_shard", {}).get("S") == shard and item["due_at"]["S"] <= now
        )
        after = params.get("ExclusiveStartKey")
        if after:
            start = (after["due_at"]["S"], (after["pk"]["S"], after["sk"]["S"]))
            due = [entry for entry in due if entry > start]
        page = due[: params["Limit"]]
        keys = [
            {"pk": {"S": pk}, "sk": {"S": sk}, "due_shard": {"S": shard}, "due_at": {"S": at}}
            for at, (pk, sk) in page
        ]
        answer: dict[str, Any] = {"Items": keys, "Count": len(keys)}
        if len(due) > len(page):
            answer["LastEvaluatedKey"] = keys[-1]
        return answer


def _run(count: int, workers: int, backend: str = "table") -> dict[str, Any]:
    from bench.stage import moto_stage
    from chalicelib import aws, scan

    with moto_stage():
        table = InMemoryTable()
        if backend == "table":
            _seed(count, table.items)
        else:
            _seed(count, None)
        calls = {"n": 0}

        def network(**kwargs: Any) -> Any:
            calls["n"] += 1
            clock.sleep(CALL_LATENCY_S)
            if backend == "table":
                params = kwargs["context"]["bench_params"]
                return _http_ok(), table.answer(kwargs["model"].name, params)
            return None

        def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["bench_params"] = params  # before-call sees the serialised request only

        events = aws.dynamodb().meta.events
        events.register("before-parameter-build.dynamodb", keep_params)
        events.register("before-call.dynamodb", network)
        try:
            started = time.perf_counter()
            report = scan.scan_due_shipments(NOW, workers=workers)
            elapsed = time.perf_counter() - started
        finally:
            events.unregister("before-call.dynamodb", network)
            events.unregister("before-parameter-build.dynamodb", keep_params)
    assert report["items_read"] == count and not report["errors"], report
    rate = count / elapsed
    return {
        "backend": backend,
        "workers": workers,
        "items": count,
        "seconds": round(elapsed, 2),
        "dynamodb_calls": calls["n"],
        "items_per_second": round(rate, 1),
        "run_seconds_at_10m_load": round(LOAD_ITEMS_PER_RUN / rate, 1),
        "fits_half_the_interval": LOAD_ITEMS_PER_RUN / rate <= SCHEDULE_SECONDS / 2,
    }


def measure_scan(count: int = 3_200, worker_counts: tuple[int, ...] = (1, 8, 16)) -> dict[str, Any]:
    logging.getLogger("chalicelib").setLevel(logging.ERROR)
    runs = [_run(count, workers) for workers in worker_counts]
    runs.append(_run(min(count, 800), 8, "moto"))
    return {
        "call_latency_ms": CALL_LATENCY_S * 1000,
        "load_items_per_run": LOAD_ITEMS_PER_RUN,
        "schedule_seconds": SCHEDULE_SECONDS,
        "runs": runs,
    }


def render_scan(result: dict[str, Any]) -> list[str]:
    out = [
        "",
        f"Scan, {result['call_latency_ms']:.0f} ms per DynamoDB call, load "
        f"{result['load_items_per_run']} due items per {result['schedule_seconds']} s run:",
    ]
    for run in result["runs"]:
        out.append(
            f"  {run['backend']:>5}, {run['workers']:>2} workers: "
            f"{run['items_per_second']:>7.1f} items/s "
            f"({run['dynamodb_calls']} calls for {run['items']} items); one 10 M run "
            f"{run['run_seconds_at_10m_load']:>6.1f} s "
            f"({'fits' if run['fits_half_the_interval'] else 'does NOT fit'} half the interval)"
        )
    return out


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3_200
    print("\n".join(render_scan(measure_scan(count))))
