"""Use cases: the shopper's self-service and the shop's answers (the contract's
section 12).

From the tracking page a shopper cancels an order that has not been picked up,
asks for a return within the withdrawal period, or reports a problem; the shop
approves or declines. The rules are `chalicelib.domain.requests`; here they are
applied to what is stored.

Every request lives in the order document's `requests` list. A request and each
decision is one transaction: the document (guarded by the version read) and the
outbox rows that alert the shop (channel `merchant`), tell the shopper, and become
the shop's events. A repeat finds the request in the document and answers the
same; a lost race reads again and decides on what is true then.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib import store
from chalicelib.api.models import CarrierSlug, Text, TrackingNumber
from chalicelib.config import settings
from chalicelib.domain import requests as rules
from chalicelib.domain.events import format_utc
from chalicelib.domain.status import Status
from chalicelib.errors import Conflict, NotFound
from chalicelib.retry import wait_before_retry

COMMENT_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 500
ATTEMPTS = 5

ReturnReason = Literal[
    "changed_mind", "wrong_size", "damaged", "wrong_item", "not_as_described", "other"
]
Resolution = Literal["refund", "exchange", "store_credit"]
IssueKind = Literal["damaged", "missing_item", "wrong_item", "not_received", "other"]


def _blank_is_none(value: str | None) -> str | None:
    return value or None


class ReturnRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: ReturnReason
    resolution: Resolution
    comment: Annotated[Text | None, Field(max_length=COMMENT_MAX_LENGTH)] = None

    _comment = field_validator("comment")(_blank_is_none)


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: IssueKind
    comment: Annotated[Text | None, Field(max_length=COMMENT_MAX_LENGTH)] = None

    _comment = field_validator("comment")(_blank_is_none)


class DeclineIn(BaseModel):
    """A shop that says no says why: the shopper is shown the reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Annotated[Text, Field(min_length=1, max_length=REASON_MAX_LENGTH)]


class ApproveReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    carrier: CarrierSlug
    tracking_number: TrackingNumber


# --- what is stored, read together ---------------------------------------------------


def shipment_facts(record: store.ShipmentRecord | None) -> rules.ShipmentFacts:
    if record is None:  # registered, no carrier event yet
        return rules.ShipmentFacts(Status.PENDING, None)
    state = record.state
    delivered_at = state.status_at if state.status == Status.DELIVERED else None
    return rules.ShipmentFacts(state.status, delivered_at, rated="feedback" in record.extra)


def _outbound_keys(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(entry["carrier"], entry["tracking_number"]) for entry in document["shipments"]]


def _load(order_id: str) -> tuple[store.StoredOrder, dict[tuple[str, str], store.ShipmentRecord]]:
    stored = store.load_order(order_id)
    if stored is None:
        raise NotFound("Unknown order.")
    return stored, store.load_shipments(_outbound_keys(stored.document))


def _facts(
    stored: store.StoredOrder, records: dict[tuple[str, str], store.ShipmentRecord]
) -> rules.OrderFacts:
    keys = _outbound_keys(stored.document)
    return rules.order_facts(stored.document, (shipment_facts(records.get(k)) for k in keys))


@dataclass(frozen=True)
class SelfService:
    """What the parcel's page offers now, and the requests that wait for the shop."""

    actions: tuple[str, ...] = ()
    cancellation_pending: bool = False
    return_pending: bool = False


def self_service_for(
    record: store.ShipmentRecord, now: datetime, *, stored_order: store.StoredOrder | None = None
) -> SelfService:
    """The lookup's and the page's `actions` for the parcel behind a token;
    `stored_order`, when the caller read it already (with the token's one read call)."""
    registration = record.registration
    assert registration is not None
    if registration.return_id is not None:
        return SelfService()
    stored = stored_order or store.load_order(registration.order_id)
    if stored is None:
        return SelfService()
    keys = _outbound_keys(stored.document)
    # Only an unshipped parcel can make the order cancellable: skip the other reads.
    unshipped = record.state.status in rules.CANCELLABLE
    others = store.load_shipments([k for k in keys if k != record.key]) if unshipped else {}
    records = {**others, record.key: record}
    # Not read (this parcel has left, so the order is not cancellable anyway): a
    # stand-in that says so; read but without carrier news: pending.
    shipments = (
        shipment_facts(records.get(k))
        if unshipped or k == record.key
        else rules.ShipmentFacts(Status.IN_TRANSIT, None)
        for k in keys
    )
    order = rules.order_facts(stored.document, shipments)
    config = settings()
    actions = rules.allowed_actions(
        order,
        shipment_facts(record),
        registration.token,
        mode=config.self_cancel,  # type: ignore[arg-type]  # validated in config
        window_days=config.return_window_days,
        now=now,
    )
    return SelfService(
        actions=tuple(actions),
        cancellation_pending=not order.cancelled
        and rules.pending_cancellation(order.requests) is not None,
        return_pending=rules.open_return_request(order.requests, registration.token) is not None,
    )


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _requests(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document.get("requests") or ())


def _replace_request(document: dict[str, Any], updated: dict[str, Any]) -> dict[str, Any]:
    requests = [
        updated if r["request_id"] == updated["request_id"] else r for r in _requests(document)
    ]
    return {**document, "requests": requests}


def _status_of(records: dict[tuple[str, str], store.ShipmentRecord], key: tuple[str, str]) -> str:
    record = records.get(key)
    return record.state.status.value if record else Status.PENDING.value


def _parcel(document: dict[str, Any], token: str) -> dict[str, Any]:
    entry: dict[str, Any] | None = next(
        (e for e in document["shipments"] if e["tracking_token"] == token), None
    )
    if entry is None:
        raise NotFound("Unknown tracking link.")
    return entry


def request_view(entry: dict[str, Any]) -> dict[str, Any]:
    """A request as the shop sees it under `requests` (never the page's token)."""
    return {key: value for key, value in entry.items() if key != "token"}


# --- the shopper ------------------------------------------------------------------------


def shopper_cancel(record: store.ShipmentRecord, now: datetime) -> tuple[int, dict[str, Any]]:
    """`auto`: cancelled at once (200); `request`: the shop is asked (202); `off`: 409."""
    from chalicelib.after_sale import cancel_order

    registration = record.registration
    assert registration is not None
    order_id = registration.order_id
    mode = settings().self_cancel
    for attempt in range(ATTEMPTS):
        stored, records = _load(order_id)
        document = stored.document
        if document.get("cancelled_at"):
            return 200, {"status": "cancelled"}  # cancelling twice is the same cancel
        if rules.pending_cancellation(_requests(document)) is not None:
            return 202, {"status": "requested"}
        if mode == "off":
            raise Conflict("This order cannot be cancelled from the tracking page.")
        if rules.declined_cancellation(_requests(document)) is not None:
            raise Conflict("The shop has declined to cancel this order.")
        if not rules.cancellable(_facts(stored, records)):
            raise Conflict("The order can no longer be cancelled: a shipment is on its way.")
        entry = {
            "request_id": _new_id("can"),
            "type": "cancellation",
            "state": rules.REQUESTED,
            "token": registration.token,
            "created_at": format_utc(now),
        }
        if mode == "auto":
            # As the shop's own cancel (one transaction, version-guarded shipments);
            # it refuses with 409 when a pickup landed meanwhile.
            cancel_order(order_id, now, shopper_request=entry)
            return 200, {"status": "cancelled"}
        shipments = document["shipments"]
        outbox = store.order_outbox_put(
            order_id, "cancellation_request", now, shipments, now,
            change_id=f"{entry['request_id']}#requested", notify_customer=False,
            status=_status_of(records, _outbound_keys(document)[0]) if shipments else None,
            request_id=entry["request_id"],
        )  # fmt: skip
        updated = {**document, "requests": [*_requests(document), entry]}
        try:
            store.save_order_decision(
                order_id, updated, stored.version, [outbox],
                unchanged_shipments=[r for r in records.values() if r.version > 0],
            )  # fmt: skip
        except store.ConcurrentUpdate:
            wait_before_retry(attempt)
            continue  # the order or a parcel moved: decide again on what is true now
        return 202, {"status": "requested"}
    raise Conflict("The order is changing right now; try again.")


def request_return(
    record: store.ShipmentRecord, request: ReturnRequestIn, now: datetime
) -> tuple[int, dict[str, Any]]:
    """Within the window after delivery: 201 requested; the same request again: 200."""
    registration = record.registration
    assert registration is not None
    order_id, token = registration.order_id, registration.token
    content = {
        "reason": request.reason,
        "resolution": request.resolution,
        "comment": request.comment,
    }
    for attempt in range(ATTEMPTS):
        stored, _records = _load(order_id)
        document = stored.document
        for entry in _requests(document):
            same = all(entry.get(key) == value for key, value in content.items())
            if entry["type"] == "return" and entry["token"] == token and same:
                return 200, {"request_id": entry["request_id"], "status": entry["state"]}
        if document.get("cancelled_at"):
            raise Conflict("This order has been cancelled.")
        window = settings().return_window_days
        if not rules.within_return_window(shipment_facts(record), window, now):
            raise Conflict(f"A return can be asked for within {window} days after delivery only.")
        if rules.open_return_request(_requests(document), token) is not None:
            raise Conflict("A return request for this parcel is waiting for the shop's answer.")
        parcel = _parcel(document, token)
        entry = {
            "request_id": _new_id("rrq"),
            "type": "return",
            "state": rules.REQUESTED,
            "token": token,
            "carrier": parcel["carrier"],
            "tracking_number": parcel["tracking_number"],
            **content,
            "created_at": format_utc(now),
        }
        outbox = store.order_outbox_put(
            order_id, "return_request", now, [parcel], now,
            change_id=f"{entry['request_id']}#requested", notify_customer=False,
            status=record.state.status.value, request_id=entry["request_id"],
            reason=request.reason, resolution=request.resolution, comment=request.comment,
        )  # fmt: skip
        updated = {**document, "requests": [*_requests(document), entry]}
        try:
            store.save_order_decision(order_id, updated, stored.version, [outbox])
        except store.ConcurrentUpdate:
            wait_before_retry(attempt)
            continue
        return 201, {"request_id": entry["request_id"], "status": rules.REQUESTED}
    raise Conflict("The order is changing right now; try again.")


def report_issue(
    record: store.ShipmentRecord, issue: IssueIn, now: datetime
) -> tuple[int, dict[str, Any]]:
    """201 {"issue_id"}; the same report again (a double click): 200, the same id."""
    registration = record.registration
    assert registration is not None
    order_id, token = registration.order_id, registration.token
    if not rules.may_report(issue.kind, shipment_facts(record)):
        raise Conflict("A parcel can be reported missing only once the carrier says it arrived.")
    for attempt in range(ATTEMPTS):
        stored, _records = _load(order_id)
        document = stored.document
        for entry in _requests(document):
            if (
                entry["type"] == "issue"
                and entry["token"] == token
                and (entry.get("kind"), entry.get("comment")) == (issue.kind, issue.comment)
            ):
                return 200, {"issue_id": entry["request_id"]}
        if document.get("cancelled_at"):
            raise Conflict("This order has been cancelled.")
        parcel = _parcel(document, token)
        entry = {
            "request_id": _new_id("iss"),
            "type": "issue",
            "state": "reported",
            "token": token,
            "carrier": parcel["carrier"],
            "tracking_number": parcel["tracking_number"],
            "kind": issue.kind,
            "comment": issue.comment,
            "created_at": format_utc(now),
        }
        outbox = store.order_outbox_put(
            order_id, "issue", now, [parcel], now,
            change_id=f"{entry['request_id']}#reported", notify_customer=False,
            status=record.state.status.value, request_id=entry["request_id"],
            issue_kind=issue.kind, comment=issue.comment,
        )  # fmt: skip
        updated = {**document, "requests": [*_requests(document), entry]}
        try:
            store.save_order_decision(order_id, updated, stored.version, [outbox])
        except store.ConcurrentUpdate:
            wait_before_retry(attempt)
            continue
        return 201, {"issue_id": entry["request_id"]}
    raise Conflict("The order is changing right now; try again.")


# --- the shop ----------------------------------------------------------------------------


def settle_cancellation_requests(
    requests: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """The order is being cancelled: a waiting cancellation request is granted."""
    return [
        {**r, "state": "cancelled", "decided_at": format_utc(now)}
        if r["type"] == "cancellation" and r["state"] in rules.PENDING_STATES
        else r
        for r in requests
    ]


def decline_cancellation(order_id: str, decline: DeclineIn, now: datetime) -> dict[str, Any]:
    for attempt in range(ATTEMPTS):
        stored, records = _load(order_id)
        document = stored.document
        pending = rules.pending_cancellation(_requests(document))
        if pending is None:
            declined = rules.declined_cancellation(_requests(document))
            if declined is not None and declined.get("decline_reason") == decline.reason:
                return request_view(declined)
            raise Conflict("No cancellation request of this order waits for an answer.")
        updated = {
            **pending,
            "state": "declined",
            "decline_reason": decline.reason,
            "decided_at": format_utc(now),
        }
        shipments = document["shipments"]
        outbox = store.order_outbox_put(
            order_id, "cancellation_declined", now, shipments, now,
            change_id=f"{pending['request_id']}#declined", notify_customer=True,
            status=_status_of(records, _outbound_keys(document)[0]) if shipments else None,
            request_id=pending["request_id"], reason=decline.reason,
        )  # fmt: skip
        try:
            store.save_order_decision(
                order_id, _replace_request(document, updated), stored.version, [outbox]
            )
        except store.ConcurrentUpdate:
            wait_before_retry(attempt)
            continue
        return request_view(updated)
    raise Conflict("The order is changing right now; try again.")


def _return_request(document: dict[str, Any], request_id: str) -> dict[str, Any]:
    entry = next(
        (r for r in _requests(document) if r["request_id"] == request_id and r["type"] == "return"),
        None,
    )
    if entry is None:
        raise NotFound("Unknown return request.")
    return entry


def approve_return(
    order_id: str, request_id: str, approval: ApproveReturnIn, now: datetime
) -> tuple[int, dict[str, Any]]:
    """The request becomes a return (tracked like any other): 201; again: 200."""
    from chalicelib.after_sale import refuse_cancelled
    from chalicelib.orders import new_tracking_token, registration_for, shipment_reference

    key = (approval.carrier, approval.tracking_number)
    for attempt in range(ATTEMPTS):
        stored, _records = _load(order_id)
        document = stored.document
        entry = _return_request(document, request_id)
        returns = list(document.get("returns") or ())
        if entry["state"] == "approved":
            made = next(r for r in returns if r["return_id"] == entry["return_id"])
            if (made["carrier"], made["tracking_number"]) == key:
                return 200, _approval_view(entry, shipment_reference(made))
            raise Conflict("This return request was approved with another return shipment.")
        if entry["state"] != rules.REQUESTED:
            raise Conflict("This return request has been declined.")
        refuse_cancelled(document)
        if any((r["carrier"], r["tracking_number"]) == key for r in returns):
            raise Conflict("This tracking number belongs to another return.")
        made = {
            "return_id": _new_id("ret"),
            "carrier": approval.carrier,
            "tracking_number": approval.tracking_number,
            "tracking_token": new_tracking_token(
                approval.carrier, approval.tracking_number, order_id
            ),
            "reason": entry.get("reason"),
            "request_id": request_id,
            "created_at": format_utc(now),
            "refund": None,
        }
        updated = {
            **entry,
            "state": "approved",
            "return_id": made["return_id"],
            "decided_at": format_utc(now),
        }
        new_document = {**_replace_request(document, updated), "returns": [*returns, made]}
        registration = replace(
            registration_for(order_id, new_document, made["tracking_token"], now),
            return_id=made["return_id"],
        )
        outbox = store.order_outbox_put(
            order_id, "return_approved", now, [made], now,
            change_id=f"{request_id}#approved", notify_customer=True,
            status=Status.PENDING.value, request_id=request_id, return_id=made["return_id"],
            decision="approved", resolution=entry.get("resolution"),
        )  # fmt: skip
        try:
            store.save_order_decision(
                order_id, new_document, stored.version, [outbox],
                claim=(key, registration), now=now,
            )  # fmt: skip
        except store.ConcurrentUpdate:
            latest = store.load_order(order_id)
            if latest is not None and latest.version == stored.version:
                raise Conflict("This tracking number belongs to another shipment.") from None
            wait_before_retry(attempt)
            continue
        return 201, _approval_view(updated, shipment_reference(made))
    raise Conflict("The order is changing right now; try again.")


def _approval_view(entry: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    return {
        "request_id": entry["request_id"],
        "status": "approved",
        "return_id": entry["return_id"],
        **reference,
    }


def decline_return(
    order_id: str, request_id: str, decline: DeclineIn, now: datetime
) -> dict[str, Any]:
    for attempt in range(ATTEMPTS):
        stored, _records = _load(order_id)
        document = stored.document
        entry = _return_request(document, request_id)
        if entry["state"] == "declined":
            if entry.get("decline_reason") == decline.reason:
                return _decline_view(entry)
            raise Conflict("This return request was declined with another reason.")
        if entry["state"] != rules.REQUESTED:
            raise Conflict("This return request has been approved.")
        updated = {
            **entry,
            "state": "declined",
            "decline_reason": decline.reason,
            "decided_at": format_utc(now),
        }
        parcel = _parcel(document, entry["token"])
        outbox = store.order_outbox_put(
            order_id, "return_declined", now, [parcel], now,
            change_id=f"{request_id}#declined", notify_customer=True,
            status=Status.DELIVERED.value, request_id=request_id, decision="declined",
            reason=decline.reason, resolution=entry.get("resolution"),
        )  # fmt: skip
        try:
            store.save_order_decision(
                order_id, _replace_request(document, updated), stored.version, [outbox]
            )
        except store.ConcurrentUpdate:
            wait_before_retry(attempt)
            continue
        return _decline_view(updated)
    raise Conflict("The order is changing right now; try again.")


def _decline_view(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "request_id": entry["request_id"],
        "status": "declined",
        "reason": entry["decline_reason"],
    }
