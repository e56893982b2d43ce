"""A dbusmock template of GNOME's idle monitor (python-dbusmock ships none): the interface
``org.gnome.Mutter.IdleMonitor`` at ``/org/gnome/Mutter/IdleMonitor/Core`` on the session bus,
as Mutter exports it (``GetIdletime`` answers milliseconds since the last input; the watch
methods are there and do nothing). Tests set the idle time with the mock interface's
``SetIdletime(ms)``."""

import dbus
from dbusmock import MOCK_IFACE

BUS_NAME = "org.gnome.Mutter.IdleMonitor"
MAIN_OBJ = "/org/gnome/Mutter/IdleMonitor/Core"
MAIN_IFACE = "org.gnome.Mutter.IdleMonitor"
SYSTEM_BUS = False


def load(mock, parameters):
    mock.idletime_ms = int(parameters.get("Idletime", 0))
    mock.AddMethods(
        MAIN_IFACE,
        [
            ("AddIdleWatch", "t", "u", "ret = dbus.UInt32(1)"),
            ("AddUserActiveWatch", "", "u", "ret = dbus.UInt32(2)"),
            ("RemoveWatch", "u", "", ""),
        ],
    )


@dbus.service.method(MAIN_IFACE, in_signature="", out_signature="t")
def GetIdletime(self):
    return dbus.UInt64(self.idletime_ms)


@dbus.service.method(MOCK_IFACE, in_signature="t", out_signature="")
def SetIdletime(self, ms):
    self.idletime_ms = int(ms)
