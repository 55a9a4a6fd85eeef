"""Where messages wait: every SQS queue and dead-letter queue, and the event bus Kargo
publishes its shipment events on.

Every queue is encrypted and refuses plain HTTP. A source queue keeps 4 days and redrives to
its dead-letter queue after `MAX_RECEIVES_BEFORE_DLQ` receives; a dead-letter queue (and a
failure record) keeps 14 days, the longest SQS allows.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components import Component
from infra.components.timing import (
    MAX_RECEIVES_BEFORE_DLQ,
    MERCHANT_DELIVERY_VISIBILITY_SECONDS,
    POLL_REQUEST_VISIBILITY_SECONDS,
    WEBHOOK_VISIBILITY_SECONDS,
)


class Queues(Component):
    """Queues named `{prefix}-...`; the bus is `event_bus_name`."""

    def __init__(
        self, scope: Construct, construct_id: str, *, prefix: str, event_bus_name: str
    ) -> None:
        super().__init__(scope, construct_id)
        # Carriers' and shop platforms' webhooks, accepted by the API, applied by the consumer.
        self.webhooks_dlq = self._queue("WebhookDeadLetterQueue", f"{prefix}-webhooks-dlq")
        self.webhooks = self._queue(
            "WebhookQueue",
            f"{prefix}-webhooks",
            visibility_seconds=WEBHOOK_VISIBILITY_SECONDS,
            dead_letter_queue=self.webhooks_dlq,
        )
        # Where Lambda records a batch of outbox stream records it gave up on (after retries
        # or max record age). It holds the shard and sequence range, not the records
        # themselves; the outbox rows stay in the table (docs/operations.md).
        self.notify_failures = self._queue("NotifyFailureQueue", f"{prefix}-notify-failures")
        # Where Lambda records a scheduled scan run that failed (async invocation, on-failure
        # destination). The items it missed stay due; the next run takes them up.
        self.scan_failures = self._queue("ScanFailureQueue", f"{prefix}-scan-failures")
        # The shop's webhook deliveries: retries travel back through the queue with a delay;
        # after 24 hours the app dead-letters a delivery itself.
        self.merchant_webhooks_dlq = self._queue(
            "MerchantWebhookDeadLetterQueue", f"{prefix}-merchant-webhooks-dlq"
        )
        self.merchant_webhooks = self._queue(
            "MerchantWebhookQueue",
            f"{prefix}-merchant-webhooks",
            visibility_seconds=MERCHANT_DELIVERY_VISIBILITY_SECONDS,
            dead_letter_queue=self.merchant_webhooks_dlq,
        )
        # Registration and the merchant's refresh ask the poller for a shipment at once.
        self.poll_requests_dlq = self._queue(
            "PollRequestDeadLetterQueue", f"{prefix}-poll-requests-dlq"
        )
        self.poll_requests = self._queue(
            "PollRequestQueue",
            f"{prefix}-poll-requests",
            visibility_seconds=POLL_REQUEST_VISIBILITY_SECONDS,
            dead_letter_queue=self.poll_requests_dlq,
        )
        # WhatsApp receipts that failed every retry of their asynchronous invocation.
        self.whatsapp_receipts_dlq = self._queue(
            "WhatsappReceiptsDeadLetterQueue", f"{prefix}-whatsapp-receipts-dlq"
        )
        self.event_bus = events.EventBus(self, "EventBus", event_bus_name=event_bus_name)

    def _queue(
        self,
        construct_id: str,
        name: str,
        visibility_seconds: int | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
    ) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            queue_name=name,
            visibility_timeout=(
                cdk.Duration.seconds(visibility_seconds) if visibility_seconds else None
            ),
            retention_period=cdk.Duration.days(4 if dead_letter_queue else 14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=(
                sqs.DeadLetterQueue(
                    queue=dead_letter_queue, max_receive_count=MAX_RECEIVES_BEFORE_DLQ
                )
                if dead_letter_queue
                else None
            ),
        )
