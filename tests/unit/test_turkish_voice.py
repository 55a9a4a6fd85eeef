"""Every Turkish string the shopper can read speaks to them as `sen`, the way a
Turkish shop writes ("Siparişin yola çıktı", "Ödemen iade edildi"), never as
`siz` ("ödeme yönteminize", "tıklayınız"). Checked over the text tables and
over everything actually rendered: messages of every kind, every page."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from chalicelib.config import load_settings
from chalicelib.domain.events import TrackingEvent
from chalicelib.domain.shipment import DelayReason, ShipmentState
from chalicelib.domain.status import LABELS, Locale, Status
from chalicelib.notify import messages
from chalicelib.notify.render import (
    MerchantAlert,
    MessageContext,
    ShipmentLink,
    render_email,
    render_merchant_alert,
    render_sms,
)
from chalicelib.rendering.events import KARGO_EVENTS
from chalicelib.shopper import texts
from chalicelib.shopper.page import (
    PreferencesPage,
    render_not_found,
    render_notice,
    render_preferences,
    render_tracking_page,
    render_unsubscribe,
    tracking_page,
)
from chalicelib.store import Registration, ShipmentRecord

# `siz` itself, and the formal "Dear ..." of a letter.
FORMAL_WORDS = frozenset({"siz", "sizi", "size", "sizin", "sizde", "sizden", "sizinle", "sayın"})
# Second person plural: -(ı)nız / -(s)ınız in all four vowels, with any case ending after.
PLURAL_SUFFIX = re.compile(r"n[ıiuü]z")
# Polite imperatives: deneyin, tıklayın, bekleyin; and the short ones by name.
PLURAL_IMPERATIVE = re.compile(r"y[ıiuü]n$")
IMPERATIVES = frozenset(
    {"edin", "yazın", "bakın", "seçin", "basın", "girin", "alın", "verin", "kullanın", "olun"}
)
# Words that merely contain the letters: "alone", "sea", "yet", and the shop's
# own "we are sorry" (üzgün + üz, first person plural).
NOT_FORMAL = frozenset({"yalnız", "yalnızca", "deniz", "denizli", "henüz", "üzgünüz"})
WORD = re.compile(r"[a-zçğıöşü]+")


def formal_forms(text: str) -> list[str]:
    folded = text.replace("İ", "i").replace("I", "ı").lower()
    found = []
    for word in WORD.findall(folded):
        if word in NOT_FORMAL:
            continue
        if (
            word in FORMAL_WORDS
            or PLURAL_SUFFIX.search(word)
            or PLURAL_IMPERATIVE.search(word)
            or word in IMPERATIVES
        ):
            found.append(word)
    return found


def test_the_checker_knows_siz_when_it_sees_it() -> None:
    for formal in (
        "tutarındaki iaden ödeme yönteminize gönderildi",
        "Siparişiniz yola çıktı",
        "Gönderinizi takip edebilirsiniz",
        "buraya tıklayın",
        "Lütfen tekrar deneyin",
        "Sayın müşterimiz",
        "Size haber vereceğiz",
        "Lütfen bize yazın",
    ):
        assert formal_forms(formal), formal
    for informal in (
        "Siparişin yola çıktı",
        "İaden bize ulaştı",
        "Ödemen iade edildi",
        "Bu sayfayı yalnızca bağlantıya sahip olanlar görebilir.",
        "Lütfen biraz sonra tekrar dene.",
        "Gönderini takip ediyoruz; bir gelişme olunca sana haber vereceğiz.",
    ):
        assert formal_forms(informal) == [], informal


# --- every Turkish string --------------------------------------------------------------


def table_strings() -> Iterator[tuple[str, str]]:
    tables: dict[str, Mapping[Any, Mapping[Locale, str]]] = {
        "messages.HEADLINES": messages.HEADLINES,
        "messages.DELAYED_HEADLINES": messages.DELAYED_HEADLINES,
        "messages.BODIES": messages.BODIES,
        "messages.DELAY_EXPLANATIONS": messages.DELAY_EXPLANATIONS,
        "messages.PHRASES": messages.PHRASES,
        "messages.ALERT_HEADLINES": messages.ALERT_HEADLINES,
        "messages.ALERT_SUBJECTS": messages.ALERT_SUBJECTS,
        "messages.ALERT_CAPTIONS": messages.ALERT_CAPTIONS,
        "texts.HEADLINES": texts.HEADLINES,
        "texts.RETURN_HEADLINES": texts.RETURN_HEADLINES,
        "texts.EXPLANATIONS": texts.EXPLANATIONS,
        "texts.PHRASES": texts.PHRASES,
        "status.LABELS": LABELS,
    }
    for name, table in tables.items():
        for key, values in table.items():
            yield f"{name}[{key}]", values["tr"]
    yield "messages.DELAY_FALLBACK", messages.DELAY_FALLBACK["tr"]
    yield "messages.GENERIC_HEADLINE", messages.GENERIC_HEADLINE["tr"]
    for marker, (_, words) in KARGO_EVENTS.items():
        yield f"KARGO_EVENTS[{marker}]", words["tr"]
    for label in (*texts.STEP_LABELS["tr"], *texts.SCORE_LABELS["tr"]):
        yield "texts labels", label


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip = tag in ("style", "script")
        for name, value in attrs:
            if name in ("title", "aria-label", "alt", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


URL = "https://kargo.test/t/tok"
LINKS = (ShipmentLink("yurtici", "YT1", URL), ShipmentLink("aras", "AR2", f"{URL}2"))


def message_contexts() -> Iterator[MessageContext]:
    base = MessageContext(
        kind="in_transit",
        locale="tr",
        brand="Lale Butik",
        first_name="Ayşe",
        carrier="yurtici",
        tracking_number="YT1",
        status=Status.IN_TRANSIT,
        tracking_url=URL,
        unsubscribe_url=f"{URL}/unsubscribe",
        estimated_delivery="2026-11-25",
    )
    for kind in messages.HEADLINES:
        status = Status(kind) if kind in {s.value for s in Status} else Status.DELIVERED
        yield replace(base, kind=kind, status=status)
    for reason in (None, "carrier_reported", "eta_passed", "stalled"):
        yield replace(base, kind="delayed", delay_reason=reason)
        for kind in messages.DELAYED_HEADLINES:
            yield replace(base, kind=kind, status=Status(kind), delayed=True, delay_reason=reason)
    yield replace(base, kind="order_confirmed", status=None, shipments=LINKS)
    yield replace(base, kind="order_confirmed", status=None, shipments=LINKS[:1])
    yield replace(base, kind="order_confirmed", status=None, tracking_number="", shipments=())
    yield replace(base, kind="cancelled", status=Status.CANCELLED, shipments=LINKS)
    yield replace(
        base, kind="thank_you", status=None, coupon="KOD10", review_url="https://r.example"
    )
    yield replace(base, kind="refunded", status=None, refund_amount="249.90", refund_currency="TRY")
    yield replace(base, kind="feedback_request", first_name="")


def rendered_messages() -> Iterator[tuple[str, str]]:
    for context in message_contexts():
        email = render_email(context)
        name = f"{context.kind}{' +delay' if context.delayed else ''}"
        yield f"{name} subject", email.subject
        yield f"{name} text", email.text
        yield f"{name} html", visible_text(email.html)
        yield f"{name} sms", render_sms(context)
    for kind in messages.ALERT_HEADLINES:
        alert = MerchantAlert(kind, "Lale Butik", "1001", "yurtici", "YT1", URL, 2, None)
        email = render_merchant_alert(alert)
        turkish = "\n".join(line.split(" / ")[0] for line in email.text.splitlines())
        yield f"alert {kind}", turkish


def rendered_pages() -> Iterator[tuple[str, str]]:
    config = load_settings()
    registration = Registration(
        order_id="1001",
        token="tok_" + "a" * 28,
        first_name="Ayşe",
        locale="tr",
        registered_at=datetime(2026, 11, 19, 9, 0, tzinfo=UTC),
    )
    for status in Status:
        moment = datetime(2026, 11, 23, 8, 15, tzinfo=UTC)
        event = TrackingEvent("yurtici", "YT1", moment, status)
        for delayed in (False, True):
            state = ShipmentState(
                carrier="yurtici",
                tracking_number="YT1",
                status=status,
                status_at=moment,
                events=(event,),
                reached=frozenset({status}),
                estimated_delivery="2026-11-25",
                delayed=delayed,
                delay_reason=DelayReason.STALLED if delayed else None,
            )
            for extra in ({}, {"feedback": {"score": 5}}):
                record = ShipmentRecord(state, 1, registration, extra)
                page = render_tracking_page(tracking_page(record, "tr", config))
                yield f"page {status.value}", visible_text(page)
    yield "not found", visible_text(render_not_found("tr", config))
    for title, text in (("error", "error_text"), ("bad_form", "bad_score")):
        yield f"notice {title}", visible_text(render_notice("tr", config, title, text, "../x"))
    yield "unsubscribe", visible_text(render_unsubscribe("tr", config))
    for saved in (False, True):
        choices = PreferencesPage(email=True, sms=False, saved=saved)
        yield "preferences", visible_text(render_preferences("tr", config, "tok", choices))
    none = PreferencesPage(email=None, sms=None, saved=False)
    yield "preferences none", visible_text(render_preferences("tr", config, "tok", none))


@pytest.mark.parametrize(
    "source", [table_strings, rendered_messages, rendered_pages], ids=lambda f: f.__name__
)
def test_turkish_texts_say_sen(source: object) -> None:
    offending = [
        (where, formal_forms(text), text)
        for where, text in source()  # type: ignore[operator]
        if formal_forms(text)
    ]
    assert offending == []


def test_the_rendered_texts_are_really_turkish() -> None:
    """The check above is only worth something if it reads Turkish pages."""
    pages = " ".join(text for _, text in rendered_pages())
    mails = " ".join(text for _, text in rendered_messages())
    assert "Siparişin yolda" in pages and "Bildirim tercihleri" in pages
    assert "İaden bize ulaştı" in mails and "Ödemen iade edildi" in mails
    assert "249,90 TL" in mails
