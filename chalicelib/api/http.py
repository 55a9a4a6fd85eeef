"""Shared HTTP plumbing for the routes in app.py: contract errors, JSON bodies, auth."""

from __future__ import annotations

import functools
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.config import settings
from chalicelib.errors import (
    InvalidJson,
    KargoError,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
Model = TypeVar("Model", bound=BaseModel)
View = TypeVar("View", bound=Callable[..., Response])


def json_response(
    body: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(body=text, status_code=status_code, headers={**JSON_HEADERS, **(headers or {})})


def contract_errors(view: View) -> View:
    """Every failure leaves as the contract's error shape; nothing else leaks.

    Chalice turns exceptions into its own 500 body before middleware runs, so
    this wraps each view instead."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except KargoError as error:
            # `Retry-After` of a 429 (RateLimited.headers), and any other the error sets.
            headers = error.headers() if hasattr(error, "headers") else None
            return json_response(error.body(), error.status_code, headers)
        except Exception:
            logger.exception("unhandled error in a request")
            return json_response(KargoError().body(), 500)

    return wrapped  # type: ignore[return-value]


def is_json_content_type(content_type: str | None) -> bool:
    if not content_type:
        return True  # curl and some carriers send none; the body decides
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def check_body_limits(request: Request) -> bytes:
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    if not is_json_content_type(request.headers.get("content-type")):
        raise UnsupportedMediaType()
    return raw


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidJson() from error


def read_model(request: Request, model: type[Model]) -> Model:
    """The request body as `model`, or the contract's 400/413/415."""
    data = parse_json(check_body_limits(request))
    return validate(model, data)


def validate(model: type[Model], data: Any) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = [
            {"loc": list(problem["loc"]), "msg": problem["msg"]}
            for problem in error.errors(include_input=False, include_url=False)
        ]
        raise ValidationFailed(details=details) from error


def require_merchant(request: Request) -> None:
    header = request.headers.get("authorization") or ""
    scheme, _, key = header.partition(" ")
    expected = settings().merchant_api_key
    # Compare even when the scheme is wrong, so timing reveals nothing.
    matches = hmac.compare_digest(key.strip().encode(), expected.encode())
    if scheme.lower() != "bearer" or not key or not matches:
        raise Unauthorized()


def query_param(request: Request, name: str) -> str | None:
    params = request.query_params
    value = params.get(name) if params else None
    return value if isinstance(value, str) else None
