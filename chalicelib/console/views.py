"""What each console page shows, read through the stores in a bounded number of
calls (never a scan), as plain page models for the templates.

Reads per page (DynamoDB calls): overview 5 (status counters, delayed count,
five longest delays, this week's ratings, newest low ratings); delayed list 1
(its first page 2: the shipments trending late too);
search 1-3; an order 3 (order, its shipments in one batch, its notification
log); carriers 1 + one per carrier; ratings 2.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib import store
from chalicelib.config import settings
from chalicelib.domain.events import normalise_tracking_number
from chalicelib.domain.status import Locale, Status
from chalicelib.stats.aggregate import CarrierFigures, CityRanking, rank_by_city
from chalicelib.stats.views import carrier_figures
from chalicelib.store import stats as stats_store
from chalicelib.store.stats import LowRating, ReadCounter

OVERVIEW_DELAYED = 5
DELAYED_PAGE = 25
DELAYED_COUNT_CAP = 1000  # "1000+" beyond: one bounded Query, whatever the backlog
LOW_RATINGS_SHOWN = 10
# The order the overview lists statuses in: the journey, then what went wrong.
STATUS_ORDER = [status.value for status in Status if status != Status.PENDING]


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> dict[str, Any] | None:
    """A cursor this console gave, or None (a bad one starts from the top)."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if isinstance(key, dict) and key and all(isinstance(v, dict) for v in key.values()):
        return key
    return None


def _format_local(moment: datetime, locale: Locale, zone: ZoneInfo) -> str:
    from chalicelib.rendering.formats import format_datetime

    return format_datetime(moment, locale, zone)


@dataclass(frozen=True)
class DelayedRow:
    carrier: str
    tracking_number: str
    order_id: str | None
    status: Status
    reason: str | None
    days_late: int
    since: datetime | None


def _delayed_row(record: store.ShipmentRecord, now: datetime) -> DelayedRow:
    state = record.state
    since = state.delay_since
    days = max(0, (now - since).days) if since else 0
    return DelayedRow(
        carrier=state.carrier,
        tracking_number=state.tracking_number,
        order_id=record.registration.order_id if record.registration else None,
        status=state.status,
        reason=state.delay_reason.value if state.delay_reason else None,
        days_late=days,
        since=since,
    )


@dataclass(frozen=True)
class Overview:
    status_counts: list[tuple[Status, int]]
    delayed_count: int
    delayed_more: bool  # more than DELAYED_COUNT_CAP
    longest_delays: list[DelayedRow]
    ratings: dict[int, int]
    ratings_total: int
    ratings_average: float | None
    low_ratings: list[LowRating]
    open_requests: int


def overview(now: datetime, reads: ReadCounter | None = None) -> Overview:
    from chalicelib.console.requests import open_requests

    counts = stats_store.status_counts(reads)
    listed = [
        (Status(name), max(0, counts.get(name, 0)))
        for name in STATUS_ORDER
        if counts.get(name, 0) > 0
    ]
    delayed_count, more = stats_store.count_delayed(DELAYED_COUNT_CAP, reads)
    records, _ = store.query_delayed(None, OVERVIEW_DELAYED)
    if reads:
        reads.calls += 1
    today = now.astimezone(settings().zone).date()
    ratings = stats_store.rating_counts(today - timedelta(days=6), today, reads)
    total = sum(ratings.values())
    average = sum(score * n for score, n in ratings.items()) / total if total else None
    low, _ = stats_store.low_ratings(3, reads=reads)
    return Overview(
        status_counts=listed,
        delayed_count=delayed_count,
        delayed_more=more,
        longest_delays=[_delayed_row(record, now) for record in records],
        ratings=ratings,
        ratings_total=total,
        ratings_average=average,
        low_ratings=low,
        open_requests=len(open_requests()),
    )


@dataclass(frozen=True)
class TrendingRow:
    """Not late yet, but the shop's history expects it past the estimate."""

    carrier: str
    tracking_number: str
    order_id: str | None
    status: Status
    estimate: str | None
    predicted_latest: str


def _trending_row(record: store.ShipmentRecord) -> TrendingRow:
    from chalicelib.domain.prediction import Prediction

    state = record.state
    prediction = Prediction.from_json(record.extra.get("prediction"))
    return TrendingRow(
        carrier=state.carrier,
        tracking_number=state.tracking_number,
        order_id=record.registration.order_id if record.registration else None,
        status=state.status,
        estimate=state.estimated_delivery,
        predicted_latest=prediction.latest.isoformat() if prediction else "",
    )


@dataclass(frozen=True)
class DelayedPage:
    rows: list[DelayedRow]
    next_cursor: str | None
    trending: list[TrendingRow] = field(default_factory=list)  # first page only


def delayed_page(cursor: str | None, now: datetime) -> DelayedPage:
    """Longest-delayed first, one page per Query; the cursor is the API's own.
    The first page also lists the shipments trending late (one more Query)."""
    start = decode_cursor(cursor) if cursor else None
    records, last = store.query_delayed(start, DELAYED_PAGE)
    trending = [] if cursor else store.query_trending_late(DELAYED_PAGE)
    return DelayedPage(
        [_delayed_row(record, now) for record in records],
        encode_cursor(last) if last else None,
        [_trending_row(record) for record in trending if store.trending_late(record)],
    )


@dataclass(frozen=True)
class SearchResult:
    query: str
    order_id: str | None  # an order with this id exists
    shipments: list[store.ShipmentRecord]


def search(query: str) -> SearchResult:
    """An order id (one GetItem) and a tracking number with any carrier the shop
    uses (one BatchGetItem over the known carriers, plus the carriers list)."""
    from chalicelib.shopper.carriers import KNOWN_CARRIERS

    text = query.strip()
    if not text or len(text) > 100:
        return SearchResult(text, None, [])
    order = store.load_order(text)
    tracking = normalise_tracking_number(text)
    shipments: list[store.ShipmentRecord] = []
    if tracking:
        carriers = sorted(set(KNOWN_CARRIERS) | set(stats_store.carriers_with_aggregates()))
        found = store.load_shipments([(carrier, tracking) for carrier in carriers[:100]])
        shipments = [record for record in found.values() if record.registration]
    return SearchResult(text, text if order else None, shipments)


@dataclass(frozen=True)
class OrderShipment:
    entry: dict[str, Any]  # as the order lists it
    record: store.ShipmentRecord | None
    is_return: bool


@dataclass(frozen=True)
class OrderPage:
    order_id: str
    customer: dict[str, Any]
    created_at: str | None
    shipments: list[OrderShipment]
    notifications: list[store.NotificationEntry]
    requests: list[dict[str, Any]]


def order_page(order_id: str, now: datetime) -> OrderPage | None:
    stored = store.load_order(order_id)
    if stored is None:
        return None
    document = stored.document
    entries = [(e, False) for e in document.get("shipments", [])]
    entries += [(e, True) for e in document.get("returns", [])]
    records = store.load_shipments([(e["carrier"], e["tracking_number"]) for e, _ in entries])
    shipments = [
        OrderShipment(entry, records.get((entry["carrier"], entry["tracking_number"])), is_return)
        for entry, is_return in entries
    ]
    requests = [r for r in document.get("requests", []) if isinstance(r, dict)]
    return OrderPage(
        order_id=document.get("order_id", order_id),
        customer=document.get("customer", {}),
        created_at=document.get("created_at"),
        shipments=shipments,
        notifications=store.list_notifications(order_id, now),
        requests=requests,
    )


@dataclass(frozen=True)
class CarriersPage:
    days: int
    carriers: list[CarrierFigures]
    rankings: list[CityRanking]


def carriers_page(days: int, now: datetime, reads: ReadCounter | None = None) -> CarriersPage:
    found = carrier_figures(days, now, reads)
    return CarriersPage(days, found, rank_by_city(found))


@dataclass(frozen=True)
class RatingsPage:
    counts: dict[int, int]
    total: int
    average: float | None
    low: list[LowRating]
    next_cursor: str | None


def ratings_page(cursor: str | None, now: datetime) -> RatingsPage:
    today = now.astimezone(settings().zone).date()
    counts = stats_store.rating_counts(today - timedelta(days=29), today)
    total = sum(counts.values())
    average = sum(score * n for score, n in counts.items()) / total if total else None
    start = decode_cursor(cursor) if cursor else None
    low, last = stats_store.low_ratings(LOW_RATINGS_SHOWN, start)
    return RatingsPage(counts, total, average, low, encode_cursor(last) if last else None)


def local_time(moment: datetime | None, locale: Locale) -> str:
    return _format_local(moment, locale, settings().zone) if moment else ""


def kind_label(kind: str, locale: Locale) -> str:
    """A notification's kind for people: the status it told about, or what it was."""
    from chalicelib.console.texts import phrases

    try:
        return Status(kind).label(locale)
    except ValueError:
        return phrases(locale).get(f"kind_{kind}", kind)


def estimate_text(value: str | None, locale: Locale) -> str:
    from chalicelib.rendering.formats import format_date

    return format_date(value, locale, settings().zone) if value else ""
