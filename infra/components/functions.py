"""The Chalice app: `chalice package` turns app.py into a SAM template, and this component
gives each packaged function its name, role, log group, timeout and settings, and the API
its name, throttling and API Gateway's own answers (`infra/stacks/gateway_responses.py`).

`chalice.cdk.Chalice` packages the app for the stage named by its scope's path, so it sits
directly in the stack (`Kargo`), not in this component; so do the function references that
targets derive permission names from (`function`), which keeps those names as they were.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from chalice.cdk import Chalice
from constructs import Construct

from infra.components import Component
from infra.components.data import Data
from infra.components.queues import Queues
from infra.components.roles import Roles
from infra.components.secrets import Secrets
from infra.components.timing import (
    CONSUMER_TIMEOUT_SECONDS,
    MERCHANT_DELIVERY_TIMEOUT_SECONDS,
    POLL_REQUESTS_TIMEOUT_SECONDS,
    POLLER_TIMEOUT_SECONDS,
    SCAN_TIMEOUT_SECONDS,
)
from infra.settings import (
    API_HANDLER,
    CONSUMER,
    FUNCTION_NAMES,
    MERCHANT_DELIVERY,
    POLL_REQUESTS,
    POLLER,
    SCANNER,
    WHATSAPP_RECEIPTS,
    StageSettings,
)
from infra.stacks import gateway_responses

API_STAGE = "api"
CHALICE_ID = "Kargo"


class Functions(Component):
    """`declared` lists the functions app.py declares (logical ids, template order)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        source_dir: Path,
        data: Data,
        queues: Queues,
        secrets: Secrets,
        roles: Roles,
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        self._references: dict[str, lambda_.IFunction] = {}
        environment = {
            **settings.environment,
            "KARGO_TABLE_NAME": data.table.table_name,
            "KARGO_QUEUE_URL": queues.webhooks.queue_url,
            "KARGO_DLQ_URL": queues.webhooks_dlq.queue_url,
            "KARGO_MERCHANT_WEBHOOK_QUEUE_URL": queues.merchant_webhooks.queue_url,
            "KARGO_MERCHANT_WEBHOOK_DLQ_URL": queues.merchant_webhooks_dlq.queue_url,
            "KARGO_SECRETS_ARN": secrets.app.secret_arn,
            "KARGO_TOKEN_SECRET_ARN": secrets.token_key.secret_arn,
            "KARGO_EVENT_BUS": queues.event_bus.event_bus_name,
            "KARGO_PUBLIC_URL": settings.public_url,
            # Every function may ask for a poll (registration happens in the API).
            "KARGO_POLL_REQUEST_QUEUE_URL": queues.poll_requests.queue_url,
            # .chalice/config.json sets `disabled` for moto; in AWS the SDK default applies.
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "preferred",
        }
        if settings.whatsapp_phone_number_id:
            environment["KARGO_WHATSAPP_PHONE_NUMBER_ID"] = settings.whatsapp_phone_number_id
        stage_config: dict[str, Any] = {
            "api_gateway_stage": API_STAGE,
            # Roles are made by `Roles`, one per function; Chalice only references them. The
            # API handler's is Chalice's default role, so it is needed before packaging.
            "manage_iam_role": False,
            "iam_role_arn": roles.role(API_HANDLER).role_arn,
            "environment_variables": environment,
        }
        # chalice.cdk writes its packaging output under the working directory; keep that out
        # of the repository. The zip is staged into the cloud assembly before this returns.
        with tempfile.TemporaryDirectory(prefix="kargo-chalice-") as work, contextlib.chdir(work):
            self.chalice = Chalice(
                cdk.Stack.of(self),
                CHALICE_ID,
                source_dir=str(source_dir),
                stage_config=stage_config,
            )
        self.declared = declared_functions(self.chalice)
        unknown = sorted(set(self.declared) - set(FUNCTION_NAMES))
        if unknown:
            # Otherwise it would run silently under the API handler's role.
            raise ValueError(
                f"app.py declares Lambda functions infra does not know: {', '.join(unknown)}. "
                "Add them to FUNCTION_NAMES in infra/settings.py and give each a policy in "
                "Roles.policy (infra/components/roles.py)."
            )
        self._functions(roles)
        self._poller(secrets)
        if WHATSAPP_RECEIPTS in self.declared:
            self.resource(WHATSAPP_RECEIPTS).add_property_override(
                "DeadLetterQueue",
                {"Type": "SQS", "TargetArn": queues.whatsapp_receipts_dlq.queue_arn},
            )
        self._api()

    def resource(self, logical_id: str) -> cdk.CfnResource:
        """The packaged `AWS::Serverless::*` resource, for overrides and references."""
        found: cdk.CfnResource = self.chalice.get_resource(logical_id)
        return found

    def function(self, logical_id: str) -> lambda_.IFunction:
        # Like Chalice.get_function, but known to live in this stack's account and region, so
        # targets (the schedules) may add their invoke permissions to it.
        if logical_id not in self._references:
            self._references[logical_id] = lambda_.Function.from_function_attributes(
                cdk.Stack.of(self),
                f"{logical_id}Function",
                function_arn=self.resource(logical_id).get_att("Arn").to_string(),
                same_environment=True,
            )
        return self._references[logical_id]

    def _functions(self, roles: Roles) -> None:
        settings = self.settings
        execute_api_url = cdk.Fn.sub(
            "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + API_STAGE,
            {"RestAPI": self.resource("RestAPI").ref},
        )
        for logical_id in self.declared:
            role = roles.role(logical_id)
            function = self.resource(logical_id)
            function.add_property_override("FunctionName", settings.function_name(logical_id))
            function.add_property_override("Role", role.role_arn)
            function.add_resource_dependency(roles.log_groups[logical_id])
            if logical_id != API_HANDLER and not settings.public_url:
                # Without a configured public URL the background functions link to the
                # execute-api URL. The API handler cannot: its own API depends on it (cycle).
                function.add_property_override(
                    "Environment.Variables.KARGO_PUBLIC_URL", execute_api_url
                )
        self.resource(CONSUMER).add_property_override("Timeout", CONSUMER_TIMEOUT_SECONDS)
        self.resource(SCANNER).add_property_override("Timeout", SCAN_TIMEOUT_SECONDS)
        if MERCHANT_DELIVERY in self.declared:
            self.resource(MERCHANT_DELIVERY).add_property_override(
                "Timeout", MERCHANT_DELIVERY_TIMEOUT_SECONDS
            )

    def _poller(self, secrets: Secrets) -> None:
        if POLLER not in self.declared:
            return
        for logical_id, timeout in (
            (POLLER, POLLER_TIMEOUT_SECONDS),
            (POLL_REQUESTS, POLL_REQUESTS_TIMEOUT_SECONDS),
        ):
            function = self.resource(logical_id)
            function.add_property_override("Timeout", timeout)
            function.add_property_override(
                "Environment.Variables.KARGO_CARRIER_SECRETS_ARN", secrets.carriers.secret_arn
            )
        # One scheduled run at a time: the carriers' pace is kept per run.
        self.resource(POLLER).add_property_override("ReservedConcurrentExecutions", 1)

    def _api(self) -> None:
        api = self.resource("RestAPI")
        # Distinct per stage, so the dev and prod APIs' metrics do not mix.
        api.add_property_override("Name", f"kargo-{self.settings.stage}")
        api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": self.settings.api_rate_limit,
                    "ThrottlingBurstLimit": self.settings.api_burst_limit,
                    "MetricsEnabled": False,
                }
            ],
        )
        # API Gateway's own answers (unknown paths, throttling, ...) in Kargo's error shape.
        gateway_responses.apply(api)


def declared_functions(chalice: Chalice) -> list[str]:
    """Logical ids of the Lambda functions in the packaged app, in template order."""
    return [
        child.node.id
        for child in chalice.sam_template.node.children
        if isinstance(child, cdk.CfnResource)
        and child.cfn_resource_type == "AWS::Serverless::Function"
    ]
