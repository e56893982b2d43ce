"""Password guessing is slowed down: after 10 wrong passwords for one e-mail from one address
within 15 minutes, that pair gets 429 (with Retry-After) for 15 minutes — even with the right
password, and the same for an unknown e-mail, so the answer tells nothing about accounts."""

from __future__ import annotations

from datetime import timedelta

from srvutil import API, PASSWORD

from server_stub.services import accounts


def _sign_in(api, email, password):
    body = {"email": email, "password": password, "device_name": "d"}
    return api.client.post(API + "/auth/token", json=body)


def _at(clock, seconds):
    clock.now += seconds


def test_ten_wrong_passwords_block_the_pair_then_it_recovers(api, team, server_clock):
    email = team.member.email
    for _ in range(10):
        assert _sign_in(api, email, "wrong").status_code == 401
    r = _sign_in(api, email, PASSWORD)  # even the right password waits now
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "too_many_attempts"
    assert r.json()["detail"] == "too many failed sign-ins: try again in 15 minutes"
    assert r.headers["retry-after"] == str(15 * 60)
    _at(server_clock, 10 * 60)
    r = _sign_in(api, email, PASSWORD)
    assert r.status_code == 429 and r.headers["retry-after"] == str(5 * 60)
    # Other accounts, and tokens already issued, are unaffected.
    assert _sign_in(api, team.viewer.email, PASSWORD).status_code == 201
    assert team.member.get("/me").status_code == 200
    _at(server_clock, 5 * 60)
    assert _sign_in(api, email, PASSWORD).status_code == 201


def test_a_good_sign_in_and_the_window_reset_the_count(api, team, server_clock):
    email = team.member.email
    for _ in range(9):
        assert _sign_in(api, email, "wrong").status_code == 401
    assert _sign_in(api, email, PASSWORD).status_code == 201  # resets
    for _ in range(9):
        assert _sign_in(api, email, "wrong").status_code == 401
    _at(server_clock, 15 * 60)  # a new window
    for _ in range(9):
        assert _sign_in(api, email, "wrong").status_code == 401
    assert _sign_in(api, email, PASSWORD).status_code == 201


def test_unknown_accounts_are_throttled_alike(api, team):
    codes = [_sign_in(api, "nobody@example.com", "x").status_code for _ in range(11)]
    assert codes == [401] * 10 + [429]
    mixed = [_sign_in(api, "NoBody@Example.com ", "x").status_code]  # same e-mail, normalised
    assert mixed == [429]


def test_the_block_is_per_client_address(api, team):
    state = api.state
    t = accounts.Throttle(max_failures=3, window_seconds=900, block_seconds=900)
    now = int(state.now())

    def attempt(client, password="wrong", at=now):
        return accounts.sign_in(state.db, state.passwords, email=team.member.email,
                                password=password, device_name="d", now=at, client=client,
                                throttle=t)  # fmt: skip

    for _ in range(3):
        assert attempt("198.51.100.7") is None
    try:
        attempt("198.51.100.7", PASSWORD)
        raise AssertionError("not blocked")
    except accounts.TooManyAttempts as exc:
        assert exc.retry_after == 900
    assert attempt("203.0.113.9", PASSWORD) is not None  # another address signs in
    assert attempt("198.51.100.7", PASSWORD, at=now + 900) is not None
    # No address or e-mail is stored in the clear.
    with state.db.read() as conn:
        from sqlalchemy import select

        from server_stub.db.tables import sign_in_failures

        keys = [r.key for r in conn.execute(select(sign_in_failures))]
    assert all(len(k) == 64 and "198" not in k for k in keys)


def test_sign_in_failures_do_not_pile_up(api, team, server_clock):
    for i in range(20):
        _sign_in(api, f"guess{i}@example.com", "x")
    _at(server_clock, int(timedelta(hours=1).total_seconds()))
    _sign_in(api, "late@example.com", "x")  # counting a failure sweeps rows long past
    from sqlalchemy import func, select

    from server_stub.db.tables import sign_in_failures

    with api.state.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(sign_in_failures)).scalar() == 1
