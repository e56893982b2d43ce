"""The companion server of Tracker (``tracker-server``): FastAPI over SQLAlchemy 2.

``create_app(settings)`` in :mod:`server_stub.app` builds the ASGI app; nothing connects to a
database at import time.
"""

__version__ = "0.1.0"
