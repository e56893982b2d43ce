"""tracker.capture: activity, idle/away and screenshots behind small OS-hook interfaces.

- :mod:`.ports`: the Protocols (InputCounter, IdleClock, ScreenGrabber, SuspendDetector), the Null
  backends that say in one line why a hook is unavailable, and fakes for tests.
- :mod:`.backends`: picks the real backend per OS **at start-up** (never at import).
- :mod:`.slots`, :mod:`.away`, :mod:`.shots`: pure logic (10-minute slots, away periods, the
  screenshot plan and encoding).
- :mod:`.engine`: one Qt-free object the app ticks once a second.

pynput, python-xlib and mss are imported lazily, only when a backend starts.
"""
