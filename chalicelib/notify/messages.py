"""What each notification kind says, per locale. Templates hold the layout only."""

from __future__ import annotations

from chalicelib.domain.status import Locale

HEADLINES: dict[str, dict[Locale, str]] = {
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
        "tr": "Siparişini teslim etmeye çalıştık, olmadı",
        "en": "We tried to deliver your order",
    },
    "exception": {"tr": "Gönderinde bir sorun var", "en": "There is a problem with your shipment"},
    "delivered": {"tr": "Siparişin teslim edildi", "en": "Your order has been delivered"},
    "returning": {
        "tr": "Gönderin göndericiye geri dönüyor",
        "en": "Your shipment is on its way back to the sender",
    },
    "returned": {
        "tr": "Gönderin göndericiye iade edildi",
        "en": "Your shipment was returned to the sender",
    },
    "failed": {"tr": "Teslimat başarısız oldu", "en": "Your delivery failed"},
    "cancelled": {"tr": "Siparişin iptal edildi", "en": "Your order has been cancelled"},
    "delayed": {"tr": "Siparişin gecikiyor", "en": "Your order is running late"},
    "return_received": {"tr": "İaden bize ulaştı", "en": "We have received your return"},
    "refunded": {"tr": "Ödemen iade edildi", "en": "Your refund is on its way"},
    "feedback_request": {
        "tr": "Teslimat nasıldı?",
        "en": "How was your delivery?",
    },
}

DELAY_EXPLANATIONS: dict[str, dict[Locale, str]] = {
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

PHRASES: dict[str, dict[Locale, str]] = {
    "greeting": {"tr": "Merhaba {name},", "en": "Hi {name},"},
    "greeting_anonymous": {"tr": "Merhaba,", "en": "Hello,"},
    "status": {"tr": "Durum", "en": "Status"},
    "estimated_delivery": {"tr": "Tahmini teslim", "en": "Estimated delivery"},
    "track": {"tr": "Gönderini takip et", "en": "Track your parcel"},
    "unsubscribe": {
        "tr": "Bu sipariş için e-posta almak istemiyorsan",
        "en": "To stop e-mails about this order",
    },
    "unsubscribe_link": {"tr": "buraya tıkla", "en": "click here"},
    "refund_amount": {
        "tr": "{amount} tutarındaki iaden ödeme yönteminize gönderildi.",
        "en": "A refund of {amount} has been sent to your payment method.",
    },
}


def headline(kind: str, locale: Locale) -> str:
    return HEADLINES.get(kind, HEADLINES["in_transit"])[locale]


def phrase(key: str, locale: Locale, **values: str) -> str:
    return PHRASES[key][locale].format(**values)
