"""The poller's schedule: tiers, slots, the slots a run reads, and the index attributes."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.status import Status
from chalicelib.poll import schedule
from chalicelib.poll.schedule import SLOT_SPACE, Tier, Window, slot_ranges, tick_window

NOW = datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC)


def in_ranges(slot: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= slot <= high for low, high in ranges)


def test_tiers_follow_the_status() -> None:
    assert schedule.tier_for(Status.OUT_FOR_DELIVERY) is Tier.NEAR
    assert schedule.tier_for(Status.AVAILABLE_FOR_PICKUP) is Tier.NEAR
    assert schedule.tier_for(Status.FAILED_ATTEMPT) is Tier.NEAR
    for status in (Status.PENDING, Status.IN_TRANSIT, Status.EXCEPTION, Status.UNKNOWN):
        assert schedule.tier_for(status) is Tier.REGULAR
    for status in (Status.DELIVERED, Status.RETURNED, Status.EXPIRED, Status.CANCELLED):
        assert schedule.tier_for(status) is None


def test_index_attributes_are_sparse() -> None:
    polled = {"yurtici"}
    open_ = schedule.poll_index_attributes("yurtici", "YT1", Status.IN_TRANSIT, polled)
    assert open_["poll_part"].startswith("POLL#yurtici#regular#")
    assert 0 <= open_["poll_slot"] < SLOT_SPACE
    near = schedule.poll_index_attributes("yurtici", "YT1", Status.OUT_FOR_DELIVERY, polled)
    assert near["poll_part"].startswith("POLL#yurtici#near#")
    assert near["poll_slot"] == open_["poll_slot"]  # the slot never moves
    assert schedule.poll_index_attributes("yurtici", "YT1", Status.DELIVERED, polled) == {
        "poll_part": None,
        "poll_slot": None,
    }
    assert (
        schedule.poll_index_attributes("ups", "1Z1", Status.IN_TRANSIT, polled)["poll_part"] is None
    )


def test_the_key_comes_back_from_the_table_key() -> None:
    assert schedule.shipment_key_from_pk("SHIP#yurtici#YT123") == ("yurtici", "YT123")


def test_tick_windows_tile_time() -> None:
    window = tick_window(NOW, 60)
    assert window == Window(int(NOW.timestamp()) // 60 * 60 - 60, int(NOW.timestamp()) // 60 * 60)
    assert tick_window(NOW + timedelta(seconds=60), 60).start == window.end
    # A retried invocation for the same scheduled moment reads the same slots.
    assert tick_window(NOW + timedelta(seconds=20), 60) == window


@settings(deadline=None, max_examples=40)
@given(
    start=st.integers(min_value=0, max_value=10**10),
    tick=st.sampled_from([1, 7, 60]),
    interval=st.sampled_from([60, 1800, 7200, 7211]),
)
def test_consecutive_windows_cover_each_slot_exactly_once_per_cycle(
    start: int, tick: int, interval: int
) -> None:
    """Over one cycle of consecutive ticks, every slot is read exactly once."""
    if interval % tick:
        return
    counts: Counter[int] = Counter()
    probe = [0, 1, SLOT_SPACE // 3, SLOT_SPACE // 2, SLOT_SPACE - 2, SLOT_SPACE - 1]
    first = start // tick * tick
    for moment in range(first, first + interval, tick):
        ranges = slot_ranges(Window(moment, moment + tick), interval)
        for slot in probe:
            counts[slot] += in_ranges(slot, ranges)
    assert all(counts[slot] == 1 for slot in probe), counts


@given(slot=st.integers(0, SLOT_SPACE - 1), interval=st.sampled_from([1800, 7200]))
def test_a_slot_is_read_by_the_run_of_its_moment(slot: int, interval: int) -> None:
    due = schedule.slot_due_at(slot, interval, NOW)
    assert NOW <= due < NOW + timedelta(seconds=interval)
    window = tick_window(due + timedelta(seconds=60), 60)
    assert window.start <= due.timestamp() < window.end
    assert in_ranges(slot, slot_ranges(window, interval))


def test_a_window_of_a_whole_cycle_reads_every_slot() -> None:
    assert slot_ranges(Window(0, 7200), 7200) == [(0, SLOT_SPACE - 1)]
    assert slot_ranges(Window(100, 100), 7200) == []


def test_a_window_across_the_cycle_boundary_reads_both_ends() -> None:
    ranges = slot_ranges(Window(7200 - 30, 7200 + 30), 7200)
    assert len(ranges) == 2
    assert in_ranges(SLOT_SPACE - 1, ranges) and in_ranges(0, ranges)
    assert not in_ranges(SLOT_SPACE // 2, ranges)


def test_tiers_are_read_in_periods_of_a_twenty_fourth_of_their_interval() -> None:
    assert schedule.cadence(7200, 60) == 300
    assert schedule.cadence(1800, 60) == 60  # 75 s rounds down to whole ticks
    assert schedule.cadence(4, 1) == 1 and schedule.cadence(30, 60) == 60
    # The run in which a period ends reads that period; the others read nothing.
    assert schedule.tier_window(Window(540, 600), 300) == Window(300, 600)
    assert schedule.tier_window(Window(600, 660), 300) == Window(600, 600)
    assert schedule.tier_window(Window(600, 660), 60) == Window(600, 660)


def test_a_carrier_that_owes_shipments_reads_from_what_it_owes() -> None:
    assert schedule.tier_window(Window(600, 660), 300, missed_from=420) == Window(420, 600)
    assert schedule.tier_window(Window(600, 660), 60, missed_from=420) == Window(420, 660)
    assert schedule.tier_window(Window(600, 660), 300, missed_from=650) == Window(600, 600)


@settings(deadline=None, max_examples=40)
@given(start=st.integers(0, 10**9), interval=st.sampled_from([1800, 7200, 4]))
def test_runs_read_each_moment_of_a_tier_exactly_once(start: int, interval: int) -> None:
    tick = 1 if interval < 60 else 60
    period = schedule.cadence(interval, tick)
    first = start // tick * tick
    covered: list[tuple[int, int]] = []
    for end in range(first + tick, first + tick + 3 * period, tick):
        read = schedule.tier_window(Window(end - tick, end), period)
        if read.end > read.start:
            covered.append((read.start, read.end))
    assert all(a[1] == b[0] for a, b in itertools.pairwise(covered))
    assert all(end - begin == period for begin, end in covered)


@given(slot=st.integers(0, SLOT_SPACE - 1))
def test_the_run_asking_a_slot_comes_within_one_period_of_its_moment(slot: int) -> None:
    moment = schedule.slot_due_at(slot, 7200, NOW)
    run = schedule.first_run_asking(slot, 7200, 60, NOW)
    assert moment < run <= moment + timedelta(seconds=300)
    read = schedule.tier_window(tick_window(run, 60), schedule.cadence(7200, 60))
    assert in_ranges(slot, slot_ranges(read, 7200))


def test_slots_spread_evenly() -> None:
    slots = [schedule.poll_slot("yurtici", f"YT{i:08d}") for i in range(20_000)]
    quarters = Counter(slot * 4 // SLOT_SPACE for slot in slots)
    assert all(4_500 < quarters[q] < 5_500 for q in range(4))
    shards = Counter(schedule.poll_shard("yurtici", f"YT{i:08d}") for i in range(20_000))
    assert len(shards) == schedule.POLL_SHARDS


@pytest.mark.parametrize("interval", [1800, 7200])
def test_minute_windows_read_about_one_sixtieth_of_a_regular_cycle(interval: int) -> None:
    (low, high), *_ = slot_ranges(Window(600, 660), interval)
    assert abs((high - low + 1) - SLOT_SPACE * 60 / interval) <= 1
