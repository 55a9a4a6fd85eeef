"""The Functions component: the packaged app's functions and API, read from the synthesized
prod template (this component cannot be built without `chalice package`, so it has no bare
stack test; the others do)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import require_cdk

require_cdk()

from aws_cdk.assertions import Match  # noqa: E402

from infra.components.timing import (  # noqa: E402
    CONSUMER_TIMEOUT_SECONDS,
    MERCHANT_DELIVERY_TIMEOUT_SECONDS,
    POLL_REQUESTS_TIMEOUT_SECONDS,
    POLLER_TIMEOUT_SECONDS,
    SCAN_TIMEOUT_SECONDS,
)
from tests.infra.test_stack import (  # noqa: E402
    APP_ENVIRONMENT,
    SETTINGS,
    app_secret,
    functions,
    only,
    props,
    resources,
)

pytestmark = pytest.mark.infra


def test_every_function_gets_the_app_environment(template_json: dict[str, Any]) -> None:
    secret_id, _ = app_secret(template_json)
    table_id, _ = only(template_json, "AWS::DynamoDB::Table")
    for name in functions(template_json):
        variables = props(template_json, name)["Environment"]["Variables"]
        missing = [key for key in APP_ENVIRONMENT if key not in variables]
        assert not missing, f"{name} lacks {missing}"
        assert variables["KARGO_SECRETS_ARN"] == {"Ref": secret_id}
        assert variables["KARGO_TABLE_NAME"] == {"Ref": table_id}
        assert variables["KARGO_EMAIL_FROM"] == SETTINGS.email_from
        # No secret value ever sits in the template as a plain environment variable.
        assert not {"KARGO_MERCHANT_API_KEY", "KARGO_WEBHOOK_SECRET_GENERIC"} & set(variables)


def test_each_function_has_its_own_role_name_and_log_group(
    template_json: dict[str, Any],
) -> None:
    roles = set()
    declared = functions(template_json)
    for name in declared:
        function = template_json["Resources"][name]
        role = function["Properties"]["Role"]
        assert set(role) == {"Fn::GetAtt"} and role["Fn::GetAtt"][1] == "Arn", name
        roles.add(role["Fn::GetAtt"][0])
        function_name = SETTINGS.function_name(name)
        assert function["Properties"]["FunctionName"] == function_name
        log_group = props(template_json, f"{name}Logs")
        assert log_group == {
            "LogGroupName": f"/aws/lambda/{function_name}",
            "RetentionInDays": SETTINGS.log_retention_days,
        }
        assert f"{name}Logs" in function["DependsOn"]
    assert len(roles) == len(declared)
    assert set(resources(template_json, "AWS::IAM::Role")) == roles


def test_log_retention_is_set_on_every_log_group(template_json: dict[str, Any]) -> None:
    groups = resources(template_json, "AWS::Logs::LogGroup")
    assert len(groups) == len(functions(template_json))
    assert all(g["Properties"]["RetentionInDays"] == 90 for g in groups.values())


def test_api_stage_is_throttled(template: Any) -> None:
    template.has_resource_properties(
        "AWS::Serverless::Api",
        {
            "Name": "kargo-prod",
            "StageName": "api",
            "MethodSettings": [
                Match.object_like(
                    {
                        "ResourcePath": "/*",
                        "HttpMethod": "*",
                        "ThrottlingRateLimit": SETTINGS.api_rate_limit,
                        "ThrottlingBurstLimit": SETTINGS.api_burst_limit,
                    }
                )
            ],
        },
    )


def test_timeouts(template_json: dict[str, Any]) -> None:
    timeouts = {
        name: props(template_json, name).get("Timeout") for name in functions(template_json)
    }
    assert timeouts["ConsumeWebhooks"] == CONSUMER_TIMEOUT_SECONDS
    assert timeouts["ScanShipments"] == SCAN_TIMEOUT_SECONDS
    expected = {
        "DeliverMerchantWebhooks": MERCHANT_DELIVERY_TIMEOUT_SECONDS,
        "PollCarriers": POLLER_TIMEOUT_SECONDS,
        "PollRequested": POLL_REQUESTS_TIMEOUT_SECONDS,
    }
    for name, timeout in expected.items():
        if name in timeouts:
            assert timeouts[name] == timeout, name


def test_background_functions_link_to_the_api_without_a_public_url(
    template_json: dict[str, Any],
) -> None:
    assert SETTINGS.public_url == ""
    for name in functions(template_json):
        url = props(template_json, name)["Environment"]["Variables"]["KARGO_PUBLIC_URL"]
        if name == "APIHandler":
            assert url == ""  # its own API depends on it: a reference would be a cycle
        else:
            assert url["Fn::Sub"][1] == {"RestAPI": {"Ref": "RestAPI"}}
