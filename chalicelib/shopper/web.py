"""HTTP for the shopper's pages and forms: what the shopper routes in app.py call.

Pages answer in HTML, errors included (a person is reading). The feedback and
preferences endpoints speak the contract's JSON to JSON requests and HTML to
the page's form posts, which the browser sends form-encoded.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs

from chalice.app import Request, Response

from chalicelib.api.http import (
    MAX_BODY_BYTES,
    is_json_content_type,
    json_response,
    parse_json,
    query_param,
    validate,
)
from chalicelib.config import settings
from chalicelib.domain.status import Locale, pick_locale
from chalicelib.errors import (
    Conflict,
    KargoError,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from chalicelib.feedback import FeedbackIn, rate_shipment
from chalicelib.preferences import PreferencesIn, channels, set_preferences, unsubscribe_email
from chalicelib.shopper.limits import count_shopper_post
from chalicelib.shopper.page import (
    PreferencesPage,
    content_security_policy,
    render_not_found,
    render_notice,
    render_preferences,
    render_tracking_page,
    render_unsubscribe,
    tracking_page,
)
from chalicelib.store import ShipmentRecord
from chalicelib.tracking import find_tracked, find_tracked_shipment
from chalicelib.web.form_tokens import form_token, valid_form_token
from chalicelib.web.ratelimit import RateLimited

logger = logging.getLogger(__name__)

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS = 20
HtmlView = TypeVar("HtmlView", bound=Callable[..., Response])


def page_headers() -> dict[str, str | list[str]]:
    """On every page and its 404: private, unindexed, unframed, nothing loaded from elsewhere."""
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "private, no-store",
        "Referrer-Policy": "no-referrer",  # the URL is the credential: never leak it
        "X-Robots-Tag": "noindex",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": content_security_policy(),
    }


def html_response(html: str, status_code: int = 200) -> Response:
    return Response(body=html, status_code=status_code, headers=page_headers())


def redirect(location: str) -> Response:
    """303 after a form post, so a reload does not post again. Relative, so it
    stays right behind any stage prefix or custom domain."""
    return Response(body="", status_code=303, headers={**page_headers(), "Location": location})


def request_locale(
    request: Request, customer_locale: str | None = None, form_lang: str | None = None
) -> Locale:
    query_lang = form_lang or query_param(request, "lang")
    return pick_locale(query_lang, request.headers.get("accept-language"), customer_locale)


def record_locale(request: Request, record: ShipmentRecord, form_lang: str | None = None) -> Locale:
    customer_locale = record.registration.locale if record.registration else None
    return request_locale(request, customer_locale, form_lang)


def not_found_response(request: Request) -> Response:
    return html_response(render_not_found(request_locale(request), settings()), 404)


def html_errors(view: HtmlView) -> HtmlView:
    """A person gets a page, never JSON or a stack trace; every bad token the same 404."""

    @functools.wraps(view)
    def wrapped(token: str, request: Request, *args: Any) -> Response:
        try:
            return view(token, request, *args)
        except NotFound:
            return not_found_response(request)
        except RateLimited as error:
            locale = request_locale(request)
            notice = render_notice(locale, settings(), "rate_limited", "rate_limited_text", None)
            response = html_response(notice, error.status_code)
            response.headers.update(error.headers())
            return response
        except KargoError as error:
            notice = render_notice(request_locale(request), settings(), "error", "error_text", None)
            return html_response(notice, error.status_code)
        except Exception:
            logger.exception("unhandled error on a shopper page")
            notice = render_notice(request_locale(request), settings(), "error", "error_text", None)
            return html_response(notice, 500)

    return wrapped  # type: ignore[return-value]


# --- request bodies ----------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    raw: bytes
    is_form: bool


def _raw_body(request: Request) -> bytes:
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    return raw


def read_body(request: Request) -> Body:
    """Like `check_body_limits`, but a form post from the page is welcome too."""
    raw = _raw_body(request)
    content_type = request.headers.get("content-type")
    media = (content_type or "").split(";")[0].strip().lower()
    if media == FORM_MEDIA_TYPE:
        return Body(raw, is_form=True)
    if is_json_content_type(content_type):
        return Body(raw, is_form=False)
    raise UnsupportedMediaType("This endpoint accepts application/json or a form post.")


def parse_form(raw: bytes) -> dict[str, list[str]]:
    try:
        text = raw.decode("utf-8")
        return parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError) as error:
        details = [{"loc": ["body"], "msg": "not a readable form"}]
        raise ValidationFailed(details=details) from error


def first(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    return values[0] if values else None


def rating_from_form(fields: dict[str, list[str]]) -> dict[str, Any]:
    """Form fields are text: '4' becomes 4, anything else is left for validation to refuse."""
    score: Any = first(fields, "score")
    if isinstance(score, str) and re.fullmatch(r"[0-9]{1,2}", score):
        score = int(score)
    return {"score": score, "comment": first(fields, "comment")}


def preferences_from_form(fields: dict[str, list[str]]) -> dict[str, bool]:
    """An unticked checkbox sends nothing, so the form names the channels it showed."""
    shown = set(fields.get("shown", []))
    return {
        channel: channel in fields for channel in ("email", "sms", "whatsapp") if channel in shown
    }


# --- pages -------------------------------------------------------------------------


@html_errors
def tracking_page_response(token: str, request: Request, now: datetime) -> Response:
    from chalicelib.shopper.requests_web import self_service_page

    tracked = find_tracked(token)
    record = tracked.record
    locale = record_locale(request, record)
    offers = self_service_page(record, locale, now, tracked.order)
    page = tracking_page(record, locale, settings(), offers)
    return html_response(render_tracking_page(page))


@html_errors
def unsubscribe_confirm_response(token: str, request: Request) -> Response:
    # GET changes nothing: link scanners in mail filters open every link.
    record = find_tracked_shipment(token)
    return html_response(render_unsubscribe(record_locale(request, record), settings()))


@html_errors
def unsubscribe_response(token: str, request: Request) -> Response:
    """RFC 8058 one-click: any POST here (body `List-Unsubscribe=One-Click`) turns e-mail off."""
    _raw_body(request)
    record = find_tracked_shipment(token)
    unsubscribe_email(record)
    locale = record_locale(request, record)
    notice = render_notice(
        locale, settings(), "unsubscribed", "unsubscribed_text", f"../{token}?lang={locale}"
    )
    return html_response(notice)


@html_errors
def preferences_page_response(token: str, request: Request, now: datetime) -> Response:
    record = find_tracked_shipment(token)
    current = channels(record)
    page = PreferencesPage(
        email=current.email if current.has_email else None,
        sms=current.sms if current.has_phone else None,
        # WhatsApp only where the shop has it set up and the order has a phone.
        whatsapp=(
            current.whatsapp if current.has_phone and settings().whatsapp_phone_number_id else None
        ),
        saved=query_param(request, "saved") == "1",
    )
    locale = record_locale(request, record)
    csrf = form_token(settings().form_secret, token, "preferences", now)
    return html_response(render_preferences(locale, settings(), token, page, csrf))


# --- feedback and preferences: JSON or form ----------------------------------------


def _csrf_ok(token: str, purpose: str, fields: dict[str, list[str]], now: datetime) -> bool:
    """A form post carries the token its page was rendered with (JSON needs none:
    a browser cannot send JSON across sites without the page's consent)."""
    return valid_form_token(settings().form_secret, token, purpose, first(fields, "csrf"), now)


def _form_expired(locale: Locale, back: str) -> Response:
    notice = render_notice(locale, settings(), "form_expired", "form_expired_text", back)
    return html_response(notice, 403)


def feedback_response(token: str, request: Request, now: datetime) -> Response:
    body = read_body(request)
    if body.is_form:
        return _feedback_form(token, request, body.raw, now)
    count_shopper_post(token, now)
    rating = validate(FeedbackIn, parse_json(body.raw))
    return json_response(rate_shipment(find_tracked_shipment(token), rating, now))


@html_errors
def _feedback_form(token: str, request: Request, raw: bytes, now: datetime) -> Response:
    count_shopper_post(token, now)
    fields = parse_form(raw)
    record = find_tracked_shipment(token)
    locale = record_locale(request, record, first(fields, "lang"))
    back = f"../../t/{token}?lang={locale}"
    if not _csrf_ok(token, "feedback", fields, now):
        return _form_expired(locale, back)
    try:
        rating = validate(FeedbackIn, rating_from_form(fields))
    except ValidationFailed:
        return html_response(render_notice(locale, settings(), "bad_form", "bad_score", back), 400)
    with contextlib.suppress(Conflict):  # a double click: the page shows the rating that stands
        rate_shipment(record, rating, now)
    return redirect(f"{back}#rating")


def preferences_response(token: str, request: Request, now: datetime) -> Response:
    body = read_body(request)
    if body.is_form:
        return _preferences_form(token, request, body.raw, now)
    count_shopper_post(token, now)
    change = validate(PreferencesIn, parse_json(body.raw))
    return json_response(set_preferences(find_tracked_shipment(token), change))


@html_errors
def _preferences_form(token: str, request: Request, raw: bytes, now: datetime) -> Response:
    count_shopper_post(token, now)
    fields = parse_form(raw)
    record = find_tracked_shipment(token)
    locale = record_locale(request, record, first(fields, "lang"))
    back = f"../../t/{token}/preferences?lang={locale}"
    if not _csrf_ok(token, "preferences", fields, now):
        return _form_expired(locale, back)
    try:
        change = validate(PreferencesIn, preferences_from_form(fields))
    except ValidationFailed:
        notice = render_notice(locale, settings(), "bad_form", "preferences_text", back)
        return html_response(notice, 400)
    set_preferences(record, change)
    return redirect(f"{back}&saved=1")
