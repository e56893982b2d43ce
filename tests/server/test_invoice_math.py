"""Invoice arithmetic, pure (server-spec §6.5): Hypothesis properties of the largest-remainder
allocation and of the invariants I1-I3 on lines built from random tracked time."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from server_stub.money import allocate
from server_stub.services import lines as L

weights = st.lists(st.integers(0, 10**6), min_size=1, max_size=40)
MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


@given(st.integers(-(10**12), 10**12), weights)
def test_allocation_sums_and_stays_within_a_unit_of_the_exact_share(total, ws):
    parts = allocate(total, ws)
    assert sum(parts) == total and len(parts) == len(ws)
    whole = sum(ws)
    for part, w in zip(parts, ws, strict=True):
        exact = Decimal(total * w) / whole if whole else None
        if exact is not None:
            assert abs(Decimal(part) - exact) < 1


@given(st.integers(0, 10**6), st.integers(1, 30))
def test_allocation_ties_go_to_the_earlier_weight(total, n):
    parts = allocate(total, [7] * n)
    assert parts == sorted(parts, reverse=True) and max(parts) - min(parts) <= 1


def test_allocation_examples():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(10, [0, 0]) == [10, 0]
    assert allocate(1, [1, 3]) == [0, 1]


work = st.builds(
    lambda i, start, seconds, project, task, user, rate, cur: L.Work(
        f"i{i:04d}", start, seconds, 1, f"p{project}", f"t{task}", f"u{user}", rate, cur
    ),
    st.integers(0, 9999), st.integers(0, 10**6), st.integers(1, 36 * 3600),
    st.integers(0, 2), st.integers(0, 2), st.integers(0, 2),
    st.integers(1, 10**7), st.sampled_from(["EUR", "USD", "JPY", "KWD"]),
)  # fmt: skip
RATES = {"USD": Decimal("0.9231"), "JPY": Decimal("0.006154"), "KWD": Decimal("2.98")}


def _fx(from_: str, to: str) -> L.Fx:
    return L.Fx(from_, to, RATES[from_], 0)


@given(
    st.lists(work, min_size=1, max_size=30, unique_by=lambda w: w.interval_id),
    st.sampled_from([0, 70000, 190000, 99750]),
    st.sampled_from(["half_up", "half_even"]),
)
def test_lines_keep_i1_i2_i3(works, ppm, mode):
    lines, fx = L.time_lines(works, "EUR", _fx, tax_ppm=ppm, mode=mode)
    assert {f.from_ for f in fx} == {w.rate_currency for w in works} - {"EUR"}
    assert sum(len(x.links) for x in lines) == len(works)
    rounding = MODES[mode]
    for x in lines:
        hours = Decimal(L.hours(x.quantity_seconds))
        assert hours * 3600 == x.quantity_seconds  # the printed hours are exact
        assert abs(x.quantity_seconds - x.seconds) <= L.GRID_SECONDS // 2
        # I1: the printed amount is the printed unit price times the printed hours, rounded
        assert (Decimal(x.unit_price_minor) * hours).quantize(1, rounding) == x.amount_minor
        # I2: the allocations sum to the line
        assert sum(k.allocated_minor for k in x.links) == x.amount_minor
    manual = L.Line("manual", -1234, L.manual_amount(-1234, 2500, mode), ppm,
                    quantity_milli=2500)  # fmt: skip
    assert (Decimal(-1234) * Decimal("2.5")).quantize(1, rounding) == manual.amount_minor
    t = L.totals([*lines, manual], lambda _p: "S", mode)
    # I3: every printed total is an exact sum of printed parts
    assert t.subtotal_minor == sum(x.amount_minor for x in [*lines, manual])
    assert t.tax_minor == sum(r.tax_minor for r in t.taxes)
    assert t.total_minor == t.subtotal_minor + t.tax_minor
    for r in t.taxes:
        assert (Decimal(r.basis_minor) * r.tax_ppm / 10**6).quantize(1, rounding) == r.tax_minor


def test_unit_price_is_converted_once_to_the_invoice_currency():
    assert L.convert(10000, "EUR", "USD", Decimal("1.0842")) == 10842
    assert L.convert(10000, "EUR", "JPY", Decimal("162.5")) == 16250  # 100.00 EUR → 16250 JPY
    assert L.convert(1500, "JPY", "EUR", Decimal("0.006154")) == 923  # ¥1500 → 9.23 EUR


def test_number_formats():
    from datetime import date

    from server_stub.services.finalize import format_number

    d = date(2026, 3, 9)
    assert format_number("INV-{YYYY}-{seq:4}", d, 7) == "INV-2026-0007"
    assert format_number("{YY}{MM}/{seq}", d, 12) == "2603/12"
    assert format_number("PAY-{seq:6}", d, 3) == "PAY-000003"
