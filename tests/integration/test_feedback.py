"""POST /track/{token}/feedback (CONTRACT.md section 8): JSON and the page's
form, one rating per shipment, the shop alerted about bad ones exactly once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Kargo, carrier_update
from tests.integration.page_helpers import (
    TRACKING,
    notifications,
    post_form,
    post_json,
    shipment_in_state,
    text_of,
)


def rate(kargo: Kargo, token: str, body: Any) -> Any:
    return post_json(kargo, f"/track/{token}/feedback", body)


def error_of(response: Any) -> dict[str, Any]:
    error: dict[str, Any] = json.loads(response.body)["error"]
    return error


def complaint_mails(kargo: Kargo) -> list[Any]:
    return [mail for mail in kargo.sent_emails() if mail["To"] == "support@example.com"]


def use_review_url(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    from chalicelib.config import reset_settings

    monkeypatch.setenv("KARGO_REVIEW_URL", url)
    reset_settings()


def test_rating_says_thanks(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    response = rate(kargo, token, {"score": 5, "comment": "Çok hızlı geldi, teşekkürler!"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert json.loads(response.body) == {"thanks": True, "review_url": None}  # none configured


@pytest.mark.parametrize(("score", "invited"), [(5, True), (4, True), (3, False), (2, False)])
def test_review_url_for_happy_customers(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch, score: int, invited: bool
) -> None:
    use_review_url(monkeypatch, "https://reviews.example/kargo")
    token = shipment_in_state(kargo, "delivered")
    body = json.loads(rate(kargo, token, {"score": score}).body)
    assert body == {
        "thanks": True,
        "review_url": "https://reviews.example/kargo" if invited else None,
    }


def test_one_rating_per_shipment(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    assert rate(kargo, token, {"score": 4}).status_code == 200
    second = rate(kargo, token, {"score": 1, "comment": "changed my mind"})
    assert second.status_code == 409
    assert error_of(second)["code"] == "conflict"
    assert complaint_mails(kargo) == []  # the refused rating alerts no one
    stored = kargo.client.http.get(f"/t/{token}?lang=en").body.decode()
    assert "You gave us 4 out of 5." in stored


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"score": 0}, ["score"]),
        ({"score": 6}, ["score"]),
        ({"score": "5"}, ["score"]),
        ({"score": 4.5}, ["score"]),
        ({"score": True}, ["score"]),
        ({"score": None}, ["score"]),
        ({}, ["score"]),
        ({"comment": "no score"}, ["score"]),
        ({"score": 3, "comment": "x" * 2001}, ["comment"]),
        ({"score": 3, "comment": 42}, ["comment"]),
        ({"score": 3, "stars": 3}, ["stars"]),
        ([3], []),
    ],
)
def test_validation_errors(kargo: Kargo, body: Any, loc: list[str]) -> None:
    token = shipment_in_state(kargo, "delivered")
    response = rate(kargo, token, body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["message"]
    assert loc in [detail["loc"] for detail in error["details"]]


def test_other_contract_errors(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    invalid = rate(kargo, token, b"{not json")
    assert invalid.status_code == 400 and error_of(invalid)["code"] == "invalid_json"
    text = kargo.client.http.post(
        f"/track/{token}/feedback", body=b"score=5", headers={"Content-Type": "text/plain"}
    )
    assert text.status_code == 415 and error_of(text)["code"] == "unsupported_media_type"
    huge = rate(kargo, token, b'{"score": 5, "comment": "' + b"x" * 300_000 + b'"}')
    assert huge.status_code == 413 and error_of(huge)["code"] == "payload_too_large"
    for unknown in ("A" * 32, "nope"):
        missing = rate(kargo, unknown, {"score": 5})
        assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    assert missing.body == rate(kargo, "B" * 32, {"score": 5}).body  # the same for every token


def test_a_low_score_alerts_the_shop_once(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    sent_before = len(kargo.sent_emails())
    response = rate(kargo, token, {"score": 2, "comment": "Kutu ezik geldi <b>!</b>"})
    assert response.status_code == 200
    assert json.loads(response.body)["review_url"] is None
    kargo.settle()  # the alert goes through the outbox, like every message

    mails = complaint_mails(kargo)
    assert len(mails) == 1
    assert len(kargo.sent_emails()) == sent_before + 1  # the shopper is not e-mailed
    mail = mails[0]
    assert "2/5" in mail["Subject"] and "1001" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert "Kutu ezik geldi <b>!</b>" in text and TRACKING in text
    html = mail.get_body(("html",)).get_content()
    assert "Kutu ezik geldi &lt;b&gt;!&lt;/b&gt;" in html
    for private in ("ayse@example.com", "+905321234567"):
        assert private not in text and private not in html

    complaints = [n for n in notifications(kargo) if n["kind"] == "complaint"]
    assert [(n["channel"], n["status"], n["tracking_number"]) for n in complaints] == [
        ("merchant", "sent", TRACKING)
    ]
    # Retries cannot send it again: the rating is taken, the alert's claim too.
    assert rate(kargo, token, {"score": 1}).status_code == 409
    kargo.settle()
    assert len(complaint_mails(kargo)) == 1
    assert len([n for n in notifications(kargo) if n["kind"] == "complaint"]) == 1


@pytest.mark.parametrize("score", [3, 4, 5])
def test_other_scores_alert_no_one(kargo: Kargo, score: int) -> None:
    token = shipment_in_state(kargo, "delivered")
    rate(kargo, token, {"score": score})
    assert complaint_mails(kargo) == []
    assert not [n for n in notifications(kargo) if n["channel"] == "merchant"]


def test_a_failed_alert_is_logged_as_failed(kargo: Kargo, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.notify import email

    def refuse(*_: Any) -> str:
        raise RuntimeError("SES said no")

    monkeypatch.setattr(email, "send_email", refuse)
    token = shipment_in_state(kargo, "delivered")
    assert rate(kargo, token, {"score": 1}).status_code == 200  # the rating still stands
    kargo.settle()
    complaints = [n for n in notifications(kargo) if n["kind"] == "complaint"]
    assert [(n["status"], n["reason"]) for n in complaints] == [("failed", "RuntimeError")]


def test_the_rating_survives_later_carrier_updates(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    assert rate(kargo, token, {"score": 5}).status_code == 200
    # The consumer rewrites the STATE item; the rating must come through intact.
    kargo.webhook(carrier_update(TRACKING, ("unknown", "2026-11-26T10:00:00+03:00")))
    kargo.settle()
    assert rate(kargo, token, {"score": 3}).status_code == 409
    assert "You gave us 5 out of 5." in kargo.client.http.get(f"/t/{token}?lang=en").body.decode()


@pytest.mark.parametrize("status", ["exception", "out_for_delivery", "returned"])
def test_only_a_delivered_shipment_can_be_rated(kargo: Kargo, status: str) -> None:
    token = shipment_in_state(kargo, status)
    response = rate(kargo, token, {"score": 5})
    assert (response.status_code, error_of(response)["code"]) == (409, "conflict")
    kargo.settle()
    assert complaint_mails(kargo) == []


def test_the_same_rating_again_is_the_same_answer(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    first = rate(kargo, token, {"score": 5, "comment": "Süper"})
    again = rate(kargo, token, {"score": 5, "comment": "Süper"})
    assert (again.status_code, again.body) == (first.status_code, first.body) == (200, first.body)
    other = rate(kargo, token, {"score": 4})
    assert (other.status_code, error_of(other)["code"]) == (409, "conflict")


# --- the page's form -------------------------------------------------------------------


def test_form_post_redirects_back_to_the_page(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_review_url(monkeypatch, "https://reviews.example/kargo")
    token = shipment_in_state(kargo, "delivered")
    response = post_form(
        kargo, f"/track/{token}/feedback", {"score": "5", "comment": "Süper", "lang": "en"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"../../t/{token}?lang=en#rating"
    assert response.headers["Cache-Control"] == "private, no-store"

    html = kargo.client.http.get(f"/t/{token}?lang=en").body.decode()
    assert "Thank you for your rating! You gave us 5 out of 5." in html
    assert 'href="https://reviews.example/kargo"' in html
    # A double click posts again: the page shows the rating that stands.
    again = post_form(kargo, f"/track/{token}/feedback", {"score": "1", "lang": "en"})
    assert again.status_code == 303
    assert complaint_mails(kargo) == []


def test_form_without_a_score_gets_an_html_answer(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    for fields in ({"comment": "forgot the stars"}, {"score": "9"}, {"score": "beş"}):
        response = post_form(kargo, f"/track/{token}/feedback", fields)
        assert response.status_code == 400
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "Lütfen 1 ile 5 arasında bir puan seç." in text_of(response.body)
    assert rate(kargo, token, {"score": 4}).status_code == 200  # nothing was stored


def test_form_with_an_unknown_token_gets_the_html_404(kargo: Kargo) -> None:
    response = post_form(kargo, f"/track/{'C' * 32}/feedback", {"score": "5"})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert text_of(response.body, "h1") == "Bu takip bağlantısı bulunamadı"


def test_a_low_score_by_form_alerts_the_shop(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    response = post_form(kargo, f"/track/{token}/feedback", {"score": "1", "comment": "Geç"})
    assert response.status_code == 303
    kargo.settle()
    assert len(complaint_mails(kargo)) == 1


def test_a_rating_becomes_one_shop_event_with_the_score(kargo: Kargo) -> None:
    from chalicelib import aws

    events, sqs = aws.events(), aws.sqs()
    target = sqs.create_queue(QueueName="shop-ratings")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=target, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {"source": ["kargo"], "detail-type": ["feedback.received"]}
    events.put_rule(Name="ratings", EventBusName="kargo", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="ratings", EventBusName="kargo", Targets=[{"Id": "q", "Arn": arn}])

    token = shipment_in_state(kargo, "delivered")
    mails_before = len(kargo.sent_emails())
    assert rate(kargo, token, {"score": 3, "comment": "Ayşe says: fine"}).status_code == 200
    kargo.settle()
    kargo.settle()  # a second pass publishes nothing again

    messages = sqs.receive_message(QueueUrl=target, MaxNumberOfMessages=10).get("Messages", [])
    assert len(messages) == 1
    event = json.loads(messages[0]["Body"])["detail"]
    assert event["type"] == "feedback.received"
    assert event["data"]["score"] == 3
    assert event["data"]["order_id"] == "1001" and event["data"]["status"] == "delivered"
    assert "comment" not in json.dumps(event) and "Ayşe" not in json.dumps(event)
    assert len(kargo.sent_emails()) == mails_before  # the shopper is not notified of it
