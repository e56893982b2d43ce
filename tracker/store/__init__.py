"""The local store: one SQLite file through sqlite-utils (the only package that imports sqlite3)."""

from .repo import Store, open_store

__all__ = ["Store", "open_store"]
