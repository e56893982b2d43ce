"""The transport's choices and the pull loop, without a server."""

from __future__ import annotations

import json
import subprocess
import sys

from tracker.store import sync_state as ss
from tracker.sync.engine import SyncEngine, SyncReport
from tracker.sync.transport import Response, _pays_to_gzip
from tracker.sync.wire import batch_key


class FakeTransport:
    def __init__(self, pages: list[dict]) -> None:
        self.pages = pages
        self.calls: list[dict] = []

    def request(self, method, path, *, json_body=None, body=None, params=None, headers=None,
                retry=True) -> Response:  # fmt: skip
        self.calls.append(dict(params or {}))
        return Response(200, self.pages.pop(0))

    def close(self) -> None:
        pass


def test_gzip_only_off_the_loopback():
    assert not _pays_to_gzip("http://127.0.0.1:8765")
    assert not _pays_to_gzip("http://localhost:8765")
    assert not _pays_to_gzip("http://[::1]:8765")
    assert _pays_to_gzip("https://tracker.example.com")
    assert _pays_to_gzip("http://10.0.0.7:8765")


def test_batch_key_is_a_function_of_the_body():
    a, b = b'{"intervals":[1]}', b'{"intervals":[2]}'
    assert batch_key(a) == batch_key(a) != batch_key(b)


def test_sync_process_imports_requests_without_charset_detection():
    code = (
        "import sys, warnings\nwarnings.simplefilter('error')\n"
        "from tracker.sync.transport import import_requests\n"
        "r = import_requests(detect_charset=False)\n"
        "import json\nprint(json.dumps(sorted(sys.modules)))\n"
        "import charset_normalizer  # still importable afterwards\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(p.stdout))
    assert "requests" in loaded
    assert not {"chardet", "charset_normalizer"} & loaded
    assert p.stderr == ""


def test_pull_goes_on_through_empty_pages_and_stops_when_the_cursor_stalls(store):
    t = FakeTransport([
        {"items": [], "next_cursor": "c1", "has_more": True},
        {"items": [], "next_cursor": "c2", "has_more": True},
        {"items": [], "next_cursor": "c3", "has_more": False},
    ])  # fmt: skip
    SyncEngine(store, t).pull(SyncReport())
    assert [c.get("cursor") for c in t.calls] == [None, "c1", "c2"]
    assert ss.get(store, "cursor") == "c3"  # pages with nothing to apply: saved at the end

    t = FakeTransport([{"items": [], "next_cursor": "c3", "has_more": True}])
    SyncEngine(store, t).pull(SyncReport())  # a cursor that does not move ends the pull
    assert [c.get("cursor") for c in t.calls] == ["c3"]
