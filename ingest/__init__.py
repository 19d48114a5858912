"""Alerts from Taiwan's national CAP platform: received (push, feeds, files), stored raw, read and decided.

Imports point ``bot → ingest → messages``: this package stores and reads what came in and matches it against
the rules; turning it into a notice is the office's desk's work (``bot/office/alerts.py``).
"""
