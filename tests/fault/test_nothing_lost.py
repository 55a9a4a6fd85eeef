"""Nothing lost, nothing doubled: the whole pipeline under injected AWS faults.

500 events across 50 shipments, in webhooks of two to five events, each
webhook delivered three times in shuffled order, plus 5% malformed deliveries.
They go through the real ingress over HTTP (retried on 5xx, as a carrier
retries), the consumer and the notifier (re-driven by the same pollers that
play Lambda's event sources), while DynamoDB, SES and SNS throttle and SQS
sends fail or lose their replies. Afterwards:

- every shipment is in the state the pure merge gives for its valid events
  applied once, oldest first;
- every status transition that committed wrote exactly one outbox row, and
  every outbox row that notifies became exactly one message per channel the
  order allows (`skipped` where the shopper turned it off);
- every malformed delivery is in the dead-letter queue, and nothing else is.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import botocore.endpoint
import pytest

import local.pollers
from bench.moto_speed import cheap_transactions
from chalicelib import aws, store
from chalicelib.api.responses import ErrorBody
from chalicelib.config import settings
from chalicelib.dynamo_codec import decode_item
from chalicelib.notify import dispatch
from tests.fault.injector import Fault, FaultInjector, Sleeper
from tests.fault.scenario import Delivery, Workload, build_workload, comparable, expected_states
from tests.integration.conftest import MERCHANT, Kargo, sign_generic

SEED = int(os.environ.get("KARGO_FAULT_SEED", "20261123"))
REGISTERED_LATE = 10  # orders registered halfway through, after events arrived


def _not_notification_log(params: Mapping[str, Any]) -> bool:
    """The notifier's claim (a put of NOTE#...) and its finish (an update of it).

    A claim whose reply is lost, or a finish refused after the message went out,
    leaves the log saying `sending` for a message that was (or was not) sent:
    the claim-before-send design accepts that gap (see bench/README.md), so this
    test keeps those two faults out and checks everything else exactly."""
    item = params.get("Item") or params.get("Key") or {}
    return not str(item.get("sk", {}).get("S", "")).startswith("NOTE#")


FAULTS = [
    # DynamoDB: storms the SDK gives up on, writes whose reply is lost, and
    # throttles the SDK's own retries absorb.
    Fault("dynamodb", "exhaust", 0.03, when=_not_notification_log),
    Fault(
        "dynamodb",
        "lost_response",
        0.04,
        operations=frozenset({"TransactWriteItems", "PutItem"}),
        when=_not_notification_log,
    ),
    Fault("dynamodb", "throttle", 0.08),
    # SES and SNS: busy providers.
    Fault("sesv2", "exhaust", 0.06, code="TooManyRequestsException", status=429),
    Fault("sesv2", "throttle", 0.10, code="TooManyRequestsException", status=429),
    Fault("sns", "exhaust", 0.06, code="Throttling"),
    Fault("sns", "throttle", 0.10, code="Throttling"),
    # SQS: sends that fail outright, and sends that land but whose reply is lost.
    Fault(
        "sqs",
        "exhaust",
        0.05,
        operations=frozenset({"SendMessage"}),
        code="InternalFailure",
        status=500,
    ),
    Fault("sqs", "lost_response", 0.03, operations=frozenset({"SendMessage"})),
    Fault("sqs", "throttle", 0.05, operations=frozenset({"SendMessage"}), code="RequestThrottled"),
]


@pytest.fixture
def faults(kargo: Kargo, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultInjector]:
    """`kargo` pins the clock at noon in Istanbul: every SMS goes out, none is held."""
    injector = FaultInjector(FAULTS, seed=SEED)
    for client in (aws.dynamodb(), aws.sqs(), aws.sesv2(), aws.sns()):
        injector.attach(client)
    sleeper = Sleeper()
    monkeypatch.setattr(botocore.endpoint, "time", sleeper)
    monkeypatch.setattr(local.pollers.clock, "sleep", sleeper.sleep)
    with cheap_transactions():
        yield injector


def _assert_contract_error(response: Any) -> None:
    """A 5xx is right when SQS is down (the carrier retries), in the contract's shape."""
    text = response.body.decode() if isinstance(response.body, bytes) else str(response.body)
    assert "Traceback" not in text and 'File "' not in text, text
    ErrorBody.model_validate_json(text)


def _deliver(kargo: Kargo, delivery: Delivery) -> int:
    """POST like a carrier: retry on 5xx, re-signing each attempt. Returns 5xx seen."""
    for attempt in range(40):
        headers = sign_generic(delivery.body, msg_id=delivery.webhook_id)  # signed now
        response = kargo.client.http.post("/webhooks/generic", body=delivery.body, headers=headers)
        if response.status_code == 202:
            return attempt
        assert response.status_code >= 500, (response.status_code, response.body)
        _assert_contract_error(response)
    raise AssertionError(f"{delivery.webhook_id} never accepted")


def _register(kargo: Kargo, order: dict[str, Any]) -> None:
    for _ in range(40):
        response = kargo.post_json("/orders", order)
        if response.status_code in (200, 201):
            return
        assert response.status_code >= 500, (response.status_code, response.body)
        _assert_contract_error(response)
    raise AssertionError(f"order {order['order_id']} never registered")


def _settle(kargo: Kargo) -> None:
    """Run the event sources until the queue is empty and the stream is read."""
    for _ in range(200):
        consumed = kargo.run_consumer()
        notified = sum(kargo.notifier.poll_once() for _ in range(3))
        if not consumed and not notified and not kargo.notifier.failed_polls:
            return
    raise AssertionError("the pipeline never settled")


def _outbox_rows(workload: Workload) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for shipment in workload.shipments:
        pk = store.shipment_pk(shipment.carrier, shipment.tracking_number)
        page = aws.dynamodb().query(
            TableName=settings().table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :out)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":out": {"S": "OUT#"}},
        )
        assert "LastEvaluatedKey" not in page
        rows += [decode_item(item) for item in page["Items"]]
    return rows


def _drain(queue_url: str) -> list[dict[str, Any]]:
    messages: list[Any] = []
    while (
        batch := aws.sqs()
        .receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=600)
        .get("Messages", [])
    ):
        messages += batch
    return messages


class StateHistory:
    """Every committed version of every shipment state, in commit order, as the
    notifier's stream poller reads past it (it sees every record of the stream)."""

    def __init__(self, kargo: Kargo) -> None:
        self.versions: dict[str, list[dict[str, Any]]] = {}
        self._seen: set[str] = set()
        self._filter = kargo.notifier.record_filter
        kargo.notifier.record_filter = self

    def __call__(self, record: dict[str, Any]) -> bool:
        sequence = record["dynamodb"]["SequenceNumber"]
        if sequence not in self._seen:  # a failed batch is read again
            self._seen.add(sequence)
            image = decode_item(record["dynamodb"].get("NewImage", {}))
            if image.get("record_type") == "shipment":
                self.versions.setdefault(image["pk"], []).append(image)
        return bool(self._filter(record))


def _transitions(history: dict[str, list[dict[str, Any]]]) -> Counter[tuple[str, ...]]:
    """(shipment, previous, new, at) for each committed status change of a
    shipment that was registered when it changed: what the outbox must hold."""
    changes: Counter[tuple[str, ...]] = Counter()
    for pk, versions in history.items():
        for before, after in itertools.pairwise(versions):
            if after["status"] != before["status"] and after.get("order_id"):
                changes[(pk, before["status"], after["status"], after["status_at"])] += 1
    return changes


def _push_everything(kargo: Kargo, workload: Workload) -> dict[str, int]:
    early = workload.orders[:-REGISTERED_LATE]
    late = workload.orders[-REGISTERED_LATE:]
    for order in early:
        _register(kargo, order)
    retried = 0
    halfway = len(workload.deliveries) // 2
    for index, delivery in enumerate(workload.deliveries):
        retried += _deliver(kargo, delivery)
        if index == halfway:
            for order in late:
                _register(kargo, order)
        if index % 10 == 9:  # the event sources run alongside the carriers
            kargo.run_consumer()
            kargo.notifier.poll_once()
    _settle(kargo)
    return {"ingress 5xx answered and retried": retried}


def test_nothing_lost_nothing_doubled_under_faults(
    kargo: Kargo,
    faults: FaultInjector,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    workload = build_workload(SEED)
    sent: list[dispatch.OutgoingMessage] = []
    monkeypatch.setattr(dispatch, "SENT_OBSERVERS", [sent.append])
    caplog.set_level(logging.ERROR, logger="local.pollers")
    history = StateHistory(kargo)

    stats = _push_everything(kargo, workload)
    print(  # shown with -s, and on failure
        f"seed {SEED}: {len(workload.deliveries)} deliveries, "
        f"{stats['ingress 5xx answered and retried']} ingress 5xx retried, "
        f"faults injected: {dict(faults.injected)}"
    )

    with faults.paused():
        assert "stream batch given up" not in caplog.text, "a notifier batch was dropped"
        # Every fault kind really happened, so this test tests something.
        kinds = Counter(kind for (_, _, kind) in faults.injected.elements())
        assert {"exhaust", "lost_response", "throttle"} <= set(kinds), faults.injected
        assert stats["ingress 5xx answered and retried"] > 0

        # 1. Final state = valid events applied once, in time order.
        expected = expected_states(workload)
        for (carrier, tracking), state in expected.items():
            record = store.load_shipment(carrier, tracking)
            assert record is not None, (carrier, tracking)
            assert comparable(record.state) == state, (carrier, tracking)
            assert record.registration is not None

        # 2. Dead letters: every malformed delivery, nothing else, and the queue is empty.
        parked = {m["Body"].encode() for m in _drain(kargo.resources.dead_letter_queue_url)}
        assert parked == workload.malformed_bodies
        assert _drain(kargo.resources.queue_url) == []

        # 3. One outbox row per committed status change of a registered shipment.
        outbox = _outbox_rows(workload)
        status_rows = Counter(
            (row["pk"], row["previous_status"], row["status"], row["occurred_at"])
            for row in outbox
            if row["kind"] != "delayed"
        )
        assert status_rows == _transitions(history.versions)

        # 4. Exactly one notification per notifying change and channel.
        orders = {order["order_id"]: order for order in workload.orders}
        expected_log: Counter[tuple[str, str, str, str]] = Counter()
        expected_sent: Counter[tuple[str, str, str]] = Counter()
        for row in outbox:
            if not row["notify_customer"]:
                continue
            order = orders[row["order_id"]]
            customer, wants = order["customer"], order["notifications"]
            for channel, address in (("email", customer["email"]), ("sms", customer.get("phone"))):
                if address is None:
                    continue
                status = "sent" if wants[channel] else "skipped"
                expected_log[(row["order_id"], channel, row["kind"], status)] += 1
                if status == "sent":
                    expected_sent[(channel, address, row["kind"])] += 1
        logged: Counter[tuple[str, str, str, str]] = Counter()
        for order_id in orders:
            response = kargo.client.http.get(f"/orders/{order_id}/notifications", headers=MERCHANT)
            for note in json.loads(response.body)["notifications"]:
                logged[(order_id, note["channel"], note["kind"], note["status"])] += 1
        assert logged == expected_log
        assert Counter((m.channel, m.recipient, m.kind) for m in sent) == expected_sent
        emails = sum(n for (channel, _, _), n in expected_sent.items() if channel == "email")
        assert len(kargo.sent_emails()) == emails
        assert len(kargo.sent_sms()) == expected_sent.total() - emails
