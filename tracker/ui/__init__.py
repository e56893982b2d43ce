"""tracker.ui: the desktop app (PySide6).

Views lay out (``window``, ``cards``, ``dialogs``, ``tray``), the controller decides
(``controller``), and the executor runs every database, network and keyring call off the GUI
thread, handing results back through the bridge as Qt signals. ``tracker.app`` wires them.
"""
