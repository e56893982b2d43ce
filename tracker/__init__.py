"""Tracker: an offline-first desktop time tracker.

The modules directly in this package are the pure core (the time model, the timer and entry rules,
totals, parsing). They import no Qt, sqlite, requests, mss or pynput; adapters live in
``tracker.store``, ``tracker.sync``, ``tracker.capture`` and ``tracker.ui``.
"""

__version__ = "0.1.0"
