"""Response bodies of the HTTP API, written down as models for the OpenAPI document.

The views build plain dicts (cheaper on a cold start than validating every
response); these models say what those dicts are, field by field, and the
contract tests check every response against them. The public tracking view
forbids extra fields: nothing may appear there that is not listed (CONTRACT.md
section 6: no personal data beyond the first name).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.shipment import DelayReason
from chalicelib.domain.status import Status

UtcTime = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$",
        description="A moment in UTC, ISO 8601 with `Z`.",
        examples=["2026-11-23T05:15:00Z"],
    ),
]
Estimate = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z)?$",
        description="A date, or a moment in UTC when the carrier gave a time.",
        examples=["2026-11-25"],
    ),
]
ErrorCode = Literal[
    "invalid_json",
    "validation_error",
    "unauthorized",
    "invalid_signature",
    "not_found",
    "method_not_allowed",
    "conflict",
    "payload_too_large",
    "unsupported_media_type",
    "rate_limited",
    "internal_error",
    "rate_limited",
]


class View(BaseModel):
    """A response body. Clients must ignore fields they do not know."""

    model_config = ConfigDict(extra="allow")


class ClosedView(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors (CONTRACT.md section 2) --------------------------------------------------


class ErrorDetail(ClosedView):
    loc: list[str | int] = Field(description="Where in the request the problem is.")
    msg: str


class ErrorInfo(ClosedView):
    code: ErrorCode
    message: str = Field(description="One sentence for a person.")
    details: list[ErrorDetail] = Field(
        default_factory=list, description="Validation errors only: what is wrong, and where."
    )


class ErrorBody(ClosedView):
    """Every error, 4xx and 5xx alike. A 5xx never carries a stack trace."""

    error: ErrorInfo


# --- carriers ------------------------------------------------------------------------


class Accepted(ClosedView):
    """The delivery is durably queued; processing is asynchronous."""

    accepted: Literal[True]


# --- merchants -----------------------------------------------------------------------


class ShipmentReference(View):
    carrier: str
    tracking_number: str
    tracking_token: str = Field(description="The shopper's credential: at least 128 random bits.")
    tracking_url: str = Field(description="`{KARGO_PUBLIC_URL}/t/{tracking_token}`")


class OrderRegistered(View):
    order_id: str
    shipments: list[ShipmentReference]


class Location(ClosedView):
    city: str | None = None
    region: str | None = None
    country: str | None = None
    postal_code: str | None = None


class PublicEvent(ClosedView):
    status: Status
    status_label: str
    occurred_at: UtcTime
    description: str | None
    location: Location | None


class MerchantEvent(View):
    status: Status
    status_label: str
    occurred_at: UtcTime
    description: str | None
    location: Location | None
    carrier_status: str | None = Field(description="The carrier's own status, verbatim.")


class PredictedDelivery(ClosedView):
    """Kargo's own range from the shop's past deliveries, in Turkish business days:
    the 20th to 80th percentile of the same carrier to the same city (at least 20
    deliveries), else of the carrier (at least 20)."""

    earliest: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-12-03"])
    latest: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-12-04"])
    basis: Literal["carrier_city", "carrier", "none"]


class MerchantShipment(ShipmentReference):
    status: Status
    delayed: bool
    delay_reason: DelayReason | None
    estimated_delivery: Estimate | None
    updated_at: UtcTime | None = Field(
        default=None, description="When the status last changed; absent before any event."
    )
    events: list[MerchantEvent] = Field(description="Newest first.")
    predicted_delivery: PredictedDelivery | None = Field(
        default=None, description="Null when the shop's history says nothing yet."
    )
    trending_late: bool = Field(
        default=False, description="Predicted past the end of the estimated day, not late yet."
    )


class Refund(View):
    amount: str
    currency: str
    refunded_at: UtcTime


class MerchantReturn(MerchantShipment):
    return_id: str
    reason: str | None
    refund: Refund | None


class Customer(View):
    name: str
    email: str | None = None
    phone: str | None = Field(default=None, description="E.164, however it was registered.")
    locale: Literal["tr", "en"]
    city: str | None = None
    country: str = Field(default="TR", description="ISO 3166-1 alpha-2.")
    commercial_consent: bool = False


class Preferences(ClosedView):
    email: bool
    sms: bool
    whatsapp: bool = False


class OrderView(View):
    order_id: str
    customer: Customer
    notifications: Preferences
    created_at: UtcTime | None
    shipments: list[MerchantShipment]
    returns: list[MerchantReturn] = Field(default_factory=list)
    requests: list[SelfServiceRequest] = Field(
        default_factory=list, description="The shopper's cancellation, return and issue requests."
    )


class Notification(View):
    id: str
    channel: str = Field(examples=["email", "sms", "whatsapp", "merchant"])
    kind: str = Field(description="The status that notified, or `delayed`, `refunded`, ...")
    carrier: str | None
    tracking_number: str | None
    status: Literal["sent", "failed", "skipped", "retrying", "held", "delivered", "read"] = Field(
        description="`retrying`: a webhook to the shop waiting for its next attempt. "
        "`held`: an SMS or WhatsApp message kept back over quiet hours (21:00-09:00 where "
        "the shopper lives), sent at 09:00. `delivered` and `read`: a WhatsApp message as "
        "WhatsApp reported it."
    )
    created_at: UtcTime
    detail: str | None = None


class NotificationList(View):
    notifications: list[Notification] = Field(description="Oldest first.")


class ReturnRegistered(ShipmentReference):
    return_id: str


class Refunded(View):
    return_id: str
    refunded: Literal[True]
    amount: str
    currency: str


class DelayedShipment(View):
    order_id: str | None
    carrier: str
    tracking_number: str
    status: Status
    delay_reason: DelayReason | None
    delayed_since: UtcTime | None
    estimated_delivery: Estimate | None
    tracking_url: str | None


class DelayedShipments(View):
    shipments: list[DelayedShipment] = Field(description="Longest delayed first.")
    next: str | None = Field(description="Pass as `?cursor=` for the next page; null: no more.")


# --- shoppers ------------------------------------------------------------------------


class TrackingView(ClosedView):
    """The public lookup: nothing personal but the first name."""

    carrier: str
    tracking_number: str
    status: Status
    status_label: str
    delayed: bool
    delay_reason: DelayReason | None
    estimated_delivery: Estimate | None
    updated_at: UtcTime
    customer_first_name: str
    events: list[PublicEvent] = Field(description="Newest first.")
    actions: list[Literal["cancel", "return", "report_issue", "rate"]] = Field(
        default_factory=list, description="What the shopper may do now."
    )
    carrier_name: str = Field(description="For people.", examples=["Yurtiçi Kargo"])
    predicted_delivery: PredictedDelivery | None = Field(
        description="Null when the shop's history says nothing yet; never a delay."
    )


class Thanks(ClosedView):
    thanks: Literal[True]
    review_url: str | None = Field(description="Where to leave a review (scores 4 and 5).")


# --- the shopper's self-service -------------------------------------------------------


class SelfServiceRequest(View):
    request_id: str
    type: Literal["cancellation", "return", "issue"]
    state: Literal["requested", "cancelled", "declined", "approved", "reported"]
    created_at: UtcTime


class CancelAnswer(ClosedView):
    status: Literal["cancelled", "requested"]


class RequestCreated(ClosedView):
    request_id: str
    status: Literal["requested", "approved", "declined"]


class IssueCreated(ClosedView):
    issue_id: str


class ReturnApproved(ClosedView):
    request_id: str
    status: Literal["approved"]
    return_id: str
    carrier: str
    tracking_number: str
    tracking_token: str
    tracking_url: str


class RequestDeclined(View):
    request_id: str
    status: Literal["declined"] | None = None
    state: Literal["declined"] | None = None
    reason: str | None = None
