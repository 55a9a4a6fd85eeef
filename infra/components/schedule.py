"""The EventBridge schedules: the scan every few minutes, the poller every minute.

A scan run that fails is recorded, not retried: the next run picks up every item still due,
and two runs at once would only contend. A retried poller invocation carries the same event
time, so it reads the same slots.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components import Component


class Schedule(Component):
    """`scan_function_name` is the scan's function name as the template knows it (a Ref to
    the packaged function, so the invoke config is made after it)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        scan_every_minutes: int,
        scan: lambda_.IFunction,
        scan_function_name: str,
        scan_failures: sqs.IQueue,
        poller: lambda_.IFunction | None,
    ) -> None:
        super().__init__(scope, construct_id)
        lambda_.CfnEventInvokeConfig(
            self,
            "ScanInvokeConfig",
            function_name=scan_function_name,
            qualifier="$LATEST",
            maximum_retry_attempts=0,
            destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
                on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(
                    destination=scan_failures.queue_arn
                )
            ),
        )
        every = cdk.Duration.minutes(scan_every_minutes)
        self.scan = events.Rule(
            self,
            "ScanSchedule",
            description="Marks overdue and stalled shipments delayed, expires silent ones",
            schedule=events.Schedule.rate(every),
        )
        self.scan.add_target(targets.LambdaFunction(scan, retry_attempts=2, max_event_age=every))
        self.poll: events.Rule | None = None
        if poller is not None:
            self.poll = events.Rule(
                self,
                "PollSchedule",
                description="Asks the polled carriers about the shipments that came due",
                schedule=events.Schedule.rate(cdk.Duration.minutes(1)),
            )
            self.poll.add_target(
                targets.LambdaFunction(
                    poller, retry_attempts=2, max_event_age=cdk.Duration.minutes(2)
                )
            )
