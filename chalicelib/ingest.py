"""Use case: the consumer. A queued webhook -> canonical events -> stored state.

Each SQS record is processed on its own; a record that fails is reported in
`batchItemFailures` so SQS retries only it. A record that can never be parsed
is moved to the dead-letter queue at once (retrying cannot fix it) and counts
as handled, so it neither blocks nor loses its neighbours.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chalicelib import aws, observability, store
from chalicelib.carriers import get_source
from chalicelib.clock import utc_now
from chalicelib.domain.events import CarrierUpdate
from chalicelib.domain.shipment import ShipmentState, merge_update
from chalicelib.errors import UnprocessableDelivery
from chalicelib.ingress import dead_letter_queue_url, decode_delivery_body
from chalicelib.platforms import is_platform
from chalicelib.predictions import with_prediction

MAX_WRITE_ATTEMPTS = 8


def handle_sqs_batch(event: dict[str, Any]) -> dict[str, Any]:
    """The consumer Lambda's body: a batch in, the failed message ids out."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from chalicelib import observability

    def handle(record: SQSRecord) -> None:
        # Each message's own id follows it through the logs (and into the DLQ's).
        observability.logger().set_correlation_id(record.message_id)
        process_message(record.raw_event)

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=handle, processor=processor, context=None
    )
    return dict(response)


def process_message(record: dict[str, Any], now: datetime | None = None) -> int:
    """One SQS record (as Lambda delivers it). Returns how many shipments it wrote."""
    attributes = record.get("messageAttributes") or {}
    source_name = _attribute(attributes, "source")
    if source_name and is_platform(source_name):
        return process_shop_delivery(record, source_name, now or utc_now())
    source = get_source(source_name or "")
    try:
        if source is None:
            raise UnprocessableDelivery(f"unknown webhook source {source_name!r}")
        body = decode_delivery_body(record["body"], _attribute(attributes, "encoding"))
        updates = source.parse(body)
    except UnprocessableDelivery as error:
        dead_letter(record, str(error))
        return 0
    except RecursionError:
        # A signed body nested absurdly deep: retrying cannot help, so straight aside.
        dead_letter(record, "body nested too deeply to read")
        return 0
    return apply_updates(updates, now or utc_now())


def process_shop_delivery(record: dict[str, Any], platform: str, now: datetime) -> int:
    """A shop platform's delivery: shop events rather than carrier events, with the
    same dead-lettering (chalicelib/platform_orders.py applies them)."""
    from chalicelib.platform_orders import apply_shop_delivery

    attributes = record.get("messageAttributes") or {}
    try:
        body = decode_delivery_body(record["body"], _attribute(attributes, "encoding"))
        topic, delivery_id = _attribute(attributes, "topic"), _attribute(attributes, "delivery_id")
        return apply_shop_delivery(platform, topic, delivery_id, body, now)
    except UnprocessableDelivery as error:
        dead_letter(record, str(error))
        return 0
    except RecursionError:
        dead_letter(record, "body nested too deeply to read")
        return 0


def apply_updates(updates: Iterable[CarrierUpdate], now: datetime) -> int:
    written = 0
    for update in combine_by_shipment(updates):
        written += apply_update(update, now)
    return written


def apply_update(update: CarrierUpdate, now: datetime) -> int:
    """Merge one shipment's update; retry on a concurrent writer. 1 if it wrote."""
    from chalicelib.retry import retry

    def attempt() -> int:
        record = store.load_shipment(update.carrier, update.tracking_number)
        if record is None:
            record = store.ShipmentRecord(ShipmentState(update.carrier, update.tracking_number))
        result = merge_update(record.state, update, now)
        if result.is_noop:
            observability.count("WritesSavedByDedupe")
            return 0
        record = with_prediction(record, result.state)
        store.save_merge(record, result, now)
        observability.count("EventsApplied", len(result.new_events))
        return 1

    try:
        return retry(attempt, on=store.ConcurrentUpdate, attempts=MAX_WRITE_ATTEMPTS)
    except store.ConcurrentUpdate as error:
        key = update.shipment_key
        raise store.ConcurrentUpdate(f"gave up on {key} after contention") from error


def combine_by_shipment(updates: Iterable[CarrierUpdate]) -> list[CarrierUpdate]:
    """One update per shipment, so a payload naming a shipment twice costs one write.
    The estimate comes from the part with the newest event, like the merge would pick."""
    combined: dict[tuple[str, str], CarrierUpdate] = {}
    for update in updates:
        previous = combined.get(update.shipment_key)
        if previous is None:
            combined[update.shipment_key] = update
            continue
        newest = max((previous, update), key=_newest_event_time)
        combined[update.shipment_key] = CarrierUpdate(
            carrier=update.carrier,
            tracking_number=update.tracking_number,
            events=previous.events + update.events,
            estimated_delivery=newest.estimated_delivery or previous.estimated_delivery,
        )
    return list(combined.values())


def _newest_event_time(update: CarrierUpdate) -> str:
    return max((event.occurred_at.isoformat() for event in update.events), default="")


def dead_letter(record: dict[str, Any], reason: str) -> None:
    """Park an unparseable delivery where an operator can inspect and replay it."""
    attributes: dict[str, Any] = {
        name: {"DataType": "String", "StringValue": value["stringValue"]}
        for name, value in (record.get("messageAttributes") or {}).items()
        if value.get("stringValue")
    }
    attributes["error"] = {"DataType": "String", "StringValue": reason[:1000]}
    aws.sqs().send_message(
        QueueUrl=dead_letter_queue_url(), MessageBody=record["body"], MessageAttributes=attributes
    )
    # Ids and the reason only: the body (names, addresses) stays in the queue.
    observability.logger().warning(
        "webhook delivery dead-lettered",
        message_id=record.get("messageId"),
        source=_attribute(record.get("messageAttributes") or {}, "source"),
        reason=reason[:300],
    )
    observability.count("DeadLettered")


def _attribute(attributes: dict[str, Any], name: str) -> str | None:
    value = attributes.get(name) or {}
    text = value.get("stringValue")
    return str(text) if text is not None else None
