"""The delivery predictor against the naive baseline on a fixed generated history:
it must put more deliveries inside its range and miss by fewer business days."""

from __future__ import annotations

from bench.backtest import backtest, generate


def test_predictor_beats_the_carrier_mean_in_calendar_days() -> None:
    result = backtest(seed=17, count=3000)
    ours, naive = result["predictor"], result["baseline_carrier_mean_calendar_days"]
    assert ours["predictions"] == naive["predictions"] == result["predicted"] == 1200
    assert ours["inside"] > naive["inside"]
    assert ours["mae_business_days"] < naive["mae_business_days"]
    # The rare pairs (a slow carrier to Van) have under 20 deliveries to learn
    # from and fall back to the carrier; every carrier has plenty.
    assert set(result["basis"]) == {"carrier_city", "carrier"}
    assert result["basis"]["carrier_city"] > result["basis"]["carrier"] > 0


def test_history_is_fixed_by_its_seed_and_spans_holidays() -> None:
    first, again = generate(5, 500), generate(5, 500)
    assert first == again
    assert first != generate(6, 500)
    days = {d.picked_up.date() for d in first}
    # Pickups before and after both 2026 bayrams (March and May).
    assert min(days).month <= 2 and max(days).month >= 11
