"""One Kargo deployment (one shop, one stage): the Chalice app and everything around it.

Chalice packages `app.py` into a SAM template (`chalice.cdk.Chalice`); the components in
`infra/components/` add what Chalice cannot express (aws/chalice#2029, #967, #1882): the
table and its stream, the queues, event source mappings with partial batch responses,
bisecting and on-failure destinations, the schedules, the event bus, the secrets,
throttling, log retention, alarms, and one least-privilege IAM role per function. This
stack only composes them, in the order their dependencies need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from constructs import Construct

from infra.components import logical_ids
from infra.components.data import Data
from infra.components.event_sources import EventSources
from infra.components.functions import Functions
from infra.components.monitoring import Monitoring
from infra.components.queues import Queues
from infra.components.roles import Roles
from infra.components.schedule import Schedule
from infra.components.secrets import Secrets
from infra.settings import POLLER, SCANNER, StageSettings


class KargoStack(cdk.Stack):
    """The whole application for one stage.

    The construct id is the stage name: `chalice.cdk.Chalice` packages the app for the stage
    named by its scope's path, so the stack must sit at the root of the app with id `dev` or
    `prod`. The CloudFormation stack is called `kargo-{stage}`.
    """

    def __init__(
        self, scope: Construct, settings: StageSettings, source_dir: Path, **kwargs: Any
    ) -> None:
        super().__init__(
            scope,
            settings.stage,
            stack_name=f"kargo-{settings.stage}",
            description=f"Kargo order tracking ({settings.stage})",
            **kwargs,
        )
        self.settings = settings
        removal = cdk.RemovalPolicy.RETAIN if settings.retain_data else cdk.RemovalPolicy.DESTROY
        prefix = f"kargo-{settings.stage}"

        self.data = Data(self, "Data", table_name=prefix, retain=settings.retain_data)
        self.queues = Queues(self, "Queues", prefix=prefix, event_bus_name=settings.event_bus_name)
        self.secrets = Secrets(self, "Secrets", stage=settings.stage, removal=removal)
        self.roles = Roles(
            self,
            "Roles",
            settings=settings,
            data=self.data,
            queues=self.queues,
            secrets=self.secrets,
        )
        self.functions = Functions(
            self,
            "Functions",
            settings=settings,
            source_dir=source_dir,
            data=self.data,
            queues=self.queues,
            secrets=self.secrets,
            roles=self.roles,
        )
        declared = self.functions.declared
        self.event_sources = EventSources(
            self,
            "EventSources",
            prefix=prefix,
            functions={name: self.functions.function(name) for name in declared},
            table=self.data.table,
            queues=self.queues,
            consumer_max_concurrency=settings.consumer_max_concurrency,
        )
        self.schedule = Schedule(
            self,
            "Schedule",
            scan_every_minutes=settings.scan_every_minutes,
            scan=self.functions.function(SCANNER),
            scan_function_name=self.functions.resource(SCANNER).ref,
            scan_failures=self.queues.scan_failures,
            poller=self.functions.function(POLLER) if POLLER in declared else None,
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            prefix=prefix,
            api_name=prefix,
            alarm_email=settings.alarm_email,
            queues=self.queues,
            declared=declared,
            function_name=settings.function_name,
            poller_log_group=(self.roles.log_groups[POLLER].ref if POLLER in declared else None),
        )
        self._outputs()
        logical_ids.check_unique(self)

    def _allocate_logical_id(self, cfn_element: cdk.CfnElement) -> str:
        # Components group the construct tree, not the template (infra/components/logical_ids.py).
        return logical_ids.flat_logical_id(cfn_element)

    def _outputs(self) -> None:
        queues = self.queues
        outputs = [
            ("TableName", self.data.table.table_name),
            ("QueueUrl", queues.webhooks.queue_url),
            ("DeadLetterQueueUrl", queues.webhooks_dlq.queue_url),
            ("NotifyFailureQueueUrl", queues.notify_failures.queue_url),
            ("ScanFailureQueueUrl", queues.scan_failures.queue_url),
            ("MerchantWebhookQueueUrl", queues.merchant_webhooks.queue_url),
            ("MerchantWebhookDeadLetterQueueUrl", queues.merchant_webhooks_dlq.queue_url),
            ("SecretArn", self.secrets.app.secret_arn),
            ("EventBusName", queues.event_bus.event_bus_name),
            ("AlarmTopicArn", self.monitoring.topic.topic_arn),
        ]
        if self.event_sources.whatsapp_events is not None:
            # Set it as the WhatsApp Business Account's event destination.
            outputs.append(("WhatsappEventsTopicArn", self.event_sources.whatsapp_events.topic_arn))
        for name, value in outputs:
            cdk.CfnOutput(self, name, value=value)
