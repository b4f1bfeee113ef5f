"""Reading figures from update text: ranges, qualifiers, numbers in words, periods, confidence."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.observation import Observation
from extractors.reading.text import split_sentences
from extractors.ukmod import PARSER_VERSION, parse, parse_text
from extractors.ukmod.text import read_update_text


def parse_update_text(text: str, *, published: date, parser_version: str) -> list[Observation]:
    return read_update_text(text, published=published, parser_version=parser_version).observations


def figures(text: str, published: date) -> list[tuple[object, ...]]:
    return [
        (o.metric, o.period_start, o.period_end, o.value, o.value_low, o.value_high, o.qualifier, o.confidence)
        for o in parse_update_text(text, published=published, parser_version=PARSER_VERSION)
    ]


def test_cumulative_range_gets_bounds_and_midpoint() -> None:
    text = "Russia has likely suffered 240,000-290,000 casualties since the start of the full-scale invasion."
    assert figures(text, date(2023, 8, 20)) == [
        (
            "casualties_cumulative",
            date(2022, 2, 24),
            date(2023, 8, 20),
            265000.0,
            240000.0,
            290000.0,
            "range",
            "likely",
        ),
    ]


@pytest.mark.parametrize(
    ("phrase", "value", "qualifier"),
    [
        ("approximately 950,000", 950000.0, "approximately"),
        ("roughly 950,000", 950000.0, "approximately"),
        ("over 465,000", 465000.0, "over"),
        ("more than 648,000", 648000.0, "over"),
        ("fewer than 500,000", 500000.0, "under"),
        ("up to a quarter of a million", 250000.0, "up_to"),
        ("over one million", 1_000_000.0, "over"),
        ("approximately 1.1 million", 1_100_000.0, "approximately"),
        ("half a million", 500000.0, "exact"),
        ("three quarters of a million", 750000.0, "exact"),
    ],
)
def test_qualifiers_and_numbers_in_words(phrase: str, value: float, qualifier: str) -> None:
    [observation] = parse_update_text(
        f"Russian casualties are now {phrase}.", published=date(2025, 6, 1), parser_version="t"
    )
    assert (observation.metric, observation.value, observation.qualifier) == ("casualties_cumulative", value, qualifier)


def test_killed_is_its_own_metric_but_killed_and_wounded_is_not() -> None:
    text = (
        "Russia has highly likely suffered 175,000-200,000 casualties (killed and wounded), "
        "including between 40,000 and 60,000 killed. There is a realistic possibility that up to a "
        "quarter of a million Russian personnel have been killed."
    )
    found = figures(text, date(2025, 5, 7))
    assert found[0][:1] + found[0][3:] == (
        "casualties_cumulative",
        187500.0,
        175000.0,
        200000.0,
        "range",
        "highly likely",
    )
    assert found[1][:1] + found[1][3:] == ("killed_cumulative", 50000.0, 40000.0, 60000.0, "range", "highly likely")
    # The second killed figure has the same key: the first statement of a key in an update is kept.
    assert len(found) == 2


def test_daily_average_of_a_named_month_and_of_a_month_without_year() -> None:
    text = (
        "Throughout April 2024, the average daily Russian casualty rate was 899 losses per day. "
        "Casualties stayed above 1,000 a day in March."
    )
    assert figures(text, date(2024, 5, 4)) == [
        ("casualties_daily_avg", date(2024, 4, 1), date(2024, 4, 30), 899.0, None, None, "exact", None),
        # "in March" with no year: the latest March ending on or before the bulletin's date.
        ("casualties_daily_avg", date(2024, 3, 1), date(2024, 3, 31), 1000.0, None, None, "over", None),
    ]
    # "in May" in an update of 20 May: last year's May by the letter of the rule, this May so far by
    # its sense. Which one is meant cannot be told: kept for review, not loaded.
    this_month = read_update_text("Losses averaged 1,300 per day in May.", published=date(2025, 5, 20),
                                  parser_version="t")
    assert this_month.observations == [] and "vague" in this_month.unread[0].reason
    late_in_year = figures("Losses averaged 1,300 per day in May.", date(2025, 6, 20))
    assert late_in_year[0][1:3] == (date(2025, 5, 1), date(2025, 5, 31))


def test_casualties_in_period_spans_named_months_and_years() -> None:
    text = (
        "Russia likely suffered approximately 160,000 casualties in January–April 2025. "
        "Across 2024 Russian casualties were approximately 430,000. "
        "Russian forces lost about 100,000 personnel in the first quarter of 2025."
    )
    assert [f[:4] for f in figures(text, date(2025, 5, 7))] == [
        ("casualties_in_period", date(2025, 1, 1), date(2025, 4, 30), 160000.0),
        ("casualties_in_period", date(2024, 1, 1), date(2024, 12, 31), 430000.0),
        ("casualties_in_period", date(2025, 1, 1), date(2025, 3, 31), 100000.0),
    ]


def test_since_a_date_runs_to_the_bulletin_date() -> None:
    found = figures("Russia has lost roughly 200,000 casualties since 1 January 2025.", date(2025, 6, 10))
    assert found[0][:4] == ("casualties_in_period", date(2025, 1, 1), date(2025, 6, 10), 200000.0)


def test_territory_figures_each_take_their_own_period() -> None:
    text = (
        "Russian forces likely gained 143 sq km of Ukrainian territory in March 2025, an average of "
        "less than 5 square kilometres per day, against more than 700 sq km in November 2024."
    )
    assert figures(text, date(2025, 4, 5)) == [
        ("territory_gained", date(2025, 3, 1), date(2025, 3, 31), 143.0, None, None, "exact", "likely"),
        ("territory_gain_rate", date(2025, 3, 1), date(2025, 3, 31), 5.0, None, None, "under", "likely"),
        ("territory_gained", date(2024, 11, 1), date(2024, 11, 30), 700.0, None, None, "over", "likely"),
    ]


def test_square_miles_are_converted_and_the_quote_keeps_the_words() -> None:
    [observation] = parse_update_text(
        "In October 2024 Russia seized about 200 square miles.", published=date(2024, 11, 2), parser_version="t"
    )
    assert observation.value == pytest.approx(518.0, abs=0.01)
    assert observation.unit == "km2"
    assert "200 square miles" in observation.quote


def test_probability_word_nearest_before_the_figure_is_the_confidence() -> None:
    text = (
        "Russia almost certainly retains the initiative, and has highly likely suffered over 600,000 "
        "casualties since the start of the invasion."
    )
    [observation] = parse_update_text(text, published=date(2024, 9, 1), parser_version="t")
    assert observation.confidence == "highly likely"


def test_figures_without_a_period_or_unit_are_skipped_not_guessed() -> None:
    text = (
        "Russian forces have deployed 12 brigades near Pokrovsk, losing many personnel. "
        "Russian losses were 1,200 per day. "  # a daily average needs its period
        "The offensive covered 30 km of front. Russia may have lost two months of progress."
    )
    assert figures(text, date(2024, 9, 1)) == []


def test_dates_and_years_are_never_figures() -> None:
    text = "On 24 February 2022 Russia invaded; by 04 May 2024 it had suffered over 465,000 casualties."
    found = figures(text, date(2024, 5, 4))
    assert [f[3] for f in found] == [465000.0]


def test_kremlin_claims_are_claimed_and_ukrainian_gains_are_kept_for_review() -> None:
    claims = parse_update_text(
        "Russian officials claimed that Russian forces seized 4,900 sq km in 2024.",
        published=date(2025, 1, 5),
        parser_version="t",
    )
    assert [(o.assessment, o.subject, o.value) for o in claims] == [("claimed", "RU", 4900.0)]
    ukrainian = read_update_text(
        "Ukrainian forces likely recaptured approximately 50 sq km near Kupiansk in September 2022.",
        published=date(2022, 10, 1),
        parser_version="t",
    )
    # The catalogue counts Russian gains: a Ukrainian one is kept for review, not loaded.
    assert ukrainian.observations == []
    assert [(u.value, "Ukrainian forces" in u.reason) for u in ukrainian.unread] == [(50.0, True)]


def test_line_breaks_and_decimals_do_not_split_sentences() -> None:
    assert split_sentences("Russia has likely suffered\n1.1 million casualties. A second one.") == [
        "Russia has likely suffered 1.1 million casualties.",
        "A second one.",
    ]


def test_plain_text_document_takes_its_date_from_the_wrapper_or_the_argument() -> None:
    body = (
        "Latest Defence Intelligence update on the situation in Ukraine – 04 May 2024\n\n"
        "Russia has likely suffered over 465,000 casualties."
    ).encode()
    [from_wrapper] = parse(body, sha256="abc", url="file:update.txt")
    assert (from_wrapper.published_at, from_wrapper.period_end) == (date(2024, 5, 4), date(2024, 5, 4))
    assert (from_wrapper.document_sha256, from_wrapper.parser_version) == ("abc", PARSER_VERSION)
    [from_argument] = parse(b"Russia has likely suffered over 465,000 casualties.", published=date(2024, 5, 3))
    assert from_argument.period_end == date(2024, 5, 3)


def test_undated_text_and_unreadable_documents_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="no date"):
        parse_text("Russia has likely suffered over 465,000 casualties.")
    with pytest.raises(ValueError, match="not JSON"):
        parse(b"{not json")
    with pytest.raises(ValueError, match=r"not an RSS 2\.0 feed"):
        parse(b"<html><body>hello</body></html>")
    with pytest.raises(ValueError, match="binary"):
        parse(b"GIF89a\x00\x01\x02")
