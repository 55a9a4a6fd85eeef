"""Kargo: order-tracking pipeline. Everything app.py wires together lives here."""
