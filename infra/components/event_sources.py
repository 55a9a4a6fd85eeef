"""What feeds the functions besides the API and the schedules: the SQS and DynamoDB stream
event source mappings (partial batch responses, bisecting, on-failure destinations) and the
SNS topic the WhatsApp Business Account reports to.

Takes the functions as `lambda_.IFunction` by logical id (only those app.py declares), so
it can be built and tested without packaging the app.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components import Component
from infra.components.queues import Queues
from infra.components.timing import (
    CONSUMER_BATCHING_WINDOW_SECONDS,
    NOTIFIER_MAX_RECORD_AGE_HOURS,
    NOTIFIER_RETRY_ATTEMPTS,
    POLL_REQUESTS_BATCHING_WINDOW_SECONDS,
)
from infra.settings import CONSUMER, MERCHANT_DELIVERY, NOTIFIER, POLL_REQUESTS, WHATSAPP_RECEIPTS

# Only outbox rows notify; everything else on the stream is filtered out before Lambda is billed.
OUTBOX_INSERT_PATTERN: dict[str, Any] = {
    "eventName": ["INSERT"],
    "dynamodb": {"NewImage": {"record_type": {"S": ["outbox"]}}},
}


class EventSources(Component):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        functions: Mapping[str, lambda_.IFunction],
        table: dynamodb.ITable,
        queues: Queues,
        consumer_max_concurrency: int,
    ) -> None:
        super().__init__(scope, construct_id)
        lambda_.EventSourceMapping(
            self,
            "WebhookQueueSource",
            target=functions[CONSUMER],
            event_source_arn=queues.webhooks.queue_arn,
            batch_size=10,
            max_batching_window=cdk.Duration.seconds(CONSUMER_BATCHING_WINDOW_SECONDS),
            report_batch_item_failures=True,
            # Bounds the write rate a carrier's burst can put on the table.
            max_concurrency=consumer_max_concurrency,
        )
        lambda_.EventSourceMapping(
            self,
            "OutboxStreamSource",
            target=functions[NOTIFIER],
            event_source_arn=table.table_stream_arn,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=25,
            filters=[{"pattern": json.dumps(OUTBOX_INSERT_PATTERN)}],
            report_batch_item_failures=True,
            bisect_batch_on_error=True,
            retry_attempts=NOTIFIER_RETRY_ATTEMPTS,
            max_record_age=cdk.Duration.hours(NOTIFIER_MAX_RECORD_AGE_HOURS),
            on_failure=QueueFailureDestination(queues.notify_failures),
        )
        if MERCHANT_DELIVERY in functions:
            lambda_.EventSourceMapping(
                self,
                "MerchantWebhookQueueSource",
                target=functions[MERCHANT_DELIVERY],
                event_source_arn=queues.merchant_webhooks.queue_arn,
                batch_size=1,
                report_batch_item_failures=True,
                # Gentle on the shop's endpoint.
                max_concurrency=2,
            )
        if POLL_REQUESTS in functions:
            lambda_.EventSourceMapping(
                self,
                "PollRequestQueueSource",
                target=functions[POLL_REQUESTS],
                event_source_arn=queues.poll_requests.queue_arn,
                batch_size=10,
                max_batching_window=cdk.Duration.seconds(POLL_REQUESTS_BATCHING_WINDOW_SECONDS),
                report_batch_item_failures=True,
                max_concurrency=2,  # the carriers' pace is kept per invocation
            )
        self.whatsapp_events: sns.Topic | None = None
        if WHATSAPP_RECEIPTS in functions:
            self.whatsapp_events = self._whatsapp_events(prefix, functions[WHATSAPP_RECEIPTS])

    def _whatsapp_events(self, prefix: str, receipts: lambda_.IFunction) -> sns.Topic:
        """The topic the WhatsApp Business Account reports its events to (set it as the
        account's event destination), feeding the receipts function."""
        topic = sns.Topic(
            self, "WhatsappEventsTopic", topic_name=f"{prefix}-whatsapp-events", enforce_ssl=True
        )
        # AWS End User Messaging Social publishes the account's events to the topic.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="SocialMessagingPublishes",
                actions=["sns:Publish"],
                principals=[iam.ServicePrincipal("social-messaging.amazonaws.com")],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}},
            )
        )
        lambda_.CfnPermission(
            self,
            "WhatsappEventsInvoke",
            action="lambda:InvokeFunction",
            function_name=receipts.function_arn,
            principal="sns.amazonaws.com",
            source_arn=topic.topic_arn,
        )
        sns.Subscription(
            self,
            "WhatsappEventsSubscription",
            topic=topic,
            endpoint=receipts.function_arn,
            protocol=sns.SubscriptionProtocol.LAMBDA,
        )
        return topic


@jsii.implements(lambda_.IEventSourceDlq)
class QueueFailureDestination:
    """An SQS on-failure destination that grants nothing itself.

    CDK's `SqsDlq` grants `sqs:SendMessage` to the function's role, which a function imported
    from the Chalice template does not expose; the notifier's own role carries the
    `RecordFailedBatches` statement instead (roles.py).
    """

    def __init__(self, queue: sqs.IQueue) -> None:
        self.queue = queue

    def bind(
        self, target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        return lambda_.DlqDestinationConfig(destination=self.queue.queue_arn)
