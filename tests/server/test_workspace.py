"""The seller and buyer data (contract §4b) on both databases: the workspace, clients'
details and contacts, user changes, exchange rates; each refusal a problem with its code."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from server_stub.services import exchange_rates

DEFAULTS = {
    "rounding": "half_up",
    "invoice_number_format": "INV-{YYYY}-{seq:4}",
    "credit_note_number_format": "CN-{YYYY}-{seq:4}",
    "team_invoice_number_format": "PAY-{YYYY}-{seq:4}",
    "number_reset": "never",
    "void_issues_credit_note": True,
    "default_tax_rate": "0",
    "payment_terms_days": 14,
    "locale": "en_US",
    "lock_before": None,
}


def _problem(r, status: int, code: str) -> None:
    assert (r.status_code, r.json().get("code")) == (status, code), r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_workspace_defaults_and_a_full_patch(api, team):
    ws = team.manager.get("/workspace").json()
    assert {k: ws[k] for k in DEFAULTS} == DEFAULTS
    body = {
        "name": "Studio", "legal_name": "Studio GmbH", "address": "Hauptstr. 1",
        "postcode": "10115", "city": "Berlin", "country": "de", "tax_id": "DE123456789",
        "email": "Billing@Studio.example", "iban": "DE89 3704 0044 0532 0130 00",
        "bic": "COBADEFFXXX", "base_currency": "EUR", "timezone": "Europe/Berlin",
        "locale": "de-DE", "rounding": "half_even", "number_reset": "yearly",
        "invoice_number_format": "{YY}{MM}-{seq:5}", "void_issues_credit_note": False,
        "default_tax_rate": "19", "payment_terms_days": 30, "lock_before": "2026-11-01",
    }  # fmt: skip
    r = team.admin.patch("/workspace", body)
    assert r.status_code == 200, r.text
    ws = r.json()
    assert ws["country"] == "DE" and ws["iban"] == "DE89370400440532013000"
    assert ws["email"] == "billing@studio.example" and ws["locale"] == "de_DE"
    assert ws["default_tax_rate"] == "19" and ws["lock_before"] == "2026-11-01"
    assert ws["invoice_number_format"] == "{YY}{MM}-{seq:5}" and ws["rounding"] == "half_even"
    assert team.manager.get("/workspace").json() == ws
    r = team.admin.patch("/workspace", {"default_tax_rate": "9.975", "iban": None})
    assert r.json()["default_tax_rate"] == "9.975" and r.json()["iban"] is None
    # the period lock applies to syncing: time before it is refused
    t = team.task["id"]
    item = {"id": str(uuid.uuid4()), "task_id": t, "started_at": "2026-10-30T09:00:00Z",
            "ended_at": "2026-10-30T10:00:00Z", "revision": 1, "base_revision": 0}  # fmt: skip
    assert team.member.push(item)["rejected"][0]["code"] == "before_lock_date"


REFUSALS = [
        ({"country": "XX"}, "invalid_country"),
        ({"country": "EU"}, "invalid_country"),
        ({"iban": "DE89370400440532013001"}, "invalid_iban"),
        ({"bic": "NOPE"}, "invalid_bic"),
        ({"timezone": "Mars/Olympus"}, "invalid_tz"),
        ({"locale": "xx_YY"}, "invalid_locale"),
        ({"base_currency": "XYZ"}, "unknown_currency"),
        ({"default_tax_rate": "19.00001"}, "too_many_decimals"),
        ({"default_tax_rate": "120"}, "invalid_percent"),
        ({"invoice_number_format": "INV-{seq}"}, "invalid_number_format"),
        ({"invoice_number_format": "INV-{DD}-{seq:4}"}, "invalid_number_format"),
        ({"invoice_number_format": "INV-{YYYY}"}, "invalid_number_format"),
        ({"invoice_number_format": "{seq:2}{seq:3}"}, "invalid_number_format"),
        ({"number_reset": "yearly", "credit_note_number_format": "CN-{seq:4}"},
         "number_format_needs_year"),
        ({"name": None}, "field_required"),
        ({"rounding": "half_down"}, "validation_error"),
]  # fmt: skip


def test_workspace_refusals(api, team):
    before = team.admin.get("/workspace").json()
    for body, code in REFUSALS:
        _problem(team.admin.patch("/workspace", body), 422, code)
    assert team.admin.get("/workspace").json() == before


def test_clients_details_and_contacts(api, team):
    c = team.manager.post(
        "/clients", {"name": "Acme", "currency": "EUR", "country": "fr", "city": "Lyon"}
    ).json()
    assert (c["country"], c["city"]) == ("FR", "Lyon")
    r = team.manager.patch(
        f"/clients/{c['id']}",
        {"postcode": "69001", "tax_id": "FR40303265045", "legal_name": "Acme SAS",
         "address": "1 rue X", "payment_terms_days": 45, "bill_rate": {"amount": "85",
                                                                        "currency": "EUR"}},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    got = team.manager.get(f"/clients/{c['id']}").json()
    assert got == r.json() and got["bill_rate"] == {"amount": "85.00", "currency": "EUR"}
    assert got["payment_terms_days"] == 45 and got["postcode"] == "69001"
    _problem(team.manager.patch(f"/clients/{c['id']}", {"country": "ZZ"}), 422, "invalid_country")
    _problem(team.manager.patch(f"/clients/{c['id']}", {"currency": "USD"}), 422,
             "currency_mismatch")  # fmt: skip
    _problem(team.manager.get(f"/clients/{uuid.uuid4()}"), 404, "client_not_found")

    ann = team.manager.post(
        f"/clients/{c['id']}/contacts",
        {"name": "Ann", "email": "Ann@Acme.example", "billing": True},
    ).json()
    bob = team.manager.post(
        f"/clients/{c['id']}/contacts", {"name": "Bob", "email": "bob@acme.example"}
    ).json()
    assert ann["email"] == "ann@acme.example" and ann["billing"] and not bob["billing"]
    pid = team.project["id"]
    _problem(team.manager.put(f"/projects/{pid}/contacts/{ann['id']}"), 422,
             "contact_not_of_client")  # fmt: skip
    team.manager.patch(f"/projects/{pid}", {"client_id": c["id"]})
    for _ in range(2):  # idempotent
        r = team.manager.put(f"/projects/{pid}/contacts/{ann['id']}")
        assert r.json() == {"project_id": pid, "contact_id": ann["id"]}
    listed = team.manager.get(f"/clients/{c['id']}/contacts").json()["items"]
    assert {x["id"]: x["project_ids"] for x in listed} == {ann["id"]: [pid], bob["id"]: []}
    assert team.manager.delete(f"/contacts/{ann['id']}").status_code == 204
    _problem(team.manager.delete(f"/contacts/{ann['id']}"), 404, "contact_not_found")
    assert [x["id"] for x in team.manager.get(f"/clients/{c['id']}/contacts").json()["items"]] == [
        bob["id"]
    ]


def test_patch_users(api, team):
    admin, member = team.admin, team.member
    r = admin.patch(f"/users/{member.id}", {"name": "Mia", "role": "manager"})
    assert (r.json()["name"], r.json()["role"]) == ("Mia", "manager"), r.text
    assert member.get("/me").json()["role"] == "manager"
    r = admin.patch(f"/users/{member.id}", {"default_bill_rate": {"amount": "1.234",
                                                                   "currency": "EUR"}})  # fmt: skip
    _problem(r, 422, "too_many_decimals")
    r = admin.patch(f"/users/{member.id}", {"archived": True})
    assert r.json()["archived"] is True
    assert member.get("/me").status_code == 401  # an archived user is signed out
    _problem(admin.patch(f"/users/{admin.id}", {"role": "member"}), 409, "last_admin")
    _problem(admin.patch(f"/users/{admin.id}", {"archived": True}), 409, "last_admin")
    _problem(admin.patch(f"/users/{uuid.uuid4()}", {"name": "x"}), 404, "user_not_found")
    actions = [e["action"] for e in admin.get("/audit").json()["items"]]
    assert actions.count("user.update") == 2  # the name/role change and the archiving
    assert "rate.bill_change" not in actions  # the refused rate left no trace


def test_exchange_rates(api, team, server_clock):
    r = team.admin.put("/exchange-rates/USD/EUR", {"rate": "0.921400"})
    assert r.status_code == 200, r.text
    assert r.json() == {"from": "USD", "to": "EUR", "rate": "0.9214",
                        "set_at": "2026-11-25T12:00:00+00:00"}  # fmt: skip
    server_clock.now += 60
    team.admin.put("/exchange-rates/USD/EUR", {"rate": "0.93"})
    team.admin.put("/exchange-rates/GBP/EUR", {"rate": "1.17"})
    items = team.admin.get("/exchange-rates").json()["items"]
    assert [(i["from"], i["to"], i["rate"]) for i in items] == [
        ("GBP", "EUR", "1.17"), ("USD", "EUR", "0.93")
    ]  # fmt: skip
    with api.state.db.read() as conn:
        assert exchange_rates.current(conn, "USD", "EUR") == (Decimal("0.93"), server_clock.now)
        assert exchange_rates.current(conn, "EUR", "USD") is None
    for path, body, code in [
        ("/exchange-rates/USD/USD", {"rate": "1"}, "same_currency"),
        ("/exchange-rates/USD/XYZ", {"rate": "1"}, "unknown_currency"),
        ("/exchange-rates/USD/EUR", {"rate": "0"}, "invalid_rate"),
        ("/exchange-rates/USD/EUR", {"rate": "-1.2"}, "invalid_rate"),
        ("/exchange-rates/USD/EUR", {"rate": "1e3"}, "invalid_rate"),
        ("/exchange-rates/USD/EUR", {"rate": "1.234567890123"}, "too_many_digits"),
    ]:
        _problem(team.admin.put(path, body), 422, code)
    assert "exchange_rate.set" in [e["action"] for e in team.admin.get("/audit").json()["items"]]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("1", "1"), ("0.000123456789012", "0.000123456789012"), ("007.50", "7.5"),
     ("123456789012", "123456789012")],
)  # fmt: skip
def test_exchange_rate_strings(text, canonical):
    assert exchange_rates.parse_rate(text) == canonical
