"""A fault-injecting HTTP proxy on loopback, between the sync client and the real server.

At ``rate`` (0.3 = 30 %) a request meets one of: the request dropped (connection closed, never
forwarded); the response dropped after the server committed; a 500, 502 or 503 answer without
forwarding; a stall past the client's read timeout (then forwarded anyway, so the server may
still commit while the client has given up). Off (``enabled = False``) it forwards faithfully.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("drop_request", "drop_response", "500", "502", "503", "stall")
_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te"}


class FaultProxy:
    def __init__(self, upstream_port: int, rate: float = 0.3, stall_seconds: float = 1.5,
                 seed: int = 1) -> None:  # fmt: skip
        self.upstream_port = upstream_port
        self.rate = rate
        self.stall_seconds = stall_seconds
        self.enabled = True
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.faults: Counter[str] = Counter()
        self.requests = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                proxy._serve(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _pick(self) -> str | None:
        with self.lock:
            self.requests += 1
            if not self.enabled or self.rng.random() >= self.rate:
                return None
            fault = self.rng.choice(FAULTS)
            self.faults[fault] += 1
            return fault

    def _forward(self, h: BaseHTTPRequestHandler, body: bytes) -> tuple[int, list, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in h.headers.items() if k.lower() not in _HOP}
            conn.request(h.command, h.path, body=body or None, headers=headers)
            r = conn.getresponse()
            data = r.read()
            return r.status, r.getheaders(), data
        finally:
            conn.close()

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        fault = self._pick()
        if fault == "drop_request":
            h.close_connection = True
            return
        if fault in ("500", "502", "503"):
            payload = b'{"status": %s, "title": "injected"}' % fault.encode()
            h.send_response(int(fault))
            h.send_header("Content-Type", "application/problem+json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
            return
        if fault == "stall":
            time.sleep(self.stall_seconds)
        try:
            status, headers, data = self._forward(h, body)
        except OSError:
            h.close_connection = True  # the server is down or restarting: like a drop
            return
        if fault in ("drop_response", "stall"):
            h.close_connection = True
            return
        h.send_response(status)
        for k, v in headers:
            if k.lower() not in _HOP and k.lower() != "content-length":
                h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
