"""Horizontal bar charts as inline SVG, drawn on the server.

Our own ~50 lines rather than a charting library: the well-kept SVG libraries
(pygal, matplotlib's SVG backend) are megabytes in the Lambda package and on the
cold path, and pygal's output expects its JavaScript (which the page's CSP would
block anyway). Bars with a label and a value are all the console draws.

The SVG uses presentation attributes only (no `style` attributes: the CSP allows
just the console's hashed stylesheet), carries `role="img"` with a title and a
description for screen readers, and scales to the width of its container.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 10
LABEL_WIDTH = 130
BAR_WIDTH = 200
VALUE_WIDTH = 60
WIDTH = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
BAR_COLOUR = "#0b5cad"
TRACK_COLOUR = "#e6ebf1"
TEXT_COLOUR = "#1f2328"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # from 0 to the chart's maximum
    value_text: str  # what is written at the end of the bar


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], maximum: float) -> Markup:
    """An SVG of one bar per entry, the longest `maximum` long; `chart_id` keeps
    the ids of its title and description unique on the page."""
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP) + GAP
    described = "; ".join(f"{bar.label}: {bar.value_text}" for bar in bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}</desc>',
    ]
    for index, bar in enumerate(bars):
        top = GAP + index * (BAR_HEIGHT + GAP)
        middle = top + BAR_HEIGHT / 2 + 5
        share = 0.0 if maximum <= 0 else min(max(bar.value / maximum, 0.0), 1.0)
        length = round(BAR_WIDTH * share, 1)
        parts += [
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" font-size="15" '
            f'fill="{TEXT_COLOUR}">{escape(bar.label)}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{top}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" '
            f'fill="{TRACK_COLOUR}" rx="3"/>',
            f'<rect x="{LABEL_WIDTH}" y="{top}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_COLOUR}" rx="3"/>',
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{middle}" font-size="15" '
            f'fill="{TEXT_COLOUR}">{escape(bar.value_text)}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
