"""HTTP for the merchant console: what the console routes in app.py call.

Every page checks the session first (no session: 303 to the sign-in page);
every POST checks the session's CSRF token; answers are HTML with the page
headers of the shopper's page (private, unindexed, unframed, nothing loaded
from elsewhere). Links and redirects are absolute paths under the console's own
base, so they stay right behind an API Gateway stage prefix.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from chalice.app import Request, Response

from chalicelib.config import settings
from chalicelib.console import views
from chalicelib.console.render import content_security_policy, render
from chalicelib.domain.events import parse_utc
from chalicelib.domain.status import Locale, pick_locale
from chalicelib.web import sessions
from chalicelib.web.ratelimit import RateLimit, RateLimited, client_address

logger = logging.getLogger(__name__)

# Five wrong keys per address per quarter hour: a person mistyping gets through,
# guessing a 32-character key does not.
LOGIN_FAILURES = RateLimit("console-login", limit=5, window=timedelta(minutes=15))
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 8 * 1024
Handler = Callable[..., Response]


# --- plumbing -----------------------------------------------------------------------


def page_headers() -> dict[str, str]:
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "private, no-store",
        "Referrer-Policy": "no-referrer",
        "X-Robots-Tag": "noindex",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": content_security_policy(),
    }


def html(body: str, status: int = 200, **headers: Any) -> Response:
    return Response(body=body, status_code=status, headers={**page_headers(), **headers})


def see_other(location: str, cookies: list[str] | None = None) -> Response:
    headers: dict[str, Any] = {**page_headers(), "Location": location}
    if cookies:
        headers["Set-Cookie"] = cookies if len(cookies) > 1 else cookies[0]
    return Response(body="", status_code=303, headers=headers)


def _query(request: Request, name: str) -> str | None:
    params: dict[str, Any] = dict(request.query_params or {})
    value = params.get(name)
    return value if isinstance(value, str) else None


def _path(request: Request) -> str:
    context: dict[str, Any] = dict(request.context or {})
    return str(context.get("path") or "/console")


def console_base(request: Request) -> str:
    """'/console', or '/{stage}/console' behind an API Gateway stage."""
    path = _path(request)
    index = path.find("/console")
    return (path[:index] if index > 0 else "") + "/console"


def locale_of(request: Request, form_lang: str | None = None) -> Locale:
    query = _query(request, "lang")
    return pick_locale(form_lang or query, request.headers.get("accept-language"), None)


@dataclass(frozen=True)
class Ctx:
    """What every signed-in page needs to draw its frame."""

    base: str
    locale: Locale
    csrf: str
    now: datetime
    path: str  # this page under base, for the language switch

    def url(self, path: str = "", **query: Any) -> str:
        params = {key: value for key, value in query.items() if value not in (None, "")}
        params["lang"] = self.locale
        return f"{self.base}{path}?{urlencode(params)}"

    def frame(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "csrf": self.csrf,
            "url": self.url,
            "brand": settings().brand_name,
            "lang_switch": f"{self.base}{self.path}?lang={'en' if self.locale == 'tr' else 'tr'}",
            "local_time": lambda moment: views.local_time(moment, self.locale),
            "tracking_url": settings().tracking_url,
            "parse_time": parse_utc,
            "kind_label": lambda kind: views.kind_label(kind, self.locale),
            "estimate": lambda value: views.estimate_text(value, self.locale),
        }


def _form(request: Request) -> dict[str, list[str]] | None:
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode()
    if media != FORM_MEDIA_TYPE or len(raw) > MAX_FORM_BYTES:
        return None
    try:
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        return None


def _field(form: dict[str, list[str]] | None, name: str) -> str | None:
    values = (form or {}).get(name)
    return values[0] if values else None


def _error_page(request: Request, status: int, title_key: str, text_key: str) -> Response:
    body = render(
        "message.html.j2", locale_of(request), base=console_base(request),
        title_key=title_key, text_key=text_key, brand=settings().brand_name,
    )  # fmt: skip
    return html(body, status)


def signed_in(view: Handler) -> Handler:
    """A page for the staff: without a live session, to the sign-in page.

    The wrapped view is called as `view(request, ctx, *path_parameters)` for a
    GET and `view(request, ctx, form, *path_parameters)` for a POST; the route
    calls the wrapper with `(request, now, *path_parameters)`."""

    @functools.wraps(view)
    def wrapped(request: Request, now: datetime, *args: Any) -> Response:
        base = console_base(request)
        cookie = sessions.read_cookie(request.headers, sessions.SESSION_COOKIE)
        session = sessions.find_session(cookie, now) if settings().console_secret else None
        if session is None:
            return see_other(f"{base}/login?lang={locale_of(request)}")
        path = _path(request)[len(base) :]
        ctx = Ctx(base, locale_of(request), sessions.csrf_token(session.id), now, path)
        if request.method == "POST":
            form = _form(request)
            if not sessions.csrf_valid(session.id, _field(form, "csrf")):
                return _error_page(request, 403, "error", "expired_form")
            return view(request, ctx, form, *args)
        try:
            return view(request, ctx, *args)
        except Exception:
            logger.exception("unhandled error on a console page")
            return _error_page(request, 500, "error", "error_text")

    return wrapped


# --- sign-in and sign-out -----------------------------------------------------------------


def login_page(request: Request, now: datetime) -> Response:
    return _login_form(request, 200, None)


def _login_form(
    request: Request, status: int, message: str | None, locale: Locale | None = None,
    **headers: Any,
) -> Response:  # fmt: skip
    """The sign-in form, bound to a fresh pre-session cookie for its CSRF token."""
    binding = sessions.new_pre_session()
    locale = locale or locale_of(request)
    body = render(
        "login.html.j2", locale, base=console_base(request), brand=settings().brand_name,
        csrf=sessions.csrf_token(binding), message=message,
        hours=settings().console_session_hours,
        signed_out=_query(request, "signed_out") == "1",
    )  # fmt: skip
    cookie = sessions.set_cookie(
        sessions.PRE_SESSION_COOKIE, binding, sessions.PRE_SESSION_LIFETIME
    )
    return html(body, status, **{"Set-Cookie": cookie}, **headers)


def login(request: Request, now: datetime) -> Response:
    from chalicelib.console.texts import phrases

    form = _form(request)
    locale = locale_of(request, _field(form, "lang"))
    t = phrases(locale)
    binding = sessions.read_cookie(request.headers, sessions.PRE_SESSION_COOKIE)
    if not sessions.csrf_valid(binding, _field(form, "csrf")):
        return _login_form(request, 403, t["expired_form"], locale)
    client = client_address(request)
    try:
        LOGIN_FAILURES.check(client, now)
        if not settings().console_secret or not sessions.key_matches(_field(form, "key") or ""):
            LOGIN_FAILURES.hit(client, now)
            return _login_form(request, 401, t["wrong_key"], locale)
    except RateLimited as limited:
        minutes = max(1, (limited.retry_after + 59) // 60)
        message = t["too_many"].format(minutes=minutes)
        return _login_form(request, 429, message, locale, **limited.headers())
    _, cookie = sessions.start_session(now)
    lifetime = sessions.lifetime()
    return see_other(
        f"{console_base(request)}?lang={locale}",
        [
            sessions.set_cookie(sessions.SESSION_COOKIE, cookie, lifetime),
            sessions.clear_cookie(sessions.PRE_SESSION_COOKIE),
        ],
    )


@signed_in
def logout(request: Request, ctx: Ctx, form: dict[str, list[str]] | None) -> Response:
    sessions.end_session(sessions.read_cookie(request.headers, sessions.SESSION_COOKIE))
    return see_other(
        f"{ctx.base}/login?signed_out=1&lang={ctx.locale}",
        [sessions.clear_cookie(sessions.SESSION_COOKIE)],
    )


# --- pages --------------------------------------------------------------------------------


@signed_in
def overview_page(request: Request, ctx: Ctx) -> Response:
    data = views.overview(ctx.now)
    return html(render("overview.html.j2", ctx.locale, page="overview", o=data, **ctx.frame()))


@signed_in
def delayed_page(request: Request, ctx: Ctx) -> Response:
    data = views.delayed_page(_query(request, "cursor"), ctx.now)
    return html(render("delayed.html.j2", ctx.locale, page="delayed", d=data, **ctx.frame()))


@signed_in
def search_page(request: Request, ctx: Ctx) -> Response:
    query = (_query(request, "q") or "").strip()
    if query:
        result = views.search(query)
        only_order = result.order_id and not result.shipments
        if only_order:
            return see_other(ctx.url(f"/orders/{quote(result.order_id or '', safe='')}"))
    else:
        result = None
    body = render(
        "search.html.j2", ctx.locale, page="search", q=query, result=result, **ctx.frame()
    )
    return html(body)


@signed_in
def order_page(request: Request, ctx: Ctx, order_id: str) -> Response:
    data = views.order_page(order_id, ctx.now)
    if data is None:
        return _error_page(request, 404, "not_found", "not_found_text")
    return html(render("order.html.j2", ctx.locale, page="search", o=data, **ctx.frame()))


@signed_in
def decide_request(
    request: Request, ctx: Ctx, form: dict[str, list[str]] | None,
    order_id: str, request_id: str, decision: str,
) -> Response:  # fmt: skip
    from chalicelib.console.requests import decide_request as decide
    from chalicelib.errors import KargoError

    if decision not in ("approve", "decline"):
        return _error_page(request, 404, "not_found", "not_found_text")
    try:
        decide(order_id, request_id, decision, _field(form, "reason"), ctx.now)
    except KargoError as error:
        return _error_page(request, error.status_code, "error", "error_text")
    return see_other(ctx.url(f"/orders/{quote(order_id, safe='')}"))


@signed_in
def requests_page(request: Request, ctx: Ctx) -> Response:
    from chalicelib.console.requests import open_requests

    body = render(
        "requests.html.j2", ctx.locale, page="requests", requests=open_requests(), **ctx.frame()
    )
    return html(body)


@signed_in
def carriers_page(request: Request, ctx: Ctx) -> Response:
    from chalicelib.console.charts import Bar, bar_chart
    from chalicelib.console.texts import phrases
    from chalicelib.stats.views import PERIODS

    raw = _query(request, "days")
    days = int(raw) if raw and raw.isdigit() and int(raw) in PERIODS else PERIODS[0]
    data = views.carriers_page(days, ctx.now)
    t = phrases(ctx.locale)
    from chalicelib.console.render import carrier_name

    on_time = bar_chart(
        "chart-on-time",
        t["chart_on_time"],
        [
            Bar(carrier_name(c.carrier), c.tally.on_time_share or 0.0,
                f"{round((c.tally.on_time_share or 0.0) * 100)}%" if c.tally.estimated else "—")
            for c in data.carriers
        ],
        1.0,
    )  # fmt: skip
    longest = max((c.tally.p50 or 0 for c in data.carriers), default=0)
    transit = bar_chart(
        "chart-transit",
        t["chart_transit"],
        [
            Bar(carrier_name(c.carrier), float(c.tally.p50 or 0), str(c.tally.p50 or 0))
            for c in data.carriers
        ],
        float(max(longest, 1)),
    )  # fmt: skip
    body = render(
        "carriers.html.j2", ctx.locale, page="carriers", c=data, periods=PERIODS,
        on_time_chart=on_time, transit_chart=transit, **ctx.frame(),
    )  # fmt: skip
    return html(body)


@signed_in
def ratings_page(request: Request, ctx: Ctx) -> Response:
    data = views.ratings_page(_query(request, "cursor"), ctx.now)
    return html(render("ratings.html.j2", ctx.locale, page="ratings", r=data, **ctx.frame()))
