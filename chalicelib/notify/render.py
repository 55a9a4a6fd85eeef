"""Rendering notifications from the Jinja2 templates in `chalicelib/templates`.

Jinja2 is imported on first use only: the lookup and ingress Lambdas never pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.domain.status import Locale, Status
from chalicelib.notify.messages import DELAY_EXPLANATIONS, headline, phrase

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class ShipmentLink:
    carrier: str
    tracking_number: str
    tracking_url: str


@dataclass(frozen=True)
class MessageContext:
    kind: str
    locale: Locale
    brand: str
    first_name: str
    carrier: str
    tracking_number: str
    status: Status | None  # None where no shipment status belongs in the message
    tracking_url: str
    unsubscribe_url: str
    estimated_delivery: str | None = None
    delayed: bool = False  # this status change also starts a delay: one message says both
    delay_reason: str | None = None
    refund_amount: str | None = None
    refund_currency: str | None = None
    coupon: str | None = None
    review_url: str | None = None
    shipments: tuple[ShipmentLink, ...] = ()  # order-wide messages: every parcel's link


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


@cache
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "html.j2"], default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


def _variables(context: MessageContext) -> dict[str, Any]:
    locale = context.locale
    explanation = None
    if context.kind == "delayed" and context.delay_reason:
        explanation = DELAY_EXPLANATIONS.get(context.delay_reason, {}).get(locale)
    if context.kind == "refunded" and context.refund_amount:
        amount = f"{context.refund_amount} {context.refund_currency}"
        explanation = phrase("refund_amount", locale, amount=amount)
    greeting = (
        phrase("greeting", locale, name=context.first_name)
        if context.first_name
        else phrase("greeting_anonymous", locale)
    )
    title = headline(context.kind, locale)
    return {
        "locale": locale,
        "brand": context.brand,
        "subject": f"{context.brand}: {title}",
        "headline": title,
        "greeting": greeting,
        "explanation": explanation,
        "status_caption": phrase("status", locale),
        "status_label": context.status.label(locale) if context.status else "",
        "estimate_caption": phrase("estimated_delivery", locale),
        "estimated_delivery": format_estimate(context.estimated_delivery, locale),
        "carrier": context.carrier,
        "tracking_number": context.tracking_number,
        "tracking_url": context.tracking_url,
        "track_caption": phrase("track", locale),
        "unsubscribe_text": phrase("unsubscribe", locale),
        "unsubscribe_link": phrase("unsubscribe_link", locale),
        "unsubscribe_url": context.unsubscribe_url,
    }


def render_email(context: MessageContext) -> RenderedEmail:
    variables = _variables(context)
    env = environment()
    return RenderedEmail(
        subject=variables["subject"],
        html=env.get_template("email.html.j2").render(variables),
        text=env.get_template("email.txt.j2").render(variables),
    )


def render_sms(context: MessageContext) -> str:
    return environment().get_template("sms.txt.j2").render(_variables(context)).strip()


MONTHS: dict[Locale, tuple[str, ...]] = {
    "tr": ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos",
           "Eylül", "Ekim", "Kasım", "Aralık"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip


def format_estimate(estimate: str | None, locale: Locale) -> str | None:
    """'2026-11-25' -> '25 Kasım 2026' / '25 November 2026'."""
    if not estimate:
        return None
    day = date.fromisoformat(estimate[:10])
    return f"{day.day} {MONTHS[locale][day.month - 1]} {day.year}"


@dataclass(frozen=True)
class MerchantAlert:
    """What the shop's staff need to follow something up; never the shopper's contacts."""

    kind: str  # complaint (and later cancellation_request, return_request, issue)
    brand: str
    order_id: str
    carrier: str
    tracking_number: str
    tracking_url: str
    score: int | None = None
    comment: str | None = None


def render_merchant_alert(alert: MerchantAlert) -> RenderedEmail:
    subject = f"{alert.brand}: düşük puan {alert.score}/5 · sipariş {alert.order_id}"
    lines = [
        f"Sipariş: {alert.order_id}",
        f"Kargo: {alert.carrier} {alert.tracking_number}",
        f"Puan: {alert.score}/5",
        f"Yorum: {alert.comment or '-'}",
        f"Takip sayfası: {alert.tracking_url}",
    ]
    text = "\n".join(lines)
    from html import escape

    html = "<br>".join(escape(line) for line in lines)
    return RenderedEmail(subject=subject, html=html, text=text)
