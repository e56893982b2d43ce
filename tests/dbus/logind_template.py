"""dbusmock's own logind template (``dbusmock.templates.logind``), loaded where PyGObject is not
installed: the template imports GLib only for the file-descriptor bookkeeping of ``Inhibit``,
which these tests never call, so a stand-in module takes its place and everything else is the
stock template. Loaded by path: ``SpawnedMock.spawn_with_template(<this file>)``."""

import sys
import types

if "gi" not in sys.modules:
    try:
        import gi
    except ImportError:
        gi = types.ModuleType("gi")
        repository = types.ModuleType("gi.repository")
        repository.GLib = None
        gi.repository = repository
        sys.modules["gi"] = gi
        sys.modules["gi.repository"] = repository

from dbusmock.templates.logind import *  # noqa: F403
from dbusmock.templates.logind import BUS_NAME, MAIN_IFACE, MAIN_OBJ, SYSTEM_BUS, load  # noqa: F401
