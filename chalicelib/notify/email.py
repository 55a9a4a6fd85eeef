"""E-mail through Amazon SES v2, as a raw MIME message (text and HTML
alternatives plus the List-Unsubscribe headers that Simple content cannot carry)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from chalicelib import aws


def build_email(
    sender: str,
    sender_name: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    unsubscribe_url: str | None,
) -> bytes:
    message = EmailMessage()
    message["From"] = formataddr((sender_name, sender))
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if unsubscribe_url:
        # RFC 8058 one-click: mail clients POST to the URL to unsubscribe.
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message.as_bytes()


def send_email(sender: str, recipient: str, raw_message: bytes) -> str:
    response = aws.sesv2().send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": [recipient]},
        Content={"Raw": {"Data": raw_message}},
    )
    return response.get("MessageId", "")
