"""The statistics' DynamoDB items: keys, the one transaction that counts a change,
and the bounded reads the console and `GET /stats/carriers` make.

| item                         | pk                     | sk                        |
|------------------------------|------------------------|---------------------------|
| delivery aggregate           | STATS#DLV#{carrier}    | {day}#{city key}          |
| carriers with aggregates     | STATS#DLV              | CARRIERS                  |
| shipments by status (shards) | STATS#STATUS           | SHARD#{nn}                |
| ratings of one day           | STATS#RATINGS          | {day}                     |
| a low rating, for the list   | STATS#LOWRATING        | {rated_at}#{carrier}#{nr} |
| claim: a change was counted  | SHIP#{carrier}#{nr}    | STATS#{change_id}         |
| claim: a delivery was counted| SHIP#{carrier}#{nr}    | STATS#DELIVERED           |

Every aggregate holds counters only (`ADD`), so concurrent updates never lose
one another, and every item expires (`expires_at`, the table's TTL): the
partition of a carrier holds at most `AGGREGATE_RETENTION` days × its cities.
Reading 90 days of one carrier is one Query on a day-range of its sort key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib import aws
from chalicelib.domain.events import format_utc
from chalicelib.dynamo_codec import decode_item, encode_item
from chalicelib.stats.aggregate import Delivery, Tally, bucket, city_key, tally_from_counts
from chalicelib.stats.aggregate import histogram_attribute as hist
from chalicelib.store.schema import DELAY_INDEX
from chalicelib.store.shipments import DELAYED_PARTITION
from chalicelib.store.table import item_key, shipment_pk, table_name

DELIVERIES = "STATS#DLV"
STATUS_COUNTS = "STATS#STATUS"
RATINGS = "STATS#RATINGS"
LOW_RATINGS = "STATS#LOWRATING"
# One hot counter item would cap the whole shop's status changes at one
# partition's write rate; shards spread them, one Query still reads them all.
STATUS_SHARDS = 8
AGGREGATE_RETENTION = timedelta(days=120)  # covers the 90-day view, with room
LOW_RATING_RETENTION = timedelta(days=90)


def _expires(day: date | datetime, keep: timedelta) -> dict[str, str]:
    moment = day if isinstance(day, datetime) else datetime(day.year, day.month, day.day)
    return {"N": str(int((moment + keep).timestamp()))}


def status_shard(carrier: str, tracking_number: str) -> str:
    digest = hashlib.sha256(shipment_pk(carrier, tracking_number).encode()).digest()
    return f"SHARD#{digest[0] % STATUS_SHARDS:02d}"


# --- writes ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    score: int
    rated_at: datetime
    order_id: str | None
    comment: str | None


@dataclass(frozen=True)
class CountedChange:
    """What one outbox row adds to the statistics."""

    carrier: str
    tracking_number: str
    change_id: str
    now: datetime
    status_moves: tuple[str, str | None] | None = None  # (into, out of); None: no move
    delivery: Delivery | None = None
    rating: Rating | None = None
    rating_day: date | None = None


def _claim(pk: str, sk: str, now: datetime) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table_name(),
            "Item": {
                **item_key(pk, sk),
                "record_type": {"S": "stats_claim"},
                "created_at": {"S": format_utc(now)},
                "expires_at": _expires(now, AGGREGATE_RETENTION),
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def _add(pk: str, sk: str, counters: dict[str, int], sets: dict[str, Any] | None = None) -> Any:
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds = []
    for index, (name, amount) in enumerate(sorted(counters.items())):
        names[f"#c{index}"] = name
        values[f":c{index}"] = {"N": str(amount)}
        adds.append(f"#c{index} :c{index}")
    assignments = []
    for index, (name, value) in enumerate(sorted((sets or {}).items())):
        names[f"#s{index}"] = name
        values[f":s{index}"] = value
        # First writer names the item; later ones never rewrite it.
        assignments.append(f"#s{index} = if_not_exists(#s{index}, :s{index})")
    expression = "ADD " + ", ".join(adds)
    if assignments:
        expression += " SET " + ", ".join(assignments)
    return {
        "Update": {
            "TableName": table_name(),
            "Key": item_key(pk, sk),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def _delivery_writes(change: CountedChange, delivery: Delivery) -> list[dict[str, Any]]:
    pk = shipment_pk(change.carrier, change.tracking_number)
    tally = delivery.as_tally()
    counters = {
        "delivered": 1,
        "estimated": tally.estimated,
        "on_time": tally.on_time,
        "exception": tally.exception,
        hist(bucket(delivery.transit_days)): 1,
    }
    sets = {
        "city": {"S": delivery.city or "-"},
        "day": {"S": delivery.day.isoformat()},
        "record_type": {"S": "delivery_aggregate"},
        "expires_at": _expires(delivery.day, AGGREGATE_RETENTION),
    }
    carriers = {
        "Update": {
            "TableName": table_name(),
            "Key": item_key(DELIVERIES, "CARRIERS"),
            "UpdateExpression": "ADD carriers :carrier",
            "ExpressionAttributeValues": {":carrier": {"SS": [delivery.carrier]}},
        }
    }
    aggregate_sk = f"{delivery.day.isoformat()}#{city_key(delivery.city)}"
    return [
        _claim(pk, "STATS#DELIVERED", change.now),
        _add(f"{DELIVERIES}#{delivery.carrier}", aggregate_sk, counters, sets),
        carriers,
    ]


def _change_writes(change: CountedChange) -> list[dict[str, Any]]:
    writes: list[dict[str, Any]] = []
    if change.status_moves:
        into, out_of = change.status_moves
        counters = {into: 1} | ({out_of: -1} if out_of else {})
        shard = status_shard(change.carrier, change.tracking_number)
        writes.append(_add(STATUS_COUNTS, shard, counters))
    if change.rating and change.rating_day:
        score = change.rating.score
        expires = _expires(change.rating_day, AGGREGATE_RETENTION)
        day = change.rating_day.isoformat()
        writes.append(_add(RATINGS, day, {f"s{score}": 1}, {"expires_at": expires}))
        if score <= 2:
            writes.append(_low_rating_put(change, change.rating))
    return writes


def _low_rating_put(change: CountedChange, rating: Rating) -> dict[str, Any]:
    values: dict[str, Any] = {
        "pk": LOW_RATINGS,
        "sk": f"{format_utc(rating.rated_at)}#{change.carrier}#{change.tracking_number}",
        "record_type": "low_rating",
        "carrier": change.carrier,
        "tracking_number": change.tracking_number,
        "order_id": rating.order_id,
        "score": rating.score,
        "comment": rating.comment,
        "rated_at": format_utc(rating.rated_at),
        "expires_at": int((rating.rated_at + LOW_RATING_RETENTION).timestamp()),
    }
    return {"Put": {"TableName": table_name(), "Item": encode_item(values)}}


def count_change(change: CountedChange) -> bool:
    """Count one change once, in ONE transaction with its claim: a redelivered
    stream record finds the claim and counts nothing. A delivery also claims the
    shipment, so a shipment delivered, then held, then delivered again is one
    delivery in the carrier figures. False: nothing left to count."""
    pk = shipment_pk(change.carrier, change.tracking_number)
    base = [_claim(pk, f"STATS#{change.change_id}", change.now), *_change_writes(change)]
    delivery = _delivery_writes(change, change.delivery) if change.delivery else []
    if len(base) == 1 and not delivery:
        return False  # nothing to count: no claim written either
    client = aws.dynamodb()
    try:
        client.transact_write_items(TransactItems=[*base, *delivery])  # type: ignore[list-item]
        return True
    except client.exceptions.TransactionCanceledException as error:
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
        if reasons and reasons[0] == "ConditionalCheckFailed":
            return False  # this change was counted before
        delivery_claimed = (
            len(reasons) > len(base) and reasons[len(base)] == "ConditionalCheckFailed"
        )
        if not delivery_claimed:
            raise
    # Delivered once before: count the status move, not a second delivery.
    if len(base) == 1:
        return False
    try:
        client.transact_write_items(TransactItems=base)  # type: ignore[arg-type]
    except client.exceptions.TransactionCanceledException as error:
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
        if reasons and reasons[0] == "ConditionalCheckFailed":
            return False
        raise
    return True


# --- reads -----------------------------------------------------------------------


@dataclass(frozen=True)
class AggregateRow:
    carrier: str
    city_key: str
    city: str
    day: date
    tally: Tally


@dataclass
class ReadCounter:
    """How many DynamoDB read calls a view made (the bench reports it)."""

    calls: int = 0


def _query_pages(kwargs: dict[str, Any], reads: ReadCounter | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        response = aws.dynamodb().query(**kwargs)
        if reads:
            reads.calls += 1
        items.extend(response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return items
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def carriers_with_aggregates(reads: ReadCounter | None = None) -> list[str]:
    response = aws.dynamodb().get_item(TableName=table_name(), Key=item_key(DELIVERIES, "CARRIERS"))
    if reads:
        reads.calls += 1
    item = response.get("Item") or {}
    return sorted(item.get("carriers", {}).get("SS", []))


def carrier_aggregates(
    carrier: str, first_day: date, last_day: date, reads: ReadCounter | None = None
) -> list[dict[str, Any]]:
    """One carrier's delivery aggregates from `first_day` to `last_day` (local days,
    inclusive), decoded: one Query on the day range of its sort key (more pages
    only past 1 MB, about 3,000 city-days)."""
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
        "ExpressionAttributeValues": {
            ":pk": {"S": f"{DELIVERIES}#{carrier}"},
            ":first": {"S": first_day.isoformat()},
            ":last": {"S": f"{last_day.isoformat()}#\uffff"},
        },
    }
    return [decode_item(item) for item in _query_pages(kwargs, reads)]


def delivery_rows(
    first_day: date, last_day: date, reads: ReadCounter | None = None
) -> list[AggregateRow]:
    """Every aggregate from `first_day` to `last_day` (local days, inclusive):
    one GetItem for the carriers, then one Query per carrier on the day range of
    its sort key (more pages only past 1 MB, about 3,000 city-days)."""
    rows: list[AggregateRow] = []
    for carrier in carriers_with_aggregates(reads):
        for raw in carrier_aggregates(carrier, first_day, last_day, reads):
            day_text, _, key = raw["sk"].partition("#")
            rows.append(
                AggregateRow(
                    carrier, key, raw.get("city", key), date.fromisoformat(day_text),
                    tally_from_counts(raw),
                )
            )  # fmt: skip
    return rows


def status_counts(reads: ReadCounter | None = None) -> dict[str, int]:
    """Shipments by status, summed over the shards: one Query."""
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": STATUS_COUNTS}},
    }
    counts: dict[str, int] = {}
    for item in _query_pages(kwargs, reads):
        for name, value in decode_item(item).items():
            if name not in ("pk", "sk") and isinstance(value, int):
                counts[name] = counts.get(name, 0) + value
    return counts


def rating_counts(
    first_day: date, last_day: date, reads: ReadCounter | None = None
) -> dict[int, int]:
    """Ratings by score over a range of days: one Query."""
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
        "ExpressionAttributeValues": {
            ":pk": {"S": RATINGS},
            ":first": {"S": first_day.isoformat()},
            ":last": {"S": last_day.isoformat()},
        },
    }
    counts = dict.fromkeys(range(1, 6), 0)
    for item in _query_pages(kwargs, reads):
        raw = decode_item(item)
        for score in counts:
            counts[score] += int(raw.get(f"s{score}", 0))
    return counts


@dataclass(frozen=True)
class LowRating:
    carrier: str
    tracking_number: str
    order_id: str | None
    score: int
    comment: str | None
    rated_at: str


def low_ratings(
    limit: int, start: dict[str, Any] | None = None, reads: ReadCounter | None = None
) -> tuple[list[LowRating], dict[str, Any] | None]:
    """The newest low ratings (1 or 2), one page: one Query."""
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": LOW_RATINGS}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if start:
        kwargs["ExclusiveStartKey"] = start
    response = aws.dynamodb().query(**kwargs)
    if reads:
        reads.calls += 1
    found = [decode_item(item) for item in response.get("Items", [])]
    entries = [
        LowRating(
            raw["carrier"], raw["tracking_number"], raw.get("order_id"), int(raw["score"]),
            raw.get("comment"), raw["rated_at"],
        )
        for raw in found
    ]  # fmt: skip
    last = response.get("LastEvaluatedKey")
    return entries, dict(last) if last else None


def count_delayed(cap: int, reads: ReadCounter | None = None) -> tuple[int, bool]:
    """How many shipments are delayed now, from the sparse delay index: one
    Query that counts at most `cap` keys. (count, whether there are more)."""
    response = aws.dynamodb().query(
        TableName=table_name(),
        IndexName=DELAY_INDEX,
        KeyConditionExpression="delay_list = :delayed",
        ExpressionAttributeValues={":delayed": {"S": DELAYED_PARTITION}},
        Select="COUNT",
        Limit=cap,
    )
    if reads:
        reads.calls += 1
    return int(response.get("Count", 0)), "LastEvaluatedKey" in response
