"""Exchange rates (admins): ``PUT /exchange-rates/{from}/{to}``, ``GET /exchange-rates``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from .. import authz
from ..errors import PROBLEM_RESPONSES, Invalid
from ..services import audit
from ..services import exchange_rates as svc
from ..services import workspace as checks
from ..timefmt import rfc3339
from .billing_models import ExchangeRateIn, ExchangeRateOut, ExchangeRatePage
from .deps import CurrentActor, State

router = APIRouter(tags=["exchange rates"], responses=PROBLEM_RESPONSES)

CurrencyPath = Annotated[str, Path(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]


def _out(rate: dict) -> dict:
    return {**rate, "set_at": rfc3339(rate["set_at"], None)}


@router.put("/exchange-rates/{from_currency}/{to_currency}", response_model=ExchangeRateOut)
def put_exchange_rate(
    from_currency: CurrencyPath, to_currency: CurrencyPath, body: ExchangeRateIn,
    actor: CurrentActor, state: State,
) -> dict:  # fmt: skip
    """How many ``to`` one unit of ``from`` is worth; each rate set is kept (history)."""
    authz.require(actor, authz.Action.MANAGE_EXCHANGE_RATES)
    checks.currency(from_currency, "from")
    checks.currency(to_currency, "to")
    if from_currency == to_currency:
        raise Invalid("same_currency", "an exchange rate converts between two currencies")
    with state.db.write() as tx:
        try:
            rate = svc.set_rate(
                tx.conn, from_currency, to_currency, body.rate, state.now(), actor.user_id
            )
        except svc.ExchangeRateError as exc:
            raise Invalid(exc.code, f"rate: {exc}") from None
        audit.record(
            tx.conn, actor_id=actor.user_id, action="exchange_rate.set", entity="exchange_rate",
            entity_id=f"{from_currency}/{to_currency}", after={"rate": rate["rate"]},
            at=rate["set_at"],
        )  # fmt: skip
    return _out(rate)


@router.get("/exchange-rates", response_model=ExchangeRatePage)
def list_exchange_rates(actor: CurrentActor, state: State) -> dict:
    authz.require(actor, authz.Action.MANAGE_EXCHANGE_RATES)
    with state.db.read() as conn:
        return {"items": [_out(r) for r in svc.all_current(conn)], "next_cursor": None}
