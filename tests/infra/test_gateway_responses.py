"""In AWS too: unknown paths 404 `not_found`, wrong methods 405, API Gateway's own
answers in the contract's error shape (the synthesized prod template)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import require_cdk

require_cdk()

pytestmark = pytest.mark.infra

METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


def rest_api(template_json: dict[str, Any]) -> dict[str, Any]:
    apis = [
        resource
        for resource in template_json["Resources"].values()
        if resource["Type"] in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi")
    ]
    assert len(apis) == 1
    definition: dict[str, Any] = apis[0]["Properties"]["DefinitionBody"]
    return definition


def responses(template_json: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = rest_api(template_json)["x-amazon-apigateway-gateway-responses"]
    return found


def error_body(response: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response["responseTemplates"]["application/json"])
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert response["responseParameters"]["gatewayresponse.header.Content-Type"] == (
        "'application/json'"
    )
    error: dict[str, Any] = body["error"]
    return error


def test_unknown_paths_are_404_not_found(template_json: dict[str, Any]) -> None:
    mapped = responses(template_json)
    # API Gateway's answer to a path (or method) no resource declares; and any other
    # 4xx it makes up itself, such as the SigV4 complaints about a Bearer header.
    for kind in ("MISSING_AUTHENTICATION_TOKEN", "RESOURCE_NOT_FOUND", "DEFAULT_4XX"):
        assert mapped[kind]["statusCode"] == "404", kind
        assert error_body(mapped[kind])["code"] == "not_found"


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("THROTTLED", "429", "rate_limited"),
        ("QUOTA_EXCEEDED", "429", "rate_limited"),
        ("REQUEST_TOO_LARGE", "413", "payload_too_large"),
        ("UNSUPPORTED_MEDIA_TYPE", "415", "unsupported_media_type"),
        ("BAD_REQUEST_BODY", "400", "validation_error"),
        ("BAD_REQUEST_PARAMETERS", "400", "validation_error"),
    ],
)
def test_gateway_4xx_in_the_contract_shape(
    template_json: dict[str, Any], kind: str, status: str, code: str
) -> None:
    response = responses(template_json)[kind]
    assert response["statusCode"] == status
    assert error_body(response)["code"] == code


def test_throttling_says_when_to_retry(template_json: dict[str, Any]) -> None:
    parameters = responses(template_json)["THROTTLED"]["responseParameters"]
    assert parameters["gatewayresponse.header.Retry-After"] == "'1'"


def test_5xx_keep_their_status_and_say_nothing_internal(template_json: dict[str, Any]) -> None:
    for kind in ("DEFAULT_5XX", "INTEGRATION_TIMEOUT"):
        response = responses(template_json)[kind]
        assert "statusCode" not in response  # 500, 502, 504 stay what they are
        error = error_body(response)
        assert error["code"] == "internal_error"
        template = response["responseTemplates"]["application/json"]
        # No `$context.error.message` and the like: nothing of AWS's own wording.
        assert "$" not in template and "#" not in template


def test_every_path_declares_every_method(template_json: dict[str, Any]) -> None:
    """So a wrong method reaches Lambda's 405 instead of API Gateway's 403 (then 404)."""
    paths: dict[str, Any] = rest_api(template_json)["paths"]
    assert "/orders/{order_id}" in paths
    for path, operations in paths.items():
        assert set(operations) >= METHODS, (path, sorted(METHODS - set(operations)))
