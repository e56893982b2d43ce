"""Helpers of the invoice tests: a client with a priced project and tracked time."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from srvutil import User, iv


@dataclass
class Billing:
    client: dict
    project: dict
    task: dict
    other_task: dict


def billing(api, team, rate: str = "100", currency: str = "EUR") -> Billing:
    """A client (EUR) whose project ``team.project`` bills ``rate`` an hour, two tasks."""
    r = team.manager.post("/clients", {"name": "Acme", "currency": currency,
                                       "contact_email": "ap@acme.example"})  # fmt: skip
    assert r.status_code == 201, r.text
    client = r.json()
    r = team.manager.patch(
        f"/projects/{team.project['id']}",
        {"client_id": client["id"], "bill_rate": {"amount": rate, "currency": currency}},
    )
    assert r.status_code == 200, r.text
    other = api.task(team.manager, team.project["id"], "Review")
    return Billing(client, r.json(), team.task, other)


def track(user: User, task_id: str, day: str, start: str, end: str) -> str:
    item = iv(task_id, f"{day}T{start}:00Z", f"{day}T{end}:00Z")
    out = user.push(item)
    assert out["accepted"] == [item["id"]], out
    return item["id"]


def draft(user: User, client_id: str, first: str = "2026-11-01", last: str = "2026-11-30",
          **fields) -> dict:  # fmt: skip
    r = user.post("/invoices", {"client_id": client_id, "from": first, "to": last, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def finalize(user: User, invoice_id: str, team: bool = False, **kw) -> dict:
    base = "/team-invoices" if team else "/invoices"
    r = user.post(f"{base}/{invoice_id}/finalize", **kw)
    assert r.status_code == 200, r.text
    return r.json()


def dec(money: dict) -> Decimal:
    return Decimal(money["amount"])


def check_invariants(inv: dict) -> None:
    """I1-I3 on the API object: Σ lines = subtotal, Σ per-rate taxes = tax, subtotal + tax =
    total, and each line's amount = round(printed unit price × printed quantity)."""
    from server_stub.money import exponent

    exp = Decimal(1).scaleb(-exponent(inv["currency"]))
    lines = inv["lines"]
    assert sum(dec(x["amount"]) for x in lines) == dec(inv["subtotal"])
    assert dec(inv["subtotal"]) + dec(inv["tax"]) == dec(inv["total"])
    by_rate: dict[str, Decimal] = {}
    for x in lines:
        by_rate[x["tax_rate"]] = by_rate.get(x["tax_rate"], Decimal(0)) + dec(x["amount"])
        product = dec(x["unit_price"]) * Decimal(x["quantity"])
        assert abs(product - dec(x["amount"])) <= exp / 2, x
    tax = sum(
        (basis * Decimal(rate) / 100).quantize(exp, rounding="ROUND_HALF_UP")
        for rate, basis in by_rate.items()
    )
    assert tax == dec(inv["tax"])
