"""Request and response models of the merchant and tracking APIs (CONTRACT.md 5, 6)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chalicelib.domain.events import (
    CARRIER_SLUG,
    TRACKING_NUMBER,
    canonical_tracking_number,
    parse_estimate_input,
)
from chalicelib.domain.phones import normalise_phone

# Control characters other than tab and newline have no place in a name or a comment.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def refuse_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("text without control characters")
    return value


def _tracking_number(value: object) -> object:
    if not isinstance(value, str):
        return value
    compact = "".join(value.split())
    if not TRACKING_NUMBER.fullmatch(compact):
        raise ValueError(
            "a tracking number such as YT123456789TR: 4 to 64 letters and digits "
            "(spaces and dashes are ignored)"
        )
    return canonical_tracking_number(compact)


OrderId = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
CarrierSlug = Annotated[str, Field(pattern=CARRIER_SLUG.pattern)]
# Stored and compared as `normalise_tracking_number` spells it: upper case, no spaces or dashes.
TrackingNumber = Annotated[str, BeforeValidator(_tracking_number)]
Text = Annotated[str, AfterValidator(refuse_control_characters)]
CountryCode = Annotated[str, BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v),
                        Field(pattern=r"^[A-Z]{2}$")]  # fmt: skip
# No spaces, controls (NUL included) or the characters that would end an address header.
_ADDRESS_PART = r"[^@\s\x00-\x1f\x7f<>\"(),;:]+"
Email = Annotated[
    str, Field(max_length=254, pattern=rf"^{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}$")
]


class Strict(BaseModel):
    # Unknown fields are refused: a misspelt field must not be silently dropped.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerIn(Strict):
    name: Annotated[Text, Field(min_length=1, max_length=200, examples=["Ayşe Yılmaz"])]
    email: Annotated[
        Email | None, Field(description="Optional.", examples=["ayse@example.com"])
    ] = None
    locale: Annotated[
        Literal["tr", "en"], Field(description="The language of messages and pages.")
    ] = "tr"
    # Where the order goes: feeds predicted delivery dates, never shown publicly.
    # (Declared before `phone`: a national phone number is read in this country.)
    city: Annotated[
        Annotated[Text, Field(max_length=100)] | None,
        Field(
            description="Where the order goes; feeds predicted delivery dates. "
            "Never in a public response.",
            examples=["Ankara"],
        ),
    ] = None
    country: Annotated[
        CountryCode,
        Field(
            description="ISO 3166-1 alpha-2 code of where the order goes (any case); "
            "national phone numbers are read in this country. Never in a public response.",
            examples=["TR"],
        ),
    ] = "TR"
    # E.164, or a national number of `country`: stored as E.164 (`+905321234567`).
    phone: Annotated[
        Annotated[str, Field(max_length=32)] | None,
        Field(
            description="E.164 (`+905321234567`), or a national number of `country` "
            "(`0532 123 45 67`), stored as E.164. An impossible number is a validation_error.",
            examples=["+905321234567", "0532 123 45 67"],
        ),
    ] = None
    # İYS (Law 6563): agreed to commercial messages (rating requests, thank-yous).
    commercial_consent: Annotated[
        bool,
        Field(
            description="The customer agreed to commercial electronic messages (İYS, "
            "Law 6563): rating requests and thank-you messages are sent only with it."
        ),
    ] = False

    @field_validator("phone")
    @classmethod
    def _phone_in_e164(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        return normalise_phone(value, info.data.get("country") or "TR")


class ShipmentIn(Strict):
    carrier: CarrierSlug
    tracking_number: TrackingNumber
    estimated_delivery: date | datetime | None = None

    _estimate = field_validator("estimated_delivery", mode="before")(parse_estimate_input)


class NotificationPreferences(Strict):
    """Unsaid: e-mail on when there is an address, SMS and WhatsApp off."""

    email: Annotated[
        bool | None, Field(description="Default: on when the customer has an e-mail address.")
    ] = None
    sms: Annotated[bool, Field(description="Needs a phone number.")] = False
    whatsapp: Annotated[bool, Field(description="Needs a phone number.")] = False


class OrderIn(Strict):
    order_id: OrderId
    customer: CustomerIn
    shipments: Annotated[list[ShipmentIn], Field(max_length=50)] = []
    notifications: NotificationPreferences = NotificationPreferences()

    @model_validator(mode="after")
    def _email_by_default(self) -> OrderIn:
        if self.notifications.email is None:
            self.notifications.email = self.customer.email is not None
        return self

    def channels_without_address(self) -> list[tuple[str, str]]:
        """(channel, what is missing) for each channel turned on with nowhere to send."""
        wanted, customer = self.notifications, self.customer
        return [
            (channel, needs)
            for channel, on, address, needs in (
                ("email", wanted.email, customer.email, "e-mail address"),
                ("sms", wanted.sms, customer.phone, "phone number"),
                ("whatsapp", wanted.whatsapp, customer.phone, "phone number"),
            )
            if on and not address
        ]
