"""The OpenAPI document: current, valid, complete, and true of the running API.

`make openapi` regenerates it; the schemathesis run below sends generated
requests (valid and invalid) to the app in-process and checks every answer:
never a 5xx, only documented status codes and content types, and bodies that
match the response schemas.
"""

from __future__ import annotations

import json
import re
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.api import openapi
from chalicelib.api.responses import ErrorBody
from tests.contract.wsgi import ChaliceWsgi

DOCUMENT: dict[str, Any] = json.loads(openapi.PACKAGE_DOCUMENT.read_text("utf-8"))
MERCHANT_KEY = {"Authorization": "Bearer dev-merchant-key"}
JSON = "application/json"


def contract_error_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """CONTRACT.md section 2: every JSON error is `{"error": {...}}`; no stack traces."""
    if response.status_code < 400:
        return None
    text = response.text
    assert "Traceback" not in text and 'File "/' not in text, "a stack trace leaked"
    if "json" not in (response.headers.get("content-type") or [""])[0]:
        return None  # the shopper's pages answer people in HTML
    ErrorBody.model_validate_json(text)
    return True


CHECKS = [
    contract_error_body,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_committed_documents_are_current() -> None:
    expected = openapi.render(openapi.build_document())
    for path in (openapi.PACKAGE_DOCUMENT, openapi.ROOT_DOCUMENT):
        assert path.read_text("utf-8") == expected, f"{path} is stale: run `make openapi`"


def test_document_is_valid_openapi_3_1() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    validate(DOCUMENT)


def _served(path: str, method: str) -> bool:
    from app import app
    from chalicelib.api.routing import MethodNotAllowedView

    return any(
        method.upper() in methods
        and not isinstance(methods[method.upper()].view_function, MethodNotAllowedView)
        and _route_pattern(route).match(path)
        for route, methods in app.routes.items()
    )


def _route_pattern(route: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", route) + "$")


def test_every_route_is_documented_and_nothing_else() -> None:
    from app import app

    documented = {
        (path, method.upper()): operation["operationId"]
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
    }
    from chalicelib.api.routing import MethodNotAllowedView

    # The 405 answers for the methods a path does not take are described once, in
    # the document's description and `components.responses`, not as operations.
    routes = {
        (path, method): entry.view_name
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if not isinstance(entry.view_function, MethodNotAllowedView)
    }
    for (path, method), view in routes.items():
        matching = [
            operation_id
            for (doc_path, doc_method), operation_id in documented.items()
            if doc_method == method and (doc_path == path or _route_pattern(path).match(doc_path))
        ]
        assert matching, f"{method} {path} is not in the document: add it to {openapi.__name__}"
        assert all(operation_id.startswith(view) for operation_id in matching)
    for (doc_path, doc_method), operation_id in documented.items():
        assert _served(doc_path, doc_method), (
            f"{operation_id}: {doc_method} {doc_path} has no route"
        )


# --- generated requests against the app ------------------------------------------------

CONFIG = SchemathesisConfig.from_dict(
    {
        # The coverage phase also sends methods a path does not take: 405, with `Allow`.
        "phases": {"stateful": {"enabled": False}},
        "generation": {"mode": "all"},
    }
)
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


@SCHEMA.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_keeps_its_contract(case: Any, api: ChaliceWsgi) -> None:
    response = case.call(app=api, headers=MERCHANT_KEY)
    case.validate_response(response, checks=CHECKS)


def test_a_get_with_a_body_type_gets_the_contract_error(api: ChaliceWsgi) -> None:
    from werkzeug.test import Client

    response = Client(api).get(
        f"/orders/{openapi.EXAMPLE_ORDER_ID}",
        headers={**MERCHANT_KEY, "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_notification_waiting_for_a_retry_keeps_the_contract_statuses(
    api: ChaliceWsgi,
) -> None:
    from werkzeug.test import Client

    from chalicelib import store
    from chalicelib.clock import utc_now

    client = Client(api)
    order = {
        "order_id": "retrying-1",
        "customer": {"name": "Ayşe Yılmaz", "email": "ayse@example.com"},
        "shipments": [{"carrier": "aras", "tracking_number": "AR7000000001"}],
    }
    created = client.post(
        "/orders", data=json.dumps(order), headers={**MERCHANT_KEY, "Content-Type": JSON}
    )
    assert created.status_code == 201
    entry = store.NotificationEntry(
        id="ntf_retrying",
        order_id="retrying-1",
        channel="email",
        kind="in_transit",
        carrier="aras",
        tracking_number="AR7000000001",
        status="sending",
        created_at=utc_now(),
    )
    assert store.claim_notification(entry)
    store.release_notification("retrying-1", "ntf_retrying")  # what a throttled send does
    listed = client.get("/orders/retrying-1/notifications", headers=MERCHANT_KEY).get_json()
    assert {note["status"] for note in listed["notifications"]} <= {"sent", "failed", "skipped"}
