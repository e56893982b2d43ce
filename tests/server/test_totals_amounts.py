"""``GET /totals?include=amounts`` and the money in ``GET /projects/{id}/totals`` (server-spec
§6.9, §6.12 check 5) on both databases: rows add up exactly to the per-currency totals."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update
from srvutil import iv, tracked

from server_stub.db.tables import intervals
from server_stub.money import to_minor

GROUPINGS = ["", "project", "user", "task,user", "day", "project,day", "week", "project,week,day"]


def _sums(amounts: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in amounts:
        out[m["currency"]] = out.get(m["currency"], 0) + to_minor(m["amount"], m["currency"])
    return out


def _checked(user, **params) -> dict:
    """The totals, after checking check 5: seconds and every currency add up exactly."""
    r = user.get("/totals", params={"include": "amounts", **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert sum(row["seconds"] for row in body["rows"]) == body["total_seconds"]
    summed: dict[str, int] = {}
    for row in body["rows"]:
        for cur, v in _sums(row["amounts"]).items():
            summed[cur] = summed.get(cur, 0) + v
    assert summed == _sums(body["total_amounts"])
    return body


def _lock(api, interval_id: str, invoiced: str, currency: str = "EUR") -> None:
    """What finalizing an invoice leaves on an interval (the invoices' service sets it)."""
    with api.state.db.engine.begin() as conn:
        conn.execute(
            update(intervals).where(intervals.c.id == interval_id).values(
                locked_by_invoice_id="inv-1", invoiced_currency=currency,
                invoiced_amount_minor=to_minor(invoiced, currency),
            )
        )  # fmt: skip


def _priced_team(api, team) -> dict[str, str]:
    p, q = team.project["id"], team.other_project["id"]
    team.manager.patch(f"/projects/{p}", {"bill_rate": {"amount": "100", "currency": "EUR"}})
    team.manager.patch(f"/projects/{q}", {"bill_rate": {"amount": "7000", "currency": "JPY"}})
    t, u = team.task["id"], team.other_task["id"]
    return {
        "night": tracked(team.member, t, "2026-11-24T22:30:00Z", "2026-11-24T23:30:00Z"),
        "short": tracked(team.member, t, "2026-11-25T08:00:00Z", "2026-11-25T08:20:00Z"),
        "odd": tracked(team.member, t, "2026-11-25T09:00:00Z", "2026-11-25T09:00:07Z"),
        "yen": tracked(team.other_member, u, "2026-11-25T08:00:00Z", "2026-11-25T09:07:00Z"),
    }


def test_rows_add_up_to_the_totals_in_every_currency(api, team):
    ids = _priced_team(api, team)
    team.member.push(iv(team.task["id"], "2026-11-25T10:00:00Z", None))  # running: no amount
    for group_by in GROUPINGS:
        for tz in ("UTC", "Europe/Berlin"):
            _checked(team.manager, group_by=group_by, tz=tz)
            _checked(team.manager, group_by=group_by, tz=tz, **{"from": "2026-11-25"})
    body = _checked(team.manager, group_by="project")
    # 100 EUR/h: 1 h, 20 min (33.33) and 7 s (0.19); 7000 JPY/h for 67 min: 7817
    assert body["total_amounts"] == [
        {"amount": "133.52", "currency": "EUR"},
        {"amount": "7817", "currency": "JPY"},
    ]
    # across midnight in Berlin: the seconds on both days, the money on the day it started
    days = _checked(team.member, group_by="day", tz="Europe/Berlin", to="2026-11-25")
    by_day = {r["day"]: r for r in days["rows"]}
    assert by_day["2026-11-24"]["seconds"] == 1800 and by_day["2026-11-25"]["seconds"] > 1800
    assert by_day["2026-11-24"]["amounts"] == [{"amount": "100.00", "currency": "EUR"}]
    # members see money of their own time only
    assert _sums(_checked(team.member)["total_amounts"]) == {"EUR": 13352}
    assert ids  # all four were accepted


def test_bases_estimated_invoiced_best(api, team):
    ids = _priced_team(api, team)
    _lock(api, ids["night"], "95.00")
    est = _sums(_checked(team.manager, basis="estimated")["total_amounts"])
    inv = _sums(_checked(team.manager, basis="invoiced")["total_amounts"])
    best = _sums(_checked(team.manager)["total_amounts"])  # the default
    assert est == {"EUR": 13352, "JPY": 7817}
    assert inv == {"EUR": 9500}
    assert best == {"EUR": 13352 - 10000 + 9500, "JPY": 7817}
    r = team.manager.get("/totals", params={"include": "amounts", "basis": "guess"})
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    r = team.manager.get("/totals", params={"include": "pay"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_include")


def test_viewers_see_amounts_only_with_the_grant(api, team):
    _priced_team(api, team)
    pid = team.project["id"]
    r = team.viewer.get("/totals", params={"include": "amounts"})
    assert (r.status_code, r.json()["code"]) == (403, "amounts_not_granted")
    assert team.viewer.get(f"/projects/{pid}/totals").json()["uninvoiced"] is None
    api.member(team.manager, pid, team.viewer, kind="viewer", grants={"show_amounts": True})
    body = _checked(team.viewer, group_by="project")
    assert [r["project_id"] for r in body["rows"]] == [pid]  # never the other project's
    assert _sums(body["total_amounts"]) == {"EUR": 13352}
    assert "pay" not in str(body)


def test_project_totals_uninvoiced_and_budget(api, team):
    ids = _priced_team(api, team)
    pid = team.project["id"]
    _lock(api, ids["night"], "100.00")
    roll = team.manager.get(f"/projects/{pid}/totals").json()
    assert roll["uninvoiced"] == [{"amount": "33.52", "currency": "EUR"}]  # the locked hour is not
    assert roll["budget"] is None
    r = team.manager.patch(
        f"/projects/{pid}",
        {"budget_seconds": 36000, "budget": {"amount": "5000", "currency": "EUR"}},
    )
    assert r.json()["budget"] == {"amount": "5000.00", "currency": "EUR"}, r.text
    roll = team.manager.get(f"/projects/{pid}/totals").json()
    assert roll["budget"] == {
        "seconds": 36000,
        "used_seconds": roll["all_time"],
        "amount": {"amount": "5000.00", "currency": "EUR"},
        "used_amount": {"amount": "133.52", "currency": "EUR"},
    }
    team.manager.patch(f"/projects/{pid}", {"billable": False})
    later = tracked(team.member, team.task["id"], "2026-11-25T11:00:00Z", "2026-11-25T12:00:00Z")
    assert later
    roll = team.manager.get(f"/projects/{pid}/totals").json()
    assert roll["uninvoiced"] == [{"amount": "33.52", "currency": "EUR"}]  # non-billable: none
    assert Decimal(roll["budget"]["used_amount"]["amount"]) == Decimal("133.52")


def test_after_a_real_finalize_invoiced_amounts_sum_to_the_invoice(api, team):
    """Check 5's second half: once an invoice is final, ``basis=invoiced`` rows are its
    allocations, which add up to its time lines, in its currency; ``best`` follows."""
    from invutil import billing, draft, finalize, track

    b = billing(api, team, rate="100")
    track(team.member, b.task["id"], "2026-11-02", "09:00", "10:30")
    track(team.member, b.other_task["id"], "2026-11-03", "09:00", "09:20")
    track(team.member, b.task["id"], "2026-11-03", "10:00", "10:07")
    inv = finalize(team.manager, draft(team.manager, b.client["id"])["id"])
    lines = sum(to_minor(x["amount"]["amount"], "EUR") for x in inv["lines"] if x["kind"] == "time")
    for group_by in ("task", "day", "task,day"):
        body = _checked(team.manager, group_by=group_by, basis="invoiced", tz="UTC")
        assert _sums(body["total_amounts"]) == {"EUR": lines}
    est = _sums(_checked(team.manager, basis="estimated")["total_amounts"])
    assert _sums(_checked(team.manager)["total_amounts"]) == {"EUR": lines}
    assert est == {"EUR": 15000 + 3333 + 1167}  # per-interval estimates, rounded each
    roll = team.manager.get(f"/projects/{team.project['id']}/totals").json()
    assert roll["uninvoiced"] == []
