"""The day of a usage row from ISO 8601 and a spreadsheet's date forms (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from tracking.usage.dates import DateOrderError, DateReader


@pytest.mark.parametrize(
    ("text", "day", "form"),
    [
        ("2026-03-01", date(2026, 3, 1), "iso_date"),
        ("2026-03-01T23:59:59Z", date(2026, 3, 1), "iso_utc"),
        ("2026-03-01 12:30:00.123+00", date(2026, 3, 1), "iso_utc"),  # psql timestamptz
        ("2026-03-01 22:30:00-02:00", date(2026, 3, 2), "iso_offset"),  # 00:30 UTC next day
        ("2026-03-01T01:30:00+05:30", date(2026, 2, 28), "iso_offset"),  # 20:00 UTC the day before
        ("2026-03-01 23:59:59.999", date(2026, 3, 1), "iso_naive"),  # taken as UTC
        ("1.3.2026", date(2026, 3, 1), "spreadsheet_dotted"),  # always day first
        ("01.03.26 14:00", date(2026, 3, 1), "spreadsheet_dotted"),
        ("46082", date(2026, 3, 1), "serial"),  # 1899-12-30 + 46,082 days
        ("46082.99", date(2026, 3, 1), "serial"),
    ],
)
def test_forms_that_need_no_order(text, day, form):
    reader = DateReader()
    key = reader.read(f" {text} ", 2)
    reader.settle()
    assert reader.day(key) == day
    assert reader.forms == {form: 1}


@pytest.mark.parametrize(
    ("texts", "order", "days", "source"),
    [
        # 14 > 12 in the second place: month first, so 3/4/2026 is 4 March.
        (["2/14/2026", "3/4/2026 10:00 PM"], "auto", [(2026, 2, 14), (2026, 3, 4)], "file"),
        # 14 > 12 in the first place: day first, so 3/4/2026 is 3 April.
        (["14/2/2026", "3-4-26 22:00"], "auto", [(2026, 2, 14), (2026, 4, 3)], "file"),
        # Nothing settles it: the US form, said so in the report.
        (["3/4/2026"], "auto", [(2026, 3, 4)], "default"),
        (["3/4/2026"], "dmy", [(2026, 4, 3)], "chosen"),
        (["3/4/2026", "12/31/2025"], "mdy", [(2026, 3, 4), (2025, 12, 31)], "chosen"),
    ],
)
def test_spreadsheet_dates_take_the_order_the_file_or_the_user_gives(texts, order, days, source):
    reader = DateReader(order=order)
    keys = [reader.read(text, row) for row, text in enumerate(texts, start=2)]
    reader.settle()
    assert [reader.day(key) for key in keys] == [date(*day) for day in days]
    assert reader.summary()["order_source"] == source


def test_a_file_with_both_orders_is_refused_naming_a_row_of_each():
    reader = DateReader()
    for row, text in enumerate(["1/2/2026", "2/14/2026", "15/2/2026"], start=2):
        reader.read(text, row)
    with pytest.raises(DateOrderError) as exc:
        reader.settle()
    assert (exc.value.row, str(exc.value)) == (
        3,
        "'2/14/2026' is month first but row 4 ('15/2/2026') is day first",
    )


def test_a_date_against_the_chosen_order_is_refused():
    reader = DateReader(order="mdy")
    reader.read("13/1/2026", 7)
    with pytest.raises(DateOrderError) as exc:
        reader.settle()
    assert (exc.value.row, str(exc.value)) == (
        7,
        "'13/1/2026' cannot be read month first, as chosen",
    )


def test_a_day_that_does_not_exist_in_the_settled_order_is_refused():
    reader = DateReader(order="mdy")
    reader.read("2/30/2026", 5)
    with pytest.raises(DateOrderError) as exc:
        reader.settle()
    assert (exc.value.row, str(exc.value)) == (5, "'2/30/2026' is not a date")


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2026-13-01", "2026-02-30T10:00:00Z", "13/13/2026", "3/4/2026 25:00", "0"],
)
def test_what_is_no_date(text):
    with pytest.raises(ValueError):  # noqa: PT011 - every message names the text
        DateReader().read(text, 2)
