"""What the shopper's pages say, per locale. Templates hold the layout only.

Addressed as `sen` throughout, in the shop's own voice ("bize yaz"), like the
messages in `chalicelib/notify/messages.py`; the headlines match theirs.
"""

from __future__ import annotations

from chalicelib.domain.status import Locale, Status

# The big sentence at the top of the page, one per status.
HEADLINES: dict[Status, dict[Locale, str]] = {
    Status.PENDING: {
        "tr": "Kargo firmasından ilk bilgi bekleniyor",
        "en": "Waiting for the carrier's first update",
    },
    Status.INFO_RECEIVED: {
        "tr": "Siparişin kargoya hazırlanıyor",
        "en": "Your order is being prepared for shipping",
    },
    Status.IN_TRANSIT: {"tr": "Siparişin yolda", "en": "Your order is on its way"},
    Status.OUT_FOR_DELIVERY: {
        "tr": "Siparişin bugün dağıtımda",
        "en": "Your order is out for delivery today",
    },
    Status.AVAILABLE_FOR_PICKUP: {
        "tr": "Siparişin teslim noktasında seni bekliyor",
        "en": "Your order is ready for pickup",
    },
    Status.FAILED_ATTEMPT: {
        "tr": "Siparişin teslim edilemedi",
        "en": "Your order couldn't be delivered",
    },
    Status.EXCEPTION: {
        "tr": "Gönderinde bir sorun var",
        "en": "There is a problem with your shipment",
    },
    Status.RETURNING: {
        "tr": "Gönderin bize geri dönüyor",
        "en": "Your parcel is on its way back to us",
    },
    Status.DELIVERED: {"tr": "Siparişin teslim edildi", "en": "Your order has been delivered"},
    Status.RETURNED: {"tr": "Gönderin bize geri döndü", "en": "Your parcel has come back to us"},
    Status.FAILED: {"tr": "Teslimat başarısız oldu", "en": "The delivery failed"},
    Status.CANCELLED: {"tr": "Siparişin iptal edildi", "en": "Your order has been cancelled"},
    Status.EXPIRED: {
        "tr": "Bu gönderinin takibi sona erdi",
        "en": "Tracking for this shipment has ended",
    },
    Status.UNKNOWN: {
        "tr": "Kargo firmasından yeni bir bilgi geldi",
        "en": "The carrier sent an update",
    },
}

# A return travels from the shopper to the shop: the same statuses read differently.
RETURN_HEADLINES: dict[Status, dict[Locale, str]] = {
    Status.IN_TRANSIT: {"tr": "İaden yolda", "en": "Your return is on its way"},
    Status.DELIVERED: {"tr": "İaden bize ulaştı", "en": "We have received your return"},
}

# A second line under the headline where the status alone leaves a question open.
EXPLANATIONS: dict[Status, dict[Locale, str]] = {
    Status.PENDING: {
        "tr": "Kargo firması gönderini sisteme girdiğinde burada göreceksin.",
        "en": "You will see it here as soon as the carrier scans your parcel.",
    },
    Status.AVAILABLE_FOR_PICKUP: {
        "tr": "Gönderini teslim noktasından alabilirsin.",
        "en": "You can collect your parcel at the pickup point.",
    },
    Status.FAILED_ATTEMPT: {
        "tr": "Kargo firması yeniden deneyecek ya da seninle iletişime geçecek.",
        "en": "The carrier will try again or get in touch with you.",
    },
    Status.EXCEPTION: {
        "tr": "Kargo firması bir sorun bildirdi. Ayrıntılar aşağıdaki hareketlerde.",
        "en": "The carrier has reported a problem. The details are in the history below.",
    },
    Status.RETURNED: {
        "tr": "Bir yanlışlık olduğunu düşünüyorsan bize yaz.",
        "en": "If you think this is a mistake, please get in touch.",
    },
    Status.FAILED: {
        "tr": "Bunun için üzgünüz. Ne yapabileceğimizi konuşmak için bize yaz.",
        "en": "We are sorry. Please get in touch so we can put it right.",
    },
    Status.EXPIRED: {
        "tr": "Kargo firmasından uzun süredir bilgi gelmedi. Bir sorun varsa bize yaz.",
        "en": "The carrier has not sent news for a long time. Please get in touch if needed.",
    },
}

STEP_LABELS: dict[Locale, tuple[str, str, str, str]] = {
    "tr": ("Hazırlık", "Yolda", "Dağıtımda", "Teslim edildi"),
    "en": ("Preparing", "In transit", "Out for delivery", "Delivered"),
}

SCORE_LABELS: dict[Locale, tuple[str, str, str, str, str]] = {
    "tr": ("Çok kötü", "Kötü", "Orta", "İyi", "Çok iyi"),
    "en": ("Very poor", "Poor", "Okay", "Good", "Excellent"),
}

PHRASES: dict[str, dict[Locale, str]] = {
    "page_title": {"tr": "Gönderi takibi", "en": "Shipment tracking"},
    "greeting": {"tr": "Merhaba {name},", "en": "Hi {name},"},
    "greeting_anonymous": {"tr": "Merhaba,", "en": "Hello,"},
    "switch_language": {"tr": "English", "en": "Türkçe"},
    "return_badge": {"tr": "İade gönderisi", "en": "Return shipment"},
    "estimated_delivery": {"tr": "Tahmini teslim", "en": "Estimated delivery"},
    "prediction_note": {
        "tr": "önceki teslimatlara göre tahmin",
        "en": "an estimate from past deliveries",
    },
    "delivered_at": {"tr": "Teslim zamanı", "en": "Delivered on"},
    "last_update": {"tr": "Son güncelleme", "en": "Last update"},
    "status": {"tr": "Durum", "en": "Status"},
    "delay_title": {"tr": "Gönderin gecikiyor", "en": "Your shipment is running late"},
    "progress": {"tr": "Gönderinin adımları", "en": "Shipment progress"},
    "step_done": {"tr": "tamamlandı", "en": "done"},
    "step_current": {"tr": "şu anki adım", "en": "current step"},
    "step_problem": {"tr": "sorun var", "en": "problem"},
    "timeline": {"tr": "Gönderi hareketleri", "en": "Tracking history"},
    "timeline_empty": {
        "tr": "Kargo firmasından henüz bir hareket bilgisi gelmedi.",
        "en": "The carrier has not reported any movement yet.",
    },
    "times_note": {
        "tr": "Saatler {zone} saat dilimine göredir.",
        "en": "Times are shown in the {zone} time zone.",
    },
    "update": {"tr": "Güncelleme", "en": "Update"},
    "shipment": {"tr": "Gönderi", "en": "Shipment"},
    "carrier": {"tr": "Kargo firması", "en": "Carrier"},
    "tracking_number": {"tr": "Takip numarası", "en": "Tracking number"},
    "carrier_link": {"tr": "{carrier} sitesinde takip et", "en": "Track on the {carrier} website"},
    "help": {"tr": "Yardım mı lazım?", "en": "Need help?"},
    "help_text": {
        "tr": "Gönderinle ilgili bir sorun varsa bize yaz.",
        "en": "If something is not right with your shipment, get in touch.",
    },
    "contact_email": {"tr": "E-posta gönder", "en": "Send us an e-mail"},
    "contact_whatsapp": {"tr": "WhatsApp'tan yaz", "en": "Message us on WhatsApp"},
    "whatsapp_text": {
        "tr": "Merhaba, gönderim hakkında: {number}",
        "en": "Hi, about my parcel {number}",
    },
    "preferences_link": {"tr": "Bildirim tercihleri", "en": "Notification settings"},
    "rating": {"tr": "Teslimat nasıldı?", "en": "How was your delivery?"},
    "rating_legend": {"tr": "Puanın", "en": "Your score"},
    "rating_hint": {"tr": "1 çok kötü, 5 çok iyi", "en": "1 is very poor, 5 is excellent"},
    "comment": {"tr": "Yorumun (isteğe bağlı)", "en": "Your comment (optional)"},
    "rating_submit": {"tr": "Puanı gönder", "en": "Send rating"},
    "rating_thanks": {
        "tr": "Değerlendirmen için teşekkürler! Puanın: {score}/5.",
        "en": "Thank you for your rating! You gave us {score} out of 5.",
    },
    "review_invite": {
        "tr": "Deneyimini başkalarıyla da paylaşır mısın?",
        "en": "Would you share your experience with others too?",
    },
    "review_link": {"tr": "Yorum bırak", "en": "Leave a review"},
    "private_note": {
        "tr": "Bu sayfayı yalnızca bağlantıya sahip olanlar görebilir.",
        "en": "Only people who have this link can see this page.",
    },
    "back": {"tr": "Gönderi takibine dön", "en": "Back to tracking"},
    "not_found": {"tr": "Bu takip bağlantısı bulunamadı", "en": "We couldn't find this link"},
    "not_found_text": {
        "tr": "Bağlantıyı e-postandaki ya da SMS'teki haliyle, eksiksiz açtığından emin ol.",
        "en": "Please check that you opened the whole link from your e-mail or text message.",
    },
    "error": {"tr": "Bir şeyler ters gitti", "en": "Something went wrong"},
    "error_text": {"tr": "Lütfen biraz sonra tekrar dene.", "en": "Please try again in a moment."},
    "bad_form": {
        "tr": "Formda bir eksik var",
        "en": "Something is missing in the form",
    },
    "bad_form_text": {
        "tr": "Lütfen formdaki seçimleri yap. Açıklama en fazla 2000 karakter olabilir.",
        "en": "Please make the choices in the form. Details can be up to 2000 characters.",
    },
    "bad_score": {
        "tr": "Lütfen 1 ile 5 arasında bir puan seç. Yorum en fazla 2000 karakter olabilir.",
        "en": "Please choose a score from 1 to 5. Comments can be up to 2000 characters.",
    },
    # The shopper's self-service: the forms, and the honest answers after them.
    "self_service": {"tr": "Siparişinle ilgili", "en": "About your order"},
    "cancel_title": {"tr": "Siparişi iptal et", "en": "Cancel the order"},
    "cancel_text": {
        "tr": "Siparişin henüz kargoya verilmedi; istersen iptal edebilirsin.",
        "en": "Your order has not been picked up yet; you can still cancel it.",
    },
    "cancel_request_text": {
        "tr": "Siparişin henüz kargoya verilmedi; iptal talebini mağazaya iletebilirsin.",
        "en": "Your order has not been picked up yet; you can ask the shop to cancel it.",
    },
    "cancel_button": {"tr": "Siparişi iptal et", "en": "Cancel my order"},
    "cancel_request_button": {"tr": "İptal talebi gönder", "en": "Ask to cancel"},
    "return_title": {"tr": "İade talebi", "en": "Ask for a return"},
    "return_text": {
        "tr": "Teslimattan sonraki {days} gün içinde iade isteyebilirsin.",
        "en": "You can ask for a return within {days} days of delivery.",
    },
    "return_reason": {"tr": "İade nedeni", "en": "Why are you returning it?"},
    "reason_changed_mind": {"tr": "Vazgeçtim", "en": "I changed my mind"},
    "reason_wrong_size": {"tr": "Beden uymadı", "en": "Wrong size"},
    "reason_damaged": {"tr": "Ürün hasarlı", "en": "It is damaged"},
    "reason_wrong_item": {"tr": "Yanlış ürün geldi", "en": "I got the wrong item"},
    "reason_not_as_described": {
        "tr": "Ürün açıklamadaki gibi değil",
        "en": "It is not as described",
    },
    "reason_other": {"tr": "Başka bir neden", "en": "Something else"},
    "resolution": {"tr": "Ne istersin?", "en": "What would you like?"},
    "resolution_refund": {"tr": "Para iadesi", "en": "A refund"},
    "resolution_exchange": {"tr": "Değişim", "en": "An exchange"},
    "resolution_store_credit": {"tr": "Mağaza kredisi", "en": "Store credit"},
    "return_button": {"tr": "İade talebi gönder", "en": "Send return request"},
    "issue_title": {"tr": "Bir sorun bildir", "en": "Report a problem"},
    "issue_kind": {"tr": "Sorun ne?", "en": "What is wrong?"},
    "issue_damaged": {"tr": "Ürün hasarlı geldi", "en": "It arrived damaged"},
    "issue_missing_item": {"tr": "Pakette eksik ürün var", "en": "Something is missing"},
    "issue_wrong_item": {"tr": "Yanlış ürün geldi", "en": "I got the wrong item"},
    "issue_not_received": {
        "tr": "Teslim edildi görünüyor ama bana ulaşmadı",
        "en": "It says delivered, but it never came",
    },
    "issue_other": {"tr": "Başka bir sorun", "en": "Something else"},
    "issue_button": {"tr": "Sorunu bildir", "en": "Report the problem"},
    "details": {"tr": "Açıklama (isteğe bağlı)", "en": "Details (optional)"},
    "comment_limit": {"tr": "En fazla {count} karakter.", "en": "Up to {count} characters."},
    "cancelled_done": {"tr": "Siparişin iptal edildi", "en": "Your order has been cancelled"},
    "cancelled_done_text": {
        "tr": "Siparişin kargoya verilmeyecek. Sana bir de e-posta ile haber vereceğiz.",
        "en": "Your order will not be shipped. We will confirm it by e-mail too.",
    },
    "cancel_requested": {
        "tr": "İptal talebin alındı, mağaza yanıtlayacak",
        "en": "We have your cancellation request; the shop will answer",
    },
    "cancel_requested_text": {
        "tr": "Siparişin henüz iptal edilmedi. Mağaza talebini inceleyip sana yanıt verecek.",
        "en": "Your order is not cancelled yet. The shop will look at your request and "
        "get back to you.",
    },
    "cancel_too_late": {
        "tr": "Siparişin artık iptal edilemiyor",
        "en": "Your order can no longer be cancelled",
    },
    "cancel_too_late_text": {
        "tr": "Siparişin kargoya verildi. Teslim aldıktan sonra iade isteyebilirsin.",
        "en": "Your order has been picked up by the carrier. Once it arrives you can ask "
        "for a return.",
    },
    "return_requested": {
        "tr": "İade talebin alındı, mağaza yanıtlayacak",
        "en": "We have your return request; the shop will answer",
    },
    "return_requested_text": {
        "tr": "Ürünü henüz gönderme. Mağaza onaylarsa iade gönderisinin bilgilerini sana iletecek.",
        "en": "Please don't send anything yet. If the shop approves, it will send you the "
        "return shipment's details.",
    },
    "return_closed": {
        "tr": "İade talebi şu an gönderilemiyor",
        "en": "A return can't be requested right now",
    },
    "return_closed_text": {
        "tr": "İade süresi geçmiş ya da bu gönderi için bekleyen bir talebin var. "
        "Yardım için bize yaz.",
        "en": "The return period is over, or a request for this parcel is waiting already. "
        "Get in touch if you need help.",
    },
    "issue_reported": {
        "tr": "Sorun bildirimin alındı, mağaza yanıtlayacak",
        "en": "We have your report; the shop will get back to you",
    },
    "issue_reported_text": {
        "tr": "Mağaza bildirimini inceleyip seninle iletişime geçecek.",
        "en": "The shop will look into it and get in touch with you.",
    },
    "issue_refused": {
        "tr": "Bu sorun şu an bildirilemiyor",
        "en": "This problem can't be reported right now",
    },
    "issue_refused_text": {
        "tr": "Kargo firması gönderinin teslim edildiğini bildirmeden önce bunu "
        "bildiremezsin. Yardım için bize yaz.",
        "en": "This can be reported once the carrier says the parcel was delivered. "
        "Get in touch if you need help.",
    },
    "request_pending": {
        "tr": "İptal talebin mağazaya iletildi; yanıt bekleniyor.",
        "en": "Your cancellation request is with the shop, waiting for an answer.",
    },
    "form_expired": {"tr": "Bu formun süresi doldu", "en": "This form has expired"},
    "form_expired_text": {
        "tr": "Sayfayı yenileyip yeniden dene.",
        "en": "Please reload the page and try again.",
    },
    "rate_limited": {"tr": "Çok fazla deneme", "en": "Too many attempts"},
    "rate_limited_text": {
        "tr": "Biraz bekleyip yeniden dene.",
        "en": "Please wait a little and try again.",
    },
    "unsubscribe": {"tr": "E-posta bildirimlerini kapat", "en": "Stop e-mail updates"},
    "unsubscribe_text": {
        "tr": "Bu siparişle ilgili e-posta almayı bırakmak için düğmeye bas.",
        "en": "Press the button to stop e-mails about this order.",
    },
    "unsubscribe_button": {"tr": "E-postaları durdur", "en": "Stop e-mails"},
    "unsubscribed": {"tr": "E-posta bildirimleri kapatıldı", "en": "E-mail updates are off"},
    "unsubscribed_text": {
        "tr": "Bu sipariş için sana artık e-posta göndermeyeceğiz.",
        "en": "We won't e-mail you about this order any more.",
    },
    "preferences": {"tr": "Bildirim tercihleri", "en": "Notification settings"},
    "preferences_text": {
        "tr": "Bu siparişle ilgili haberleri nasıl almak istersin?",
        "en": "How would you like to hear about this order?",
    },
    "preference_email": {"tr": "E-posta ile haber ver", "en": "E-mail me updates"},
    "preference_sms": {"tr": "SMS ile haber ver", "en": "Text me updates (SMS)"},
    "preference_whatsapp": {"tr": "WhatsApp'tan haber ver", "en": "Send me updates on WhatsApp"},
    "preferences_none": {
        "tr": "Bu sipariş için kayıtlı bir e-posta adresi ya da telefon numarası yok.",
        "en": "There is no e-mail address or phone number on file for this order.",
    },
    "save": {"tr": "Kaydet", "en": "Save"},
    "saved": {"tr": "Tercihlerin kaydedildi.", "en": "Your settings have been saved."},
}


def phrase(key: str, locale: Locale, **values: str) -> str:
    return PHRASES[key][locale].format(**values)


def headline(status: Status, locale: Locale, is_return: bool = False) -> str:
    table = RETURN_HEADLINES if is_return and status in RETURN_HEADLINES else HEADLINES
    return table[status][locale]


def explanation(status: Status, locale: Locale) -> str | None:
    return EXPLANATIONS.get(status, {}).get(locale)
