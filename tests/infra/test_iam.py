"""Least privilege: every Allow in every IAM policy of the stack, walked statement by statement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from importlib import resources as package_data
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import REPO_ROOT, require_cdk

require_cdk()

from infra.components.roles import WILDCARD_RESOURCE_EXCEPTIONS  # noqa: E402

pytestmark = pytest.mark.infra

# Resource-based policies carry only the Deny that CDK's enforce_ssl writes (every action of
# the service, when the request is not over TLS). A Deny on `*` narrows access, never widens it.
POLICY_PROPERTIES = {
    "AWS::IAM::Role": ("Policies", "PolicyDocument"),
    "AWS::IAM::Policy": (None, "PolicyDocument"),
    "AWS::IAM::ManagedPolicy": (None, "PolicyDocument"),
    "AWS::SQS::QueuePolicy": (None, "PolicyDocument"),
    "AWS::SNS::TopicPolicy": (None, "PolicyDocument"),
}


def statements(template_json: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, resource in template_json["Resources"].items():
        kind = resource["Type"]
        properties = resource.get("Properties", {})
        if kind == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
            assert not properties.get("ManagedPolicyArns"), f"{name}: managed policies"
        elif kind in POLICY_PROPERTIES:
            documents = [properties["PolicyDocument"]]
        elif kind.startswith("AWS::Serverless::"):
            assert "Policies" not in properties, f"{name}: SAM would add its own role"
            continue
        else:
            continue
        for document in documents:
            found = document["Statement"]
            for statement in found if isinstance(found, list) else [found]:
                yield name, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def literal_strings(value: Any) -> Iterator[str]:
    """Every literal string inside a resource value, through Fn::Join and Fn::Sub."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from literal_strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in ("Ref", "Fn::GetAtt"):
                continue
            yield from literal_strings(item)


def allows(template_json: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(n, s) for n, s in statements(template_json) if s["Effect"] == "Allow"]


def test_no_allow_names_a_wildcard_action(template_json: dict[str, Any]) -> None:
    offenders = [
        (name, action)
        for name, statement in allows(template_json)
        for action in as_list(statement.get("Action", []))
        if "*" in action or "?" in action
    ]
    assert not offenders
    assert all("NotAction" not in s for _, s in statements(template_json))


def test_no_unexplained_wildcard_resource(template_json: dict[str, Any]) -> None:
    offenders = []
    used = set()
    for name, statement in allows(template_json):
        if name.endswith(("QueuePolicy", "TopicPolicy")) or "Principal" in statement:
            continue
        assert "NotResource" not in statement, name
        wild = [
            text
            for resource in as_list(statement["Resource"])
            for text in literal_strings(resource)
            if "*" in text
        ]
        if not wild:
            continue
        sid = statement.get("Sid", "")
        if sid in WILDCARD_RESOURCE_EXCEPTIONS and wild == ["*"]:
            used.add(sid)
        else:
            offenders.append((name, sid, wild))
    assert not offenders
    # Every exception is in use and says why: a stale entry would hide the next wildcard.
    assert used == set(WILDCARD_RESOURCE_EXCEPTIONS)
    assert all(len(reason) > 40 for reason in WILDCARD_RESOURCE_EXCEPTIONS.values())


def test_sms_publish_is_the_only_sns_permission_and_is_region_bound(
    template_json: dict[str, Any],
) -> None:
    sns = [
        s
        for _, s in allows(template_json)
        if any(a.startswith("sns:") for a in as_list(s.get("Action", [])))
        and "Principal" not in s  # the WhatsApp event topic's policy: the service publishes
    ]
    # The notifier's, the scan's for SMS held over quiet hours, and the WhatsApp receipts'
    # for the SMS that stands in for a WhatsApp message that failed.
    assert len(sns) == 3
    for statement in sns:
        assert as_list(statement["Action"]) == ["sns:Publish"]
        assert "aws:RequestedRegion" in statement["Condition"]["StringEquals"]


def test_email_is_scoped_to_the_configured_identity(template_json: dict[str, Any]) -> None:
    statements = [s for _, s in allows(template_json) if s.get("Sid") == "SendEmail"]
    assert len(statements) == 2  # the notifier's, and the API's for the shop's complaint alert
    for statement in statements:
        identities = [
            "".join(t for t in literal_strings(r) if t.startswith(":identity/"))
            for r in as_list(statement["Resource"])
        ]
        assert identities == [":identity/kargo@example.com", ":identity/example.com"]
        assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": "kargo@example.com"}}


def test_every_allowed_action_exists(template_json: dict[str, Any]) -> None:
    """Catches a plausible action that IAM does not have (dynamodb:TransactWriteItems is one:
    transactions are authorised per item), using cfn-lint's copy of the IAM action list."""
    data = package_data.files("cfnlint.data.AdditionalSpecs").joinpath("Policies.json")
    services = json.loads(data.read_text(encoding="utf-8"))
    unknown = []
    for _, statement in allows(template_json):
        for action in as_list(statement.get("Action", [])):
            service, _, name = action.partition(":")
            if name.lower() not in services.get(service, {}).get("Actions", {}):
                unknown.append(action)
    assert not unknown


def test_roles_get_only_what_their_function_does(template_json: dict[str, Any]) -> None:
    def actions_of(function: str) -> set[str]:
        role = template_json["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
        (policy,) = template_json["Resources"][role]["Properties"]["Policies"]
        return {
            action
            for statement in policy["PolicyDocument"]["Statement"]
            for action in as_list(statement["Action"])
        }

    api = actions_of("APIHandler")
    consumer = actions_of("ConsumeWebhooks")
    notifier = actions_of("NotifyChanges")
    scanner = actions_of("ScanShipments")
    everyone = api | consumer | notifier | scanner
    # Nobody scans; only the notifier deletes (an event claim it releases for a retry), and
    # only the notifier talks to customers and the bus.
    assert not {"dynamodb:Scan", "dynamodb:DeleteTable", "dynamodb:BatchWriteItem"} & everyone
    assert "dynamodb:DeleteItem" not in api | consumer | scanner
    assert {"ses:SendEmail", "sns:Publish", "events:PutEvents"} <= notifier
    # Only the notifier tells shoppers, except two deliberate cases: the API alerts the shop
    # by e-mail about a bad rating, and the scan sends SMS held over quiet hours.
    assert not {"ses:SendEmail", "sns:Publish", "events:PutEvents"} & consumer
    assert {"ses:SendEmail", "ses:SendRawEmail"} == {
        a for a in api if a.startswith(("ses:", "sns:"))
    }
    assert {"sns:Publish"} == {a for a in scanner if a.startswith(("ses:", "sns:", "events:"))}
    assert "sqs:ReceiveMessage" in consumer and "sqs:ReceiveMessage" not in api | notifier
    assert "dynamodb:GetRecords" in notifier and "dynamodb:GetRecords" not in api | consumer
    assert "sqs:SendMessage" in api
    assert all("secretsmanager:GetSecretValue" in a for a in (api, consumer, notifier, scanner))
    assert all("logs:CreateLogGroup" not in a for a in (api, consumer, notifier, scanner))


def test_a_function_infra_does_not_know_stops_synthesis(tmp_path: Path) -> None:
    """A new @app.lambda_function must get its own role; it never runs under another's."""
    project = tmp_path / "project"
    (project / ".chalice").mkdir(parents=True)
    (project / ".chalice" / "config.json").write_text(
        json.dumps({"version": "2.0", "app_name": "kargo", "stages": {"dev": {}}})
    )
    (project / "requirements.txt").write_text("")
    (project / "app.py").write_text(
        "from chalice import Chalice\n"
        "app = Chalice(app_name='kargo')\n"
        "@app.route('/')\n"
        "def index():\n    return {}\n"
        "@app.lambda_function(name='consume_webhooks')\n"
        "def consume_webhooks(event, context):\n    return {}\n"
        "@app.lambda_function(name='surprise')\n"
        "def surprise(event, context):\n    return {}\n"
    )
    command = [sys.executable, str(REPO_ROOT / "infra" / "app.py"), "--stage", "dev"]
    command += ["--source-dir", str(project), "--outdir", str(tmp_path / "out")]
    result = subprocess.run(
        command,
        cwd=tmp_path,
        env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "infra does not know: Surprise" in result.stderr
