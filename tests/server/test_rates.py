"""Rates (server-spec §6.3, §6.12 checks 5–7) on both databases: effective-dated history,
resolution at ``started_at``, back-dated changes and their dry runs, locked and hand-priced
intervals that never move, re-resolution when an interval moves to another project."""

from __future__ import annotations

from sqlalchemy import select, update
from srvutil import iv, tracked

from server_stub.db.tables import intervals

EUR = "EUR"


def _eur(amount: str) -> dict:
    return {"amount": amount, "currency": EUR}


def _billing(api, *ids: str) -> dict[str, tuple]:
    """(bill rate, origin, estimate) of each interval, read from the database."""
    with api.state.db.read() as conn:
        rows = conn.execute(
            select(
                intervals.c.id, intervals.c.bill_rate_minor, intervals.c.bill_rate_origin,
                intervals.c.estimated_amount_minor,
            ).where(intervals.c.id.in_(ids))
        ).all()  # fmt: skip
    return {r.id: (r.bill_rate_minor, r.bill_rate_origin, r.estimated_amount_minor) for r in rows}


def _set(api, interval_id: str, **values) -> None:
    """What the invoices' finalize (a lock) or an admin's override (a manual rate) leaves."""
    with api.state.db.engine.begin() as conn:
        conn.execute(update(intervals).where(intervals.c.id == interval_id).values(**values))


def _day(n: int, hour: int = 9) -> tuple[str, str]:
    return f"2026-11-{n:02d}T{hour:02d}:00:00Z", f"2026-11-{n:02d}T{hour + 1:02d}:00:00Z"


def test_backdated_change_reprices_exactly_what_its_dry_run_lists(api, team):
    """Check 6: the dry run lists the unlocked, non-overridden intervals of the holder from
    ``effective_from`` on, changes nothing, and the real change re-prices exactly those."""
    pid, t = team.project["id"], team.task["id"]
    assert team.manager.patch(f"/projects/{pid}", {"bill_rate": _eur("100")}).status_code == 200
    early = tracked(team.member, t, *_day(2))  # before effective_from
    later = tracked(team.member, t, *_day(10))
    latest = tracked(team.member, t, *_day(20))
    manual = tracked(team.member, t, *_day(21))
    locked = tracked(team.member, t, *_day(22))
    _set(api, manual, bill_rate_origin="manual", bill_rate_minor=5000, estimated_amount_minor=5000)
    _set(api, locked, locked_by_invoice_id="inv-1", invoiced_amount_minor=10000,
         invoiced_currency=EUR)  # fmt: skip
    # a member-on-project rate outranks the project's: the project change does not touch it
    api.member(team.admin, pid, team.other_member, bill_rate=_eur("80"))
    theirs = tracked(team.other_member, t, *_day(12))
    elsewhere = tracked(team.other_member, team.other_task["id"], *_day(13))
    before = _billing(api, early, later, latest, manual, locked, theirs, elsewhere)
    assert before[later] == (10000, "project", 10000)
    assert before[theirs] == (8000, "member_project", 8000)

    body = {"bill_rate": _eur("120"), "effective_from": "2026-11-05"}
    dry = team.manager.patch(f"/projects/{pid}", body, params={"dry_run": "true"})
    assert dry.status_code == 200, dry.text
    assert dry.json() == {"repriced": sorted([later, latest]), "delta": [_eur("40.00")]}
    assert _billing(api, *before) == before  # a dry run changes nothing
    assert team.manager.get(f"/projects/{pid}").json()["bill_rate"] == _eur("100.00")
    again = team.manager.patch(f"/projects/{pid}", body, params={"dry_run": "true"})
    assert again.json() == dry.json()

    real = team.manager.patch(f"/projects/{pid}", body)
    assert real.status_code == 200 and real.json()["bill_rate"] == _eur("120.00"), real.text
    after = _billing(api, *before)
    moved = {i for i in before if after[i] != before[i]}
    assert moved == set(dry.json()["repriced"])
    assert after[later] == after[latest] == (12000, "project", 12000)
    assert after[locked] == before[locked] and after[manual] == before[manual]
    # a new interval before effective_from still gets the rate of its own day
    old = tracked(team.member, t, *_day(3))
    assert _billing(api, old)[old] == (10000, "project", 10000)


def test_default_effective_from(api, team, server_clock):
    """No rate before: from the beginning of time (unpriced time becomes priced); changing an
    existing rate: from now, so tracked history keeps its price."""
    pid, t = team.project["id"], team.task["id"]
    first = tracked(team.member, t, *_day(2))
    assert _billing(api, first)[first] == (None, "none", None)
    dry = team.manager.patch(f"/projects/{pid}", {"bill_rate": _eur("90")}, params={"dry_run": 1})
    assert dry.json() == {"repriced": [first], "delta": [_eur("90.00")]}
    team.manager.patch(f"/projects/{pid}", {"bill_rate": _eur("90")})
    assert _billing(api, first)[first] == (9000, "project", 9000)
    # the clock says 2026-11-25 12:00: a change of an existing rate starts now
    dry = team.manager.patch(f"/projects/{pid}", {"bill_rate": _eur("99")}, params={"dry_run": 1})
    assert dry.json() == {"repriced": [], "delta": []}
    team.manager.patch(f"/projects/{pid}", {"bill_rate": _eur("99")})
    assert _billing(api, first)[first] == (9000, "project", 9000)
    late = tracked(team.member, t, "2026-11-25T13:00:00Z", "2026-11-25T13:30:00Z")
    assert _billing(api, late)[late] == (9900, "project", 4950)
    future = team.manager.patch(
        f"/projects/{pid}", {"bill_rate": _eur("1"), "effective_from": "2026-11-26"}
    )
    assert (future.status_code, future.json()["code"]) == (422, "effective_from_in_future")


def test_the_rate_chain_and_unpriced_time(api, team):
    """member-on-project → project → client → user default → none (unpriced, never 0)."""
    pid, t = team.project["id"], team.task["id"]
    client = team.manager.post("/clients", {"name": "Acme", "currency": EUR}).json()
    team.manager.patch(f"/projects/{pid}", {"client_id": client["id"]})
    a = tracked(team.member, t, *_day(2))
    assert _billing(api, a)[a] == (None, "none", None)
    steps = [
        (lambda: team.admin.patch(f"/users/{team.member.id}", {"default_bill_rate": _eur("10")}),
         (1000, "user_default")),
        (lambda: team.manager.patch(f"/clients/{client['id']}", {"bill_rate": _eur("20")}),
         (2000, "client")),
        (lambda: team.manager.patch(f"/projects/{pid}", {"bill_rate": _eur("30")}),
         (3000, "project")),
        (lambda: team.manager.put(f"/projects/{pid}/members/{team.member.id}",
                                  {"bill_rate": _eur("40")}), (4000, "member_project")),
    ]  # fmt: skip
    for call, (rate, origin) in steps:
        r = call()
        assert r.status_code == 200, r.text
        assert _billing(api, a)[a] == (rate, origin, rate)
    # a rate finer than the currency is refused, and nothing changes
    for body in ({"bill_rate": _eur("30.005")}, {"bill_rate": {"amount": "1.5", "currency": "JPY"},
                                                   "currency": "JPY"}):  # fmt: skip
        r = team.manager.patch(f"/projects/{pid}", body)
        assert (r.status_code, r.json()["code"]) == (422, "too_many_decimals"), r.text
    assert _billing(api, a)[a] == (4000, "member_project", 4000)


def test_moving_an_interval_to_another_project_resolves_its_rate_again(api, team):
    """Check 7: an unlocked interval moved to a task of another project takes that project's
    rate; an edit of a locked one is a ``locked`` conflict and changes nothing."""
    p, q = team.project["id"], team.other_project["id"]
    team.manager.patch(f"/projects/{p}", {"bill_rate": _eur("100")})
    team.manager.patch(f"/projects/{q}", {"bill_rate": _eur("50")})
    api.member(team.manager, q, team.member)
    q_task = team.other_task["id"]
    item = iv(team.task["id"], *_day(2))
    team.member.push(item)
    assert _billing(api, item["id"])[item["id"]] == (10000, "project", 10000)
    moved = {**item, "task_id": q_task, "revision": 2, "base": 1}
    moved["base_revision"] = 1
    del moved["base"]
    assert team.member.push(moved)["accepted"] == [item["id"]]
    assert _billing(api, item["id"])[item["id"]] == (5000, "project", 5000)
    _set(api, item["id"], locked_by_invoice_id="inv-1")
    back = {**moved, "task_id": team.task["id"], "revision": 3, "base_revision": 2}
    out = team.member.push(back)
    assert [c["reason"] for c in out["conflicts"]] == ["locked"]
    assert _billing(api, item["id"])[item["id"]] == (5000, "project", 5000)


def test_pay_rates_are_admin_only_and_reprice_too(api, team):
    pid, t = team.project["id"], team.task["id"]
    a = tracked(team.member, t, *_day(2))
    body = {"pay_rate": _eur("30"), "effective_from": "2026-11-01"}
    r = team.manager.put(f"/projects/{pid}/members/{team.member.id}", body)
    assert (r.status_code, r.json()["code"]) == (403, "pay_rate_admin_only")
    r = team.admin.put(f"/projects/{pid}/members/{team.member.id}", body, params={"dry_run": 1})
    assert r.json() == {"repriced": [a], "delta": [_eur("30.00")]}
    r = team.admin.put(f"/projects/{pid}/members/{team.member.id}", body)
    assert r.status_code == 200 and r.json()["pay_rate"] == _eur("30.00")
    r = team.admin.patch(f"/users/{team.member.id}", {"default_pay_rate": _eur("20")})
    assert r.json()["default_pay_rate"] == _eur("20.00")
    assert team.member.get("/me").json()["default_pay_rate"] == _eur("20.00")
    members = team.manager.get(f"/projects/{pid}/members").json()["items"]
    assert all(m["pay_rate"] is None for m in members)  # managers never see pay rates


def test_estimates_follow_the_workspace_rounding(api, team):
    """Half-even: 0.5 cent rounds to 0, 2.5 cents to 2; ingest and re-pricing agree with the
    dry run's delta."""
    assert team.admin.patch("/workspace", {"rounding": "half_even"}).status_code == 200
    pid, t = team.project["id"], team.task["id"]
    team.manager.patch(f"/projects/{pid}", {"bill_rate": _eur("0.01")})
    half = tracked(team.member, t, "2026-11-02T09:00:00Z", "2026-11-02T09:30:00Z")
    assert _billing(api, half)[half] == (1, "project", 0)  # 0.5 → 0
    for rate, cents in (("0.03", 2), ("0.05", 2), ("0.07", 4)):  # 1.5, 2.5, 3.5
        before = _billing(api, half)[half][2]
        body = {"bill_rate": _eur(rate), "effective_from": "2026-11-01"}
        dry = team.manager.patch(f"/projects/{pid}", body, params={"dry_run": 1}).json()
        team.manager.patch(f"/projects/{pid}", body)
        assert _billing(api, half)[half][2] == cents
        assert dry["delta"] == [_eur(f"{(cents - before) / 100:.2f}")]


def test_the_migration_starts_the_history_with_the_rates_set_so_far(tmp_path):
    """Upgrading a 0004 database: every rate already set holds from the beginning of time, so
    resolution gives what the current columns said."""
    from pathlib import Path

    from server_stub.db.migrate import upgrade
    from server_stub.db.session import make_engine
    from server_stub.db.tables import rate_history
    from server_stub.services.rates import resolve
    from server_stub.settings import Settings

    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'old.sqlite3'}",
                                  data_dir=Path(tmp_path)))  # fmt: skip
    upgrade(engine, "0004")
    with engine.begin() as conn:
        for sql in (
            "INSERT INTO users (id, email, name, role, default_bill_rate_minor, "
            "default_bill_currency, default_pay_rate_minor, pay_currency, created_at) "
            "VALUES ('u1', 'a@x.example', 'A', 'member', 5000, 'EUR', 2000, 'EUR', 1)",
            "INSERT INTO projects (id, name, bill_rate_minor, currency, seq, created_at, "
            "updated_at) VALUES ('p1', 'P', NULL, 'EUR', 1, 1, 1)",
            "INSERT INTO project_members (project_id, user_id, kind, bill_rate_minor, "
            "bill_currency, seq, created_at, updated_at) VALUES ('p1', 'u1', 'member', 9000, "
            "'EUR', 2, 1, 1)",
        ):
            conn.exec_driver_sql(sql)
    upgrade(engine)
    with engine.begin() as conn:
        held = {
            (r.holder, r.holder_id, r.kind): (r.amount_minor, r.effective_from)
            for r in conn.execute(select(rate_history)).all()
        }
        assert held == {
            ("user", "u1", "bill"): (5000, 0),
            ("user", "u1", "pay"): (2000, 0),
            ("project_member", "p1/u1", "bill"): (9000, 0),
        }
        got = resolve(conn, "u1", "p1", 1_700_000_000)
        assert (got.bill_rate_minor, got.bill_rate_origin, got.pay_rate_minor) == (
            9000, "member_project", 2000,
        )  # fmt: skip
    engine.dispose()
