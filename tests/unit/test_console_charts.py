"""The console's SVG bar charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from chalicelib.console.charts import BAR_WIDTH, Bar, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_scale_to_the_maximum_and_text_is_escaped() -> None:
    svg = bar_chart("c1", "On <time>", [Bar("A&B", 0.5, "50%"), Bar("C", 2.0, "200%")], 1.0)
    root = ET.fromstring(str(svg))  # noqa: S314 - our own output
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "On <time>"  # type: ignore[union-attr]
    assert "A&B: 50%" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    widths = [float(rect.get("width", "0")) for rect in root.iter(f"{SVG}rect")]
    # track, bar, track, bar: the second bar is clipped to the full width
    assert widths == [BAR_WIDTH, BAR_WIDTH / 2, BAR_WIDTH, BAR_WIDTH]
    assert "style=" not in str(svg)  # the CSP allows no style attributes


def test_an_empty_chart_is_still_valid_svg() -> None:
    root = ET.fromstring(str(bar_chart("c2", "Nothing", [], 0.0)))  # noqa: S314
    assert list(root.iter(f"{SVG}rect")) == []
