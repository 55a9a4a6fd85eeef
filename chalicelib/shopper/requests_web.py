"""HTTP for the shopper's self-service: cancel, ask for a return, report a problem.

JSON requests get the contract's JSON; the page's form posts (no JavaScript
needed) get a confirmation page that says honestly what happened: cancelled,
asked (the shop will answer), or refused and why. Every post counts against the
token's rate limit; a form post must carry the page's CSRF token. The token
decides the order and the parcel: no field can name another.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.http import json_response, parse_json, validate
from chalicelib.config import settings
from chalicelib.domain import requests as rules
from chalicelib.domain.status import Locale
from chalicelib.errors import Conflict, ValidationFailed
from chalicelib.shopper import self_service, texts
from chalicelib.shopper.limits import count_shopper_post
from chalicelib.shopper.page import Choice, SelfServicePage, render_notice
from chalicelib.shopper.web import (
    first,
    html_errors,
    html_response,
    parse_form,
    read_body,
    record_locale,
)
from chalicelib.store import ShipmentRecord, StoredOrder
from chalicelib.tracking import find_tracked_shipment
from chalicelib.web.form_tokens import form_token, valid_form_token

# Every form on the tracking page; the settings page's form is `preferences`.
PURPOSES = ("cancel", "return", "issue", "feedback")


def self_service_page(
    record: ShipmentRecord, locale: Locale, now: datetime, order: StoredOrder | None = None
) -> SelfServicePage:
    """What the tracking page offers, from the same rules as the lookup's `actions`."""
    config = settings()
    state = self_service.self_service_for(record, now, stored_order=order)
    token = record.registration.token if record.registration else ""

    def choices(prefix: str, values: tuple[str, ...]) -> tuple[Choice, ...]:
        return tuple(Choice(v, texts.phrase(f"{prefix}_{v}", locale)) for v in values)

    issue_kinds = tuple(
        kind
        for kind in rules.ISSUE_KINDS
        if rules.may_report(kind, self_service.shipment_facts(record))
    )
    notes = []
    if state.cancellation_pending:
        notes.append(texts.phrase("request_pending", locale))
    if state.return_pending:
        notes.append(texts.phrase("return_requested", locale))
    return SelfServicePage(
        cancel="cancel" in state.actions,
        cancel_asks=config.self_cancel == "request",
        return_form="return" in state.actions,
        issue_form="report_issue" in state.actions,
        return_days=config.return_window_days,
        return_reasons=choices("reason", rules.RETURN_REASONS),
        resolutions=choices("resolution", rules.RESOLUTIONS),
        issue_kinds=choices("issue", issue_kinds),
        csrf={p: form_token(config.form_secret, token, p, now) for p in PURPOSES},
        notes=tuple(notes),
    )


# --- JSON or form ------------------------------------------------------------------

JsonAction = Callable[[ShipmentRecord, Any, datetime], tuple[int, dict[str, Any]]]
FormAction = Callable[[ShipmentRecord, dict[str, list[str]], Locale, str, datetime], Response]


def _shopper_post(
    token: str,
    request: Request,
    now: datetime,
    purpose: str,
    json_action: JsonAction,
    form_action: FormAction,
) -> Response:
    body = read_body(request)
    if body.is_form:
        return _form(token, request, now, body.raw, purpose, form_action)
    count_shopper_post(token, now)
    data = parse_json(body.raw)
    status, answer = json_action(find_tracked_shipment(token), data, now)
    return json_response(answer, status, {"Cache-Control": "no-store"})


@html_errors
def _form(
    token: str,
    request: Request,
    now: datetime,
    raw: bytes,
    purpose: str,
    form_action: FormAction,
) -> Response:
    count_shopper_post(token, now)
    fields = parse_form(raw)
    record = find_tracked_shipment(token)
    locale = record_locale(request, record, first(fields, "lang"))
    back = f"../../t/{token}?lang={locale}"
    given = first(fields, "csrf")
    if not valid_form_token(settings().form_secret, token, purpose, given, now):
        return _notice(locale, "form_expired", back, 403)  # a forged or stale form
    return form_action(record, fields, locale, back, now)


def _notice(locale: Locale, key: str, back: str, status: int = 200) -> Response:
    return html_response(render_notice(locale, settings(), key, f"{key}_text", back), status)


# --- cancel ------------------------------------------------------------------------


def cancel_response(token: str, request: Request, now: datetime) -> Response:
    return _shopper_post(token, request, now, "cancel", _cancel_json, _cancel_form)


def _cancel_json(record: ShipmentRecord, data: Any, now: datetime) -> tuple[int, dict[str, Any]]:
    if data not in (None, {}) and not isinstance(data, dict):
        raise ValidationFailed(details=[{"loc": ["body"], "msg": "an empty JSON object"}])
    return self_service.shopper_cancel(record, now)


def _cancel_form(
    record: ShipmentRecord, fields: dict[str, list[str]], locale: Locale, back: str, now: datetime
) -> Response:
    try:
        status, _ = self_service.shopper_cancel(record, now)
    except Conflict:
        return _notice(locale, "cancel_too_late", back, 409)
    return _notice(locale, "cancelled_done" if status == 200 else "cancel_requested", back)


# --- return request ----------------------------------------------------------------


def return_request_response(token: str, request: Request, now: datetime) -> Response:
    return _shopper_post(token, request, now, "return", _return_json, _return_form)


def _return_json(record: ShipmentRecord, data: Any, now: datetime) -> tuple[int, dict[str, Any]]:
    request = validate(self_service.ReturnRequestIn, data)
    return self_service.request_return(record, request, now)


def _return_form(
    record: ShipmentRecord, fields: dict[str, list[str]], locale: Locale, back: str, now: datetime
) -> Response:
    data = {key: first(fields, key) for key in ("reason", "resolution", "comment")}
    try:
        request = validate(self_service.ReturnRequestIn, data)
    except ValidationFailed:
        return _notice(locale, "bad_form", back, 400)
    try:
        self_service.request_return(record, request, now)
    except Conflict:
        return _notice(locale, "return_closed", back, 409)
    return _notice(locale, "return_requested", back)


# --- problem report ----------------------------------------------------------------


def issue_response(token: str, request: Request, now: datetime) -> Response:
    return _shopper_post(token, request, now, "issue", _issue_json, _issue_form)


def _issue_json(record: ShipmentRecord, data: Any, now: datetime) -> tuple[int, dict[str, Any]]:
    issue = validate(self_service.IssueIn, data)
    return self_service.report_issue(record, issue, now)


def _issue_form(
    record: ShipmentRecord, fields: dict[str, list[str]], locale: Locale, back: str, now: datetime
) -> Response:
    data = {key: first(fields, key) for key in ("kind", "comment")}
    try:
        issue = validate(self_service.IssueIn, data)
    except ValidationFailed:
        return _notice(locale, "bad_form", back, 400)
    try:
        self_service.report_issue(record, issue, now)
    except Conflict:
        return _notice(locale, "issue_refused", back, 409)
    return _notice(locale, "issue_reported", back)
