"""The console's reads stay bounded however big the table grows.

Signed in through the real sign-in form, the overview, the carriers page and
`GET /stats/carriers?days=90` are measured on a small table and again after
thousands of other items (orders, shipments) were added; the aggregates hold
the same 90 days × 3 carriers × 5 cities in both. Also measured: what the
notifier pays for the statistics of one delivered row.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bench.aws_calls import CallCounter, Usage
from bench.stage import MERCHANT, Stage, moto_stage

FILLER_ITEMS = 5000
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
MEASURED = {
    "console: overview (GET /console)": "/console",
    "console: carriers page, 90 days": "/console/carriers?days=90",
    "api: GET /stats/carriers?days=90": "/stats/carriers?days=90",
}


def _sign_in(stage: Stage) -> str:
    form = stage.client.http.get("/console/login")
    pre = str(form.headers["Set-Cookie"]).split(";")[0]
    token = CSRF.search(form.body.decode())
    assert token
    response = stage.client.http.post(
        "/console/login",
        body=urlencode({"csrf": token.group(1), "key": "dev-merchant-key"}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": pre},
    )
    assert response.status_code == 303, response.body
    cookies = response.headers["Set-Cookie"]
    cookies = cookies if isinstance(cookies, list) else [cookies]
    session: str = next(c.split(";")[0] for c in cookies if c.startswith("kargo_console="))
    return session


def _seed_aggregates(today: date) -> None:
    from chalicelib.stats.aggregate import Delivery
    from chalicelib.store.stats import CountedChange, count_change

    cities = ("Ankara", "İstanbul", "İzmir", "Bursa", "Antalya")
    for day in range(90):
        for carrier in ("yurtici", "aras", "mng"):
            for city in cities:
                delivered = today - timedelta(days=day)
                count_change(
                    CountedChange(
                        carrier=carrier, tracking_number=f"S{day}{city}", change_id="seed",
                        now=datetime.now(UTC), status_moves=("delivered", None),
                        delivery=Delivery(carrier, city, delivered, day % 5 != 0, False, day % 4),
                    )
                )  # fmt: skip


def _fill(count: int) -> None:
    """Items the console must never read: orders and shipments of other customers."""
    from chalicelib import aws
    from chalicelib.config import settings

    client, table = aws.dynamodb(), settings().table_name
    for start in range(0, count, 25):
        client.batch_write_item(
            RequestItems={
                table: [
                    {
                        "PutRequest": {
                            "Item": {
                                "pk": {"S": f"SHIP#yurtici#FILL{n:07d}"},
                                "sk": {"S": "STATE"},
                                "record_type": {"S": "shipment"},
                                "status": {"S": "in_transit"},
                                "padding": {"S": "x" * 400},
                            }
                        }
                    }
                    for n in range(start, min(start + 25, count))
                ]
            }
        )


def _measure(stage: Stage, counter: CallCounter, cookie: str) -> dict[str, Usage]:
    found: dict[str, Usage] = {}
    for name, path in MEASURED.items():
        headers = MERCHANT if path.startswith("/stats") else {"Cookie": cookie}
        with counter.measure() as usage:
            response = stage.client.http.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)
        found[name] = usage
    return found


def measure_console() -> dict[str, Any]:
    with moto_stage() as stage:
        counter = CallCounter()
        counter.attach_pipeline_clients()
        _seed_aggregates(datetime.now(UTC).date())
        cookie = _sign_in(stage)
        _measure(stage, counter, cookie)  # warm-up: templates and imports load once
        small = _measure(stage, counter, cookie)
        _fill(FILLER_ITEMS)
        large = _measure(stage, counter, cookie)
        delivery = _measure_delivery_row(stage, counter)
    return {
        "filler_items": FILLER_ITEMS,
        "aggregates": "90 days x 3 carriers x 5 cities",
        "small_table": {name: usage.per(1) for name, usage in small.items()},
        "large_table": {name: usage.per(1) for name, usage in large.items()},
        "notifier: statistics of one delivered row": delivery.per(1),
    }


def _measure_delivery_row(stage: Stage, counter: CallCounter) -> Usage:
    """The statistics' share of the notifier's work for one `delivered` outbox row."""
    from bench.calls import _consume
    from bench.stage import order, webhook
    from chalicelib import aws, store
    from chalicelib.config import settings
    from chalicelib.dynamo_codec import decode_item
    from chalicelib.stats.updater import count_outbox_row

    tracking = "YT777000001TR"
    stage.register(order("BC-1", "yurtici", tracking))
    _consume(stage, webhook(tracking, ("in_transit", "2026-11-20T10:00:00+03:00"),
                            ("delivered", "2026-11-21T10:00:00+03:00")))  # fmt: skip
    items = aws.dynamodb().query(
        TableName=settings().table_name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :out)",
        ExpressionAttributeValues={
            ":pk": {"S": store.shipment_pk("yurtici", tracking)},
            ":out": {"S": "OUT#"},
        },
    )["Items"]
    [delivered] = [row for row in map(decode_item, items) if row["kind"] == "delivered"]
    with counter.measure() as usage:
        assert count_outbox_row(delivered, datetime.now(UTC))
    return usage


def render(results: dict[str, Any]) -> list[str]:
    out = [
        "",
        f"Console reads, bounded ({results['aggregates']} of aggregates; "
        f"then {results['filler_items']} more items in the table)",
        f"  {'page':40}{'calls':>7}{'RRU':>7}{'calls':>8}{'RRU':>7}",
        f"  {'':40}{'small table':>14}{'+' + str(results['filler_items']) + ' items':>15}",
    ]
    for name in MEASURED:
        small, large = results["small_table"][name], results["large_table"][name]
        out.append(
            f"  {name:40}{small['total_calls']:>7g}{small['read_units']:>7g}"
            f"{large['total_calls']:>8g}{large['read_units']:>7g}"
        )
    row = results["notifier: statistics of one delivered row"]
    made = ", ".join(f"{call.split('.')[-1]} x{n:g}" for call, n in row["calls"].items())
    out.append(
        f"  {'notifier: statistics of one delivery':40}{row['total_calls']:>7g}"
        f"{row['read_units']:>7g}  WRU {row['write_units']:g}  ({made})"
    )
    return out
