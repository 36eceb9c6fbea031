"""The one money formatter and the one token formatter (formatting/), pure: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from formatting import (
    MISSING,
    currency_digits,
    format_money,
    format_rate,
    format_tokens,
    money_amount,
    money_spec,
)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1440, "USD", "$1,440.00"),
        (Decimal("5891.666"), "USD", "$5,891.67"),
        (-4980, "USD", "-$4,980.00"),
        (0.125, "USD", "$0.13"),  # half up, like the stored results' cents
        (2.675, "USD", "$2.68"),  # the float's shortest repr, not its binary expansion
        (-0.001, "USD", "$0.00"),  # never "-$0.00"
        (1234.5678, "EUR", "€1,234.57"),
        (-4980.5, "EUR", "-€4,980.50"),
        (1234.5, "JPY", "¥1,235"),  # no minor unit
        (-4980, "JPY", "-¥4,980"),
        (1234.5678, "KWD", "KWD1,234.568"),  # three
        (-0.0004, "KWD", "KWD0.000"),
        (1000, "gbp", "£1,000.00"),  # codes are case-insensitive
        ("12.5", "USD", "$12.50"),
    ],
)
def test_money_in_the_currencys_symbol_and_minor_units(amount, currency, expected):
    assert format_money(amount, currency) == expected


@pytest.mark.parametrize("amount", [None, "", "n/a", float("nan"), float("inf"), True])
def test_a_missing_or_unreadable_amount_shows_a_dash(amount):
    assert format_money(amount, "USD") == MISSING
    assert format_rate(amount, "USD") == MISSING
    assert money_amount(amount, "USD") is None


@pytest.mark.parametrize("currency", ["", None, "US", "DOLLAR", "12$"])
def test_a_currency_that_is_no_iso_code_is_an_error_naming_the_field(currency):
    with pytest.raises(ValueError, match="currency"):
        format_money(1, currency)


def test_an_unknown_but_well_formed_code_shows_the_code_with_two_places():
    assert format_money(-1.5, "XYZ") == "-XYZ1.50"


def test_with_code_names_the_currency_for_text_that_mentions_several():
    assert format_money(1100, "USD", with_code=True) == "USD 1,100.00"
    assert format_money(-1100.4, "JPY", with_code=True) == "-JPY 1,100"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (0.065, "USD", "$0.065"),
        (2.5, "USD", "$2.50"),
        (0.00123, "USD", "$0.0012"),
        (1.25, "JPY", "¥1.25"),
        (0.5, "KWD", "KWD0.500"),
        (-0.065, "EUR", "-€0.065"),
    ],
)
def test_unit_prices_keep_two_more_digits_where_they_matter(amount, currency, expected):
    assert format_rate(amount, currency) == expected


def test_minor_units_and_rounded_amounts_for_csv():
    assert [currency_digits(c) for c in ("USD", "EUR", "JPY", "KWD")] == [2, 2, 0, 3]
    assert money_amount(1234.5, "JPY") == Decimal(1235)
    assert money_amount(1.2345, "KWD") == Decimal("1.235")
    assert money_amount(5891.666666, "USD") == Decimal("5891.67")


def test_money_spec_is_what_the_browser_needs():
    assert money_spec("jpy") == {
        "currency": "JPY",
        "locale": "en-US",
        "digits": 0,
        "rate_digits": 2,
        "prefix": "¥",
        "suffix": "",
        "negative_prefix": "-¥",
        "negative_suffix": "",
    }
    assert money_spec("KWD")["digits"] == 3


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (1_500_000_000, "1.5B"),
        (651_600_000, "651.6M"),
        (651_649_999, "651.6M"),
        (50_000_000, "50M"),
        (1_064_000_000, "1.064B"),
        (1_062_500_000, "1.063B"),  # half up
        (999_950, "1M"),  # rounds into the next suffix
        (8_500, "8.5K"),
        (1_000, "1K"),
        (512, "512"),
        (12.345, "12.35"),
        (0, "0"),
        (-2_500_000_000, "-2.5B"),
        (1.5e16, "15,000T"),
        (Decimal("256000000"), "256M"),
        ("45000", "45K"),
    ],
)
def test_tokens_in_words_to_four_significant_digits(tokens, expected):
    assert format_tokens(tokens) == expected


@pytest.mark.parametrize("tokens", [None, "", "many", float("nan")])
def test_missing_tokens_show_a_dash(tokens):
    assert format_tokens(tokens) == MISSING


@pytest.mark.parametrize(
    "tokens", [1_500_000_000, 651_600_000, 50_000_000, 1_064_000_000, 8_500, 512, 466_600_000]
)
def test_the_engines_own_token_words_read_as_the_formatters(tokens):
    """The engine (pure: no Babel, no app) words its stored reasons with its own copy;
    away from exact ties it must read the same as the pages until those sentences go."""
    from planner.engine.units import format_tokens as engine_format_tokens

    assert engine_format_tokens(tokens) == format_tokens(tokens)
