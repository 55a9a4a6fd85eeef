"""Telling people: one module per channel, templates, and the use case that
turns outbox rows into sent, failed or skipped notifications."""
