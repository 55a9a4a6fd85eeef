"""What a message to the shopper says, worked out once, then laid out for each
channel: an e-mail (HTML and text, from the templates in `chalicelib/templates`)
and a short SMS (also the text behind WhatsApp later).

Dates, money and carrier names come from `chalicelib.rendering`, the same
formatters the tracking page uses, so a message and the page never disagree.
Jinja2 is imported on first use only (the e-mail path); SMS needs none.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.status import NOTIFYING_STATUSES, Locale, Status
from chalicelib.notify import messages
from chalicelib.notify.messages import delay_explanation, phrase
from chalicelib.rendering.carriers import carrier_name
from chalicelib.rendering.formats import format_date, format_money

STATUS_KINDS = frozenset(status.value for status in NOTIFYING_STATUSES)
# Kinds that are not about where a parcel is: no status, no estimate in them.
# Every other kind (a status, "delayed", one added later) shows both.
NO_STATUS_KINDS = frozenset(
    {
        "order_confirmed",
        "feedback_request",
        "thank_you",
        "return_received",
        "refunded",
        "cancellation_declined",
        "return_approved",
        "return_declined",
    }
)
# Kinds sent for a return the shopper sent back: the return parcel, never a status.
RETURN_KINDS = frozenset({"return_received", "refunded", "return_approved"})
# The shop's answers to the shopper's requests: the shop's reason is quoted.
DECISION_KINDS = frozenset({"cancellation_declined", "return_declined"})


@dataclass(frozen=True)
class ShipmentLink:
    carrier: str
    tracking_number: str
    tracking_url: str


@dataclass(frozen=True)
class MessageContext:
    kind: str  # a notifying status value, "delayed", "order_confirmed", "feedback_request",
    # "thank_you", "return_received", "refunded", or "cancelled" for an order-wide cancellation
    locale: Locale
    brand: str
    first_name: str
    carrier: str  # slug; rendered with carrier_name
    tracking_number: str
    status: Status | None  # None where no shipment status belongs in the message
    tracking_url: str
    unsubscribe_url: str
    estimated_delivery: str | None = None
    delayed: bool = False  # this status change ALSO starts a delay: one message says both
    delay_reason: str | None = None  # carrier_reported | eta_passed | stalled
    refund_amount: str | None = None
    refund_currency: str | None = None
    coupon: str | None = None  # thank_you: KARGO_THANK_YOU_COUPON
    review_url: str | None = None
    shipments: tuple[ShipmentLink, ...] = ()  # order-wide messages: every parcel's link
    reason: str | None = None  # the shop's answer to a request: why (in its own words)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Fact:
    caption: str
    value: str


@dataclass(frozen=True)
class ShipmentLine:
    carrier_name: str
    tracking_number: str
    tracking_url: str


@dataclass(frozen=True)
class Link:
    caption: str
    url: str


@dataclass(frozen=True)
class Message:
    """Everything a message says, before any layout."""

    locale: Locale
    brand: str
    subject: str
    headline: str
    greeting: str
    paragraphs: tuple[str, ...]
    facts: tuple[Fact, ...]
    shipments_caption: str | None
    shipments: tuple[ShipmentLine, ...]
    track_caption: str  # each listed parcel's link
    coupon_caption: str | None
    coupon: str | None
    action: Link  # the button
    secondary: Link | None  # the tracking link when the button goes elsewhere
    unsubscribe_text: str
    unsubscribe_link: str
    unsubscribe_url: str
    sms: str


def compose(context: MessageContext) -> Message:
    """Work out what the message says from the context, for every channel."""
    locale, kind = context.locale, context.kind
    carrier = carrier_name(context.carrier) if context.carrier else ""
    greeting = (
        phrase("greeting", locale, name=context.first_name)
        if context.first_name
        else phrase("greeting_anonymous", locale)
    )
    title = messages.headline(kind, locale)
    if kind in STATUS_KINDS and context.delayed:
        title = messages.DELAYED_HEADLINES.get(kind, messages.HEADLINES[kind])[locale]
    links = _shipment_links(context)
    paragraphs = _paragraphs(context, carrier, len(links))
    action, secondary, sms_caption = _links(context)
    listed = links if len(links) > 1 else ()
    coupon = context.coupon if kind == "thank_you" and context.coupon else None
    sms_parts = [f"{context.brand}: {greeting} {_sentence(_lower_first(title, locale))}"]
    if kind == "delayed" or (kind in STATUS_KINDS and context.delayed):
        sms_parts.append(delay_explanation(context.delay_reason, locale))
    if kind == "refunded" and context.refund_amount and context.refund_currency:
        sms_parts.append(paragraphs[0])
    if kind in DECISION_KINDS:
        sms_parts.append(_sentence(phrase("shop_reason", locale, reason=context.reason or "—")))
    if coupon:
        sms_parts.append(phrase("coupon_sentence", locale, coupon=coupon))
    # The SMS's one link is the tracking page (the rating form for a rating request).
    sms_link = secondary.url if secondary else action.url
    sms_parts.append(f"{phrase(sms_caption, locale)}: {sms_link}")
    return Message(
        locale=locale,
        brand=context.brand,
        subject=f"{context.brand}: {title}",
        headline=title,
        greeting=greeting,
        paragraphs=paragraphs,
        facts=_facts(context, carrier, listed),
        shipments_caption=(
            phrase("cancelled_shipments" if kind == "cancelled" else "shipments", locale)
            if listed
            else None
        ),
        shipments=tuple(
            ShipmentLine(carrier_name(link.carrier), link.tracking_number, link.tracking_url)
            for link in listed
        ),
        track_caption=phrase("track_short", locale),
        coupon_caption=phrase("coupon", locale) if coupon else None,
        coupon=coupon,
        action=action,
        secondary=secondary,
        unsubscribe_text=phrase("unsubscribe", locale),
        unsubscribe_link=phrase("unsubscribe_link", locale),
        unsubscribe_url=context.unsubscribe_url,
        sms=" ".join(sms_parts),
    )


def _shipment_links(context: MessageContext) -> tuple[ShipmentLink, ...]:
    if context.shipments:
        return context.shipments
    if context.tracking_number:
        return (ShipmentLink(context.carrier, context.tracking_number, context.tracking_url),)
    return ()


def _paragraphs(context: MessageContext, carrier: str, parcels: int) -> tuple[str, ...]:
    locale, kind = context.locale, context.kind
    if kind == "order_confirmed":
        variant = {0: "order_confirmed_none", 1: "order_confirmed"}.get(
            parcels, "order_confirmed_many"
        )
        if variant == "order_confirmed" and context.shipments:
            carrier = carrier_name(context.shipments[0].carrier)
        return (messages.BODIES[variant][locale].format(carrier=carrier, count=str(parcels)),)
    if kind == "refunded":
        if not (context.refund_amount and context.refund_currency):
            return ()
        amount = format_money(context.refund_amount, context.refund_currency, locale)
        return (
            messages.BODIES["refunded"][locale].format(amount=amount),
            phrase("refund_timing", locale),
        )
    if kind == "delayed":
        return (delay_explanation(context.delay_reason, locale), phrase("delay_follow_up", locale))
    lines: list[str] = []
    first = messages.body(kind, locale, carrier=carrier or context.brand)
    if first:
        lines.append(first)
    if kind in DECISION_KINDS:
        lines.append(phrase("shop_reason", locale, reason=context.reason or "—"))
        lines.append(phrase("decision_follow_up", locale))
    if kind in STATUS_KINDS and context.delayed:
        lines.append(delay_explanation(context.delay_reason, locale))
        lines.append(phrase("delay_follow_up", locale))
    if kind == "thank_you":
        if context.coupon:
            lines.append(phrase("coupon_sentence", locale, coupon=context.coupon))
        if context.review_url:
            lines.append(phrase("review_sentence", locale))
    return tuple(lines)


def _facts(
    context: MessageContext, carrier: str, listed: tuple[ShipmentLink, ...]
) -> tuple[Fact, ...]:
    locale, kind = context.locale, context.kind
    facts: list[Fact] = []
    status = context.status
    journey = kind not in NO_STATUS_KINDS
    if journey and status is not None:
        facts.append(Fact(phrase("status", locale), status.label(locale)))
    if context.estimated_delivery and (
        (journey and not (status and status.is_final)) or kind == "order_confirmed"
    ):
        estimate = format_date(context.estimated_delivery, locale)
        facts.append(Fact(phrase("estimated_delivery", locale), estimate))
    if kind == "refunded" and context.refund_amount and context.refund_currency:
        amount = format_money(context.refund_amount, context.refund_currency, locale)
        facts.append(Fact(phrase("refund_amount", locale), amount))
    if context.tracking_number and not listed and kind != "thank_you":
        caption = "return_shipment" if kind in RETURN_KINDS else "shipment"
        facts.append(Fact(phrase(caption, locale), f"{carrier} · {context.tracking_number}"))
    return tuple(facts)


def _links(context: MessageContext) -> tuple[Link, Link | None, str]:
    """The button, a second link when the button leaves the tracking page, and
    the SMS link's caption."""
    locale, kind, url = context.locale, context.kind, context.tracking_url
    if kind == "feedback_request":
        rating = url if "#" in url else f"{url}#rating"  # straight to the form
        return Link(phrase("rate", locale), rating), None, "sms_rate"
    if kind == "thank_you":
        view = Link(phrase("view_order", locale), url)
        if context.review_url:
            return Link(phrase("review", locale), context.review_url), view, "sms_details"
        return view, None, "sms_details"
    if kind in ("refunded", "order_confirmed") or (kind == "cancelled" and context.shipments):
        return Link(phrase("details", locale), url), None, "sms_details"
    return Link(phrase("track", locale), url), None, "sms_track"


def _lower_first(text: str, locale: Locale) -> str:
    """'Siparişin yola çıktı' after 'Merhaba Ayşe,' reads 'siparişin yola çıktı';
    Turkish has its own dotted and dotless i."""
    if not text:
        return text
    first = text[0]
    turkish = {"I": "ı", "İ": "i"} if locale == "tr" else {}
    return turkish.get(first, first.lower()) + text[1:]


def _sentence(text: str) -> str:
    return text if text.endswith(("?", "!", ".")) else f"{text}."


def render_email(context: MessageContext) -> RenderedEmail:
    from chalicelib.rendering.environment import render

    message = compose(context)
    return RenderedEmail(
        subject=message.subject,
        html=render("email.html.j2", m=message),
        text=render("email.txt.j2", m=message).strip() + "\n",
    )


def render_sms(context: MessageContext) -> str:
    """Short, one link: the same words as the e-mail's headline."""
    return compose(context).sms


# --- the shop's alerts ---------------------------------------------------------------


@dataclass(frozen=True)
class MerchantAlert:
    """What staff need to follow something up; never the shopper's contact details."""

    kind: str  # complaint | cancellation_request | return_request | issue
    brand: str
    order_id: str
    carrier: str  # slug; rendered with carrier_name
    tracking_number: str
    tracking_url: str
    score: int | None = None
    comment: str | None = None
    # More rows: (caption key in ALERT_CAPTIONS, value; a code in ALERT_VALUES is
    # written out in both languages).
    facts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AlertRow:
    caption_tr: str
    caption_en: str
    value: str


def render_merchant_alert(alert: MerchantAlert) -> RenderedEmail:
    """The shop's e-mail: Turkish first, English below, for the shop's own staff."""
    from chalicelib.rendering.environment import render

    headlines, captions = messages.ALERT_HEADLINES[alert.kind], messages.ALERT_CAPTIONS
    short = messages.ALERT_SUBJECTS[alert.kind]
    score = str(alert.score) if alert.score is not None else ""
    subject = (
        f"{alert.brand}: {short['tr'].format(score=score)} · sipariş {alert.order_id} "
        f"({short['en'].format(score=score)}, order {alert.order_id})"
    )

    def row(key: str, value: str) -> AlertRow:
        return AlertRow(captions[key]["tr"], captions[key]["en"], value)

    rows = [
        row("order", alert.order_id),
        row("carrier", carrier_name(alert.carrier)),
        row("tracking_number", alert.tracking_number),
    ]
    if alert.score is not None:
        rows.append(row("score", f"{alert.score}/5"))
    for key, value in alert.facts:
        words = messages.ALERT_VALUES.get(value)
        rows.append(row(key, f"{words['tr']} / {words['en']}" if words else value))
    if alert.comment is not None or alert.kind == "complaint":
        rows.append(row("comment", alert.comment or "—"))
    values = {
        "subject": subject,
        "headline_tr": headlines["tr"],
        "headline_en": headlines["en"],
        "rows": rows,
        "tracking_url": alert.tracking_url,
        "link_tr": captions["tracking_page"]["tr"],
        "link_en": captions["tracking_page"]["en"],
        "footer": f"{alert.brand} · {captions['footer']['tr']} / {captions['footer']['en']}",
    }
    return RenderedEmail(
        subject=subject,
        html=render("merchant_alert.html.j2", **values),
        text=render("merchant_alert.txt.j2", **values).strip() + "\n",
    )
