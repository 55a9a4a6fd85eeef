"""API Gateway's own answers, in Kargo's error shape.

API Gateway answers some requests without calling Lambda: a path no resource
matches (`403 {"message": "Missing Authentication Token"}`), throttling, a body
over its limit. Clients must see those in the same shape as every other error
(`{"error": {"code", "message"}}`), with no AWS internals, and an unknown path
must be `404 not_found`.

Why `DEFAULT_4XX` becomes 404: this API declares every method of every path it
knows (the 405 views of `chalicelib/api/routing.py`), uses no authorizers, API
keys, IAM auth, request validators or WAF, so the only 4xx API Gateway produces
itself besides those mapped explicitly below are the answers to a request that
matches no resource (`MISSING_AUTHENTICATION_TOKEN`, or the SigV4 complaints
`INVALID_SIGNATURE`/`EXPIRED_TOKEN`/incomplete signature when such a request
carries an `Authorization` header, as every merchant call does).

The responses live in the API's own definition (the OpenAPI extension
`x-amazon-apigateway-gateway-responses`), not as separate resources: a change to
them changes the definition, so SAM deploys the stage again and they take effect.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.errors import (
    KargoError,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

JSON = "application/json"
DEFINITION_EXTENSION = "DefinitionBody.x-amazon-apigateway-gateway-responses"
RETRY_AFTER_SECONDS = 1


def _body(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False)


def _of(error: KargoError) -> str:
    return _body(error.code, error.message)


def _response(
    body: str, status: int | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """One gateway response: a static JSON body (VTL-safe: no `$` or `#` in it)."""
    assert "$" not in body and "#" not in body, "gateway response templates are VTL"
    parameters = {"gatewayresponse.header.Content-Type": f"'{JSON}'"}
    parameters |= {
        f"gatewayresponse.header.{name}": f"'{value}'" for name, value in (headers or {}).items()
    }
    response: dict[str, Any] = {
        "responseParameters": parameters,
        "responseTemplates": {JSON: body},
    }
    if status is not None:
        response["statusCode"] = str(status)
    return response


NOT_FOUND = _of(NotFound())
TOO_MANY = _body("rate_limited", "Too many requests: try again in a moment.")
SERVER_ERROR = _of(KargoError())

GATEWAY_RESPONSES: dict[str, dict[str, Any]] = {
    "MISSING_AUTHENTICATION_TOKEN": _response(NOT_FOUND, 404),
    "RESOURCE_NOT_FOUND": _response(NOT_FOUND, 404),
    "DEFAULT_4XX": _response(NOT_FOUND, 404),
    "THROTTLED": _response(TOO_MANY, 429, {"Retry-After": str(RETRY_AFTER_SECONDS)}),
    "QUOTA_EXCEEDED": _response(TOO_MANY, 429, {"Retry-After": str(RETRY_AFTER_SECONDS)}),
    "REQUEST_TOO_LARGE": _response(_of(PayloadTooLarge()), 413),
    "UNSUPPORTED_MEDIA_TYPE": _response(_of(UnsupportedMediaType()), 415),
    "BAD_REQUEST_BODY": _response(_of(ValidationFailed()), 400),
    "BAD_REQUEST_PARAMETERS": _response(
        _body("validation_error", "The query string or the address is not right."), 400
    ),
    # 5xx keep their status (500, 502, 504); the body never says more than this.
    "DEFAULT_5XX": _response(SERVER_ERROR),
    "INTEGRATION_TIMEOUT": _response(
        _body("internal_error", "Kargo took too long to answer; please try again.")
    ),
}


def apply(rest_api: Any) -> None:
    """Add the responses to the Chalice-packaged `AWS::Serverless::Api`."""
    rest_api.add_property_override(DEFINITION_EXTENSION, GATEWAY_RESPONSES)
