"""Errors a client can cause, each with its HTTP status and contract code
(CONTRACT.md section 2). Raised anywhere; turned into responses in one place."""

from __future__ import annotations

from typing import Any


class KargoError(Exception):
    status_code = 500
    code = "internal_error"
    message = "Something went wrong on our side."

    def __init__(self, message: str | None = None, details: list[dict[str, Any]] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class InvalidJson(KargoError):
    status_code, code, message = 400, "invalid_json", "The request body is not valid JSON."


class ValidationFailed(KargoError):
    """JSON of the wrong shape, or a wrong query string or path: `details` says where.

    The message names the part of the request that is wrong (the first `loc` entry
    `query`, `path` or `header` says so; anything else is the body) and repeats the
    first problem, so a person reading only the message knows what to change."""

    status_code, code, message = 400, "validation_error", "The request body has the wrong shape."

    def __init__(self, message: str | None = None, details: list[dict[str, Any]] | None = None):
        super().__init__(message or validation_summary(details or []), details)


# Where a validation problem is, by the first element of its `loc`.
REQUEST_PARTS = {"query": "The query string", "path": "The address", "header": "A request header"}


def validation_summary(details: list[dict[str, Any]]) -> str:
    """One sentence: which part of the request is wrong, and its first problem."""
    if not details:
        return ValidationFailed.message
    parts = {_part_of(detail.get("loc") or []) for detail in details}
    part = parts.pop() if len(parts) == 1 else "The request"
    first = str(details[0].get("msg") or "").rstrip(". ")
    more = len(details) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''}: see details)" if more else ""
    return f"{part} is not right: {first}{tail}." if first else f"{part} is not right."


def _part_of(loc: list[Any]) -> str:
    head = loc[0] if loc and isinstance(loc[0], str) else ""
    return REQUEST_PARTS.get(head, "The request body")


class Unauthorized(KargoError):
    status_code, code, message = 401, "unauthorized", "A valid merchant API key is required."


class InvalidSignature(KargoError):
    status_code, code = 401, "invalid_signature"
    message = "The webhook signature is missing, wrong, or too old."


class NotFound(KargoError):
    status_code, code, message = 404, "not_found", "Nothing was found at this address."


class MethodNotAllowed(KargoError):
    status_code, code = 405, "method_not_allowed"
    message = "This address does not take this method."


class Conflict(KargoError):
    status_code, code, message = 409, "conflict", "The request contradicts what is stored."


class PayloadTooLarge(KargoError):
    status_code, code, message = 413, "payload_too_large", "The request body is over 256 KiB."


class UnsupportedMediaType(KargoError):
    status_code, code = 415, "unsupported_media_type"
    message = "This endpoint accepts application/json only."


class UnprocessableDelivery(Exception):
    """A signed webhook that cannot be turned into events: retrying will not help,
    so the consumer parks it in the dead-letter queue for an operator."""
