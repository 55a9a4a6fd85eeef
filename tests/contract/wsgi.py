"""The Chalice app as a WSGI application, through Chalice's own local API Gateway.

`chalice local` serves `LocalGateway` over http.server; this serves the same
gateway to WSGI clients (schemathesis, werkzeug's test client), in-process and
without a socket.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class ChaliceWsgi:
    def __init__(self, app: Chalice) -> None:
        self.gateway = LocalGateway(app, Config.create(chalice_stage="local"))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("REQUEST_URI") or environ.get("RAW_URI")
        if not path:
            path = quote(environ.get("PATH_INFO", "/"))
            if environ.get("QUERY_STRING"):
                path += "?" + environ["QUERY_STRING"]
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        try:
            response = self.gateway.handle_request(environ["REQUEST_METHOD"], path, headers, body)
        except LocalGatewayException as error:
            response = {
                "statusCode": error.CODE,
                "headers": dict(error.headers),
                "body": error.body,
            }
        raw = response.get("body") or b""
        if response.get("isBase64Encoded"):
            raw = base64.b64decode(raw)
        elif isinstance(raw, str):
            raw = raw.encode("utf-8")
        out = [(name, str(value)) for name, value in (response.get("headers") or {}).items()]
        for name, values in (response.get("multiValueHeaders") or {}).items():
            out += [(name, str(value)) for value in values]
        if not any(name.lower() == "content-type" for name, _ in out):
            out.append(("Content-Type", "application/json"))  # what chalice local sends
        status = int(response["statusCode"])
        start_response(f"{status} {HTTPStatus(status).phrase}", out)
        return [raw]
