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
    status_code, code, message = 400, "validation_error", "The request body has the wrong shape."


class Unauthorized(KargoError):
    status_code, code, message = 401, "unauthorized", "A valid merchant API key is required."


class InvalidSignature(KargoError):
    status_code, code = 401, "invalid_signature"
    message = "The webhook signature is missing, wrong, or too old."


class NotFound(KargoError):
    status_code, code, message = 404, "not_found", "Nothing was found at this address."


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
