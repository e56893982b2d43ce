"""One instance per user and data dir: a second launch asks the first to raise its window."""

from __future__ import annotations

import getpass
import hashlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket


def server_name(data_dir: str) -> str:
    digest = hashlib.sha256(f"{getpass.getuser()}\0{data_dir}".encode()).hexdigest()[:16]
    return f"tracker-{digest}"


class SingleInstance(QObject):
    raise_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server: QLocalServer | None = None

    def claim(self, timeout_ms: int = 500) -> bool:
        """True if this is the first instance; otherwise tell the first one and return False."""
        sock = QLocalSocket()
        sock.connectToServer(self.name)
        if sock.waitForConnected(timeout_ms):
            sock.disconnectFromServer()
            return False
        QLocalServer.removeServer(self.name)  # a socket file left by a crashed instance
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self.server.listen(self.name):
            return True  # cannot listen: still run, just without the single-instance guard
        self.server.newConnection.connect(self._connection)
        return True

    def _connection(self) -> None:
        # A connection is the whole message: "bring your window forward".
        if self.server is None:
            return
        while (sock := self.server.nextPendingConnection()) is not None:
            sock.disconnectFromServer()
            sock.deleteLater()
        self.raise_requested.emit()

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
