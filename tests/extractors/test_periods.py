"""DESIGN.md §4 period rules."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.periods import (
    find_periods,
    latest_month,
    parse_date,
    period_of,
    quarter_period,
    whole_months_before,
)

APRIL_1 = date(2025, 4, 1)


@pytest.mark.parametrize(
    ("phrase", "published", "start", "end"),
    [
        ("in March 2025", APRIL_1, date(2025, 3, 1), date(2025, 3, 31)),
        ("during February 2024", APRIL_1, date(2024, 2, 1), date(2024, 2, 29)),
        # No year: the latest March that ends on or before the bulletin's date.
        ("in March", APRIL_1, date(2025, 3, 1), date(2025, 3, 31)),
        ("in March", date(2025, 3, 31), date(2025, 3, 1), date(2025, 3, 31)),
        ("in March", date(2025, 3, 30), date(2024, 3, 1), date(2024, 3, 31)),
        ("in December", date(2025, 1, 2), date(2024, 12, 1), date(2024, 12, 31)),
        ("in 2024", APRIL_1, date(2024, 1, 1), date(2024, 12, 31)),
        ("throughout 2024, Russian forces", APRIL_1, date(2024, 1, 1), date(2024, 12, 31)),
        ("first quarter of 2025", APRIL_1, date(2025, 1, 1), date(2025, 3, 31)),
        ("Q1 2025", APRIL_1, date(2025, 1, 1), date(2025, 3, 31)),
        ("in the fourth quarter", APRIL_1, date(2024, 10, 1), date(2024, 12, 31)),
        ("the first three months of 2025", APRIL_1, date(2025, 1, 1), date(2025, 3, 31)),
        ("so far in 2025", APRIL_1, date(2025, 1, 1), APRIL_1),
        ("in 2025 so far", APRIL_1, date(2025, 1, 1), APRIL_1),
        ("since January 1", APRIL_1, date(2025, 1, 1), APRIL_1),
        ("since the start of 2025", APRIL_1, date(2025, 1, 1), APRIL_1),
        ("since the start of the year", APRIL_1, date(2025, 1, 1), APRIL_1),
        ("since November 1, 2024", APRIL_1, date(2024, 11, 1), APRIL_1),
        ("since 1 November 2024", APRIL_1, date(2024, 11, 1), APRIL_1),
        ("since November 1", APRIL_1, date(2024, 11, 1), APRIL_1),
        ("since the start of the full-scale invasion", APRIL_1, date(2022, 2, 24), APRIL_1),
        # "over the last four months": the four whole months before the bulletin's month.
        ("over the last four months", APRIL_1, date(2024, 12, 1), date(2025, 3, 31)),
        ("in the past month", APRIL_1, date(2025, 3, 1), date(2025, 3, 31)),
        ("in the last two weeks", APRIL_1, date(2025, 3, 19), APRIL_1),
        ("over the past 30 days", APRIL_1, date(2025, 3, 3), APRIL_1),
        ("between March 1 and March 31, 2025", APRIL_1, date(2025, 3, 1), date(2025, 3, 31)),
        ("between December 1 and February 28", APRIL_1, date(2024, 12, 1), date(2025, 2, 28)),
        ("from January to March 2025", APRIL_1, date(2025, 1, 1), date(2025, 3, 31)),
        ("from November 1, 2024 to January 31, 2025", APRIL_1, date(2024, 11, 1), date(2025, 1, 31)),
    ],
)
def test_period_of(phrase: str, published: date, start: date, end: date):
    assert period_of(phrase, published) == (start, end)


def test_so_far_and_since_run_to_the_stated_cutoff():
    cutoff = date(2025, 3, 30)
    assert period_of("so far in 2025", APRIL_1, cutoff) == (date(2025, 1, 1), cutoff)
    assert period_of("since November 1, 2024", APRIL_1, cutoff) == (date(2024, 11, 1), cutoff)
    # A named month is not moved by the cut-off.
    assert period_of("in March 2025", APRIL_1, cutoff) == (date(2025, 3, 1), date(2025, 3, 31))


@pytest.mark.parametrize(
    "text",
    [
        "Russian forces may advance further",  # "may" the verb is no month
        "on March 31, Russian forces attacked",  # a day, not a period
        "in March 31 footage",
        "within 2024,000 meters",
        "",
    ],
)
def test_no_period_in_text_without_one(text: str):
    assert find_periods(text, APRIL_1) == []
    with pytest.raises(ValueError, match="no period phrase"):
        period_of(text, APRIL_1)


def test_find_periods_in_reading_order_prefers_the_more_specific_phrase():
    text = "Russian forces gained 4,168 km2 in 2024 and 1,627 km2 in 2025 so far, and 203 km2 in March."
    found = find_periods(text, APRIL_1)
    assert [(p.text, p.start, p.end) for p in found] == [
        ("in 2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("in 2025 so far", date(2025, 1, 1), APRIL_1),
        ("in March", date(2025, 3, 1), date(2025, 3, 31)),
    ]
    assert text[found[1].span_start : found[1].span_end] == "in 2025 so far"


def test_helpers():
    assert latest_month(2, date(2024, 2, 29)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert quarter_period(2024, 4) == (date(2024, 10, 1), date(2024, 12, 31))
    assert whole_months_before(date(2025, 1, 15), 2) == (date(2024, 11, 1), date(2024, 12, 31))
    assert parse_date("Nov. 1", date(2025, 4, 1)) == date(2024, 11, 1)
    with pytest.raises(ValueError, match="quarter"):
        quarter_period(2024, 5)
    with pytest.raises(ValueError, match="not a valid date"):
        parse_date("February 30, 2024", APRIL_1)
