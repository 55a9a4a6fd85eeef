"""The shopper's tracking page and its sibling pages, rendered on the server.

`tracking_page` turns one stored shipment into a `TrackingPage` (pure, no AWS),
and `render_*` turn page models into HTML with the Jinja2 templates in
`chalicelib/templates/page/`. Autoescaping is always on; the only markup not
escaped is our own stylesheet, whose hash the Content-Security-Policy names.

Dates, carrier names and Kargo's own events are written by the formatters in
`chalicelib.rendering`, the same ones the messages use, and the templates go
through its one Jinja2 environment.

Nothing personal reaches a page but the customer's first name (CONTRACT.md 6).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from chalicelib.config import Settings
from chalicelib.domain.events import TrackingEvent, format_utc
from chalicelib.domain.status import LOCALES, Locale, Status
from chalicelib.feedback import COMMENT_MAX_LENGTH
from chalicelib.notify.messages import delay_explanation
from chalicelib.rendering.carriers import carrier_name, carrier_tracking_url
from chalicelib.rendering.environment import TEMPLATES, environment
from chalicelib.rendering.events import event_description
from chalicelib.rendering.formats import format_date, format_date_range, format_datetime
from chalicelib.shopper import texts
from chalicelib.store import ShipmentRecord

STYLESHEET = TEMPLATES / "page" / "style.css"

# The four steps of the progress bar, and where each status stands on it.
STEP_OF: dict[Status, int] = {
    Status.PENDING: 0,
    Status.INFO_RECEIVED: 0,
    Status.IN_TRANSIT: 1,
    Status.OUT_FOR_DELIVERY: 2,
    Status.AVAILABLE_FOR_PICKUP: 2,
    Status.FAILED_ATTEMPT: 2,
    Status.DELIVERED: 3,
}
# Off the way to the shopper: a progress bar towards delivery would mislead.
OFF_COURSE = frozenset(
    {Status.RETURNING, Status.RETURNED, Status.FAILED, Status.CANCELLED, Status.EXPIRED}
)
PROBLEMS = frozenset({Status.EXCEPTION, Status.FAILED_ATTEMPT})

StepState = Literal["done", "current", "todo"]


@dataclass(frozen=True)
class Step:
    label: str
    state: StepState
    note: str  # what a screen reader says after the label: done / current step


@dataclass(frozen=True)
class TimelineEntry:
    label: str
    description: str | None
    location: str | None
    local_time: str  # in KARGO_TIMEZONE, for people
    utc_time: str  # for <time datetime>


@dataclass(frozen=True)
class Rating:
    show_form: bool
    score: int | None  # set once the shopper has rated
    thanks: str | None
    review_url: str | None


@dataclass(frozen=True)
class Contact:
    email_url: str
    email: str
    whatsapp_url: str | None


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class SelfServicePage:
    """The forms the shopper may use now (and only those), each with its CSRF token,
    and what already waits for the shop."""

    cancel: bool = False
    cancel_asks: bool = False  # `request` mode: the button asks the shop
    return_form: bool = False
    issue_form: bool = False
    return_days: int = 14
    return_reasons: tuple[Choice, ...] = ()
    resolutions: tuple[Choice, ...] = ()
    issue_kinds: tuple[Choice, ...] = ()
    csrf: dict[str, str] | None = None  # purpose -> token
    notes: tuple[str, ...] = ()  # "your cancellation request is with the shop"

    @property
    def shown(self) -> bool:
        return self.cancel or self.return_form or self.issue_form or bool(self.notes)


@dataclass(frozen=True)
class TrackingPage:
    locale: Locale
    brand: str
    token: str
    greeting: str
    headline: str
    explanation: str | None
    is_return: bool
    status_label: str
    steps: tuple[Step, ...]  # empty when the shipment is off course
    problem: bool
    estimate: str | None
    delivered_at: str | None
    last_update: str | None
    delay: str | None  # the delay banner's text, None when on time
    timeline: tuple[TimelineEntry, ...]
    times_note: str
    carrier_name: str
    carrier_url: str | None
    carrier_link_text: str
    tracking_number: str
    rating: Rating
    contact: Contact
    self_service: SelfServicePage = SelfServicePage()
    # The carrier gave no estimate: `estimate` is Kargo's range from past deliveries.
    estimate_is_prediction: bool = False


# --- formatting --------------------------------------------------------------------


def format_location(event: TrackingEvent) -> str | None:
    if event.location is None:
        return None
    parts = [event.location.city, event.location.region, event.location.country]
    return ", ".join(part for part in parts if part) or None


def whatsapp_url(number: str | None, text: str) -> str | None:
    """wa.me wants the international number as digits only."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    if not digits:
        return None
    return f"https://wa.me/{digits}?{urlencode({'text': text}, quote_via=quote)}"


def safe_link(url: str | None) -> str | None:
    """Only web links: a misconfigured `javascript:` URL must not become a link."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


# --- the page model ------------------------------------------------------------------


def progress_steps(record: ShipmentRecord, locale: Locale) -> tuple[tuple[Step, ...], bool]:
    state = record.state
    if state.status in OFF_COURSE:
        return (), False
    current = STEP_OF.get(state.status)
    if current is None:  # exception, unknown: stay where the journey got to
        seen = state.reached | {event.status for event in state.events}
        current = max((STEP_OF[s] for s in seen if s in STEP_OF), default=0)
    labels = list(texts.STEP_LABELS[locale])
    if current == 2 and state.status in STEP_OF:
        labels[2] = state.status.label(locale)  # "Ready for pickup" says more than the step
    problem = state.status in PROBLEMS
    steps = []
    for index, label in enumerate(labels):
        step_state: StepState = (
            "done" if index < current else "current" if index == current else "todo"
        )
        note = ""
        if step_state == "done":
            note = texts.phrase("step_done", locale)
        elif step_state == "current":
            note = texts.phrase("step_problem" if problem else "step_current", locale)
        steps.append(Step(label, step_state, note))
    return tuple(steps), problem


def timeline_entry(event: TrackingEvent, locale: Locale, zone: ZoneInfo) -> TimelineEntry:
    label = (
        texts.phrase("update", locale)
        if event.status == Status.UNKNOWN
        else event.status.label(locale)
    )
    return TimelineEntry(
        label=label,
        description=event_description(event, locale),
        location=format_location(event),
        local_time=format_datetime(event.occurred_at, locale, zone),
        utc_time=format_utc(event.occurred_at),
    )


def rating_view(record: ShipmentRecord, locale: Locale, config: Settings) -> Rating:
    """The form once the parcel is delivered (a return's delivery is the shop's,
    not the shopper's to rate); the thanks once rated."""
    registration = record.registration
    is_return = bool(registration and registration.return_id)
    stored = record.extra.get("feedback")
    score = stored.get("score") if isinstance(stored, dict) else None
    if isinstance(score, int):
        review = safe_link(config.review_url) if score >= 4 else None
        thanks = texts.phrase("rating_thanks", locale, score=str(score))
        return Rating(show_form=False, score=score, thanks=thanks, review_url=review)
    delivered = record.state.status == Status.DELIVERED and not is_return
    return Rating(show_form=delivered, score=None, thanks=None, review_url=None)


def contact_view(config: Settings, locale: Locale, tracking_number: str) -> Contact:
    subject = urlencode({"subject": f"{config.brand_name} · {tracking_number}"}, quote_via=quote)
    return Contact(
        email_url=f"mailto:{config.support_email}?{subject}",
        email=config.support_email,
        whatsapp_url=whatsapp_url(
            config.support_whatsapp, texts.phrase("whatsapp_text", locale, number=tracking_number)
        ),
    )


def tracking_page(
    record: ShipmentRecord,
    locale: Locale,
    config: Settings,
    self_service: SelfServicePage | None = None,
) -> TrackingPage:
    """Everything the page shows, worked out from the one stored shipment."""
    state, registration = record.state, record.registration
    assert registration is not None  # only registered shipments have tokens
    zone = config.zone
    status = state.status
    is_return = registration.return_id is not None
    first_name = registration.first_name
    greeting = (
        texts.phrase("greeting", locale, name=first_name)
        if first_name
        else texts.phrase("greeting_anonymous", locale)
    )
    steps, problem = progress_steps(record, locale)
    delay = None
    if state.delayed and not status.is_final:
        reason = state.delay_reason.value if state.delay_reason else None
        delay = delay_explanation(reason, locale)
    newest = state.events[0].occurred_at if state.events else None
    estimate = (
        format_date(state.estimated_delivery, locale, zone) if state.estimated_delivery else None
    )
    predicted = None if estimate else predicted_range(record, locale)
    name = carrier_name(state.carrier)
    return TrackingPage(
        locale=locale,
        brand=config.brand_name,
        token=registration.token,
        greeting=greeting,
        headline=texts.headline(status, locale, is_return),
        explanation=texts.explanation(status, locale),
        is_return=is_return,
        status_label=status.label(locale),
        steps=steps,
        problem=problem,
        estimate=None if status.is_final else (estimate or predicted),
        estimate_is_prediction=bool(predicted) and not estimate and not status.is_final,
        delivered_at=(
            format_datetime(state.status_at, locale, zone)
            if status == Status.DELIVERED and state.status_at
            else None
        ),
        # Once delivered, the delivery time says it; a second line would repeat it.
        last_update=(
            format_datetime(newest, locale, zone) if newest and status != Status.DELIVERED else None
        ),
        delay=delay,
        timeline=tuple(timeline_entry(event, locale, zone) for event in state.events),
        times_note=texts.phrase("times_note", locale, zone=config.timezone),
        carrier_name=name,
        carrier_url=carrier_tracking_url(state.carrier, state.tracking_number),
        carrier_link_text=texts.phrase("carrier_link", locale, carrier=name),
        tracking_number=state.tracking_number,
        rating=rating_view(record, locale, config),
        contact=contact_view(config, locale, state.tracking_number),
        self_service=self_service or SelfServicePage(),
    )


def predicted_range(record: ShipmentRecord, locale: Locale) -> str | None:
    """`3–4 Aralık` from the prediction stored on the shipment (no read of its own)."""
    from chalicelib.domain.prediction import Prediction

    prediction = Prediction.from_json(record.extra.get("prediction"))
    if prediction is None:
        return None
    return format_date_range(prediction.earliest, prediction.latest, locale)


# --- rendering -------------------------------------------------------------------------


@cache
def stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8").strip()


@cache
def content_security_policy() -> str:
    """Nothing may load or run but our own inline stylesheet, named by its hash."""
    digest = base64.b64encode(hashlib.sha256(stylesheet().encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def _phrases(locale: Locale) -> dict[str, str]:
    return {key: values[locale] for key, values in texts.PHRASES.items()}


def _render(template: str, locale: Locale, brand: str, title: str, **values: Any) -> str:
    from markupsafe import Markup

    other: Locale = next(candidate for candidate in LOCALES if candidate != locale)
    template_object = environment().get_template(f"page/{template}")
    return template_object.render(
        locale=locale,
        other_locale=other,
        brand=brand,
        title=title,
        style=Markup(stylesheet()),  # noqa: S704 - our own file, hashed into the CSP
        t=_phrases(locale),
        **values,
    )


def render_tracking_page(page: TrackingPage) -> str:
    scores = list(enumerate(texts.SCORE_LABELS[page.locale], start=1))
    return _render(
        "tracking.html.j2",
        page.locale,
        page.brand,
        page.headline,
        page=page,
        scores=scores,
        comment_max_length=COMMENT_MAX_LENGTH,
    )


def render_not_found(locale: Locale, config: Settings) -> str:
    """The same page for every bad token: it must not tell one from another."""
    return _render(
        "not_found.html.j2",
        locale,
        config.brand_name,
        texts.phrase("not_found", locale),
        support_email=config.support_email,
    )


def render_notice(
    locale: Locale, config: Settings, title_key: str, text_key: str, back: str | None
) -> str:
    """A short page with one message and a way back (errors, confirmations)."""
    return _render(
        "notice.html.j2",
        locale,
        config.brand_name,
        texts.phrase(title_key, locale),
        heading=texts.phrase(title_key, locale),
        text=texts.phrase(text_key, locale),
        back=back,
    )


def render_unsubscribe(locale: Locale, config: Settings) -> str:
    return _render(
        "unsubscribe.html.j2", locale, config.brand_name, texts.phrase("unsubscribe", locale)
    )


@dataclass(frozen=True)
class PreferencesPage:
    email: bool | None  # None: no e-mail address on the order, nothing to choose
    sms: bool | None  # None: no phone number on the order
    saved: bool
    whatsapp: bool | None = None  # None: no phone, or the shop has no WhatsApp


def render_preferences(
    locale: Locale, config: Settings, token: str, page: PreferencesPage, csrf: str = ""
) -> str:
    return _render(
        "preferences.html.j2",
        locale,
        config.brand_name,
        texts.phrase("preferences", locale),
        token=token,
        page=page,
        csrf=csrf,
    )
