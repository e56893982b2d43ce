"""Money: exponents from CLDR (Babel), decimal strings to minor units and back, and the integer
rounding helper against ``Decimal``'s own rounding (Hypothesis)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server_stub.money import (
    MoneyError,
    exponent,
    from_minor,
    round_div,
    round_half_up_div,
    to_minor,
)

_DECIMAL_MODE = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


def test_exponents_come_from_the_currency_table():
    assert (exponent("JPY"), exponent("EUR"), exponent("USD"), exponent("KWD")) == (0, 2, 2, 3)
    assert exponent("CLF") == 4  # a four-decimal unit of account: no dict of ours has it
    assert from_minor(1280, "JPY") == "1280"
    assert from_minor(12797, "EUR") == "127.97"
    assert from_minor(1250, "KWD") == "1.250"


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("12.50", "EUR", 1250), ("1280", "JPY", 1280), ("1.25", "KWD", 1250), ("0", "EUR", 0)],
)
def test_to_minor(amount, currency, minor):
    assert to_minor(amount, currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        ("12.505", "EUR", "too_many_decimals"),
        ("1.5", "JPY", "too_many_decimals"),
        ("1.2345", "KWD", "too_many_decimals"),
        ("-1", "EUR", "invalid_amount"),
        ("abc", "EUR", "invalid_amount"),
        ("1e999999", "EUR", "invalid_amount"),
    ],
)
def test_to_minor_refuses(amount, currency, code):
    with pytest.raises(MoneyError) as exc:
        to_minor(amount, currency)
    assert exc.value.code == code


@given(st.integers(0, 10**15 - 1), st.sampled_from(["EUR", "JPY", "KWD", "CLF", "USD"]))
def test_minor_round_trips(minor, currency):
    assert to_minor(from_minor(minor, currency), currency) == minor


@given(
    st.integers(-(10**18), 10**18),
    st.integers(-(10**9), 10**9).filter(bool),
    st.sampled_from(["half_up", "half_even"]),
)
def test_round_div_matches_decimal(n, d, mode):
    want = int((Decimal(n) / Decimal(d)).quantize(Decimal(1), rounding=_DECIMAL_MODE[mode]))
    assert round_div(n, d, mode) == want


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
def test_round_div_is_odd_and_half_up_agrees(n, d):
    for mode in ("half_up", "half_even"):
        assert round_div(-n, d, mode) == -round_div(n, d, mode)
    assert round_div(n, d) == round_half_up_div(n, d)


def test_round_div_halves():
    assert [round_div(n, 2, "half_up") for n in (1, 3, 5, -1, -3)] == [1, 2, 3, -1, -2]
    assert [round_div(n, 2, "half_even") for n in (1, 3, 5, -1, -3)] == [0, 2, 2, 0, -2]
    with pytest.raises(ZeroDivisionError):
        round_div(1, 0)


@pytest.mark.parametrize(
    ("text", "ppm"), [("19", 190000), ("9.975", 99750), ("0", 0), ("100", 1000000), ("7.7", 77000)]
)
def test_percent_to_ppm_and_back(text, ppm):
    from server_stub.money import percent_to_ppm, ppm_to_percent

    assert percent_to_ppm(text) == ppm
    assert ppm_to_percent(ppm) == text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("19.00001", "too_many_decimals"),
        ("101", "invalid_percent"),
        ("-1", "invalid_percent"),
        ("x", "invalid_percent"),
    ],
)
def test_percent_refused(text, code):
    from server_stub.money import percent_to_ppm

    with pytest.raises(MoneyError) as exc:
        percent_to_ppm(text)
    assert exc.value.code == code


@given(st.integers(0, 1_000_000))
def test_ppm_round_trips(ppm):
    from server_stub.money import percent_to_ppm, ppm_to_percent

    assert percent_to_ppm(ppm_to_percent(ppm)) == ppm
