"""Rendering for people: the one Jinja2 environment (`environment`) and the one
set of formatters (`formats`, `carriers`, `events`) that the tracking page,
the lookup JSON and every message share.

Nothing here imports Jinja2 at import time.
"""

from chalicelib.rendering.carriers import carrier_name, carrier_tracking_url
from chalicelib.rendering.events import event_description
from chalicelib.rendering.formats import (
    format_date,
    format_date_range,
    format_datetime,
    format_money,
)

__all__ = [
    "carrier_name",
    "carrier_tracking_url",
    "event_description",
    "format_date",
    "format_date_range",
    "format_datetime",
    "format_money",
]
