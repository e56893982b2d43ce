"""Rate resolution for an interval (server-spec §6.3), current rates only for now.

Bill rate: member-on-project, then project, then client, then the user's default; none means
the interval is unpriced (never silently 0). Pay rate: member-on-project, then user default.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from ..db.tables import clients, project_members, projects, users
from ..money import round_half_up_div


@dataclass(frozen=True, slots=True)
class Rates:
    billable: bool
    bill_rate_minor: int | None
    bill_currency: str | None
    bill_rate_origin: str
    pay_rate_minor: int | None
    pay_currency: str | None

    def estimate(self, seconds: int | None) -> int | None:
        if seconds is None or self.bill_rate_minor is None or not self.billable:
            return None
        return round_half_up_div(self.bill_rate_minor * seconds, 3600)


def resolve(conn: Connection, user_id: str, project_id: str) -> Rates:
    p = conn.execute(
        select(
            projects.c.billable, projects.c.bill_rate_minor, projects.c.currency,
            clients.c.bill_rate_minor.label("client_rate"), clients.c.currency.label("client_cur"),
        ).select_from(projects.outerjoin(clients, clients.c.id == projects.c.client_id))
        .where(projects.c.id == project_id)
    ).one()  # fmt: skip
    m = conn.execute(
        select(project_members).where(
            project_members.c.project_id == project_id, project_members.c.user_id == user_id
        )
    ).first()
    u = conn.execute(select(users).where(users.c.id == user_id)).one()
    if m is not None and m.bill_rate_minor is not None:
        bill = (m.bill_rate_minor, m.bill_currency, "member_project")
    elif p.bill_rate_minor is not None:
        bill = (p.bill_rate_minor, p.currency, "project")
    elif p.client_rate is not None:
        bill = (p.client_rate, p.client_cur, "client")
    elif u.default_bill_rate_minor is not None:
        bill = (u.default_bill_rate_minor, u.default_bill_currency, "user_default")
    else:
        bill = (None, None, "none")
    if m is not None and m.pay_rate_minor is not None:
        pay = (m.pay_rate_minor, m.pay_currency)
    else:
        pay = (u.default_pay_rate_minor, u.pay_currency)
    return Rates(bool(p.billable), bill[0], bill[1], bill[2], pay[0], pay[1])
