"""Components in a bare stack: synthesized in-process in well under a second each, with no
`chalice package`. Functions are imported by ARN (`function_refs`) where a component needs
them, so each component's test is its own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from infra.components.data import Data
from infra.components.queues import Queues
from infra.components.secrets import Secrets

ACCOUNT = "123456789012"
REGION = "eu-central-1"


def stack(stack_id: str = "bare") -> cdk.Stack:
    return cdk.Stack(cdk.App(), stack_id, env=cdk.Environment(account=ACCOUNT, region=REGION))


def template(scope: cdk.Stack) -> Template:
    return Template.from_stack(scope)


def resources(found: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {name: dict(resource) for name, resource in found.find_resources(kind).items()}


def only(found: Template, kind: str) -> tuple[str, dict[str, Any]]:
    (item,) = resources(found, kind).items()
    return item


@dataclass
class Core:
    """What most components take: the table, the queues and the secrets."""

    data: Data
    queues: Queues
    secrets: Secrets


def core(scope: cdk.Stack, *, retain: bool = True) -> Core:
    removal = cdk.RemovalPolicy.RETAIN if retain else cdk.RemovalPolicy.DESTROY
    return Core(
        data=Data(scope, "Data", table_name="kargo-test", retain=retain),
        queues=Queues(scope, "Queues", prefix="kargo-test", event_bus_name="kargo-test"),
        secrets=Secrets(scope, "Secrets", stage="test", removal=removal),
    )


def function_refs(scope: cdk.Stack, logical_ids: Iterable[str]) -> dict[str, lambda_.IFunction]:
    return {
        logical_id: lambda_.Function.from_function_attributes(
            scope,
            f"{logical_id}Function",
            function_arn=function_arn(logical_id),
            same_environment=True,
        )
        for logical_id in logical_ids
    }


def function_arn(logical_id: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:kargo-test-{logical_id}"


def queue_id(found: Template, name: str) -> str:
    (logical_id,) = [
        key
        for key, queue in resources(found, "AWS::SQS::Queue").items()
        if queue["Properties"]["QueueName"] == name
    ]
    return logical_id
