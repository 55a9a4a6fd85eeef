"""Use case: a shipment's predicted delivery, worked out on the write path.

The lookup must stay ONE read, so the prediction is made when the shipment is
written anyway: by the consumer, in the write that stores a registered
shipment's first carrier event (or the first write after its registration, when
the carrier spoke first). It costs two reads there, never on a lookup: the
order (the destination city; the STATE item holds no address) and one Query on
the carrier's delivery aggregates of the last `HISTORY_DAYS` days (more pages
only past 1 MB). The result rides on the STATE item as `prediction`, a plain
map; `{"basis": "none"}` when nothing could be said, so it is worked out once:
a webhook that changes nothing still writes nothing, and a shipment without
history is not asked again on every event.

The start is the first carrier event; a shipment the carrier has not reported
yet has no prediction (`null` in the lookup).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, timedelta

from chalicelib import store
from chalicelib.config import settings
from chalicelib.domain.prediction import Prediction, predict
from chalicelib.domain.shipment import ShipmentState
from chalicelib.stats.aggregate import BUCKETS, city_key, histogram_attribute
from chalicelib.store.stats import carrier_aggregates

logger = logging.getLogger(__name__)

ATTRIBUTE = "prediction"
HISTORY_DAYS = 90
NOTHING_TO_SAY = {"basis": "none"}


def carrier_history(carrier: str, city: str | None, today: date) -> tuple[list[int], list[int]]:
    """(to this city, to every city) transit histograms of one carrier's deliveries
    over the last `HISTORY_DAYS` local days: one Query on its aggregates."""
    to_city, overall = [0] * BUCKETS, [0] * BUCKETS
    wanted = city_key(city)
    first_day = today - timedelta(days=HISTORY_DAYS)
    for raw in carrier_aggregates(carrier, first_day, today):
        key = str(raw["sk"]).partition("#")[2]
        for days in range(BUCKETS):
            count = int(raw.get(histogram_attribute(days), 0))
            overall[days] += count
            if wanted and key == wanted:
                to_city[days] += count
    return to_city, overall


def _destination_city(order_id: str) -> str | None:
    stored = store.load_order(order_id)
    if stored is None:
        return None
    city = (stored.document.get("customer") or {}).get("city")
    return city if isinstance(city, str) else None


def predict_shipment(record: store.ShipmentRecord, state: ShipmentState) -> Prediction | None:
    """The prediction for a registered shipment with carrier events (reads 2)."""
    assert record.registration is not None and state.events
    zone = settings().zone
    start = min(event.occurred_at for event in state.events)
    city = _destination_city(record.registration.order_id)
    to_city, overall = carrier_history(state.carrier, city, start.astimezone(zone).date())
    return predict(
        carrier=state.carrier,
        start=start,
        city_histogram=to_city if city else None,
        carrier_histogram=overall,
        zone=zone,
    )


def with_prediction(record: store.ShipmentRecord, state: ShipmentState) -> store.ShipmentRecord:
    """`record` with a prediction attached when this write is the one to make it.

    Nothing is read for a shipment that has one (or was found to have none), is not
    registered yet, or has no carrier event. A prediction that cannot be worked out
    (a read failing) is left for the next write: it must never hold up tracking."""
    if ATTRIBUTE in record.extra or record.registration is None or not state.events:
        return record
    if record.registration.return_id:
        return record  # a return travels to the shop: the shopper is not waiting for it
    try:
        prediction = predict_shipment(record, state)
    except Exception:
        logger.exception("a delivery prediction could not be made")
        return record
    value = prediction.as_json() if prediction else dict(NOTHING_TO_SAY)
    return replace(record, extra={**record.extra, ATTRIBUTE: value})
