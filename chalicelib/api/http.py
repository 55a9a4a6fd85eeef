"""Shared HTTP plumbing for the routes in app.py: contract errors, JSON bodies, auth."""

from __future__ import annotations

import functools
import hmac
import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from chalice.app import Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.config import settings
from chalicelib.errors import (
    InvalidJson,
    KargoError,
    NotFound,
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
    """The body as JSON, or `invalid_json` for anything the rest of Kargo could choke on
    (see `chalicelib.api.safe_json`: depth, NaN, out-of-range numbers, lone surrogates)."""
    from chalicelib.api.safe_json import UnsafeJson, loads

    try:
        return loads(raw)
    except UnsafeJson as error:
        raise InvalidJson(f"The request body is not valid JSON: {error}.") from error
    except ValueError as error:
        raise InvalidJson() from error


def read_model(request: Request, model: type[Model]) -> Model:
    """The request body as `model`, or the contract's 400/413/415."""
    data = parse_json(check_body_limits(request))
    return validate(model, data)


def validate(model: type[Model], data: Any) -> Model:
    """`data` as `model`, or `validation_error` with details in words for people."""
    from chalicelib.api.messages import human_details

    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = human_details(error.errors(include_input=False, include_url=False))
        raise ValidationFailed(details=details) from error


def require_merchant(request: Request) -> None:
    """The merchant's key, then an address that can name something (else 401, 404)."""
    header = request.headers.get("authorization") or ""
    scheme, _, key = header.partition(" ")
    expected = settings().merchant_api_key
    # Compare even when the scheme is wrong, so timing reveals nothing. Bytes:
    # compare_digest refuses str with non-ASCII characters.
    matches = hmac.compare_digest(key.strip().encode("utf-8", "replace"), expected.encode())
    if scheme.lower() != "bearer" or not key or not matches:
        raise Unauthorized()
    check_path_parameters(request.uri_params or {})


# Identifiers in merchant paths, as Kargo issues them. Anything else names nothing:
# 404 without a read (a 3 KiB or NUL-laden key would make DynamoDB refuse the read).
PATH_PARAMETER_SHAPES = {
    "order_id": re.compile(r"[A-Za-z0-9._-]{1,64}"),
    "carrier": re.compile(r"[a-z0-9_-]{1,32}"),
}
ANY_PATH_PARAMETER = re.compile(r"[^\x00-\x1f\x7f\ud800-\udfff]{1,200}")


def check_path_parameters(params: Mapping[str, str]) -> None:
    for name, value in params.items():
        shape = PATH_PARAMETER_SHAPES.get(name, ANY_PATH_PARAMETER)
        if not isinstance(value, str) or not shape.fullmatch(value):
            raise NotFound("Unknown order." if name == "order_id" else None)


def query_param(request: Request, name: str) -> str | None:
    params = request.query_params
    value = params.get(name) if params else None
    return value if isinstance(value, str) else None
