"""The Roles component alone: one log group and one role per function, each policy naming
only what its function uses (the whole stack's IAM is walked in test_iam.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import WHATSAPP_PHONE_NUMBER_ID, require_cdk

require_cdk()

from aws_cdk.assertions import Template  # noqa: E402

from infra.components.roles import Roles  # noqa: E402
from infra.settings import FUNCTION_NAMES, StageSettings  # noqa: E402
from tests.infra import bare  # noqa: E402

pytestmark = pytest.mark.infra


def settings(**environment: str) -> StageSettings:
    return StageSettings(
        stage="test",
        event_bus_name="kargo-test",
        log_retention_days=90,
        environment={"KARGO_EMAIL_FROM": "kargo@shop.example", **environment},
    )


def build(stage: StageSettings) -> tuple[Template, bare.Core]:
    scope = bare.stack()
    core = bare.core(scope)
    roles = Roles(
        scope, "Roles", settings=stage, data=core.data, queues=core.queues, secrets=core.secrets
    )
    for logical_id in FUNCTION_NAMES:
        roles.role(logical_id)
        assert roles.role(logical_id) is roles.roles[logical_id]  # made once
    return bare.template(scope), core


@pytest.fixture(scope="module")
def built() -> tuple[Template, bare.Core]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("KARGO_WHATSAPP_PHONE_NUMBER_ID", raising=False)
        return build(settings())


def statements(found: Template, logical_id: str) -> dict[str, dict[str, Any]]:
    description = f"Kargo kargo-test-{FUNCTION_NAMES[logical_id]}: least privilege"
    (role,) = [
        r
        for r in bare.resources(found, "AWS::IAM::Role").values()
        if r["Properties"]["Description"] == description
    ]
    (policy,) = role["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return set(action if isinstance(action, list) else [action])


def test_one_role_and_one_log_group_per_function(built: tuple[Template, bare.Core]) -> None:
    found, _ = built
    found.resource_count_is("AWS::IAM::Role", len(FUNCTION_NAMES))
    found.resource_count_is("AWS::Logs::LogGroup", len(FUNCTION_NAMES))
    for logical_id, name in FUNCTION_NAMES.items():
        found.has_resource_properties(
            "AWS::Logs::LogGroup",
            {"LogGroupName": f"/aws/lambda/kargo-test-{name}", "RetentionInDays": 90},
        )
        found.has_resource(
            "AWS::Logs::LogGroup",
            {
                "DeletionPolicy": "Retain",
                "Properties": {
                    "LogGroupName": f"/aws/lambda/kargo-test-{name}",
                    "RetentionInDays": 90,
                },
            },
        )
        logs = statements(found, logical_id)["Logs"]
        assert actions(logs) == {"logs:CreateLogStream", "logs:PutLogEvents"}


def test_roles_are_for_lambda_with_inline_policies_only(built: tuple[Template, bare.Core]) -> None:
    found, _ = built
    for role in bare.resources(found, "AWS::IAM::Role").values():
        properties = role["Properties"]
        (statement,) = properties["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert "ManagedPolicyArns" not in properties


def test_only_the_api_and_the_consumer_read_the_token_key(
    built: tuple[Template, bare.Core],
) -> None:
    found, core = built
    stack = core.data.table.stack
    token_key = stack.resolve(core.secrets.token_key.secret_arn)
    carriers = stack.resolve(core.secrets.carriers.secret_arn)
    for logical_id in FUNCTION_NAMES:
        found_statements = statements(found, logical_id).values()
        read = [
            resource
            for s in found_statements
            if "secretsmanager:GetSecretValue" in actions(s)
            for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        ]
        assert (token_key in read) == (logical_id in ("APIHandler", "ConsumeWebhooks"))
        assert (carriers in read) == logical_id.startswith("Poll")


def test_queries_name_only_the_indexes_each_function_reads(
    built: tuple[Template, bare.Core],
) -> None:
    found, _ = built

    def indexes(logical_id: str) -> set[str]:
        queries = [
            s for s in statements(found, logical_id).values() if "dynamodb:Query" in actions(s)
        ]
        return {
            part.rsplit("/", 1)[-1]
            for s in queries
            for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
            if isinstance(resource, dict) and "Fn::Join" in resource
            for part in resource["Fn::Join"][1]
            if isinstance(part, str) and "/index/" in part
        }

    assert indexes("APIHandler") == {"by_due", "by_delay"}
    assert indexes("NotifyChanges") == {"by_due", "by_delay"}
    assert indexes("ScanShipments") == {"by_due"}
    assert indexes("PollCarriers") == indexes("PollRequested") == {"by_poll"}
    assert indexes("ConsumeWebhooks") == indexes("DeliverMerchantWebhooks") == set()


def test_email_is_pinned_to_the_configured_sender(built: tuple[Template, bare.Core]) -> None:
    found, _ = built
    for logical_id in ("APIHandler", "NotifyChanges"):
        email = statements(found, logical_id)["SendEmail"]
        assert email["Condition"] == {"StringEquals": {"ses:FromAddress": "kargo@shop.example"}}
        resources = [r["Fn::Join"][1][-1] for r in email["Resource"]]
        assert resources == [
            ":ses:eu-central-1:123456789012:identity/kargo@shop.example",
            ":ses:eu-central-1:123456789012:identity/shop.example",
        ]


def test_without_a_whatsapp_sender_nobody_may_send_whatsapp(
    built: tuple[Template, bare.Core],
) -> None:
    found, _ = built
    for logical_id in FUNCTION_NAMES:
        assert "SendWhatsApp" not in statements(found, logical_id)


def test_with_a_whatsapp_sender_the_notifier_and_the_scan_may_send_through_it() -> None:
    found, _ = build(settings(KARGO_WHATSAPP_PHONE_NUMBER_ID=WHATSAPP_PHONE_NUMBER_ID))
    senders = {
        logical_id
        for logical_id in FUNCTION_NAMES
        if "SendWhatsApp" in statements(found, logical_id)
    }
    assert senders == {"NotifyChanges", "ScanShipments"}
    resource = statements(found, "NotifyChanges")["SendWhatsApp"]["Resource"]
    assert resource["Fn::Join"][1][-1] == (
        ":social-messaging:eu-central-1:123456789012:phone-number-id/"
        "0123456789abcdef0123456789abcdef"
    )


def test_a_function_without_a_policy_gets_no_role() -> None:
    scope = bare.stack()
    core = bare.core(scope)
    roles = Roles(
        scope,
        "Roles",
        settings=settings(),
        data=core.data,
        queues=core.queues,
        secrets=core.secrets,
    )
    with pytest.raises(ValueError, match="no policy for Surprise"):
        roles.role("Surprise")
    assert not roles.roles and not roles.log_groups
