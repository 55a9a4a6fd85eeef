"""Vendor statuses -> canonical statuses (CONTRACT.md section 3), as reviewed tables.

Each vendor says where a parcel is in two levels: a coarse status and a finer
code. The finer code decides when the table knows it; otherwise the coarse
status does; a value neither table knows becomes `unknown` (kept in the
history, never moving the shipment) and is logged once per process as a
warning, so the tables can be extended. `delayed` marks a carrier-reported
delay of a parcel that is still on its way.

The tests in `tests/unit/carriers/test_status_maps.py` pin every row with the
canonical status written out by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chalicelib.domain.status import Status

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CanonicalStatus:
    status: Status
    delayed: bool = False


UNKNOWN = CanonicalStatus(Status.UNKNOWN)
_DELAYED_IN_TRANSIT = CanonicalStatus(Status.IN_TRANSIT, delayed=True)

# --- EasyPost -----------------------------------------------------------------
# Tracker / TrackingDetail `status` (docs.easypost.com/docs/trackers; the
# `Tracker` model of EasyPost's client libraries lists the same values).
EASYPOST_STATUSES: dict[str, Status] = {
    "unknown": Status.UNKNOWN,
    "pre_transit": Status.INFO_RECEIVED,
    "in_transit": Status.IN_TRANSIT,
    "out_for_delivery": Status.OUT_FOR_DELIVERY,
    "delivered": Status.DELIVERED,
    "available_for_pickup": Status.AVAILABLE_FOR_PICKUP,
    "return_to_sender": Status.RETURNING,  # on its way back; EasyPost has no "returned"
    "failure": Status.FAILED,
    "cancelled": Status.CANCELLED,
    "error": Status.UNKNOWN,  # EasyPost could not track it: says nothing about the parcel
}


@dataclass(frozen=True, slots=True)
class DetailEffect:
    """What an EasyPost `status_detail` adds: a more precise status, a delay, or nothing."""

    status: Status | None = None
    delayed: bool = False


_NO_EFFECT = DetailEffect()

# `status_detail` refines a non-final `status`; a final one (delivered,
# failure, cancelled) is the carrier's last word and stays.
EASYPOST_STATUS_DETAILS: dict[str, DetailEffect] = {
    "address_correction": _NO_EFFECT,  # the carrier fixed the address itself
    "arrived_at_destination": _NO_EFFECT,
    "arrived_at_facility": _NO_EFFECT,
    "arrived_at_pickup_location": _NO_EFFECT,  # `status` says whether it can be collected
    "awaiting_information": _NO_EFFECT,
    "cancelled": DetailEffect(Status.CANCELLED),
    "damaged": DetailEffect(Status.EXCEPTION),
    "delayed": DetailEffect(delayed=True),
    "delivery_exception": DetailEffect(Status.EXCEPTION),
    "departed_facility": _NO_EFFECT,
    "departed_origin_facility": _NO_EFFECT,
    "expired": DetailEffect(Status.EXPIRED),
    "failure": _NO_EFFECT,
    "held": DetailEffect(Status.EXCEPTION),
    "in_transit": _NO_EFFECT,
    "label_created": _NO_EFFECT,
    "lost": DetailEffect(Status.FAILED),
    "missorted": DetailEffect(delayed=True),  # rerouted: later than planned
    "out_for_delivery": _NO_EFFECT,
    "received_at_destination_facility": _NO_EFFECT,
    "received_at_origin_facility": _NO_EFFECT,
    "refused": DetailEffect(Status.EXCEPTION),
    "return": DetailEffect(Status.RETURNING),
    "status_update": _NO_EFFECT,
    "transferred_to_destination_carrier": _NO_EFFECT,
    "transit_exception": DetailEffect(Status.EXCEPTION),
    "unknown": _NO_EFFECT,
    "weather_delay": DetailEffect(delayed=True),
}


def easypost_status(status: str | None, status_detail: str | None) -> CanonicalStatus:
    base = Status.UNKNOWN
    if status is not None:
        base = EASYPOST_STATUSES.get(status, Status.UNKNOWN)
        if status not in EASYPOST_STATUSES:
            report_unmapped("easypost", "status", status)
    effect = _NO_EFFECT
    if status_detail is not None:
        effect = EASYPOST_STATUS_DETAILS.get(status_detail, _NO_EFFECT)
        if status_detail not in EASYPOST_STATUS_DETAILS:
            report_unmapped("easypost", "status_detail", status_detail)
    if base.is_final:
        return CanonicalStatus(base)
    refined = effect.status or base
    # A delay only means something for a parcel that is still on its way.
    on_its_way = not refined.is_final and refined != Status.UNKNOWN
    return CanonicalStatus(refined, delayed=effect.delayed and on_its_way)


# --- AfterShip ----------------------------------------------------------------
# Checkpoint `tag` (aftership.com/docs/tracking/enum/delivery-statuses).
AFTERSHIP_TAGS: dict[str, Status] = {
    "Pending": Status.PENDING,
    "InfoReceived": Status.INFO_RECEIVED,
    "InTransit": Status.IN_TRANSIT,
    "OutForDelivery": Status.OUT_FOR_DELIVERY,
    "AttemptFail": Status.FAILED_ATTEMPT,
    "Delivered": Status.DELIVERED,
    "AvailableForPickup": Status.AVAILABLE_FOR_PICKUP,
    "Exception": Status.EXCEPTION,
    "Expired": Status.EXPIRED,
}

# Checkpoint `subtag` (aftership.com/docs/tracking/enum/delivery-sub-statuses,
# and the sub-statuses AfterShip added on 2026-03-27). AfterShip files delays,
# returns, losses and cancellations under `Exception`; they map to what they are.
AFTERSHIP_SUBTAGS: dict[str, CanonicalStatus] = {
    "Pending_001": CanonicalStatus(Status.PENDING),
    "Pending_002": CanonicalStatus(Status.PENDING),
    "Pending_003": CanonicalStatus(Status.PENDING),
    "Pending_004": CanonicalStatus(Status.PENDING),
    "Pending_005": CanonicalStatus(Status.PENDING),
    "Pending_006": CanonicalStatus(Status.PENDING),
    "InfoReceived_001": CanonicalStatus(Status.INFO_RECEIVED),
    "InTransit_001": CanonicalStatus(Status.IN_TRANSIT),
    "InTransit_002": CanonicalStatus(Status.IN_TRANSIT),  # acceptance scan
    "InTransit_003": CanonicalStatus(Status.IN_TRANSIT),  # arrival scan
    "InTransit_004": CanonicalStatus(Status.IN_TRANSIT),  # arrived in destination country
    "InTransit_005": CanonicalStatus(Status.IN_TRANSIT),  # customs clearance completed
    "InTransit_006": CanonicalStatus(Status.IN_TRANSIT),  # customs clearance started
    "InTransit_007": CanonicalStatus(Status.IN_TRANSIT),  # departure scan
    "InTransit_008": CanonicalStatus(Status.IN_TRANSIT),  # problem resolved
    "InTransit_009": CanonicalStatus(Status.IN_TRANSIT),  # forwarded to another address
    "OutForDelivery_001": CanonicalStatus(Status.OUT_FOR_DELIVERY),
    "OutForDelivery_003": CanonicalStatus(Status.OUT_FOR_DELIVERY),  # customer contacted
    "OutForDelivery_004": CanonicalStatus(Status.OUT_FOR_DELIVERY),  # appointment scheduled
    "AttemptFail_001": CanonicalStatus(Status.FAILED_ATTEMPT),
    "AttemptFail_002": CanonicalStatus(Status.FAILED_ATTEMPT),  # addressee not available
    "AttemptFail_003": CanonicalStatus(Status.FAILED_ATTEMPT),  # business closed
    "Delivered_001": CanonicalStatus(Status.DELIVERED),
    "Delivered_002": CanonicalStatus(Status.DELIVERED),  # picked up by the customer
    "Delivered_003": CanonicalStatus(Status.DELIVERED),  # signed by the customer
    "Delivered_004": CanonicalStatus(Status.DELIVERED),  # cash on delivery collected
    "Delivered_005": CanonicalStatus(Status.DELIVERED),  # delivered to a neighbour
    "AvailableForPickup_001": CanonicalStatus(Status.AVAILABLE_FOR_PICKUP),
    "Exception_001": CanonicalStatus(Status.EXCEPTION),
    "Exception_002": CanonicalStatus(Status.EXCEPTION),  # customer moved
    "Exception_003": CanonicalStatus(Status.EXCEPTION),  # customer refused delivery
    "Exception_004": _DELAYED_IN_TRANSIT,  # delayed (customs clearance)
    "Exception_005": _DELAYED_IN_TRANSIT,  # delayed (external factors)
    "Exception_006": CanonicalStatus(Status.EXCEPTION),  # held for payment
    "Exception_007": CanonicalStatus(Status.EXCEPTION),  # incorrect address
    "Exception_008": CanonicalStatus(Status.EXCEPTION),  # pick up missed
    "Exception_009": CanonicalStatus(Status.EXCEPTION),  # rejected by carrier
    "Exception_010": CanonicalStatus(Status.RETURNING),  # returning to sender
    "Exception_011": CanonicalStatus(Status.RETURNED),  # received back by the sender
    "Exception_012": CanonicalStatus(Status.EXCEPTION),  # shipment damage
    "Exception_013": CanonicalStatus(Status.FAILED),  # shipment lost
    "Exception_016": _DELAYED_IN_TRANSIT,  # delayed (processing issue, misroute)
    "Exception_017": _DELAYED_IN_TRANSIT,  # delayed (extreme weather)
    "Exception_018": CanonicalStatus(Status.EXCEPTION),  # incorrect / missing documents
    "Exception_019": _DELAYED_IN_TRANSIT,  # delayed (late flight)
    "Exception_020": CanonicalStatus(Status.CANCELLED),  # shipment cancelled
    "Exception_021": CanonicalStatus(Status.FAILED),  # shipment disposed
    "Expired_001": CanonicalStatus(Status.EXPIRED),
}


def aftership_status(tag: str | None, subtag: str | None) -> CanonicalStatus:
    if subtag is not None:
        if subtag in AFTERSHIP_SUBTAGS:
            return AFTERSHIP_SUBTAGS[subtag]
        report_unmapped("aftership", "subtag", subtag)
    if tag is None:
        return UNKNOWN
    if tag not in AFTERSHIP_TAGS:
        report_unmapped("aftership", "tag", tag)
        return UNKNOWN
    return CanonicalStatus(AFTERSHIP_TAGS[tag])


# --- Shippo -------------------------------------------------------------------
# Track `status` and `substatus.code` (docs.goshippo.com/docs/tracking/tracking,
# "Event definitions").
SHIPPO_STATUSES: dict[str, Status] = {
    "PRE_TRANSIT": Status.INFO_RECEIVED,
    "TRANSIT": Status.IN_TRANSIT,
    "DELIVERED": Status.DELIVERED,
    "RETURNED": Status.RETURNING,  # "en route to be returned, or returned": not yet final
    "FAILURE": Status.FAILED,
    "UNKNOWN": Status.UNKNOWN,
}

SHIPPO_SUBSTATUSES: dict[str, CanonicalStatus] = {
    "information_received": CanonicalStatus(Status.INFO_RECEIVED),
    "address_issue": CanonicalStatus(Status.EXCEPTION),
    "contact_carrier": CanonicalStatus(Status.EXCEPTION),
    "delayed": _DELAYED_IN_TRANSIT,
    "delivery_attempted": CanonicalStatus(Status.FAILED_ATTEMPT),
    "delivery_rescheduled": CanonicalStatus(Status.IN_TRANSIT),
    "delivery_scheduled": CanonicalStatus(Status.IN_TRANSIT),
    "location_inaccessible": CanonicalStatus(Status.FAILED_ATTEMPT),
    "notice_left": CanonicalStatus(Status.FAILED_ATTEMPT),
    "out_for_delivery": CanonicalStatus(Status.OUT_FOR_DELIVERY),
    "package_accepted": CanonicalStatus(Status.IN_TRANSIT),
    "package_arrived": CanonicalStatus(Status.IN_TRANSIT),
    "package_damaged": CanonicalStatus(Status.EXCEPTION),
    "package_departed": CanonicalStatus(Status.IN_TRANSIT),
    "package_forwarded": CanonicalStatus(Status.IN_TRANSIT),
    "package_held": CanonicalStatus(Status.EXCEPTION),
    "package_processed": CanonicalStatus(Status.IN_TRANSIT),
    "package_processing": CanonicalStatus(Status.IN_TRANSIT),
    "pickup_available": CanonicalStatus(Status.AVAILABLE_FOR_PICKUP),
    "reschedule_delivery": CanonicalStatus(Status.FAILED_ATTEMPT),  # after a missed delivery
    "delivered": CanonicalStatus(Status.DELIVERED),
    "return_to_sender": CanonicalStatus(Status.RETURNING),
    "package_unclaimed": CanonicalStatus(Status.RETURNING),  # filed under RETURNED
    "package_undeliverable": CanonicalStatus(Status.FAILED),
    "package_disposed": CanonicalStatus(Status.FAILED),
    "package_lost": CanonicalStatus(Status.FAILED),
    "other": UNKNOWN,
}


def shippo_status(
    status: str | None, substatus: str | None, action_required: bool
) -> CanonicalStatus:
    if substatus is not None:
        if substatus in SHIPPO_SUBSTATUSES:
            return SHIPPO_SUBSTATUSES[substatus]
        report_unmapped("shippo", "substatus", substatus)
    if status is None:
        return UNKNOWN
    if status not in SHIPPO_STATUSES:
        report_unmapped("shippo", "status", status)
        return UNKNOWN
    base = SHIPPO_STATUSES[status]
    if substatus is not None and action_required and base == Status.IN_TRANSIT:
        # A substatus we do not know yet that needs someone to act is a problem.
        return CanonicalStatus(Status.EXCEPTION)
    return CanonicalStatus(base)


# --- unmapped values ----------------------------------------------------------
_MAX_REPORTED = 1000  # a bound on memory whatever vendors send
_reported: set[tuple[str, str, str]] = set()


def report_unmapped(vendor: str, field: str, raw_value: str) -> None:
    """Warn once per (vendor, field, value) per process: a table needs a new row."""
    key = (vendor, field, raw_value)
    if key in _reported or len(_reported) >= _MAX_REPORTED:
        return
    _reported.add(key)
    logger.warning(
        "unmapped %s %s %r: kept as status unknown or its coarser status",
        vendor,
        field,
        raw_value[:100],
    )
