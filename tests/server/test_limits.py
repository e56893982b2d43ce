"""Headers and limits on every answer (contract §4b'): nosniff, CORS off unless configured, a
size limit on every body, uploads typed by their content, per-token rate limits (429)."""

from __future__ import annotations

import dataclasses
import gzip
import io
import warnings

import pytest
from srvutil import API, jpeg, tracked, upload_shot

from server_stub.app import create_app
from server_stub.ratelimit import Limiter
from server_stub.settings import RateLimit, parse_origins, parse_rate_limits
from server_stub.uploads import sniff_image

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def _problem(r, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code


def test_nosniff_on_every_answer(api, team):
    c = api.client
    answers = [
        team.member.get("/me"),  # 200
        c.get(API + "/me"),  # 401
        team.member.get("/users"),  # 403
        team.member.get("/no-such-route"),  # 404
        c.get("/not-even-the-api"),  # 404 outside the API
        c.put(API + "/me", headers=team.member.headers),  # 405
        team.member.post("/projects", {"name": 5}),  # 422
        team.member.post("/projects", content=b"x" * (3 * 1024 * 1024)),  # 413, a middleware
        c.get("/healthz"),
        c.get("/openapi.json"),
    ]
    for r in answers:
        assert r.headers.get("x-content-type-options") == "nosniff", (r.status_code, r.url)


def test_cors_is_off_unless_configured(api, settings, team):
    origin = {"Origin": "https://evil.example"}
    r = team.member.get("/me", headers=origin)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    pre = api.client.options(
        API + "/me", headers={**origin, "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in pre.headers
    cfg = dataclasses.replace(settings, cors_origins=("https://app.example",))
    app = create_app(cfg)
    with TestClient(app) as client:
        ok = client.get(
            API + "/me", headers={**team.member.headers, "Origin": "https://app.example"}
        )
        assert ok.headers["access-control-allow-origin"] == "https://app.example"
        assert ok.headers["x-content-type-options"] == "nosniff"
        other = client.get(API + "/me", headers={**team.member.headers, **origin})
        assert "access-control-allow-origin" not in other.headers
        pre = client.options(
            API + "/me",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PATCH",
                     "Access-Control-Request-Headers": "authorization"},
        )  # fmt: skip
        assert pre.status_code == 200 and "PATCH" in pre.headers["access-control-allow-methods"]
    app.state.tracker.db.dispose()
    with pytest.raises(ValueError, match="bad CORS origin"):
        parse_origins("ftp://x.example")
    assert parse_origins("https://a.example/, http://b.example:8080") == (
        "https://a.example",
        "http://b.example:8080",
    )


def test_every_body_has_a_size_limit(api, settings, team):
    big = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    for call in (
        lambda: team.admin.post("/clients", content=big),
        lambda: team.admin.patch(f"/projects/{team.project['id']}", content=big),
        lambda: team.admin.put(
            f"/projects/{team.project['id']}/members/{team.member.id}", content=big
        ),
        lambda: team.admin.post(
            "/users", content=gzip.compress(big), headers={"Content-Encoding": "gzip"}
        ),
        lambda: api.client.request("GET", API + "/me", content=big, headers=team.admin.headers),
    ):
        _problem(call(), 413, "body_too_large")
    # The default is a setting; smaller bodies still go through.
    cfg = dataclasses.replace(settings, max_body_bytes=4096)
    app = create_app(cfg)
    with TestClient(app) as client:
        h = {**team.admin.headers, "Content-Type": "application/json"}
        r = client.post(API + "/projects", content=b'{"name": "' + b"y" * 5000 + b'"}', headers=h)
        _problem(r, 413, "body_too_large")
        r = client.post(API + "/projects", content=b'{"name": "small"}', headers=h)
        assert r.status_code == 201, r.text
        # uploads keep their own larger limit
        entry = tracked(team.member, team.task["id"], "2026-11-25T09:00:00Z",
                        "2026-11-25T10:00:00Z")  # fmt: skip
        team.manager.patch(f"/projects/{team.project['id']}", {"screenshots": True})
        from srvutil import User

        member = User(team.member.id, team.member.email, "member", team.member.token, client)
        assert len(jpeg()) < 4096 < len(_noise_png())
        r = upload_shot(member, entry, _noise_png())
        assert r.status_code == 201, r.text
    app.state.tracker.db.dispose()


def _noise_png() -> bytes:
    """A PNG of about 10 KB (random pixels do not compress)."""
    import random

    from PIL import Image

    rng = random.Random(7)
    im = Image.frombytes("RGB", (64, 64), bytes(rng.randrange(256) for _ in range(64 * 64 * 3)))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def test_uploads_are_typed_by_content_not_by_name(api, team):
    team.manager.patch(f"/projects/{team.project['id']}", {"screenshots": True})
    entry = tracked(team.member, team.task["id"], "2026-11-25T09:00:00Z", "2026-11-25T10:00:00Z")
    png = _noise_png()
    # a PNG sent as shot.jpg / image/jpeg is stored and served as the PNG it is
    r = upload_shot(team.member, entry, png)
    assert r.status_code == 201 and r.json()["media_type"] == "image/png", r.text
    image = team.member.get(f"/screenshots/{r.json()['id']}/image")
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    # HTML, SVG or a GIF named .jpg is not an image we keep
    for data in (b"<html><script>alert(1)</script></html>", b'<svg xmlns="x"/>',
                 b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"):  # fmt: skip
        _problem(upload_shot(team.member, entry, data), 422, "not_an_image")
    assert sniff_image(png) == "image/png" and sniff_image(jpeg()) == "image/jpeg"
    assert sniff_image(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_image(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None


def test_rate_limit_per_token_429_with_retry_after(api, settings, team):
    cfg = dataclasses.replace(settings, rate_limits=(RateLimit(3, 60),))
    app = create_app(cfg)
    with TestClient(app) as client:
        for _ in range(3):
            assert client.get(API + "/me", headers=team.member.headers).status_code == 200
        r = client.get(API + "/me", headers=team.member.headers)
        _problem(r, 429, "rate_limited")
        assert r.headers["retry-after"] == "20"  # one request every 20 s refills
        assert r.headers["x-content-type-options"] == "nosniff"
        # other tokens are not starved, and the health probe is never limited
        assert client.get(API + "/me", headers=team.admin.headers).status_code == 200
        assert all(client.get("/healthz").status_code == 200 for _ in range(5))
    app.state.tracker.db.dispose()


def test_token_buckets():
    now = [0.0]
    lim = Limiter(parse_rate_limits("5/s, 8/min"), clock=lambda: now[0])
    assert [lim.take("a") for _ in range(5)] == [0.0] * 5
    assert lim.take("a") == pytest.approx(0.2)  # the burst bucket: one more in 1/5 s
    assert lim.take("b") == 0.0
    now[0] = 1.0
    assert [lim.take("a") for _ in range(3)] == [0.0] * 3  # 8 in all: the minute bucket is dry
    # 3 + 1 s x 8/60 - 3 = 0.133 tokens left: 0.867 tokens at 8/60 per second is 6.5 s
    assert lim.take("a") == pytest.approx(6.5)
    assert parse_rate_limits("off") == ()
    for bad in ("100", "0/s", "5/fortnight", "x/min"):
        with pytest.raises(ValueError, match="bad rate limit"):
            parse_rate_limits(bad)
    small = Limiter((RateLimit(1, 1),), clock=lambda: now[0], max_callers=3)
    for caller in "wxyz":
        small.take(caller)
    assert len(small._buckets) <= 3  # bounded: a flood of made-up tokens cannot grow it


def test_serve_refuses_bad_limits_in_one_line(api, settings, capsys):
    from server_stub.cli import main

    common = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    for bad, says in (
        (["--rate-limit", "5/fortnight"], "bad rate limit '5/fortnight'"),
        (["--cors-origin", "ftp://x.example"], "bad CORS origin 'ftp://x.example'"),
        (["--max-body-bytes", "10"], "--max-body-bytes must be at least 1024"),
    ):
        capsys.readouterr()
        assert main(["serve", *common, *bad]) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and says in err, err
