"""Unknown paths get 404 `not_found`, known paths with another method 405
`method_not_allowed`, both in the contract's error shape (through chalice.test.Client,
which runs Chalice's local gateway as `chalice local` does)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api.routing import HTTP_METHODS, KargoChalice, MethodNotAllowedView
from tests.integration.conftest import MERCHANT, Kargo


def error_of(response: Any) -> dict[str, Any]:
    body = json.loads(response.body)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


UNKNOWN = [
    ("GET", "/nope"),
    ("GET", "/"),
    ("GET", "/api"),
    ("POST", "/nope"),
    ("DELETE", "/nope"),
    ("OPTIONS", "/nope"),
    ("HEAD", "/nope"),
    ("GET", "/orders/1001/nope"),
    ("GET", "/orders/1001/shipments/YT1/extra"),
    ("GET", "/track"),
    ("GET", "/webhooks"),
    ("GET", "//orders"),
    ("GET", "/%00"),
    ("GET", "/" + "a" * 5000),
    ("GET", "/nope?x=1&y=%ff"),
]


HEADERS: tuple[dict[str, str], ...] = (
    {},
    MERCHANT,
    {"Authorization": "Bearer ÿé"},
    {"Authorization": "AWS4-HMAC-SHA256 x"},
)


def test_unknown_paths_are_404(kargo: Kargo) -> None:
    for method, path in UNKNOWN:
        for headers in HEADERS:
            response = kargo.client.http.request(method, path, headers=headers)
            assert response.status_code == 404, (method, path, headers)
            assert error_of(response)["code"] == "not_found"
            assert response.headers["Content-Type"].startswith("application/json")


def test_the_two_findings_of_the_trial(kargo: Kargo) -> None:
    nope = kargo.client.http.get("/nope")
    assert (nope.status_code, error_of(nope)["code"]) == (404, "not_found")
    delete = kargo.client.http.delete("/orders/1001", headers=MERCHANT)
    assert (delete.status_code, error_of(delete)["code"]) == (405, "method_not_allowed")
    assert delete.headers["Allow"] == "GET"


def _wrong_methods() -> list[tuple[str, str]]:
    from app import app

    return sorted(
        (method, path)
        for path, entries in app.routes.items()
        for method, entry in entries.items()
        if isinstance(entry.view_function, MethodNotAllowedView)
    )


def _paths() -> list[str]:
    from app import app

    return sorted(app.routes)


@pytest.mark.parametrize("path", _paths())
def test_every_path_answers_every_method(path: str) -> None:
    from app import app

    assert set(app.routes[path]) == set(HTTP_METHODS)
    entries = app.routes[path].values()
    real = [e for e in entries if not isinstance(e.view_function, MethodNotAllowedView)]
    assert real, f"{path} has no view of its own"


def test_wrong_methods_are_405(kargo: Kargo) -> None:
    from app import app

    for method, path in _wrong_methods():
        url = path.replace("{order_id}", "1001").replace("{token}", "x" * 32)
        url = re.sub(r"\{\w+\}", "x", url.replace("{source}", "generic"))
        allowed = sorted(
            m
            for m, e in app.routes[path].items()
            if not isinstance(e.view_function, MethodNotAllowedView)
        )
        for headers in ({}, MERCHANT):
            response = kargo.client.http.request(method, url, headers=headers, body=b"{}")
            assert response.status_code == 405, (method, url)
            assert response.headers["Allow"] == ", ".join(allowed)
            if method != "HEAD":
                assert error_of(response)["code"] == "method_not_allowed"


def test_a_real_view_declared_later_replaces_the_405() -> None:
    app = KargoChalice(app_name="routing-test")

    @app.route("/things/{thing_id}", methods=["GET"])
    def read(thing_id: str) -> dict[str, str]:
        return {"read": thing_id}

    assert isinstance(app.routes["/things/{thing_id}"]["POST"].view_function, MethodNotAllowedView)

    @app.route("/things/{thing_id}", methods=["POST"])
    def write(thing_id: str) -> dict[str, str]:
        return {"wrote": thing_id}

    with Client(app) as client:
        assert json.loads(client.http.post("/things/7").body) == {"wrote": "7"}
        assert json.loads(client.http.get("/things/7").body) == {"read": "7"}
        put = client.http.put("/things/7")
        assert put.status_code == 405
        assert put.headers["Allow"] == "GET, POST"
        assert client.http.get("/things").status_code == 404


def test_methods_no_route_takes(kargo: Kargo) -> None:
    for method in ("TRACE", "CONNECT", "FOO"):
        response = kargo.client.http.request(method, "/orders/1001", headers=MERCHANT)
        assert (response.status_code, error_of(response)["code"]) == (405, "method_not_allowed")
        assert response.headers["Allow"] == "GET"
        unknown = kargo.client.http.request(method, "/nope")
        assert (unknown.status_code, error_of(unknown)["code"]) == (404, "not_found")
