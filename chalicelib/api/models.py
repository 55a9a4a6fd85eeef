"""Request and response models of the merchant and tracking APIs (CONTRACT.md 5, 6)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.domain.events import CARRIER_SLUG, TRACKING_NUMBER, parse_estimate_input

OrderId = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
CarrierSlug = Annotated[str, Field(pattern=CARRIER_SLUG.pattern)]
TrackingNumber = Annotated[str, Field(pattern=TRACKING_NUMBER.pattern)]
E164 = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")]
Email = Annotated[
    str, Field(max_length=254, pattern=r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")
]


class Strict(BaseModel):
    # Unknown fields are refused: a misspelt field must not be silently dropped.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Email | None = None
    phone: E164 | None = None
    locale: Literal["tr", "en"] = "tr"


class ShipmentIn(Strict):
    carrier: CarrierSlug
    tracking_number: TrackingNumber
    estimated_delivery: date | datetime | None = None

    _estimate = field_validator("estimated_delivery", mode="before")(parse_estimate_input)


class NotificationPreferences(Strict):
    email: bool = True
    sms: bool = False


class OrderIn(Strict):
    order_id: OrderId
    customer: CustomerIn
    shipments: Annotated[list[ShipmentIn], Field(max_length=50)] = []
    notifications: NotificationPreferences = NotificationPreferences()
