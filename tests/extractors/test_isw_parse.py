"""ISW parsing: the three layouts, footnotes, units, periods, claims, and what is not a figure."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from extractors.isw import PARSER_VERSION, SOURCE, ReportBodyNotFound, clean_text, parse, split_sentences
from extractors.isw import read as read_report
from extractors.observation import Observation

FIXTURES = Path(__file__).parent / "fixtures" / "isw"


def read(name: str, **kwargs: object) -> list[Observation]:
    return parse((FIXTURES / name).read_bytes(), **kwargs)  # type: ignore[arg-type]


def rows(observations: list[Observation]) -> list[tuple[object, ...]]:
    """The fields a wrong parse would change, one tuple per observation, in document order."""
    return [
        (o.metric, o.subject, o.period_start.isoformat(), o.period_end.isoformat(), o.value, o.value_low,
         o.value_high, o.qualifier, o.assessment)
        for o in observations
    ]


def page(*paragraphs: str, head: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head>{head}</head><body><div class='entry-content'>{body}</div></body></html>".encode()


def test_old_drupal_layout():
    url = "https://understandingwar.org/backgrounder/russian-offensive-campaign-assessment-april-1-2025"
    observations = read("old_drupal_2025-04-01.html", url=url, sha256="ab" * 32)

    assert rows(observations) == [
        # "in March" with no year, in a report of April 1, 2025: March 2025.
        ("territory_gained", "RU", "2025-03-01", "2025-03-31", 203.0, None, None, "exact", "assessed"),
        ("territory_gained", "RU", "2024-01-01", "2024-12-31", 4168.0, None, None, "exact", "assessed"),
        ("territory_gained", "RU", "2024-01-01", "2024-12-31", 4900.0, None, None, "exact", "claimed"),
    ]
    first = observations[0]
    assert first.quote == (
        "ISW assesses that Russian forces gained 203 square kilometers in March, a notably lower monthly "
        "total than in the winter months."
    )
    assert (first.source, first.parser_version, first.unit) == (SOURCE, PARSER_VERSION, "km2")
    assert first.published_at == date(2025, 4, 1)  # from the "April 1, 2025, 6:15pm ET" header line
    assert (first.url, first.document_sha256) == (url, "ab" * 32)
    # Numeric footnote markers, bare and inside <sup>, are gone from the quotes.
    assert observations[1].quote.endswith("of Ukraine's territory.")
    assert observations[2].quote == (
        "Russian President Vladimir Putin claimed on March 27 that Russian forces seized 4,900 square "
        "kilometers in 2024."
    )


def test_new_wordpress_layout_with_unknown_classes():
    observations = read("wordpress_2025-06-02.html")

    assert rows(observations) == [
        # Two figures in one sentence, both read.
        ("territory_gained", "RU", "2025-05-01", "2025-05-31", 499.28, None, None, "exact", "assessed"),
        ("casualties_in_period", "RU", "2025-05-01", "2025-05-31", 35370.0, None, None, "exact", "assessed"),
        ("casualties_per_km2", "RU", "2025-05-01", "2025-05-31", 71.0, None, None, "approximately", "assessed"),
        ("territory_gain_rate", "RU", "2025-05-01", "2025-05-31", 16.0, None, None, "approximately", "assessed"),
        # (Ukrainian gains of about 15 sq mi are kept for review: the catalogue counts Russian gains.)
        ("territory_gained", "RU", "2025-01-01", "2025-06-02", 1650.0, 1600.0, 1700.0, "range", "assessed"),
        # (The "Unconfirmed claims:" paragraph's 12 km² "near Kotlyne" is one sector's: kept for review.)
        # "The Russian MoD stated ... up to 40 ... in the past month" = May, claimed.
        ("territory_gained", "RU", "2025-05-01", "2025-05-31", 40.0, None, None, "up_to", "claimed"),
    ]
    assert {o.published_at for o in observations} == {date(2025, 6, 2)}  # article:published_time
    assert observations[0].quote == observations[1].quote
    assert [o.unit for o in observations[:4]] == ["km2", "persons", "persons_per_km2", "km2_per_day"]
    # The aside's teaser ("900 square kilometers in 2023") is not part of the article body.
    assert 900.0 not in [o.value for o in observations]


def test_criticalthreats_mirror_with_roman_footnotes():
    observations = read("criticalthreats_2024-11-27.html")

    assert rows(observations) == [
        ("territory_gained", "RU", "2024-11-01", "2024-11-27", 574.0, None, None, "exact", "assessed"),
        ("territory_gain_rate", "RU", "2024-11-01", "2024-11-27", 22.0, None, None, "approximately", "assessed"),
        # 1,000 square miles over the four whole months before November.
        ("territory_gained", "RU", "2024-07-01", "2024-10-31", 2589.99, None, None, "approximately", "assessed"),
        # The milbloggers' 60 km² "in the Kurakhove direction" (one sector's) and Ukrainian casualties
        # ("about 3,000 in October") are kept for review, not loaded.
    ]
    assert observations[0].published_at == date(2024, 11, 27)  # from <time datetime>
    unread = read_report((FIXTURES / "criticalthreats_2024-11-27.html").read_bytes()).unread
    assert [(u.value, u.reason.split(":")[0]) for u in unread] == [
        (60.0, "a figure for one direction or area of the front, not the whole of it"),
        (3000.0, "a figure about Ukrainian forces"),
    ]
    # "[iii]" glued to a word mid-sentence and "[iv]" after a period are both stripped.
    assert unread[0].quote == (
        "Russian milbloggers claimed that Russian forces seized over 60 square kilometers in the Kurakhove "
        "direction in the past week, but ISW has not observed confirmation of this claim."
    )


def test_report_without_figures_yields_nothing():
    assert read("no_figures.html") == []
    with pytest.raises(ReportBodyNotFound, match="no report body found"):
        parse(b"<html><body><p>Short.</p></body></html>", published=date(2025, 1, 1))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty document"),
        (b"  \n\t ", "empty document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary document"),
        ((FIXTURES / "challenge.html").read_bytes(), "challenge page"),
    ],
)
def test_what_cannot_be_a_report_is_a_clear_error(body: bytes, message: str):
    with pytest.raises(ValueError, match=message):
        parse(body, published=date(2025, 1, 1))


def test_figures_without_any_date_are_an_error_naming_the_document():
    body = page("Russian forces gained 203 square kilometers in March.")
    with pytest.raises(ValueError, match=r"report\.html: cannot date the report"):
        parse(body, url="file:///tmp/report.html")


def test_published_argument_wins_and_url_slug_is_the_last_resort():
    body = page("Russian forces gained 203 square kilometers in March.")
    by_argument = parse(body, published=date(2024, 4, 2))
    by_slug = parse(body, url="https://understandingwar.org/backgrounder/russian-offensive-campaign-assessment-april-2")
    assert [(o.period_start, o.published_at) for o in by_argument] == [(date(2024, 3, 1), date(2024, 4, 2))]
    assert [(o.period_start, o.published_at) for o in by_slug] == [(date(2022, 3, 1), date(2022, 4, 2))]


def test_stated_data_cutoff_ends_so_far_periods():
    body = page(
        "Note: The data cut-off for this product was 2:30pm ET on March 30.",
        "Russian forces have gained roughly 1,627 square kilometers so far in 2025.",
    )
    (observation,) = parse(body, published=date(2025, 4, 1))
    assert (observation.period_start, observation.period_end) == (date(2025, 1, 1), date(2025, 3, 30))


@pytest.mark.parametrize(
    "sentence",
    [
        "Russian forces advanced within 10 kilometers of Pokrovsk in March 2025.",
        "Kursk Oblast covers roughly 29,997 square kilometers.",  # an area, but no gain and no period
        "Russian forces advanced near Kupyansk in Kharkiv Oblast, which spans 31,415 square kilometers.",
        "The 2024 casualties reported by Russian sources in 2025 were lower than Ukraine's figures.",
        "Russian forces destroyed 12 square kilometers of forest in March 2025.",  # no gain word
        "Russian forces gained 30 square kilometers per week in March 2025.",  # not a catalogue rate
        "Russian forces conducted 203 attacks in March 2025 and launched 4,168 drones in 2024.",
    ],
)
def test_numbers_that_are_not_catalogue_figures_are_ignored(sentence: str):
    assert parse(page(sentence), published=date(2025, 4, 1)) == []


@pytest.mark.parametrize(
    ("sentence", "assessment", "subject"),
    [
        ("Putin claimed that Russian forces seized 4,900 square kilometers in 2024.", "claimed", "RU"),
        ("Russian forces seized 4,900 square kilometers in 2024, Putin claimed.", "claimed", "RU"),
        ("Chief of the Russian General Staff Army General Valery Gerasimov stated on March 26 that Russian forces "
         "liberated 3,500 square kilometers in 2024.", "claimed", "RU"),
        ("Russian forces captured 4,900 square kilometers in 2024, according to the Kremlin.", "claimed", "RU"),
        ("Putin claimed that Russian forces seized 4,900 square kilometers in 2024, but ISW assessed that "
         "Russian forces gained 4,168 square kilometers in 2024.", None, "RU"),
        ("ISW reported that Russian forces gained 4,168 square kilometers in 2024.", "assessed", "RU"),
        ("Ukrainian forces lost 60 square kilometers in March 2025.", "assessed", "RU"),
    ],
)
def test_claims_and_subjects(sentence: str, assessment: str | None, subject: str):
    observations = parse(page(sentence), published=date(2025, 4, 1))
    if assessment is None:  # the claim stays claimed, ISW's own figure stays assessed
        assert [(o.value, o.assessment) for o in observations] == [(4900.0, "claimed"), (4168.0, "assessed")]
    else:
        assert [(o.assessment, o.subject) for o in observations] == [(assessment, subject)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Ukrainian forces recaptured 60 square kilometers in March 2025.",
        "Zelensky stated that Ukrainian forces liberated 60 square kilometers in March 2025.",
        "Ukrainian forces suffered approximately 3,000 casualties in October 2024, Russian sources claimed.",
    ],
)
def test_figures_about_ukrainian_forces_are_kept_for_review_not_loaded(sentence: str):
    reading = read_report(page(sentence), published=date(2025, 4, 1))
    assert reading.observations == []
    [unread] = reading.unread
    assert "Ukrainian forces" in unread.reason and unread.quote == sentence


def test_footnote_markers_are_stripped_however_they_are_glued():
    assert clean_text("gained 203 square kilometers.[4] Russian") == "gained 203 square kilometers. Russian"
    assert clean_text("kilometers[iv] in March") == "kilometers in March"
    assert clean_text("kilometers[xii]and more [12] [IX].") == "kilometers and more."
    assert clean_text("a\xa0list [sic] [2024]") == "a list [sic] [2024]"  # not footnote markers


def test_split_sentences_keeps_abbreviations_and_decimals():
    text = "Lt. Gen. Ivanov said Russian forces gained 499.28 km2. U.S. officials disagreed. Next one."
    assert split_sentences(text) == [
        "Lt. Gen. Ivanov said Russian forces gained 499.28 km2.",
        "U.S. officials disagreed.",
        "Next one.",
    ]


def test_key_takeaways_repeating_a_figure_yield_one_observation():
    body = page(
        "Russian forces gained approximately 200 square kilometers in March 2025.",
        "Russian forces gained 203 square kilometers in March 2025.",
    )
    observations = parse(body, published=date(2025, 4, 1))
    assert [(o.value, o.qualifier) for o in observations] == [(203.0, "exact")]


def test_parse_path_imports_no_heavy_framework():
    code = (
        "import sys, extractors.isw, extractors.reading.numbers, extractors.reading.periods; "
        "print(sorted(m for m in ('prefect', 'great_expectations', 'duckdb', 'pandas') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == "[]"


def test_undated_report_without_figures_is_no_error():
    assert parse(page("Russian forces mined 3 km of road near Pokrovsk.")) == []


def test_a_report_split_into_section_blocks_of_unknown_classes_is_read_whole():
    # A new layout: each section its own block, none of them a known container, a sidebar and a
    # newsletter box beside them. The report is the element holding most of the page's paragraphs.
    section = "<section class='rs-q{n}'><h2>{title}</h2><p>{text}</p><p>{filler}</p></section>"
    filler = "Russian forces continued offensive operations along the front line on the day, without advancing. " * 3
    body = "".join(section.format(n=n, title=title, text=text, filler=filler) for n, (title, text) in enumerate([
        ("Toplines", "Russian forces gained 203 square kilometers in March 2025."),
        ("Kupyansk direction", "Russian forces attacked near Kupyansk on March 31."),
        ("Totals", "Russian forces have gained roughly 1,030 square kilometers so far in 2025."),
    ]))
    page_bytes = (
        "<html><head><meta property='article:published_time' content='2025-04-01T20:00:00-04:00'></head><body>"
        "<div class='rs-top'><p>Subscribe to receive our reports by email.</p></div>"
        f"<div class='rs-wrap'><div class='rs-col'>{body}</div></div>"
        "<div class='rs-side'><p>Related: an earlier report said Russian forces gained 900 square kilometers "
        "in 2023.</p></div></body></html>"
    ).encode()
    assert rows(parse(page_bytes)) == [
        ("territory_gained", "RU", "2025-03-01", "2025-03-31", 203.0, None, None, "exact", "assessed"),
        ("territory_gained", "RU", "2025-01-01", "2025-04-01", 1030.0, None, None, "approximately", "assessed"),
    ]
