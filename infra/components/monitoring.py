"""The alarm topic and every alarm: dead-letter queues and failure records not empty,
backlogs, function errors, stream lag, API 5xx, notification failures, the poller's carriers
backing off, WhatsApp receipts failing. Each alarm notifies the topic when it fires and when
it clears; missing data is not breaching (a quiet shop is not an incident).

And one dashboard, `{prefix}`: the alarms' states, then what flows through the pipeline
(webhooks by source, events applied, writes saved by dedupe, dead letters, notifications
by channel and fate, the scan's items and lag), then the queues, the functions and the API.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components import Component
from infra.components.functions import API_STAGE
from infra.components.queues import Queues
from infra.settings import (
    CONSUMER,
    MERCHANT_DELIVERY,
    NOTIFIER,
    POLL_REQUESTS,
    POLLER,
    SCANNER,
    WHATSAPP_RECEIPTS,
)

# What the poller's runner logs when it backs a carrier off; counted into a metric.
BACKOFF_LOG_TEXT = "unavailable; backed off"
FIVE_MINUTES = cdk.Duration.minutes(5)


class Monitoring(Component):
    """Alarms named `{prefix}-...`. `function_name` maps a logical id to the deployed
    function's name; alarms on a function are made only for those in `declared`.
    `poller_log_group` is the poller's log group name (needed when the poller is declared)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        api_name: str,
        alarm_email: str,
        queues: Queues,
        declared: Collection[str],
        function_name: Callable[[str], str],
        poller_log_group: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.prefix = prefix
        self.function_name = function_name
        self.topic = sns.Topic(self, "AlarmTopic", topic_name=f"{prefix}-alarms", enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self._action = cloudwatch_actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []
        self._core(queues, declared, api_name)
        if POLLER in declared:
            if poller_log_group is None:
                raise ValueError("the poller's alarms need its log group")
            self._poller(queues, poller_log_group)
        if WHATSAPP_RECEIPTS in declared:
            self._whatsapp(queues)
        self.dashboard = self._dashboard(queues, declared, api_name)

    def alarm(
        self,
        name: str,
        description: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        evaluation_periods: int = 1,
    ) -> cloudwatch.Alarm:
        created = cloudwatch.Alarm(
            self,
            name,
            alarm_name=f"{self.prefix}-{name}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        created.add_alarm_action(self._action)
        created.add_ok_action(self._action)
        self.alarms.append(created)
        return created

    def lambda_metric(self, logical_id: str, metric_name: str, statistic: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name=metric_name,
            dimensions_map={"FunctionName": self.function_name(logical_id)},
            statistic=statistic,
            period=FIVE_MINUTES,
        )

    def _core(self, queues: Queues, declared: Collection[str], api_name: str) -> None:
        alarm = self.alarm
        alarm(
            "webhook-dlq-not-empty",
            "Webhook deliveries were dead-lettered: inspect and replay (docs/operations.md).",
            _visible(queues.webhooks_dlq),
            1,
        )
        alarm(
            "notify-failures-not-empty",
            "The notifier gave up on outbox stream records (docs/operations.md).",
            _visible(queues.notify_failures),
            1,
        )
        alarm(
            "scan-failures-not-empty",
            "A scheduled scan run failed (docs/operations.md); its items wait for the next.",
            _visible(queues.scan_failures),
            1,
        )
        alarm(
            "scan-lagging",
            "Due shipments waited over 15 minutes for the scan, three runs in a row: it is "
            "not keeping up (raise its memory, or look for contention).",
            cloudwatch.Metric(
                namespace="Kargo",
                metric_name="ScanLagSeconds",
                dimensions_map={"function": "scan", "service": "kargo"},
                statistic="Maximum",
                period=FIVE_MINUTES,
            ),
            15 * 60,
            evaluation_periods=3,
        )
        for channel in ("email", "sms"):
            alarm(
                f"{channel}-notifications-failing",
                f"Five or more {channel} notifications failed for good in 5 minutes (the "
                "provider refuses them: sender identity, sandbox, spend limit).",
                cloudwatch.Metric(
                    namespace="Kargo",
                    metric_name="Notifications",
                    dimensions_map={"channel": channel, "fate": "failed", "service": "kargo"},
                    statistic="Sum",
                    period=FIVE_MINUTES,
                ),
                5,
            )
        alarm(
            "webhook-backlog",
            "Webhook deliveries wait over 15 minutes in the queue: the consumer is behind.",
            queues.webhooks.metric_approximate_age_of_oldest_message(
                period=FIVE_MINUTES, statistic="Maximum"
            ),
            15 * 60,
        )
        alarm(
            "merchant-webhook-dlq-not-empty",
            "Events could not be delivered to the shop's webhook endpoint for 24 hours.",
            _visible(queues.merchant_webhooks_dlq),
            1,
        )
        labels = {
            CONSUMER: "consumer",
            NOTIFIER: "notifier",
            SCANNER: "scan",
            MERCHANT_DELIVERY: "merchant-webhook",
        }
        for logical_id, label in labels.items():
            if logical_id in declared:
                alarm(
                    f"{label}-errors",
                    f"The {label} function failed (an error, not a reported batch item).",
                    self.lambda_metric(logical_id, "Errors", "Sum"),
                    1,
                )
        alarm(
            "outbox-stream-iterator-age",
            "Notifications lag over 10 minutes behind status changes.",
            self.lambda_metric(NOTIFIER, "IteratorAge", "Maximum"),
            10 * 60 * 1000,
        )
        alarm(
            "api-5xx",
            "The API answered 5xx; no client input should ever cause one.",
            cloudwatch.Metric(
                namespace="AWS/ApiGateway",
                metric_name="5XXError",
                dimensions_map={"ApiName": api_name, "Stage": API_STAGE},
                statistic="Sum",
                period=FIVE_MINUTES,
            ),
            1,
        )

    def _poller(self, queues: Queues, log_group_name: str) -> None:
        logs.CfnMetricFilter(
            self,
            "CarrierBackoffMetric",
            log_group_name=log_group_name,
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
        self.alarm(
            "poller-errors",
            "The scheduled poller failed (not a carrier's failure).",
            self.lambda_metric(POLLER, "Errors", "Sum"),
            1,
        )
        self.alarm(
            "poll-requests-errors",
            "The poll-request consumer failed.",
            self.lambda_metric(POLL_REQUESTS, "Errors", "Sum"),
            1,
        )
        self.alarm(
            "poll-request-dlq-not-empty",
            "Poll requests could not be handled; the schedule still polls those shipments.",
            _visible(queues.poll_requests_dlq),
            1,
        )
        self.alarm(
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

    def _whatsapp(self, queues: Queues) -> None:
        self.alarm(
            "whatsapp-receipts-errors",
            "The WhatsApp receipts function failed; Lambda retries, then dead-letters.",
            self.lambda_metric(WHATSAPP_RECEIPTS, "Errors", "Sum"),
            1,
        )
        self.alarm(
            "whatsapp-receipts-dlq-not-empty",
            "WhatsApp receipts were dead-lettered: delivery states are behind.",
            _visible(queues.whatsapp_receipts_dlq),
            1,
        )

    def _dashboard(
        self, queues: Queues, declared: Collection[str], api_name: str
    ) -> cloudwatch.Dashboard:
        def graph(title: str, *metrics: cloudwatch.IMetric) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(title=title, left=list(metrics), width=8, height=6)

        functions = [
            self.lambda_metric(logical_id, "Errors", "Sum").with_(label=logical_id)
            for logical_id in sorted(declared)
        ]
        api = {"ApiName": api_name, "Stage": API_STAGE}
        return cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=self.prefix,
            default_interval=cdk.Duration.hours(24),
            widgets=[
                [cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24)],
                [
                    graph(
                        "Webhooks by source",
                        _search("WebhooksAccepted", "source,service", "accepted"),
                        _search("WebhooksRejected", "source,reason,service", "rejected"),
                    ),
                    graph(
                        "Events",
                        _kargo("EventsApplied"),
                        _kargo("WritesSavedByDedupe"),
                        _kargo("DeadLettered"),
                    ),
                    graph(
                        "Notifications by channel and fate",
                        _search("Notifications", "channel,fate,service", "notifications"),
                    ),
                ],
                [
                    graph(
                        "Scan",
                        _kargo("ScanItems", function="scan"),
                        _kargo("ScanDelayed", function="scan"),
                        _kargo("ScanErrors", function="scan"),
                    ),
                    cloudwatch.GraphWidget(
                        title="Scan lag (seconds)",
                        left=[_kargo("ScanLagSeconds", "Maximum", function="scan")],
                        width=8,
                        height=6,
                    ),
                    graph(
                        "Queues: oldest message (seconds)",
                        queues.webhooks.metric_approximate_age_of_oldest_message(
                            period=FIVE_MINUTES, statistic="Maximum"
                        ),
                        queues.merchant_webhooks.metric_approximate_age_of_oldest_message(
                            period=FIVE_MINUTES, statistic="Maximum"
                        ),
                    ),
                ],
                [
                    graph("Function errors", *functions),
                    graph(
                        "Notifier stream lag (ms)",
                        self.lambda_metric(NOTIFIER, "IteratorAge", "Maximum"),
                    ),
                    graph("API", *(_api(name, api) for name in ("Count", "4XXError", "5XXError"))),
                ],
            ],
        )


def _kargo(name: str, statistic: str = "Sum", **dimensions: str) -> cloudwatch.Metric:
    """One of the metrics the app writes (chalicelib/observability.py, EMF)."""
    return cloudwatch.Metric(
        namespace="Kargo",
        metric_name=name,
        dimensions_map={**dimensions, "service": "kargo"},
        statistic=statistic,
        period=FIVE_MINUTES,
    )


def _api(name: str, dimensions: dict[str, str]) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/ApiGateway",
        metric_name=name,
        dimensions_map=dimensions,
        statistic="Sum",
        period=FIVE_MINUTES,
    )


def _search(name: str, dimensions: str, label: str) -> cloudwatch.MathExpression:
    """Every series of a metric the app writes with these dimensions (one per source,
    or per channel and fate), however many there are."""
    return cloudwatch.MathExpression(
        expression=f"SEARCH('{{Kargo,{dimensions}}} MetricName=\"{name}\"', 'Sum', 300)",
        label=label,
        period=FIVE_MINUTES,
        using_metrics={},
    )


def _visible(queue: sqs.IQueue) -> cloudwatch.Metric:
    return queue.metric_approximate_number_of_messages_visible(
        period=FIVE_MINUTES, statistic="Maximum"
    )
