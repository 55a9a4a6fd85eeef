"""Every message kind in both languages, without AWS: what it says, how it names
the carrier, writes money and dates, and what it never shows."""

from __future__ import annotations

import html as html_module
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.config import load_settings
from chalicelib.domain.shipment import ShipmentState
from chalicelib.domain.status import LOCALES, Locale, Status
from chalicelib.notify.render import (
    MerchantAlert,
    MessageContext,
    ShipmentLink,
    render_email,
    render_merchant_alert,
    render_sms,
)
from chalicelib.shopper.page import tracking_page
from chalicelib.store import Registration, ShipmentRecord

URL = "https://kargo.test/t/tok_yurtici_1"
URL_RE = re.compile(r"https?://\S+")

# kind -> (status the shipment has, words the subject must hold in tr, en)
KINDS: dict[str, tuple[Status | None, str, str]] = {
    "in_transit": (Status.IN_TRANSIT, "Siparişin yola çıktı", "Your order is on its way"),
    "out_for_delivery": (Status.OUT_FOR_DELIVERY, "bugün dağıtımda", "out for delivery today"),
    "available_for_pickup": (Status.AVAILABLE_FOR_PICKUP, "teslim noktasında", "pickup"),
    "failed_attempt": (Status.FAILED_ATTEMPT, "teslim edilemedi", "couldn't be delivered"),
    "exception": (Status.EXCEPTION, "sorun var", "problem"),
    "delivered": (Status.DELIVERED, "Siparişin teslim edildi", "has been delivered"),
    "returning": (Status.RETURNING, "geri dönüyor", "on its way back"),
    "returned": (Status.RETURNED, "geri döndü", "come back"),
    "failed": (Status.FAILED, "Teslimat başarısız", "delivery failed"),
    "cancelled": (Status.CANCELLED, "Siparişin iptal edildi", "has been cancelled"),
    "delayed": (Status.IN_TRANSIT, "Siparişin gecikiyor", "running late"),
    "order_confirmed": (None, "Siparişin için teşekkürler", "Thank you for your order"),
    "feedback_request": (Status.DELIVERED, "Teslimat nasıldı?", "How was your delivery?"),
    "thank_you": (None, "Bizi seçtiğin için teşekkürler", "Thank you for shopping with us"),
    "return_received": (Status.DELIVERED, "İaden bize ulaştı", "We have received your return"),
    "refunded": (None, "Ödemen iade edildi", "Your refund is on its way"),
}
# Kinds that are about where a parcel is: they show its status.
JOURNEY = {kind for kind in KINDS if kind not in {
    "order_confirmed", "feedback_request", "thank_you", "return_received", "refunded"}}  # fmt: skip


def context(kind: str, locale: Locale = "tr", **values: Any) -> MessageContext:
    status = KINDS[kind][0]
    defaults: dict[str, Any] = {
        "kind": kind,
        "locale": locale,
        "brand": "Lale Butik",
        "first_name": "Ayşe",
        "carrier": "yurtici",
        "tracking_number": "YT123456789TR",
        "status": status,
        "tracking_url": URL,
        "unsubscribe_url": f"{URL}/unsubscribe",
    }
    if kind == "delayed":
        defaults["delay_reason"] = "eta_passed"
    if kind == "refunded":
        defaults.update(refund_amount="1249.90", refund_currency="TRY")
    return MessageContext(**{**defaults, **values})


def fold(text: str) -> str:
    """Lower case the Turkish way (İ -> i, I -> ı), for comparing words."""
    return text.replace("İ", "i").replace("I", "ı").lower()


def plain(context: MessageContext) -> tuple[str, str, str, str]:
    email = render_email(context)
    return email.subject, email.text, email.html, render_sms(context)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_in_both_languages(kind: str, locale: Locale) -> None:
    status, tr_words, en_words = KINDS[kind]
    subject, text, html, sms = plain(context(kind, locale))
    words = fold(tr_words) if locale == "tr" else en_words.lower()
    lower = fold if locale == "tr" else str.lower
    assert subject.startswith("Lale Butik: ")
    assert words in lower(subject)
    assert words in lower(text) and words in lower(html_module.unescape(html))
    assert ("Merhaba Ayşe," if locale == "tr" else "Hi Ayşe,") in text
    assert f'<html lang="{locale}">' in html
    # The carrier as people know it, never its slug.
    assert "Yurtiçi Kargo" in text or kind == "thank_you"
    assert "yurtici" not in text.replace(URL, "") and "yurtici" not in html.replace(URL, "")
    assert "yurtici" not in sms.replace(URL, "")
    # The status only where it belongs.
    caption = "Durum" if locale == "tr" else "Status"
    if kind in JOURNEY:
        assert status is not None
        assert f"{caption}: {status.label(locale)}" in text
    else:
        assert f"{caption}:" not in text and f"{caption}:</strong>" not in html
    # Every message carries the tracking link and the unsubscribe link.
    assert URL in text and f"{URL}/unsubscribe" in html
    # SMS: short, one link, the same headline as the e-mail.
    assert len(URL_RE.findall(sms)) == 1, sms
    assert sms.startswith("Lale Butik: " + ("Merhaba Ayşe, " if locale == "tr" else "Hi Ayşe, "))
    assert words in lower(sms)
    assert len(sms) <= 240, sms


def test_a_kind_without_its_own_words_says_something_true() -> None:
    email = render_email(
        replace(context("in_transit"), kind="info_received", status=Status.INFO_RECEIVED)
    )
    assert email.subject == "Lale Butik: Siparişinle ilgili yeni bir gelişme var"
    assert "Durum: Kargoya hazırlanıyor" in email.text
    assert "yola çıktı" not in email.text


def test_no_first_name_greets_politely() -> None:
    _, text, _, sms = plain(context("in_transit", first_name=""))
    assert text.splitlines()[2] == "Merhaba,"
    assert sms.startswith("Lale Butik: Merhaba, siparişin yola çıktı.")


def test_html_is_escaped_text_is_not() -> None:
    hostile = context("in_transit", "en", brand="A&B <Shop>", first_name="<b>Jo</b>")
    email = render_email(hostile)
    assert "A&amp;B &lt;Shop&gt;" in email.html and "&lt;b&gt;Jo&lt;/b&gt;" in email.html
    assert "<b>" not in email.html
    assert "Hi <b>Jo</b>," in email.text  # plain text is not HTML


@pytest.mark.parametrize(
    ("locale", "amount", "currency", "shown"),
    [
        ("tr", "1249.90", "TRY", "1.249,90 TL"),
        ("en", "1249.90", "TRY", "TRY 1,249.90"),
        ("tr", "149.9", "EUR", "149,90 EUR"),
        ("en", "149.9", "EUR", "EUR 149.90"),
    ],
)
def test_refund_says_what_was_refunded_and_never_a_status(
    locale: Locale, amount: str, currency: str, shown: str
) -> None:
    refund = context(
        "refunded", locale, refund_amount=amount, refund_currency=currency, status=None
    )
    _subject, text, html, sms = plain(refund)
    assert shown in text and shown in html and shown in sms
    assert "249.90 TRY" not in text
    for label in (s.label(locale) for s in Status):
        assert label not in text.replace("Yurtiçi Kargo", ""), label
    assert ("İade gönderisi" if locale == "tr" else "Return parcel") in text
    # The dispatcher may still hand the return's status in: it is not shown.
    with_status = replace(refund, status=Status.PENDING)
    assert Status.PENDING.label(locale) not in render_email(with_status).text


@pytest.mark.parametrize(
    ("reason", "tr", "en"),
    [
        (
            "carrier_reported",
            "Kargo firması gönderinin gecikeceğini bildirdi.",
            "The carrier has reported a delay.",
        ),
        (
            "eta_passed",
            "Tahmini teslim tarihi geçti ve gönderin henüz teslim edilmedi.",
            "The estimated delivery date has passed and your parcel has not arrived yet.",
        ),
        (
            "stalled",
            "Kargo firmasından bir süredir yeni bilgi gelmedi.",
            "The carrier has not sent an update for a while.",
        ),
        (None, "Gönderin planlanandan biraz geç gelecek.", "a little later than planned"),
    ],
)
def test_delay_says_why(reason: str | None, tr: str, en: str) -> None:
    for locale, words in (("tr", tr), ("en", en)):
        _subject, text, _, sms = plain(context("delayed", locale, delay_reason=reason))  # type: ignore[arg-type]
        assert words in text and words in sms


def test_a_new_status_that_starts_a_delay_says_both_in_one_message() -> None:
    both = context("in_transit", delayed=True, delay_reason="carrier_reported")
    subject, text, _, sms = plain(both)
    assert subject == "Lale Butik: Siparişin yolda, ama gecikiyor"
    assert "Siparişin Yurtiçi Kargo ile yolda." in text
    assert "Kargo firması gönderinin gecikeceğini bildirdi." in text and "Durum: Yolda" in text
    assert sms.startswith("Lale Butik: Merhaba Ayşe, siparişin yolda, ama gecikiyor.")
    english = render_email(replace(both, locale="en"))
    assert english.subject == "Lale Butik: Your order is on its way, but running late"
    # A status without its own combined headline keeps its headline and still says both.
    pickup = render_email(context("available_for_pickup", delayed=True, delay_reason="stalled"))
    assert "teslim noktasında" in pickup.subject
    assert "Kargo firmasından bir süredir yeni bilgi gelmedi." in pickup.text


def test_the_estimate_is_the_day_the_page_shows() -> None:
    """An estimate given as a UTC datetime just after 21:00 UTC is the next day in
    Istanbul: the e-mail and the page must both say so."""
    estimate = "2026-11-24T21:30:00Z"  # 00:30 on 25 November in Istanbul
    config = replace(load_settings(), timezone="Europe/Istanbul")
    state = ShipmentState(
        carrier="yurtici",
        tracking_number="YT123456789TR",
        status=Status.IN_TRANSIT,
        estimated_delivery=estimate,
    )
    registration = Registration(
        order_id="1001",
        token="tok_" + "a" * 28,
        first_name="Ayşe",
        locale="tr",
        registered_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )
    record = ShipmentRecord(state, 1, registration, {})
    for locale, day in (("tr", "25 Kasım 2026"), ("en", "25 November 2026")):
        page = tracking_page(record, locale, config)  # type: ignore[arg-type]
        text = render_email(context("in_transit", locale, estimated_delivery=estimate)).text  # type: ignore[arg-type]
        assert page.estimate == day
        assert day in text
        assert "24 Kas" not in text and "24 Nov" not in text


def test_final_statuses_promise_no_estimate() -> None:
    text = render_email(context("delivered", estimated_delivery="2026-11-25")).text
    assert "Tahmini teslim" not in text
    assert (
        "Tahmini teslim: 25 Kasım 2026"
        in render_email(context("out_for_delivery", estimated_delivery="2026-11-25")).text
    )


SHIPMENTS = (
    ShipmentLink("yurtici", "YT123456789TR", "https://kargo.test/t/one"),
    ShipmentLink("hepsijet", "HJ5550001", "https://kargo.test/t/two"),
)


@pytest.mark.parametrize("locale", LOCALES)
def test_order_confirmed_lists_every_parcel_with_its_carrier_and_link(locale: Locale) -> None:
    confirmed = context(
        "order_confirmed",
        locale,
        status=None,
        shipments=SHIPMENTS,
        tracking_url=SHIPMENTS[0].tracking_url,
    )
    _subject, text, html, sms = plain(confirmed)
    for name, link in (("Yurtiçi Kargo", SHIPMENTS[0]), ("HepsiJET", SHIPMENTS[1])):
        assert f"{name} · {link.tracking_number}: {link.tracking_url}" in text
        assert f'href="{link.tracking_url}"' in html
    assert ("2 ayrı paket" if locale == "tr" else "2 parcels") in text
    assert len(URL_RE.findall(sms)) == 1


def test_order_confirmed_with_one_or_no_parcel() -> None:
    one = render_email(context("order_confirmed", status=None, shipments=SHIPMENTS[:1])).text
    assert "Yurtiçi Kargo ile gelecek" in one and "Gönderi: Yurtiçi Kargo · YT123456789TR" in one
    none = render_email(
        context("order_confirmed", status=None, carrier="", tracking_number="", shipments=())
    ).text
    assert "Kargoya verdiğimizde sana haber vereceğiz." in none


def test_an_order_wide_cancellation_is_one_message_for_every_parcel() -> None:
    cancelled = context("cancelled", shipments=SHIPMENTS)
    subject, text, _html, _sms = plain(cancelled)
    assert subject == "Lale Butik: Siparişin iptal edildi"
    assert "İptal edilen gönderiler:" in text
    assert "Yurtiçi Kargo · YT123456789TR" in text and "HepsiJET · HJ5550001" in text
    assert "Cancelled parcels" in render_email(replace(cancelled, locale="en")).text


def test_feedback_request_links_to_the_rating_form() -> None:
    _subject, text, html, sms = plain(context("feedback_request"))
    assert f"Teslimatı puanla: {URL}#rating" in text
    assert f'href="{URL}#rating"' in html
    assert sms.endswith(f"Puanla: {URL}#rating")
    already = render_email(context("feedback_request", tracking_url=f"{URL}#rating")).text
    assert f"{URL}#rating#rating" not in already


@pytest.mark.parametrize("locale", LOCALES)
def test_thank_you_offers_the_coupon_only_when_there_is_one(locale: Locale) -> None:
    with_coupon = plain(context("thank_you", locale, status=None, coupon="TESEKKUR10"))
    without = plain(context("thank_you", locale, status=None))
    sentence = "kodunu kullanabilirsin" if locale == "tr" else "on your next order"
    for rendered in with_coupon[1:]:
        assert "TESEKKUR10" in rendered
    assert with_coupon[1].count("TESEKKUR10") == 1  # said once in the text, not repeated
    assert sentence in with_coupon[1]
    for rendered in without:
        assert sentence not in rendered and "None" not in rendered
    assert ("İndirim kodun" if locale == "tr" else "discount code") not in without[1]


def test_thank_you_invites_a_review_when_the_shop_has_a_review_page() -> None:
    _subject, text, _html, sms = plain(
        context("thank_you", status=None, review_url="https://reviews.example/lale")
    )
    assert "Yorum bırak: https://reviews.example/lale" in text
    assert f"Siparişini görüntüle: {URL}" in text  # the tracking link is still there
    assert URL_RE.findall(sms) == [URL]  # the SMS's one link is the tracking page


def test_return_received_names_the_return_parcel() -> None:
    text = render_email(context("return_received")).text
    assert "İade gönderisi: Yurtiçi Kargo · YT123456789TR" in text
    assert "Durum" not in text


# --- the shop's alerts -------------------------------------------------------------


def complaint(**values: Any) -> MerchantAlert:
    defaults: dict[str, Any] = {
        "kind": "complaint",
        "brand": "Kargo",
        "order_id": "1001",
        "carrier": "yurtici",
        "tracking_number": "YT123456789TR",
        "tracking_url": URL,
        "score": 2,
        "comment": "Kutu ezik geldi <b>!</b>",
    }
    return MerchantAlert(**{**defaults, **values})


def test_complaint_alert_gives_staff_what_they_need() -> None:
    email = render_merchant_alert(complaint())
    assert "2/5" in email.subject and "1001" in email.subject
    for rendered in (email.text, email.html):
        assert "1001" in rendered and "YT123456789TR" in rendered and "2/5" in rendered
        assert "Yurtiçi Kargo" in rendered and URL in rendered
        assert "GET /" not in rendered and "/orders/" not in rendered
        assert "Kargo · Kargo" not in rendered  # the footer is not doubled
    assert "Kutu ezik geldi <b>!</b>" in email.text
    assert "Kutu ezik geldi &lt;b&gt;!&lt;/b&gt;" in email.html
    text = email.text
    assert text.index("Düşük puanlı") < text.index("rated low")  # Turkish first
    assert text.rstrip().splitlines()[-1] == "Kargo · gönderi takibi / shipment tracking"


def test_complaint_without_a_comment_says_so() -> None:
    assert "Yorum / Comment: —" in render_merchant_alert(complaint(comment=None)).text


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("cancellation_request", "iptal talebi"),
        ("return_request", "iade talebi"),
        ("issue", "sorun bildirimi"),
    ],
)
def test_other_alerts_share_the_shape(kind: str, words: str) -> None:
    email = render_merchant_alert(complaint(kind=kind, score=None, comment="Beden küçük"))
    assert words in email.subject and "1001" in email.subject
    assert "Puan" not in email.text and "Beden küçük" in email.text
    assert "Yurtiçi Kargo" in email.text
