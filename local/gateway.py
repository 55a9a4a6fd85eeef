"""Chalice's local API Gateway, answering as Kargo's deployed gateway does.

`chalice.local.LocalGateway` sits behind `chalice local` (what `make run`
starts), `chalice.test.Client` (the integration tests) and the WSGI adapter of
the contract tests. For a path no route matches it copies API Gateway's own
answer: `403 {"message": "Missing Authentication Token"}`. In AWS the stack maps
that answer to `404 not_found` in Kargo's error shape (a gateway response,
`infra/components/functions.py`); `install()` makes the local gateway give the same 404.
Wrong methods on known paths need nothing here: the app itself answers them
(`chalicelib/api/routing.py`), locally and in AWS alike.

`chalice local` is started through `python -m local.chalice_local`, which installs
this before handing over to Chalice's command line; the tests install it in
`tests/conftest.py`.
"""

from __future__ import annotations

import json
from typing import Any

from chalice.local import ChaliceRequestHandler, LocalGateway

from chalicelib.api.routing import MethodNotAllowedView
from chalicelib.errors import KargoError, NotFound, ValidationFailed

_INSTALLED = "_kargo_contract_routing"


def error_response(error: KargoError) -> dict[str, Any]:
    """A Lambda proxy response, as LocalGateway returns it, for `error`."""
    return {
        "statusCode": error.status_code,
        "headers": {"Content-Type": "application/json; charset=utf-8"},
        "multiValueHeaders": {},
        "body": json.dumps(error.body(), ensure_ascii=False, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def install() -> None:
    """Patch LocalGateway (and chalice local's request handler) once per process."""
    if getattr(LocalGateway, _INSTALLED, False):
        return
    route_then_handle = LocalGateway.handle_request

    def handle_request(
        self: LocalGateway, method: str, path: str, headers: Any, body: bytes | None
    ) -> Any:
        try:
            matched = self.event_converter._route_matcher.match_route(path)
        except ValueError:  # what LocalGateway turns into its 403
            return error_response(NotFound())
        if method not in self._app_object.routes[matched.route]:
            # TRACE, CONNECT, made-up methods: no view takes them anywhere.
            return MethodNotAllowedView(self._app_object, matched.route)().to_dict()
        return route_then_handle(self, method, path, headers, body)

    LocalGateway.handle_request = handle_request  # type: ignore[method-assign]
    _answer_unreadable_lengths()
    _answer_unknown_methods()
    setattr(LocalGateway, _INSTALLED, True)


def _answer_unreadable_lengths() -> None:
    """chalice local reads `int(Content-Length)`: a bad header would drop the connection
    with a traceback in the log. API Gateway answers 400; so does this."""
    handle = ChaliceRequestHandler._generic_handle

    def generic_handle(self: ChaliceRequestHandler) -> None:
        length = self.headers.get("content-length", "0").strip()
        if length.isascii() and length.isdecimal():
            handle(self)
            return
        details = [{"loc": ["header", "content-length"], "msg": "Content-Length is not a number"}]
        response = error_response(ValidationFailed(details=details))
        self.close_connection = True  # the body cannot be framed
        self._send_http_response(
            response["statusCode"], dict(response["headers"]), response["body"]
        )

    ChaliceRequestHandler._generic_handle = generic_handle  # type: ignore[method-assign]
    for method in ("GET", "PUT", "POST", "HEAD", "DELETE", "PATCH", "OPTIONS"):
        setattr(ChaliceRequestHandler, f"do_{method}", generic_handle)


def _answer_unknown_methods() -> None:
    """http.server answers a method it has no `do_` handler for (TRACE, made-up ones)
    with `501` and an HTML body; hand it to the gateway instead, which answers 404 or
    405 in the contract's shape."""
    send_error = ChaliceRequestHandler.send_error

    def send_error_or_route(
        self: ChaliceRequestHandler,
        code: int,
        message: str | None = None,
        explain: str | None = None,
    ) -> None:
        if code == 501 and not hasattr(self, f"do_{self.command}"):
            self._generic_handle()
            return
        send_error(self, code, message, explain)

    ChaliceRequestHandler.send_error = send_error_or_route
