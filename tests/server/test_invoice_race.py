"""Two finalizes racing for one interval (server-spec §6.12 check 1), with two real threads
through the app, on SQLite (BEGIN IMMEDIATE) and PostgreSQL (two connections, row locks);
and the partial unique index that is the database's last word on "never billed twice"."""

from __future__ import annotations

import pytest
from invutil import billing, draft, track
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from srvutil import race

from server_stub.db.tables import invoice_intervals

ROUNDS = 3


def test_two_finalizes_of_drafts_sharing_time(api, team):
    b = billing(api, team)
    for n in range(ROUNDS):
        day = f"2026-11-{n + 2:02d}"
        shared = track(team.member, b.task["id"], day, "09:00", "10:00")
        a = draft(team.manager, b.client["id"], day, day)
        c = draft(team.manager, b.client["id"], day, day)
        ra, rc = race(
            lambda a=a: team.manager.post(f"/invoices/{a['id']}/finalize"),
            lambda c=c: team.admin.post(f"/invoices/{c['id']}/finalize"),
        )
        ok = [r for r in (ra, rc) if r.status_code == 200]
        lost = [r for r in (ra, rc) if r.status_code != 200]
        assert len(ok) == 1 and len(lost) == 1, (ra.text, rc.text)
        assert lost[0].status_code == 409 and lost[0].json()["code"] == "draft_stale"
        assert lost[0].json()["intervals"] == [
            {"id": shared, "reason": "already_invoiced", "number": ok[0].json()["number"]}
        ]
        assert ok[0].json()["number"] == f"INV-2026-{n + 1:04d}"


def test_the_index_refuses_a_second_final_link(api, team):
    """Even past the code's checks, the database refuses to bill one interval twice, while
    the same interval may sit on a final invoice and a final payout."""
    b = billing(api, team)
    track(team.member, b.task["id"], "2026-11-02", "09:00", "10:00")
    a = draft(team.manager, b.client["id"])
    c = draft(team.manager, b.client["id"])
    with api.state.db.write() as tx:
        tx.conn.execute(
            update(invoice_intervals)
            .where(invoice_intervals.c.invoice_id == a["id"])
            .values(state="final")
        )
    with pytest.raises(IntegrityError), api.state.db.write() as tx:
        tx.conn.execute(
            update(invoice_intervals)
            .where(invoice_intervals.c.invoice_id == c["id"])
            .values(state="final")
        )
    with api.state.db.write() as tx:  # the pay ledger is separate
        tx.conn.execute(
            update(invoice_intervals)
            .where(invoice_intervals.c.invoice_id == c["id"])
            .values(state="final", ledger="pay")
        )
