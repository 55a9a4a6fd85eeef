"""SMS through Amazon SNS, published straight to a phone number (no topic)."""

from __future__ import annotations

from chalicelib import aws


def send_sms(phone_number: str, text: str) -> str:
    response = aws.sns().publish(
        PhoneNumber=phone_number,
        Message=text,
        MessageAttributes={
            # Status updates are transactional: SNS routes them for deliverability.
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
        },
    )
    return response.get("MessageId", "")
