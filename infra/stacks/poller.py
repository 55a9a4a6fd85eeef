"""The poller's part of the stack (chalicelib/poll/): the poll-request queue and its DLQ,
the carriers' secret, the two functions' policies, their schedule and event source, alarms.

Made in two steps because the Chalice package needs the roles (and so the queues and the
secret) before it exists, and the schedule, event source and alarms need the functions:
`PollerResources(stack)` before packaging, `wire(stack, topic)` after.

The `by_poll` index itself is declared with the table (`POLL_INDEX` below is added in
`KargoStack._table`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns

from infra.settings import POLL_REQUESTS, POLLER

if TYPE_CHECKING:
    from infra.stacks.kargo import KargoStack

POLL_INDEX = "by_poll"
POLLER_TIMEOUT_SECONDS = 60  # one tick: the run keeps a 10 s margin (chalicelib/poll/runner.py)
POLL_REQUESTS_TIMEOUT_SECONDS = 30
POLL_REQUEST_VISIBILITY_SECONDS = 6 * POLL_REQUESTS_TIMEOUT_SECONDS
# What `KARGO_CARRIER_SECRETS_ARN` holds: the carriers' URLs and credentials, keyed by
# variable name (chalicelib/config.py `carrier_accounts`). An operator fills them in.
CARRIER_SECRET_KEYS = (
    *(
        f"KARGO_{slug.upper()}_{suffix}"
        for slug in ("yurtici", "aras", "mng", "ptt", "hepsijet", "surat")
        for suffix in ("URL", "USERNAME", "PASSWORD")
    ),
    "KARGO_ARAS_CUSTOMER_CODE",
    "KARGO_MNG_CLIENT_ID",
    "KARGO_MNG_CLIENT_SECRET",
)
# What the runner logs when it backs a carrier off; counted into a metric for an alarm.
BACKOFF_LOG_TEXT = "unavailable; backed off"


def add_poll_index(table: dynamodb.Table) -> None:
    """Sparse: only open shipments of polled carriers carry `poll_part`; keys only, since
    the poller needs nothing but the tracking number (in `pk`) and the slot."""
    table.add_global_secondary_index(
        index_name=POLL_INDEX,
        partition_key=dynamodb.Attribute(name="poll_part", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="poll_slot", type=dynamodb.AttributeType.NUMBER),
        projection_type=dynamodb.ProjectionType.KEYS_ONLY,
    )


class PollerResources:
    def __init__(self, stack: KargoStack, prefix: str, removal: cdk.RemovalPolicy) -> None:
        self.request_dlq = stack._queue("PollRequestDeadLetterQueue", f"{prefix}-poll-requests-dlq")
        self.request_queue = stack._queue(
            "PollRequestQueue",
            f"{prefix}-poll-requests",
            visibility_seconds=POLL_REQUEST_VISIBILITY_SECONDS,
            dead_letter_queue=self.request_dlq,
        )
        # One JSON secret for all carriers: one read per cold start, one place to rotate.
        # Only empty placeholders are in the template; the values are set by an operator.
        self.carrier_secret = secretsmanager.Secret(
            stack,
            "CarrierSecrets",
            secret_name=f"kargo/{stack.settings.stage}/carriers",
            description="Kargo's accounts at the polled carriers: JSON keyed by variable name",
            secret_string_value=cdk.SecretValue.unsafe_plain_text(
                json.dumps(dict.fromkeys(CARRIER_SECRET_KEYS, ""))
            ),
            removal_policy=removal,
        )

    def policy(
        self, stack: KargoStack, logical_id: str, common: list[iam.PolicyStatement]
    ) -> list[iam.PolicyStatement]:
        """The poller reads its index, keeps one state item per carrier (`POLLER#…` keys
        only), queues what carriers answer, and alone may read the carriers' secret."""
        table_arn = stack.table.table_arn
        statements = [
            iam.PolicyStatement(
                sid="QueryPollIndex",
                actions=["dynamodb:Query"],
                resources=[f"{table_arn}/index/{POLL_INDEX}"],
            ),
            iam.PolicyStatement(
                sid="CarrierState",
                actions=["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
                resources=[table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["POLLER#*"]}},
            ),
            iam.PolicyStatement(
                sid="EnqueueAnswers", actions=["sqs:SendMessage"], resources=[stack.queue.queue_arn]
            ),
            iam.PolicyStatement(
                sid="ReadCarrierSecrets",
                actions=["secretsmanager:GetSecretValue"],
                resources=[self.carrier_secret.secret_arn],
            ),
            *common,
        ]
        if logical_id == POLL_REQUESTS:
            statements.append(
                iam.PolicyStatement(
                    sid="ConsumePollRequests",
                    actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                    resources=[self.request_queue.queue_arn],
                )
            )
        return statements

    def api_statement(self) -> iam.PolicyStatement:
        """Registration and the merchant's refresh ask for a poll."""
        return iam.PolicyStatement(
            sid="RequestPolls",
            actions=["sqs:SendMessage"],
            resources=[self.request_queue.queue_arn],
        )

    def wire(self, stack: KargoStack, topic: sns.ITopic) -> None:
        """Schedule, event source, settings and alarms, once the functions exist."""
        if POLLER not in stack.functions:
            return
        for logical_id, timeout in (
            (POLLER, POLLER_TIMEOUT_SECONDS),
            (POLL_REQUESTS, POLL_REQUESTS_TIMEOUT_SECONDS),
        ):
            function = stack.chalice.get_resource(logical_id)
            function.add_property_override("Timeout", timeout)
            function.add_property_override(
                "Environment.Variables.KARGO_CARRIER_SECRETS_ARN", self.carrier_secret.secret_arn
            )
        # One scheduled run at a time: the carriers' pace is kept per run.
        stack.chalice.get_resource(POLLER).add_property_override("ReservedConcurrentExecutions", 1)
        rule = events.Rule(
            stack,
            "PollSchedule",
            description="Asks the polled carriers about the shipments that came due",
            schedule=events.Schedule.rate(cdk.Duration.minutes(1)),
        )
        # A retried invocation carries the same event time, so it reads the same slots.
        rule.add_target(
            targets.LambdaFunction(
                stack._function(POLLER), retry_attempts=2, max_event_age=cdk.Duration.minutes(2)
            )
        )
        lambda_.EventSourceMapping(
            stack,
            "PollRequestQueueSource",
            target=stack._function(POLL_REQUESTS),
            event_source_arn=self.request_queue.queue_arn,
            batch_size=10,
            max_batching_window=cdk.Duration.seconds(2),
            report_batch_item_failures=True,
            max_concurrency=2,  # the carriers' pace is kept per invocation
        )
        self._alarms(stack, topic)

    def _alarms(self, stack: KargoStack, topic: sns.ITopic) -> None:
        prefix = f"kargo-{stack.settings.stage}"
        five_minutes = cdk.Duration.minutes(5)
        action = cloudwatch_actions.SnsAction(topic)
        logs.CfnMetricFilter(
            stack,
            "CarrierBackoffMetric",
            log_group_name=stack.log_groups[POLLER].ref,
            filter_pattern=f'"{BACKOFF_LOG_TEXT}"',
            metric_transformations=[
                logs.CfnMetricFilter.MetricTransformationProperty(
                    metric_namespace="Kargo",
                    metric_name="CarrierBackoffs",
                    metric_value="1",
                    default_value=0,
                )
            ],
        )

        def alarm(
            name: str, description: str, metric: cloudwatch.IMetric, threshold: float
        ) -> None:
            created = cloudwatch.Alarm(
                stack,
                name,
                alarm_name=f"{prefix}-{name}",
                alarm_description=description,
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            created.add_alarm_action(action)
            created.add_ok_action(action)

        def errors(logical_id: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name="Errors",
                dimensions_map={"FunctionName": stack.settings.function_name(logical_id)},
                statistic="Sum",
                period=five_minutes,
            )

        alarm(
            "poller-errors",
            "The scheduled poller failed (not a carrier's failure).",
            errors(POLLER),
            1,
        )
        alarm("poll-requests-errors", "The poll-request consumer failed.", errors(POLL_REQUESTS), 1)
        alarm(
            "poll-request-dlq-not-empty",
            "Poll requests could not be handled; the schedule still polls those shipments.",
            self.request_dlq.metric_approximate_number_of_messages_visible(
                period=five_minutes, statistic="Maximum"
            ),
            1,
        )
        alarm(
            "carrier-backoff",
            "A polled carrier kept failing for 15 minutes and is backed off; its shipments wait.",
            cloudwatch.Metric(
                namespace="Kargo",
                metric_name="CarrierBackoffs",
                statistic="Sum",
                period=cdk.Duration.minutes(15),
            ),
            3,
        )


def environment(resources: PollerResources) -> dict[str, Any]:
    """Every function may ask for a poll (registration happens in the API)."""
    return {"KARGO_POLL_REQUEST_QUEUE_URL": resources.request_queue.queue_url}
