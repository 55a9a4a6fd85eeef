"""Rendering for people: the one Jinja2 environment (`environment`) and the one
set of formatters that the tracking page, the lookup JSON and every message
share: `carriers` (names and links), `formats` (dates in KARGO_TIMEZONE,
money), `events` (Kargo's own events in the reader's language).

Import the submodule you need: the lookup Lambda takes `events` alone, and
nothing here imports Jinja2 until a template is rendered.
"""
