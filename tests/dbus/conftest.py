"""D-Bus tests: a private session bus and a private system bus (dbus-daemon, started by
python-dbusmock's ``PrivateDBus``) per module, with dbusmock stand-ins for systemd-logind (its
own template) and GNOME's idle monitor on them. The process's bus addresses point at the
private buses while a module runs and are put back after it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SESSION_ID = "c7"


@pytest.fixture(scope="module")
def buses():
    from dbusmock.testcase import BusType, PrivateDBus

    names = ("DBUS_SESSION_BUS_ADDRESS", "DBUS_SYSTEM_BUS_ADDRESS", "XDG_SESSION_ID")
    saved = {k: os.environ.get(k) for k in names}
    session, system = PrivateDBus(BusType.SESSION), PrivateDBus(BusType.SYSTEM)
    session.start()
    system.start()
    os.environ["XDG_SESSION_ID"] = SESSION_ID
    try:
        yield session, system
    finally:
        session.stop()
        system.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def logind(buses):
    """logind on the system bus with one active session (``XDG_SESSION_ID``)."""
    import dbus
    from dbusmock import MOCK_IFACE
    from dbusmock.testcase import BusType, SpawnedMock

    mock = SpawnedMock.spawn_with_template(str(HERE / "logind_template.py"), {}, BusType.SYSTEM)
    path = mock.obj.AddSession(SESSION_ID, "seat0", dbus.UInt32(1000), "ana", True,
                               dbus_interface=MOCK_IFACE)  # fmt: skip
    bus = BusType.SYSTEM.get_connection()
    session = dbus.Interface(bus.get_object("org.freedesktop.login1", path), MOCK_IFACE)
    yield Logind(mock.obj, session)
    mock.terminate()


class Logind:
    def __init__(self, manager, session) -> None:
        self.manager, self.session = manager, session

    def set_idle(self, idle: bool, since_us: int) -> None:
        import dbus

        self.session.UpdateProperties("org.freedesktop.login1.Session", {
            "IdleHint": dbus.Boolean(idle), "IdleSinceHint": dbus.UInt64(since_us)})  # fmt: skip

    def prepare_for_sleep(self, going: bool) -> None:
        import dbus
        from dbusmock import MOCK_IFACE

        self.manager.EmitSignal("org.freedesktop.login1.Manager", "PrepareForSleep", "b",
                                [dbus.Boolean(going)], dbus_interface=MOCK_IFACE)  # fmt: skip


@pytest.fixture(scope="module")
def mutter(buses):
    """GNOME's idle monitor on the session bus; ``mutter.SetIdletime(ms)`` sets its answer."""
    from dbusmock import MOCK_IFACE
    from dbusmock.testcase import BusType, SpawnedMock

    mock = SpawnedMock.spawn_with_template(str(HERE / "mutter_template.py"), {}, BusType.SESSION)
    import dbus

    yield dbus.Interface(mock.obj, MOCK_IFACE)
    mock.terminate()
