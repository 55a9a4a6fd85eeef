"""`generic`: Kargo's own format (CONTRACT.md section 4), signed with Standard Webhooks.

For carriers and bridges that post to Kargo directly. Statuses are already
canonical; times must carry an offset.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib.carriers.base import WebhookRequest
from chalicelib.carriers.signatures import verify_standard_webhook
from chalicelib.domain.events import (
    CARRIER_SLUG,
    TRACKING_NUMBER,
    CarrierUpdate,
    Location,
    TrackingEvent,
    canonical_tracking_number,
    in_utc_range,
    normalise_estimate,
    parse_estimate_input,
)
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery


class GenericLocation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    city: Annotated[str, Field(max_length=200)] | None = None
    region: Annotated[str, Field(max_length=200)] | None = None
    country: Annotated[str, Field(max_length=64)] | None = None
    postal_code: Annotated[str, Field(max_length=32)] | None = None


class GenericEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Status
    occurred_at: datetime
    description: Annotated[str, Field(max_length=1000)] | None = None
    location: GenericLocation | None = None
    carrier_status: Annotated[str, Field(max_length=200)] | None = None
    delayed: bool = False

    @field_validator("occurred_at")
    @classmethod
    def _must_have_offset(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must carry a UTC offset")
        return in_utc_range(value)


class GenericPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    carrier: Annotated[str, Field(pattern=CARRIER_SLUG.pattern)]
    tracking_number: Annotated[
        str, Field(pattern=TRACKING_NUMBER.pattern), AfterValidator(canonical_tracking_number)
    ]
    estimated_delivery: date | datetime | None = None
    events: Annotated[list[GenericEvent], Field(min_length=1, max_length=500)]

    _estimate = field_validator("estimated_delivery", mode="before")(parse_estimate_input)


class GenericSource:
    name = "generic"

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        verify_standard_webhook(
            request.raw_body,
            secrets,
            now,
            msg_id=request.header("webhook-id"),
            timestamp=request.header("webhook-timestamp"),
            signature_header=request.header("webhook-signature"),
        )

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        try:
            payload = GenericPayload.model_validate(json.loads(body))
        except ValidationError as error:
            # Field paths and messages only: the input may hold personal data.
            problems = "; ".join(
                f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
                for problem in error.errors(include_input=False)
            )
            raise UnprocessableDelivery(f"generic payload invalid: {problems}") from error
        except ValueError as error:
            raise UnprocessableDelivery("generic payload is not JSON") from error
        events = tuple(
            TrackingEvent(
                carrier=payload.carrier,
                tracking_number=payload.tracking_number,
                occurred_at=event.occurred_at,
                status=event.status,
                description=event.description or None,
                location=Location.from_dict(
                    event.location.model_dump(exclude_none=True) if event.location else None
                ),
                carrier_status=event.carrier_status,
                delayed=event.delayed,
            )
            for event in payload.events
        )
        return [
            CarrierUpdate(
                carrier=payload.carrier,
                tracking_number=payload.tracking_number,
                events=events,
                estimated_delivery=normalise_estimate(payload.estimated_delivery),
            )
        ]


SOURCE = GenericSource()
