"""What each message says, per kind and locale. Templates hold the layout only.

Turkish texts speak to the shopper as a Turkish shop does, with `sen`
throughout (never `siz`); `tests/unit/test_turkish_voice.py` checks every
Turkish string. Placeholders: `{carrier}` (the carrier's name as people know
it), `{count}`, `{amount}` (already formatted), `{coupon}`.
"""

from __future__ import annotations

from chalicelib.domain.status import Locale

Texts = dict[Locale, str]

# The subject and the big line at the top, per kind.
HEADLINES: dict[str, Texts] = {
    "in_transit": {"tr": "Siparişin yola çıktı", "en": "Your order is on its way"},
    "out_for_delivery": {
        "tr": "Siparişin bugün dağıtımda",
        "en": "Your order is out for delivery today",
    },
    "available_for_pickup": {
        "tr": "Siparişin teslim noktasında seni bekliyor",
        "en": "Your order is ready for pickup",
    },
    "failed_attempt": {
        "tr": "Siparişin teslim edilemedi",
        "en": "Your order couldn't be delivered",
    },
    "exception": {"tr": "Gönderinde bir sorun var", "en": "There is a problem with your shipment"},
    "delivered": {"tr": "Siparişin teslim edildi", "en": "Your order has been delivered"},
    "returning": {
        "tr": "Gönderin bize geri dönüyor",
        "en": "Your parcel is on its way back to us",
    },
    "returned": {"tr": "Gönderin bize geri döndü", "en": "Your parcel has come back to us"},
    "failed": {"tr": "Teslimat başarısız oldu", "en": "Your delivery failed"},
    "cancelled": {"tr": "Siparişin iptal edildi", "en": "Your order has been cancelled"},
    "delayed": {"tr": "Siparişin gecikiyor", "en": "Your order is running late"},
    "order_confirmed": {"tr": "Siparişin için teşekkürler", "en": "Thank you for your order"},
    "feedback_request": {"tr": "Teslimat nasıldı?", "en": "How was your delivery?"},
    "thank_you": {
        "tr": "Bizi seçtiğin için teşekkürler",
        "en": "Thank you for shopping with us",
    },
    "return_received": {"tr": "İaden bize ulaştı", "en": "We have received your return"},
    "refunded": {"tr": "Ödemen iade edildi", "en": "Your refund is on its way"},
    "cancellation_declined": {
        "tr": "İptal talebine mağazadan yanıt geldi",
        "en": "The shop has answered your cancellation request",
    },
    "return_approved": {"tr": "İade talebin onaylandı", "en": "Your return has been approved"},
    "return_declined": {
        "tr": "İade talebine mağazadan yanıt geldi",
        "en": "The shop has answered your return request",
    },
}

# One change that is a new status and the start of a delay says both at once.
DELAYED_HEADLINES: dict[str, Texts] = {
    "in_transit": {
        "tr": "Siparişin yolda, ama gecikiyor",
        "en": "Your order is on its way, but running late",
    },
    "out_for_delivery": {
        "tr": "Siparişin dağıtımda, ama gecikiyor",
        "en": "Your order is out for delivery, but running late",
    },
    "failed_attempt": {
        "tr": "Siparişin teslim edilemedi ve gecikecek",
        "en": "Your order couldn't be delivered and will be late",
    },
    "exception": {
        "tr": "Gönderinde bir sorun var ve gecikiyor",
        "en": "There is a problem with your shipment, and it is running late",
    },
}

# The first lines under the greeting, per kind.
BODIES: dict[str, Texts] = {
    "in_transit": {
        "tr": "Siparişin {carrier} ile yolda. Nerede olduğunu aşağıdaki bağlantıdan "
        "her an görebilirsin.",
        "en": "Your order is travelling with {carrier}. You can see where it is at any time "
        "with the link below.",
    },
    "out_for_delivery": {
        "tr": "{carrier} kuryesi siparişini bugün getirecek.",
        "en": "The {carrier} courier is bringing your order today.",
    },
    "available_for_pickup": {
        "tr": "Siparişini {carrier} teslim noktasından alabilirsin. Nerede olduğunu takip "
        "sayfasında görebilirsin.",
        "en": "You can collect your order at the {carrier} pickup point. The tracking page "
        "shows where it is.",
    },
    "failed_attempt": {
        "tr": "{carrier} siparişini teslim etmeyi denedi ama olmadı. Yeniden deneyecek ya da "
        "seninle iletişime geçecek.",
        "en": "{carrier} tried to deliver your order but couldn't. They will try again or get "
        "in touch with you.",
    },
    "exception": {
        "tr": "{carrier} gönderinle ilgili bir sorun bildirdi. Ayrıntılar takip sayfasında; "
        "biz de gelişmeleri yakından izliyoruz.",
        "en": "{carrier} has reported a problem with your parcel. The details are on the "
        "tracking page, and we are keeping a close eye on it.",
    },
    "delivered": {
        "tr": "Güle güle kullan! Bir sorun varsa bize yazman yeterli.",
        "en": "Enjoy it! If anything is not right, just get in touch.",
    },
    "returning": {
        "tr": "{carrier} gönderini teslim edemedi ve bize geri gönderiyor. Ne yapabileceğimizi "
        "konuşmak için bize yaz.",
        "en": "{carrier} couldn't deliver your parcel and is sending it back to us. Get in "
        "touch and we will sort it out.",
    },
    "returned": {
        "tr": "Gönderin teslim edilemedi ve bize geri ulaştı. Bir yanlışlık olduğunu "
        "düşünüyorsan bize yaz.",
        "en": "Your parcel couldn't be delivered and has come back to us. If you think this "
        "is a mistake, get in touch.",
    },
    "failed": {
        "tr": "{carrier} gönderinin teslim edilemeyeceğini bildirdi. Bunun için çok üzgünüz; "
        "ne yapabileceğimizi konuşmak için bize yaz.",
        "en": "{carrier} reports that your parcel can't be delivered. We are sorry; get in "
        "touch and we will put it right.",
    },
    "cancelled": {
        "tr": "Siparişin iptal edildi, kargoya verilmeyecek. Bir yanlışlık olduğunu "
        "düşünüyorsan bize yaz.",
        "en": "Your order has been cancelled and will not be shipped. If you think this is a "
        "mistake, get in touch.",
    },
    "order_confirmed": {
        "tr": "Siparişini aldık. {carrier} ile gelecek; nerede olduğunu aşağıdaki bağlantıdan "
        "takip edebilirsin.",
        "en": "We have received your order. It ships with {carrier}; you can follow it with "
        "the link below.",
    },
    "order_confirmed_many": {
        "tr": "Siparişini aldık. {count} ayrı paket halinde gelecek; her birini kendi "
        "bağlantısından takip edebilirsin.",
        "en": "We have received your order. It comes in {count} parcels; you can follow each "
        "one with its own link.",
    },
    "order_confirmed_none": {
        "tr": "Siparişini aldık. Kargoya verdiğimizde sana haber vereceğiz.",
        "en": "We have received your order and will let you know when it ships.",
    },
    "feedback_request": {
        "tr": "Siparişin {carrier} ile teslim edildi. Teslimatı 1'den 5'e kadar puanlar mısın? "
        "Sadece bir dakikanı alır.",
        "en": "Your order was delivered by {carrier}. Would you rate the delivery from 1 to 5? "
        "It only takes a minute.",
    },
    "thank_you": {
        "tr": "Siparişinin sorunsuz ulaştığını ve beğendiğini umuyoruz. Seni yeniden görmek "
        "isteriz.",
        "en": "We hope your order arrived safely and that you love it. We would love to see "
        "you again.",
    },
    "return_received": {
        "tr": "Gönderdiğin ürünleri inceleyip sonucu en kısa sürede sana bildireceğiz.",
        "en": "We will check what you sent back and let you know the outcome soon.",
    },
    "refunded": {
        "tr": "{amount}, ödemeyi yaptığın yönteme iade edildi.",
        "en": "We have refunded {amount} to the payment method you used.",
    },
    "cancellation_declined": {
        "tr": "Siparişini iptal edemedik; siparişin hazırlanmaya devam ediyor.",
        "en": "We could not cancel your order; it is still being prepared.",
    },
    "return_approved": {
        "tr": "İade talebini onayladık. İade gönderinin yolculuğunu aşağıdaki bağlantıdan "
        "takip edebilirsin; bize ulaşınca sana haber vereceğiz.",
        "en": "We have approved your return. You can follow the return parcel with the link "
        "below; we will let you know when it reaches us.",
    },
    "return_declined": {
        "tr": "İade talebini bu kez kabul edemedik.",
        "en": "We could not accept your return request this time.",
    },
}

DELAY_EXPLANATIONS: dict[str, Texts] = {
    "carrier_reported": {
        "tr": "Kargo firması gönderinin gecikeceğini bildirdi.",
        "en": "The carrier has reported a delay.",
    },
    "eta_passed": {
        "tr": "Tahmini teslim tarihi geçti ve gönderin henüz teslim edilmedi.",
        "en": "The estimated delivery date has passed and your parcel has not arrived yet.",
    },
    "stalled": {
        "tr": "Kargo firmasından bir süredir yeni bilgi gelmedi.",
        "en": "The carrier has not sent an update for a while.",
    },
}
DELAY_FALLBACK: Texts = {
    "tr": "Gönderin planlanandan biraz geç gelecek.",
    "en": "Your parcel will arrive a little later than planned.",
}

PHRASES: dict[str, Texts] = {
    "greeting": {"tr": "Merhaba {name},", "en": "Hi {name},"},
    "greeting_anonymous": {"tr": "Merhaba,", "en": "Hello,"},
    "status": {"tr": "Durum", "en": "Status"},
    "estimated_delivery": {"tr": "Tahmini teslim", "en": "Estimated delivery"},
    "shipment": {"tr": "Gönderi", "en": "Parcel"},
    "return_shipment": {"tr": "İade gönderisi", "en": "Return parcel"},
    "shipments": {"tr": "Gönderilerin", "en": "Your parcels"},
    "cancelled_shipments": {"tr": "İptal edilen gönderiler", "en": "Cancelled parcels"},
    "track": {"tr": "Gönderini takip et", "en": "Track your parcel"},
    "track_short": {"tr": "Takip et", "en": "Track"},
    "rate": {"tr": "Teslimatı puanla", "en": "Rate the delivery"},
    "review": {"tr": "Yorum bırak", "en": "Leave a review"},
    "view_order": {"tr": "Siparişini görüntüle", "en": "View your order"},
    "details": {"tr": "Ayrıntıları gör", "en": "See the details"},
    "delay_follow_up": {
        "tr": "Gönderini takip ediyoruz; bir gelişme olunca sana haber vereceğiz.",
        "en": "We are keeping an eye on it and will let you know as soon as there is news.",
    },
    "refund_timing": {
        "tr": "Tutarın hesabına yansıması bankana göre birkaç iş günü sürebilir.",
        "en": "Depending on your bank, it may take a few business days to show.",
    },
    "refund_amount": {"tr": "İade tutarı", "en": "Amount refunded"},
    "coupon": {"tr": "İndirim kodun", "en": "Your discount code"},
    "coupon_sentence": {
        "tr": "Bir sonraki alışverişinde {coupon} kodunu kullanabilirsin.",
        "en": "Use the code {coupon} on your next order.",
    },
    "review_sentence": {
        "tr": "Memnun kaldıysan bir yorum bırakır mısın? Başkalarına da çok yardımcı olur.",
        "en": "If you are happy, would you leave a review? It helps others a lot.",
    },
    "unsubscribe": {
        "tr": "Bu siparişle ilgili e-posta almak istemiyorsan",
        "en": "To stop e-mails about this order",
    },
    "unsubscribe_link": {"tr": "buraya tıkla", "en": "click here"},
    "shop_reason": {"tr": "Mağazanın açıklaması: {reason}", "en": "The shop says: {reason}"},
    "decision_follow_up": {
        "tr": "Bir yanlışlık olduğunu düşünüyorsan bize yaz.",
        "en": "If you think this is a mistake, get in touch.",
    },
    # SMS: a word before the one link.
    "sms_track": {"tr": "Takip", "en": "Track"},
    "sms_details": {"tr": "Ayrıntılar", "en": "Details"},
    "sms_rate": {"tr": "Puanla", "en": "Rate"},
}

# --- the shop's alerts (to staff: Turkish first, English below) ----------------------

ALERT_HEADLINES: dict[str, Texts] = {
    "complaint": {
        "tr": "Düşük puanlı bir teslimat değerlendirmesi geldi",
        "en": "A delivery was rated low",
    },
    "cancellation_request": {
        "tr": "Müşteri siparişin iptalini istiyor",
        "en": "The customer asks to cancel the order",
    },
    "return_request": {"tr": "Müşteri iade istiyor", "en": "The customer asks for a return"},
    "issue": {"tr": "Müşteri bir sorun bildirdi", "en": "The customer reported a problem"},
}
ALERT_SUBJECTS: dict[str, Texts] = {
    "complaint": {"tr": "düşük puan {score}/5", "en": "low rating {score}/5"},
    "cancellation_request": {"tr": "iptal talebi", "en": "cancellation request"},
    "return_request": {"tr": "iade talebi", "en": "return request"},
    "issue": {"tr": "sorun bildirimi", "en": "problem report"},
}
ALERT_CAPTIONS: dict[str, Texts] = {
    "order": {"tr": "Sipariş", "en": "Order"},
    "carrier": {"tr": "Kargo firması", "en": "Carrier"},
    "tracking_number": {"tr": "Takip numarası", "en": "Tracking number"},
    "score": {"tr": "Puan", "en": "Score"},
    "comment": {"tr": "Yorum", "en": "Comment"},
    "tracking_page": {"tr": "Takip sayfası", "en": "Tracking page"},
    "request_id": {"tr": "Talep", "en": "Request"},
    "return_reason": {"tr": "Neden", "en": "Reason"},
    "resolution": {"tr": "İstenen", "en": "Asks for"},
    "issue_kind": {"tr": "Sorun", "en": "Problem"},
    "footer": {"tr": "gönderi takibi", "en": "shipment tracking"},
}

# The codes of the shopper's requests, written out for the shop's staff.
ALERT_VALUES: dict[str, Texts] = {
    "changed_mind": {"tr": "vazgeçti", "en": "changed their mind"},
    "wrong_size": {"tr": "beden uymadı", "en": "wrong size"},
    "damaged": {"tr": "hasarlı", "en": "damaged"},
    "wrong_item": {"tr": "yanlış ürün", "en": "wrong item"},
    "not_as_described": {"tr": "açıklamadaki gibi değil", "en": "not as described"},
    "other": {"tr": "diğer", "en": "other"},
    "refund": {"tr": "para iadesi", "en": "refund"},
    "exchange": {"tr": "değişim", "en": "exchange"},
    "store_credit": {"tr": "mağaza kredisi", "en": "store credit"},
    "missing_item": {"tr": "eksik ürün", "en": "missing item"},
    "not_received": {"tr": "teslim alınmadı", "en": "not received"},
}


# A kind without its own words (a status that does not notify today, a kind added
# later): a true sentence rather than another kind's.
GENERIC_HEADLINE: Texts = {
    "tr": "Siparişinle ilgili yeni bir gelişme var",
    "en": "There is news about your order",
}


def headline(kind: str, locale: Locale) -> str:
    return HEADLINES.get(kind, GENERIC_HEADLINE)[locale]


def body(key: str, locale: Locale, **values: str) -> str | None:
    texts = BODIES.get(key)
    return texts[locale].format(**values) if texts else None


def phrase(key: str, locale: Locale, **values: str) -> str:
    return PHRASES[key][locale].format(**values)


def delay_explanation(reason: str | None, locale: Locale) -> str:
    """Why the parcel is late, in one sentence (the page's banner says the same)."""
    return DELAY_EXPLANATIONS.get(reason or "", DELAY_FALLBACK)[locale]
