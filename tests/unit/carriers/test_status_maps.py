"""Every row of the vendor status tables, with the intended canonical status written out.

The expectations here are typed by hand from the vendors' documents and
CONTRACT.md section 3, not read from the tables: a changed row must change a
test too. Each vendor also has a completeness test, so a row added to a
table without a test here fails.
"""

from __future__ import annotations

import logging

import pytest

from chalicelib.carriers import status_maps
from chalicelib.carriers.status_maps import (
    CanonicalStatus,
    aftership_status,
    easypost_status,
    shippo_status,
)
from chalicelib.domain.status import Status

# --- EasyPost `status` (no status_detail) ---------------------------------------
EASYPOST_STATUS_ROWS = [
    ("unknown", Status.UNKNOWN),
    ("pre_transit", Status.INFO_RECEIVED),
    ("in_transit", Status.IN_TRANSIT),
    ("out_for_delivery", Status.OUT_FOR_DELIVERY),
    ("delivered", Status.DELIVERED),
    ("available_for_pickup", Status.AVAILABLE_FOR_PICKUP),
    ("return_to_sender", Status.RETURNING),
    ("failure", Status.FAILED),
    ("cancelled", Status.CANCELLED),
    ("error", Status.UNKNOWN),
]


@pytest.mark.parametrize(("raw", "expected"), EASYPOST_STATUS_ROWS)
def test_easypost_status(raw: str, expected: Status) -> None:
    assert easypost_status(raw, None) == CanonicalStatus(expected)


# --- EasyPost `status_detail` on an `in_transit` scan -----------------------------
EASYPOST_DETAIL_ROWS = [
    ("address_correction", Status.IN_TRANSIT, False),
    ("arrived_at_destination", Status.IN_TRANSIT, False),
    ("arrived_at_facility", Status.IN_TRANSIT, False),
    ("arrived_at_pickup_location", Status.IN_TRANSIT, False),
    ("awaiting_information", Status.IN_TRANSIT, False),
    ("cancelled", Status.CANCELLED, False),
    ("damaged", Status.EXCEPTION, False),
    ("delayed", Status.IN_TRANSIT, True),
    ("delivery_exception", Status.EXCEPTION, False),
    ("departed_facility", Status.IN_TRANSIT, False),
    ("departed_origin_facility", Status.IN_TRANSIT, False),
    ("expired", Status.EXPIRED, False),
    ("failure", Status.IN_TRANSIT, False),
    ("held", Status.EXCEPTION, False),
    ("in_transit", Status.IN_TRANSIT, False),
    ("label_created", Status.IN_TRANSIT, False),
    ("lost", Status.FAILED, False),
    ("missorted", Status.IN_TRANSIT, True),
    ("out_for_delivery", Status.IN_TRANSIT, False),
    ("received_at_destination_facility", Status.IN_TRANSIT, False),
    ("received_at_origin_facility", Status.IN_TRANSIT, False),
    ("refused", Status.EXCEPTION, False),
    ("return", Status.RETURNING, False),
    ("status_update", Status.IN_TRANSIT, False),
    ("transferred_to_destination_carrier", Status.IN_TRANSIT, False),
    ("transit_exception", Status.EXCEPTION, False),
    ("unknown", Status.IN_TRANSIT, False),
    ("weather_delay", Status.IN_TRANSIT, True),
]


@pytest.mark.parametrize(("detail", "expected", "delayed"), EASYPOST_DETAIL_ROWS)
def test_easypost_status_detail_on_an_in_transit_scan(
    detail: str, expected: Status, delayed: bool
) -> None:
    assert easypost_status("in_transit", detail) == CanonicalStatus(expected, delayed)


@pytest.mark.parametrize(
    ("status", "detail", "expected"),
    [
        ("delivered", "return", CanonicalStatus(Status.DELIVERED)),
        ("delivered", "weather_delay", CanonicalStatus(Status.DELIVERED)),
        ("failure", "held", CanonicalStatus(Status.FAILED)),
        ("cancelled", "delayed", CanonicalStatus(Status.CANCELLED)),
        ("out_for_delivery", "weather_delay", CanonicalStatus(Status.OUT_FOR_DELIVERY, True)),
        ("return_to_sender", "in_transit", CanonicalStatus(Status.RETURNING)),
        ("pre_transit", "cancelled", CanonicalStatus(Status.CANCELLED)),
        ("unknown", "lost", CanonicalStatus(Status.FAILED)),
        ("unknown", "delayed", CanonicalStatus(Status.UNKNOWN)),
        (None, None, CanonicalStatus(Status.UNKNOWN)),
    ],
)
def test_easypost_a_final_status_keeps_its_word_and_details_refine_the_rest(
    status: str | None, detail: str | None, expected: CanonicalStatus
) -> None:
    assert easypost_status(status, detail) == expected


def test_every_easypost_row_has_a_test() -> None:
    assert set(status_maps.EASYPOST_STATUSES) == {raw for raw, _ in EASYPOST_STATUS_ROWS}
    assert set(status_maps.EASYPOST_STATUS_DETAILS) == {row[0] for row in EASYPOST_DETAIL_ROWS}


# --- AfterShip `tag` (no subtag) --------------------------------------------------
AFTERSHIP_TAG_ROWS = [
    ("Pending", Status.PENDING),
    ("InfoReceived", Status.INFO_RECEIVED),
    ("InTransit", Status.IN_TRANSIT),
    ("OutForDelivery", Status.OUT_FOR_DELIVERY),
    ("AttemptFail", Status.FAILED_ATTEMPT),
    ("Delivered", Status.DELIVERED),
    ("AvailableForPickup", Status.AVAILABLE_FOR_PICKUP),
    ("Exception", Status.EXCEPTION),
    ("Expired", Status.EXPIRED),
]


@pytest.mark.parametrize(("tag", "expected"), AFTERSHIP_TAG_ROWS)
def test_aftership_tag(tag: str, expected: Status) -> None:
    assert aftership_status(tag, None) == CanonicalStatus(expected)


# --- AfterShip `subtag` (with its own tag) -----------------------------------------
AFTERSHIP_SUBTAG_ROWS = [
    ("Pending_001", Status.PENDING, False),
    ("Pending_002", Status.PENDING, False),
    ("Pending_003", Status.PENDING, False),
    ("Pending_004", Status.PENDING, False),
    ("Pending_005", Status.PENDING, False),
    ("Pending_006", Status.PENDING, False),
    ("InfoReceived_001", Status.INFO_RECEIVED, False),
    ("InTransit_001", Status.IN_TRANSIT, False),
    ("InTransit_002", Status.IN_TRANSIT, False),
    ("InTransit_003", Status.IN_TRANSIT, False),
    ("InTransit_004", Status.IN_TRANSIT, False),
    ("InTransit_005", Status.IN_TRANSIT, False),
    ("InTransit_006", Status.IN_TRANSIT, False),
    ("InTransit_007", Status.IN_TRANSIT, False),
    ("InTransit_008", Status.IN_TRANSIT, False),
    ("InTransit_009", Status.IN_TRANSIT, False),
    ("OutForDelivery_001", Status.OUT_FOR_DELIVERY, False),
    ("OutForDelivery_003", Status.OUT_FOR_DELIVERY, False),
    ("OutForDelivery_004", Status.OUT_FOR_DELIVERY, False),
    ("AttemptFail_001", Status.FAILED_ATTEMPT, False),
    ("AttemptFail_002", Status.FAILED_ATTEMPT, False),
    ("AttemptFail_003", Status.FAILED_ATTEMPT, False),
    ("Delivered_001", Status.DELIVERED, False),
    ("Delivered_002", Status.DELIVERED, False),
    ("Delivered_003", Status.DELIVERED, False),
    ("Delivered_004", Status.DELIVERED, False),
    ("Delivered_005", Status.DELIVERED, False),
    ("AvailableForPickup_001", Status.AVAILABLE_FOR_PICKUP, False),
    ("Exception_001", Status.EXCEPTION, False),
    ("Exception_002", Status.EXCEPTION, False),
    ("Exception_003", Status.EXCEPTION, False),
    ("Exception_004", Status.IN_TRANSIT, True),
    ("Exception_005", Status.IN_TRANSIT, True),
    ("Exception_006", Status.EXCEPTION, False),
    ("Exception_007", Status.EXCEPTION, False),
    ("Exception_008", Status.EXCEPTION, False),
    ("Exception_009", Status.EXCEPTION, False),
    ("Exception_010", Status.RETURNING, False),
    ("Exception_011", Status.RETURNED, False),
    ("Exception_012", Status.EXCEPTION, False),
    ("Exception_013", Status.FAILED, False),
    ("Exception_016", Status.IN_TRANSIT, True),
    ("Exception_017", Status.IN_TRANSIT, True),
    ("Exception_018", Status.EXCEPTION, False),
    ("Exception_019", Status.IN_TRANSIT, True),
    ("Exception_020", Status.CANCELLED, False),
    ("Exception_021", Status.FAILED, False),
    ("Expired_001", Status.EXPIRED, False),
]


@pytest.mark.parametrize(("subtag", "expected", "delayed"), AFTERSHIP_SUBTAG_ROWS)
def test_aftership_subtag(subtag: str, expected: Status, delayed: bool) -> None:
    tag = subtag.split("_")[0]
    assert aftership_status(tag, subtag) == CanonicalStatus(expected, delayed)


@pytest.mark.parametrize(
    ("tag", "subtag", "expected"),
    [
        ("InTransit", "InTransit_099", Status.IN_TRANSIT),  # an unknown subtag: its tag decides
        ("Exception", "Exception_014", Status.EXCEPTION),
        ("Teleported", "Teleported_001", Status.UNKNOWN),
        (None, "Delivered_001", Status.DELIVERED),
        (None, None, Status.UNKNOWN),
    ],
)
def test_aftership_the_tag_decides_what_the_subtag_cannot(
    tag: str | None, subtag: str | None, expected: Status
) -> None:
    assert aftership_status(tag, subtag) == CanonicalStatus(expected)


def test_every_aftership_row_has_a_test() -> None:
    assert set(status_maps.AFTERSHIP_TAGS) == {tag for tag, _ in AFTERSHIP_TAG_ROWS}
    assert set(status_maps.AFTERSHIP_SUBTAGS) == {row[0] for row in AFTERSHIP_SUBTAG_ROWS}


# --- Shippo `status` (no substatus) -------------------------------------------------
SHIPPO_STATUS_ROWS = [
    ("PRE_TRANSIT", Status.INFO_RECEIVED),
    ("TRANSIT", Status.IN_TRANSIT),
    ("DELIVERED", Status.DELIVERED),
    ("RETURNED", Status.RETURNING),
    ("FAILURE", Status.FAILED),
    ("UNKNOWN", Status.UNKNOWN),
]


@pytest.mark.parametrize(("raw", "expected"), SHIPPO_STATUS_ROWS)
def test_shippo_status(raw: str, expected: Status) -> None:
    assert shippo_status(raw, None, action_required=False) == CanonicalStatus(expected)


# --- Shippo `substatus.code` with the status Shippo files it under ---------------------
SHIPPO_SUBSTATUS_ROWS = [
    ("PRE_TRANSIT", "information_received", Status.INFO_RECEIVED, False),
    ("TRANSIT", "address_issue", Status.EXCEPTION, False),
    ("TRANSIT", "contact_carrier", Status.EXCEPTION, False),
    ("TRANSIT", "delayed", Status.IN_TRANSIT, True),
    ("TRANSIT", "delivery_attempted", Status.FAILED_ATTEMPT, False),
    ("TRANSIT", "delivery_rescheduled", Status.IN_TRANSIT, False),
    ("TRANSIT", "delivery_scheduled", Status.IN_TRANSIT, False),
    ("TRANSIT", "location_inaccessible", Status.FAILED_ATTEMPT, False),
    ("TRANSIT", "notice_left", Status.FAILED_ATTEMPT, False),
    ("TRANSIT", "out_for_delivery", Status.OUT_FOR_DELIVERY, False),
    ("TRANSIT", "package_accepted", Status.IN_TRANSIT, False),
    ("TRANSIT", "package_arrived", Status.IN_TRANSIT, False),
    ("TRANSIT", "package_damaged", Status.EXCEPTION, False),
    ("TRANSIT", "package_departed", Status.IN_TRANSIT, False),
    ("TRANSIT", "package_forwarded", Status.IN_TRANSIT, False),
    ("TRANSIT", "package_held", Status.EXCEPTION, False),
    ("TRANSIT", "package_processed", Status.IN_TRANSIT, False),
    ("TRANSIT", "package_processing", Status.IN_TRANSIT, False),
    ("TRANSIT", "pickup_available", Status.AVAILABLE_FOR_PICKUP, False),
    ("TRANSIT", "reschedule_delivery", Status.FAILED_ATTEMPT, False),
    ("DELIVERED", "delivered", Status.DELIVERED, False),
    ("RETURNED", "return_to_sender", Status.RETURNING, False),
    ("RETURNED", "package_unclaimed", Status.RETURNING, False),
    ("FAILURE", "package_undeliverable", Status.FAILED, False),
    ("FAILURE", "package_disposed", Status.FAILED, False),
    ("FAILURE", "package_lost", Status.FAILED, False),
    ("UNKNOWN", "other", Status.UNKNOWN, False),
]


@pytest.mark.parametrize(("status", "code", "expected", "delayed"), SHIPPO_SUBSTATUS_ROWS)
def test_shippo_substatus(status: str, code: str, expected: Status, delayed: bool) -> None:
    assert shippo_status(status, code, action_required=False) == CanonicalStatus(expected, delayed)


@pytest.mark.parametrize(
    ("status", "code", "action_required", "expected"),
    [
        ("TRANSIT", "brand_new_code", True, Status.EXCEPTION),
        ("TRANSIT", "brand_new_code", False, Status.IN_TRANSIT),
        ("DELIVERED", "brand_new_code", True, Status.DELIVERED),
        ("IN_ORBIT", None, False, Status.UNKNOWN),
        (None, None, False, Status.UNKNOWN),
    ],
)
def test_shippo_an_unknown_substatus_falls_back_to_its_status(
    status: str | None, code: str | None, action_required: bool, expected: Status
) -> None:
    assert shippo_status(status, code, action_required) == CanonicalStatus(expected)


def test_every_shippo_row_has_a_test() -> None:
    assert set(status_maps.SHIPPO_STATUSES) == {raw for raw, _ in SHIPPO_STATUS_ROWS}
    assert set(status_maps.SHIPPO_SUBSTATUSES) == {row[1] for row in SHIPPO_SUBSTATUS_ROWS}


# --- unmapped values are warned about once, never raised ------------------------------
def test_an_unmapped_value_is_a_warning_once_per_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=status_maps.__name__)
    raw = "status-seen-only-in-this-test"
    for _ in range(3):
        assert easypost_status(raw, None) == CanonicalStatus(Status.UNKNOWN)
    warnings = [record for record in caplog.records if raw in record.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "easypost" in warnings[0].getMessage()


def test_the_same_raw_value_from_another_vendor_is_reported_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=status_maps.__name__)
    raw = "value-shared-by-two-vendors"
    aftership_status(raw, None)
    shippo_status(raw, None, action_required=False)
    assert len([r for r in caplog.records if raw in r.getMessage()]) == 2
